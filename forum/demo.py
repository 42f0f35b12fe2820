"""Demo data for `make run`: alumni across the five academies, and threads of all three kinds."""
import os
import random
import secrets

from sqlalchemy import select

from forum import conduct
from forum.accounts import services as account_services
from forum.config import instance_secret
from forum.discussions import services
from forum.extensions import db
from forum.messages import services as messages
from forum.models import Category, ConductAcceptance, User
from forum.notifications.outbox import commit
from forum.seed import seed_portal

DEMO_ACCOUNTS = [
    # username, role, display name, academy, country, agency, language
    ("member", "member", "Ana Kovács", "budapest", "Hungary", "National Police", "en"),
    ("member2", "member", "Somchai Prasert", "bangkok", "Thailand", "Royal Thai Police", "th"),
    ("member3", "member", "María Fernández", "san-salvador", "Colombia", "Fiscalía General", "es"),
    ("moderator", "moderator", "Kagiso Molefe", "gaborone", "Botswana", "Botswana Police Service", "en"),
    ("admin", "admin", "Portal Administrator", "roswell", "United States", "ILEA Roswell", "en"),
]

_ALUMNI_BY_ACADEMY = {
    "budapest": (["Hungary", "Poland", "Romania", "Ukraine", "Georgia", "Moldova", "Serbia", "Albania"],
                 ["Péter", "Katarzyna", "Andrei", "Olena", "Giorgi", "Elena", "Marko", "Arben"],
                 ["Nagy", "Nowak", "Popescu", "Shevchenko", "Beridze", "Rusu", "Petrović", "Hoxha"], "en"),
    "bangkok": (["Thailand", "Vietnam", "Philippines", "Indonesia", "Cambodia", "Malaysia", "Laos"],
                ["Niran", "Linh", "Maria", "Budi", "Sokha", "Aisyah", "Khamla"],
                ["Chaiyaporn", "Nguyen", "Santos", "Santoso", "Chan", "Rahman", "Vongsa"], "th"),
    "gaborone": (["Botswana", "Kenya", "Nigeria", "Ghana", "Zambia", "Namibia", "Senegal"],
                 ["Neo", "Wanjiru", "Chinedu", "Kwame", "Mwila", "Tjiuee", "Awa"],
                 ["Kgosi", "Otieno", "Okafor", "Mensah", "Banda", "Shikongo", "Diop"], "en"),
    "san-salvador": (["El Salvador", "Guatemala", "Honduras", "Mexico", "Peru", "Brazil", "Dominican Republic"],
                     ["Carlos", "Lucía", "José", "Gabriela", "Rafael", "João", "Daniela"],
                     ["Hernández", "Morales", "Castillo", "Ramírez", "Vargas", "Silva", "Pérez"], "es"),
    "roswell": (["Mozambique", "Côte d'Ivoire", "Morocco", "Portugal", "Jordan", "Mongolia", "Chile"],
                ["Tomás", "Aminata", "Youssef", "Inês", "Omar", "Bat-Erdene", "Catalina"],
                ["Machava", "Koné", "El Idrissi", "Costa", "Haddad", "Ganbold", "Rojas"], "pt"),
}

