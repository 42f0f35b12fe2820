"""The resource library's pages: members browse, search and download; admins publish, edit and delete."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum import params, permissions
from forum.connect import library, uploads
from forum.extensions import db
from forum.forms import ResourceForm
from forum.models import Resource

bp = Blueprint("resources", __name__)

# A downloaded file is never a page of the portal: no scripts, no plugins, nothing it may load.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


@bp.route("/resources")
def browse():
    """The library: resources by subject area and language, searched by words, newest first."""
    filters = library.filters_from(request.args)
    return render_template("resources/browse.html", resources=library.page_of(filters, params.page_arg()),
                           filters=filters, subjects=library.subject_areas())


@bp.route("/resources/<id:resource_id>")
def resource(resource_id):
    """One resource: its description, and the link or the file to download."""
    return render_template("resources/resource.html", resource=db.get_or_404(Resource, resource_id))


@bp.route("/resources/<id:resource_id>/download")
def download(resource_id):
    """The resource's file, as an attachment with the type its contents were found to be."""
    resource = db.get_or_404(Resource, resource_id)
    if not resource.is_file:
        abort(404)
    response = send_from_directory(uploads.upload_dir(), resource.stored_name, mimetype=resource.content_type,
                                   as_attachment=True, download_name=resource.original_filename, max_age=0)
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- administration ----------------------------------------------------------------------------

def _require_admin():
    permissions.require(permissions.is_admin(current_user))


@bp.route("/admin/resources")
def admin_list():
    """Every resource, newest first, with links to edit or delete."""
    _require_admin()
    return render_template("admin/resources.html", resources=library.page_of({}, params.page_arg()))


def _form(resource=None):
    form = ResourceForm(obj=resource)
    form.subject.choices = [(subject.id, _(subject.name)) for subject in library.subject_areas()]
    if request.method == "GET" and resource is not None:
        form.subject.data = resource.subject_id
    size = f"{current_app.config['RESOURCE_MAX_BYTES'] / 1024 / 1024:g}"
    form.file.description = _("PDF, image (PNG, JPEG, GIF, WebP) or office document (Word, Excel, PowerPoint, "
                              "OpenDocument), up to %(size)s MB.", size=size)
    if resource is not None and resource.is_file:
        form.file.description += " " + _("Leave empty to keep the current file.")
    return form


def _checked_file(form, resource):
    """The uploaded file, checked; None when no file was sent. Adds the form's errors."""
    upload = form.file.data
    has_file = upload is not None and getattr(upload, "filename", "")
    if has_file and form.url.data:
        form.url.errors.append(_("Give a link or a file, not both."))
        return None
    if not has_file:
        if not form.url.data and (resource is None or not resource.is_file):
            form.file.errors.append(_("Give a link or upload a file."))
        return None
    try:
        return uploads.check(upload)
    except uploads.UploadRefused as refused:
        form.file.errors.append(refused.message)
        return None


@bp.route("/admin/resources/new", methods=["GET", "POST"], defaults={"resource_id": None},
          endpoint="new_resource")
@bp.route("/admin/resources/<id:resource_id>/edit", methods=["GET", "POST"])
def edit_resource(resource_id):
    """Publish a resource, or change one."""
    _require_admin()
    resource = db.get_or_404(Resource, resource_id) if resource_id else None
    form = _form(resource)
    if form.validate_on_submit():
        checked = _checked_file(form, resource)
        if not form.file.errors and not form.url.errors:
            if resource is None:
                resource = library.publish(current_user, form.data, checked, announce=form.announce.data)
                flash(_("The resource is published."), "success")
            else:
                library.update(current_user, resource, form.data, checked)
                flash(_("The resource is saved."), "success")
            return redirect(url_for("resources.resource", resource_id=resource.id))
    return render_template("admin/resource_form.html", form=form, resource=resource, accept=uploads.ACCEPT)


@bp.route("/admin/resources/<id:resource_id>/delete", methods=["POST"])
def delete_resource(resource_id):
    """Delete a resource and its file."""
    _require_admin()
    library.delete(current_user, db.get_or_404(Resource, resource_id))
    flash(_("The resource is deleted."), "success")
    return redirect(url_for("resources.admin_list"))


@bp.errorhandler(413)
def too_large(error):
    """An upload far above the limit is cut off before the form is read: say so plainly."""
    size = f"{current_app.config['RESOURCE_MAX_BYTES'] / 1024 / 1024:g}"
    return render_template("errors/413.html", message=_(
        "The file is larger than %(size)s MB, the most the portal accepts.", size=size)), 413
