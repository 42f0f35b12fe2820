"""The resource library: admins publish links and files by subject area and language; members find them.

Files are checked and stored by forum/connect/uploads.py. A stored file is written before its row is
committed and removed if the commit fails; a replaced or deleted resource's file is removed after
the commit, so a failed transaction never leaves a row without its file.
"""
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from forum import params, permissions
from forum.connect import uploads
from forum.connect.watching import category_watchers
from forum.extensions import db
from forum.models import LANGUAGES, Category, Resource, utcnow
from forum.notifications import kinds
from forum.notifications.notices import notify
from forum.notifications.outbox import commit

PER_PAGE = 20


def subject_areas():
    """The ILEA subject areas (categories of the "subject" group), in display order."""
    return db.session.scalars(select(Category).where(Category.group == "subject", Category.archived.is_(False))
                              .order_by(Category.position, Category.id)).all()


def filters_from(args):
    """The browsing filters in the query string, unknown values ignored."""
    subject, language = params.int_arg("subject", source=args), args.get("lang")
    words = (args.get("q") or "").strip()[:100]
    return {"subject": subject if subject and db.session.get(Category, subject) else None,
            "lang": language if language in LANGUAGES else None, "q": words or None}


def page_of(filters, page):
    """A page of resources matching the filters, newest first."""
    query = select(Resource).options(db.joinedload(Resource.subject))
    if filters.get("subject"):
        query = query.where(Resource.subject_id == filters["subject"])
    if filters.get("lang"):
        query = query.where(Resource.language == filters["lang"])
    if filters.get("q"):
        query = query.where(or_(Resource.title.icontains(filters["q"], autoescape=True),
                                Resource.description.icontains(filters["q"], autoescape=True)))
    return db.paginate(query.order_by(Resource.created_at.desc(), Resource.id.desc()), page=page,
                       per_page=PER_PAGE, error_out=False)


def _apply(resource, fields, checked):
    resource.title, resource.description = fields["title"], fields["description"] or ""
    resource.subject_id, resource.language = fields["subject"], fields["language"]
    resource.updated_at = utcnow()
    old_file = resource.stored_name
    if checked is not None:
        resource.url = None
        resource.stored_name = uploads.store(checked)
        resource.original_filename, resource.content_type, resource.size = (
            checked.original_filename, checked.content_type, checked.size)
    elif fields.get("url"):
        resource.url = fields["url"]
        resource.stored_name = resource.original_filename = resource.content_type = resource.size = None
    return old_file if old_file != resource.stored_name else None


def _commit(new_file, old_file=None):
    """Commit (and send the announcement's e-mails); on failure the new file goes, the old one stays."""
    try:
        commit()
    except Exception:
        db.session.rollback()
        uploads.remove(new_file)
        raise
    uploads.remove(old_file)


def publish(admin, fields, checked=None, announce=False):
    """Publish a resource (a link, or a checked file); optionally tell the subject's watchers."""
    permissions.require(permissions.is_admin(admin))
    resource = Resource(created_by_id=admin.id, created_at=utcnow())
    _apply(resource, fields, checked)
    stored_name = resource.stored_name
    db.session.add(resource)
    try:
        db.session.flush()
        if announce:
            _announce(admin, resource)
    except Exception:
        db.session.rollback()
        uploads.remove(stored_name)
        raise
    _commit(stored_name)
    return resource


def update(admin, resource, fields, checked=None):
    """Change a resource; a new file or a link replaces its file."""
    permissions.require(permissions.is_admin(admin))
    old_file = _apply(resource, fields, checked)
    _commit(resource.stored_name if checked is not None else None, old_file)
    return resource


def delete(admin, resource):
    """Delete a resource and its file."""
    permissions.require(permissions.is_admin(admin))
    stored_name = resource.stored_name
    db.session.delete(resource)
    _commit(None, stored_name)


def _announce(admin, resource):
    """Notify the members who watch the resource's subject area (in-app, and by e-mail if they wish)."""
    watchers = [member for member in category_watchers(resource.subject_id) if member.id != admin.id]
    subject = db.session.get(Category, resource.subject_id)
    notify(watchers, "resource_published", resource_id=resource.id, title=resource.title, subject=subject.name)


def describe(notification, external=False):
    data = notification.data
    subject_name = data["subject"]  # a category's name, translated
    text = _("A new resource in %(subject)s: %(title)s", subject=_(subject_name), title=data["title"])
    return {"text": text, "url": url_for("resources.resource", resource_id=data["resource_id"], _external=external)}


kinds.register("resource_published", describe=describe, subject=_l("A new resource in the library"),
               optional=_l("A new resource in a subject area I watch"))
