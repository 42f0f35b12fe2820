"""The portal's founding content: the Code of Conduct and the categories.

Strings are marked with N_ so they are extracted for translation; the database keeps the English,
and templates translate it on display (an admin's later wording simply shows as written).
"""
from sqlalchemy import select

from forum.extensions import db
from forum.i18n import N_
from forum.models import Category, ConductRule, ConductVersion
from forum.notifications.outbox import commit

CONDUCT_TITLE = N_("ILEA Global Alumni Portal – Code of Conduct")
CONDUCT_INTRODUCTION = N_(
    "The ILEA Global Alumni Portal is a place that promotes professionalism, responsibility, and "
    "respect in a safe virtual learning and networking environment. All participants who visit the "
    "platform have the right to be safe and feel secure at all times.\n\n"
    "Your conduct while visiting the Alumni Portal website, participating in the discussion, sharing "
    "stories and best practices, is a direct reflection of you, your organisation, your department, "
    "and your country. Therefore, it is incumbent upon you to conduct yourself in such a manner as to "
    "bring credit to yourself and those you represent. We expect you to do your best as an ILEA "
    "Alumni to adhere to the Code of Conduct while visiting the Global Alumni Portal. The following "
    "conduct is not acceptable on the Alumni Portal:"
)
CONDUCT_CLOSING = N_(
    "Any violation of the rules of conduct, and/or conduct unbecoming of law enforcement officials "
    "may result in your immediate dismissal from the Alumni Portal."
)
CONDUCT_RULES = [
    ("honor-code", N_("Honor Code violations"), N_("Cheating or violating the ILEA Honor Code")),
    ("intellectual-property", N_("Intellectual property"),
     N_("Stealing or using another’s intellectual property without permission")),
    ("disrespect", N_("Disrespect"),
     N_("Disrespect, defiance, or belligerence directed at another Alumni, instructor, staff or any "
        "other member of the Portal")),
    ("discredit", N_("Discredit to the ILEA"),
     N_("Engaging in conduct that is prejudicial to good order and discipline or is of a nature to "
        "bring discredit upon the ILEA")),
    ("it-misuse", N_("Misuse of IT resources"),
     N_("Inappropriate or unauthorized use of ILEA information technology resources")),
    ("threats", N_("Threats and incitement to violence"),
     N_("Making public statements which threaten or incite violence against any group or individual "
        "distinguished by race, sex, color, religion, ethnic origin, or sexual orientation")),
]

# (slug, name, description, group, staff_only)
CATEGORIES = [
    ("announcements", N_("Announcements"),
     N_("News from the ILEA Global Network and the portal team."), "general", True),
    ("general", N_("General"), N_("Introductions, questions and conversation among alumni."), "general", False),
    ("leadership-management", N_("Leadership and management"),
     N_("Leading teams and agencies, managing change and resources."), "subject", False),
    ("criminal-investigations", N_("Criminal investigations"),
     N_("Investigative techniques, evidence and case management."), "subject", False),
    ("counterterrorism", N_("Counterterrorism"),
     N_("Prevention, response and international cooperation against terrorism."), "subject", False),
    ("counternarcotics", N_("Counternarcotics"),
     N_("Drug trafficking routes, interdiction and demand reduction."), "subject", False),
    ("bias-motivated-crimes", N_("Responding to bias-motivated crimes"),
     N_("Recognising, investigating and preventing hate crimes."), "subject", False),
    ("corruption-financial-crimes", N_("Corruption and financial crimes"),
     N_("Anti-corruption work, money laundering and asset recovery."), "subject", False),
    ("women-in-law-enforcement", N_("Women in law enforcement"),
     N_("Women's issues in policing and criminal justice."), "subject", False),
    ("human-trafficking", N_("Human trafficking"),
     N_("Identifying victims, prosecuting traffickers, cross-border cooperation."), "subject", False),
    ("wildlife-trafficking", N_("Wildlife trafficking"),
     N_("Protecting wildlife and disrupting the illegal trade."), "subject", False),
    ("cybercrime", N_("Cybercrime"), N_("Digital investigations, cyber threats and electronic evidence."),
     "subject", False),
    ("emerging-trends", N_("Emerging trends"),
     N_("Emerging trends and topics of regional interest."), "subject", False),
    ("academy-budapest", N_("ILEA Budapest"),
     N_("Alumni of the academy in Budapest, Hungary, serving Europe since 1995."), "academy", False),
    ("academy-bangkok", N_("ILEA Bangkok"), N_("Alumni of the academy in Bangkok, Thailand, serving Asia."),
     "academy", False),
    ("academy-gaborone", N_("ILEA Gaborone"),
     N_("Alumni of the academy in Gaborone, Botswana, serving Africa."), "academy", False),
    ("academy-san-salvador", N_("ILEA San Salvador"),
     N_("Alumni of the academy in San Salvador, El Salvador, serving Latin America."), "academy", False),
    ("academy-roswell", N_("ILEA Roswell"),
     N_("Alumni of the senior-level academy in Roswell, New Mexico, United States."), "academy", False),
]


def seed_portal():
    """Create the first Code of Conduct and the categories if missing. Safe to run again."""
    created = []
    if db.session.scalar(select(ConductVersion.id).limit(1)) is None:
        version = ConductVersion(number=1, title=CONDUCT_TITLE, introduction=CONDUCT_INTRODUCTION,
                                 closing=CONDUCT_CLOSING)
        version.rules = [ConductRule(code=code, position=i, title=title, text=text)
                         for i, (code, title, text) in enumerate(CONDUCT_RULES, start=1)]
        db.session.add(version)
        created.append("Code of Conduct v1")
    existing = set(db.session.scalars(select(Category.slug)))
    for position, (slug, name, description, group, staff_only) in enumerate(CATEGORIES, start=1):
        if slug not in existing:
            db.session.add(Category(slug=slug, name=name, description=description, group=group,
                                    staff_only=staff_only, position=position))
            created.append(f"category {slug}")
    commit()
    return created