# (category slug, kind, title, body, replies)
DEMO_THREADS = [
    ("general", "discussion", "Introduce yourself: which class were you in?",
     "Welcome to the new portal! Tell us your **academy**, your class and what you work on today.",
     ["Budapest, session 112. I now lead a cybercrime unit.", "Gaborone, 2019. Border policing."]),
    ("criminal-investigations", "best_practice", "Chain of custody checklist for digital evidence",
     "What works for us:\n\n1. Photograph the device *in place*\n2. Isolate it from networks\n"
     "3. Record every hand-over with time and signature\n\n> Evidence that cannot be traced is no evidence.",
     ["We added hash values to the hand-over form. Courts appreciated it.",
      "Useful list, thank you. Do you use a standard form?"]),
    ("human-trafficking", "story", "How a hotline call opened a cross-border case",
     "A receptionist called our hotline about a group of young workers. Six months later, "
     "three countries had worked together to close a trafficking network.",
     ["Great outcome. Which channel did you use to reach the other countries?"]),
    ("leadership-management", "discussion", "Leading a unit through a reorganisation",
     "Our agency is merging two directorates. How did you keep your team motivated?",
     ["Talk to every team member one by one, early.", "Be honest about what you do not know yet."]),
    ("cybercrime", "best_practice", "Training patrol officers to preserve volatile data",
     "A one-day course for first responders halved the number of devices switched off at scenes.", []),
    ("corruption-financial-crimes", "discussion", "Asset recovery across jurisdictions",
     "What has helped you get assets frozen abroad quickly? Mutual legal assistance takes months here.",
     ["Informal contacts from our ILEA class made the formal request much faster."]),
    ("wildlife-trafficking", "story", "Pangolin scales at the airport",
     "Sniffer dogs trained on scales found 40 kg in checked luggage last spring.", []),
    ("academy-san-salvador", "discussion", "Reencuentro de la promoción 2018",
     "¿Quién se apunta a un encuentro virtual de nuestra promoción el próximo mes?",
     ["¡Cuenten conmigo!", "Propongo el último viernes del mes."]),
    ("academy-bangkok", "story", "ประสบการณ์จากหลักสูตรที่กรุงเทพฯ",
     "หลักสูตรนี้ช่วยให้ผมได้รู้จักเพื่อนร่วมงานจากหลายประเทศ และเรายังติดต่อกันอยู่ทุกวันนี้",
     ["ขอบคุณที่แบ่งปันครับ"]),
    ("academy-roswell", "best_practice", "Partilha de informação entre agências",
     "Criámos um ponto de contacto único para pedidos internacionais. Os prazos de resposta caíram para metade.",
     []),
    ("counternarcotics", "discussion", "Synthetic drugs: are you seeing new precursors?",
     "We see more precursor chemicals shipped as *industrial solvents*. Anyone else?",
     ["Same pattern in our ports since last year."]),
    ("academy-budapest", "discussion", "Rencontre des anciens de Budapest",
     "Bonjour à tous ! Les anciens francophones de Budapest pourraient se retrouver ici.", []),
]

# Threads in the portal's other languages, by alumni who speak them: (language, slug, kind, title, body, replies).
DEMO_THREADS_IN_LANGUAGES = [
    ("es", "counternarcotics", "best_practice", "Coordinación regional en operaciones antidrogas",
     "En nuestra unidad, una **reunión semanal** con las fiscalías de los países vecinos redujo a la mitad "
     "el tiempo de respuesta a las solicitudes de asistencia.",
     ["Muy útil. ¿Cómo gestionan la confidencialidad de la información compartida?"]),
    ("fr", "leadership-management", "story", "Diriger une brigade après une réorganisation",
     "Après la fusion de deux services, nous avons instauré des *binômes* mêlant les anciens des deux "
     "unités. En six mois, la confiance est revenue.",
     ["Merci pour ce retour d'expérience. Combien de temps ont duré les binômes ?"]),
    ("th", "academy-bangkok", "discussion", "ศิษย์เก่า ILEA กรุงเทพฯ รุ่นปี 2562",
     "ขอเชิญศิษย์เก่ารุ่นปี 2562 แนะนำตัวและแบ่งปันงานที่ท่านรับผิดชอบอยู่ในปัจจุบัน",
     ["สวัสดีครับ ปัจจุบันผมทำงานด้านการสืบสวนอาชญากรรมทางเทคโนโลยี"]),
    ("pt", "human-trafficking", "best_practice", "Entrevistas a vítimas de tráfico: o que aprendemos",
     "Entrevistar a vítima num local neutro, com um intérprete de confiança, mudou a qualidade dos "
     "depoimentos que recolhemos.",
     ["Concordo. Também usamos salas de entrevista adaptadas a menores."]),
]


def demo_password():
    """DEMO_PASSWORD from the environment, else one generated once and kept in instance/."""
    return os.environ.get("DEMO_PASSWORD") or instance_secret("demo-password")


def _accept_conduct_for(users):
    version = conduct.current_conduct()
    for user in users:
        db.session.add(ConductAcceptance(user_id=user.id, version_id=version.id))
    commit()


def _create_alumni(rng, password_hash):
    alumni = []
    for academy, (countries, first_names, last_names, language) in _ALUMNI_BY_ACADEMY.items():
        for i in range(10):
            first, last = rng.choice(first_names), rng.choice(last_names)
            username = f"{first}.{last}".lower().encode("ascii", "ignore").decode().replace(" ", "")
            username = f"{username[:24]}{i}"
            alumni.append(User(
                username=username, email=f"{username}@alumni.example", password_hash=password_hash,
                display_name=f"{first} {last}", academy=academy, country=rng.choice(countries),
                graduation_year=rng.randint(1996, 2025), class_session=f"Session {rng.randint(1, 140)}",
                agency=rng.choice(["National Police", "Customs", "Prosecutor's Office", "Border Guard",
                                   "Financial Intelligence Unit", "Ministry of Interior"]),
                preferred_language=language,
            ))
    db.session.add_all(alumni)
    commit()
    return alumni


def seed_demo():
    """Create demo accounts and content once; later runs only reset the demo passwords."""
    seed_portal()
    password = demo_password()
    password_hash = account_services.hash_password(password)
    existing = {u.username: u for u in db.session.scalars(
        select(User).where(User.username.in_([a[0] for a in DEMO_ACCOUNTS])))}
    first_run = not existing
    for username, role, name, academy, country, agency, language in DEMO_ACCOUNTS:
        user = existing.get(username)
        if user is None:
            db.session.add(User(username=username, email=f"{username}@portal.example", role=role,
                                display_name=name, academy=academy, country=country, agency=agency,
                                preferred_language=language, password_hash=password_hash))
        else:
            user.password_hash = password_hash
    commit()
    if first_run:
        _seed_content()
    return password


def _seed_content():
    rng = random.Random(1995)  # reproducible demo data
    alumni = _create_alumni(rng, account_services.hash_password(secrets.token_urlsafe(16)))
    staff = db.session.scalars(select(User).where(User.username.in_(["moderator", "admin", "member2",
                                                                     "member3"]))).all()
    _accept_conduct_for(alumni + staff)
    categories = {c.slug: c for c in db.session.scalars(select(Category))}
    for slug, kind, title, body, replies in DEMO_THREADS:
        thread = services.create_thread(rng.choice(alumni), categories[slug], title, kind, body, "en")
        for text in replies:
            services.reply(rng.choice(alumni), thread, text, "en")
    for language, slug, kind, title, body, replies in DEMO_THREADS_IN_LANGUAGES:
        speakers = [member for member in alumni if member.preferred_language == language] or alumni
        thread = services.create_thread(rng.choice(speakers), categories[slug], title, kind, body, language)
        for text in replies:
            services.reply(rng.choice(speakers), thread, text, language)
    admin = next(u for u in staff if u.username == "admin")
    welcome = services.create_thread(
        admin, categories["announcements"], "Welcome to the ILEA Alumni Portal", "discussion",
        "The Alumni Portal is a resource for ILEA alumni to connect with the network of 70,000 ILEA "
        "graduates and access current resources for law enforcement professionals.\n\n"
        "Please read the [Code of Conduct](/conduct) before you post.", "en")
    services.set_thread_flags(admin, welcome, pinned=True)
    # A message waiting in the first demo member's inbox (answering asks her to accept the Code first).
    somchai = next(u for u in staff if u.username == "member2")
    messages.start_conversation(somchai, "member, moderator", "Checkpoint drills in Bangkok",
                                "Hello Ana! We met at the Bangkok session. Shall I share the checklist my unit uses?")
