"""The resource library: admins publish links and files, members find and download them."""
import io
import stat
import zipfile
from pathlib import Path

import pytest

from forum.connect import uploads
from forum.connect.resources import DOWNLOAD_CSP
from forum.extensions import db
from forum.models import Resource, Watch
from forum.notifications.models import Delivery, Notification
from tests.conftest import category, page_text, signed_in, unescaped_page_text

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def docx():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def form(subject="cybercrime", **fields):
    return {"title": "Digital evidence handbook", "description": "Chain of custody for seized phones.",
            "subject": str(category(subject).id), "language": "es", "url": "", **fields}


def publish(client, filename="guía.pdf", data=PDF, **fields):
    return client.post("/admin/resources/new", data={**form(**fields), "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def only_resource():
    return db.session.scalar(db.select(Resource))


def test_an_admin_publishes_a_pdf_that_members_find_and_download(app, admin_client, member_client, upload_dir):
    response = publish(admin_client)
    resource = only_resource()
    assert response.status_code == 302 and response.location.endswith(f"/resources/{resource.id}")
    assert (resource.content_type, resource.size, resource.original_filename) == ("application/pdf", len(PDF),
                                                                                   "guía.pdf")

    found = {"subject": category("cybercrime").id, "lang": "es", "q": "CUSTODY"}
    for name, value in found.items():
        assert "Digital evidence handbook" in page_text(member_client.get("/resources", query_string={name: value}))
    missed = {"subject": category("counterterrorism").id, "lang": "fr", "q": "wildlife"}
    for name, value in missed.items():
        assert "Digital evidence handbook" not in page_text(member_client.get("/resources",
                                                                              query_string={name: value}))
    page = page_text(member_client.get(f"/resources/{resource.id}"))
    assert f'href="/resources/{resource.id}/download"' in page

    download = member_client.get(f"/resources/{resource.id}/download")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''gu%C3%ADa.pdf" in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"] == DOWNLOAD_CSP

    stored = upload_dir / resource.stored_name
    assert stored.read_bytes() == PDF and resource.stored_name != "guía.pdf"
    assert stored.stat().st_mode & 0o111 == 0 and not stored.stat().st_mode & stat.S_IROTH
    assert not stored.resolve().is_relative_to(Path(app.static_folder).resolve())


def test_the_default_upload_directory_is_outside_the_static_folder(app):
    from forum import config

    default = Path(config.from_environment()["UPLOAD_DIR"]).resolve()
    assert default.is_relative_to(config.INSTANCE_DIR)
    assert not default.is_relative_to(Path(app.static_folder).resolve())


def test_office_documents_and_images_are_accepted_by_their_contents(admin_client):
    assert publish(admin_client, "plan.docx", docx(), title="Operations plan").status_code == 302
    assert publish(admin_client, "map.png", PNG, title="Route map").status_code == 302
    types = set(db.session.scalars(db.select(Resource.content_type)))
    assert types == {uploads.OFFICE_XML + "wordprocessingml.document", "image/png"}


@pytest.mark.parametrize("filename, data, message", [
    ("report.pdf", b"<html><script>alert(1)</script></html>", uploads.NOT_ACCEPTED),  # HTML named .pdf
    ("tool.exe", b"MZ\x90\x00" + b"\x00" * 60, uploads.NOT_ACCEPTED),
    ("tool.pdf", b"MZ\x90\x00" + b"\x00" * 60, uploads.NOT_ACCEPTED),
    ("page.html", b"<!doctype html><p>hi</p>", uploads.NOT_ACCEPTED),
    ("photo.pdf", PNG, "does not match its contents"),  # a real image under another name
], ids=["html-as-pdf", "exe", "exe-as-pdf", "html", "png-as-pdf"])
def test_files_of_other_kinds_are_refused_and_the_form_keeps_what_was_typed(admin_client, upload_dir, filename,
                                                                            data, message):
    response = publish(admin_client, filename, data)
    assert response.status_code == 200
    page = unescaped_page_text(response)
    assert str(message) in page
    assert 'value="Digital evidence handbook"' in page and "Chain of custody for seized phones." in page
    assert only_resource() is None
    assert not upload_dir.exists() or list(upload_dir.iterdir()) == []


def test_an_oversize_file_is_refused_with_the_limit(app, admin_client, upload_dir):
    app.config["RESOURCE_MAX_BYTES"] = 1024 * 1024
    response = publish(admin_client, data=PDF + b"0" * (1024 * 1024))
    page = unescaped_page_text(response)
    assert response.status_code == 200 and "larger than 1 MB" in page
    assert 'value="Digital evidence handbook"' in page
    assert only_resource() is None


def test_a_far_too_large_upload_is_cut_off_with_a_clear_message(app, admin_client):
    app.config["RESOURCE_MAX_BYTES"] = 1024 * 1024
    response = publish(admin_client, data=PDF + b"0" * (3 * 1024 * 1024))
    assert response.status_code == 413
    assert "larger than 1 MB" in unescaped_page_text(response)
    assert only_resource() is None


@pytest.mark.parametrize("url", ["javascript:alert(1)", "jav\tascript:alert(1)", " javascript:alert(1)",
                                 "data:text/html,<script>alert(1)</script>", "ftp://files.example/x",
                                 "//evil.example/x"])
def test_links_must_be_http_or_https(admin_client, url):
    response = admin_client.post("/admin/resources/new", data=form(url=url))
    assert response.status_code == 200
    assert "Enter a web address starting with http:// or https://." in unescaped_page_text(response)
    assert only_resource() is None


def test_a_link_resource_is_shown_as_an_external_link(admin_client, member_client):
    response = admin_client.post("/admin/resources/new", data=form(url="https://www.state.gov/ilea"))
    assert response.status_code == 302
    resource = only_resource()
    page = page_text(member_client.get(f"/resources/{resource.id}"))
    assert '<a class="button" href="https://www.state.gov/ilea" rel="noopener nofollow" target="_blank">' in page
    assert member_client.get(f"/resources/{resource.id}/download").status_code == 404


def test_a_resource_needs_a_link_or_a_file_but_not_both(admin_client):
    assert "Give a link or upload a file." in unescaped_page_text(
        admin_client.post("/admin/resources/new", data=form()))
    both = publish(admin_client, url="https://www.state.gov/ilea")
    assert "Give a link or a file, not both." in unescaped_page_text(both)
    assert only_resource() is None


def test_members_read_but_cannot_publish_edit_or_delete(admin_client, member_client):
    publish(admin_client)
    resource = only_resource()
    for path in ("/admin/resources", "/admin/resources/new", f"/admin/resources/{resource.id}/edit"):
        assert member_client.get(path).status_code == 403, path
    assert publish(member_client, title="Mine").status_code == 403
    assert member_client.post(f"/admin/resources/{resource.id}/edit", data=form(title="Changed")).status_code == 403
    assert member_client.post(f"/admin/resources/{resource.id}/delete", data={}).status_code == 403
    assert [r.title for r in db.session.scalars(db.select(Resource))] == ["Digital evidence handbook"]
    assert member_client.get(f"/resources/{resource.id}").status_code == 200


def test_a_new_file_replaces_the_old_and_deleting_removes_the_file(admin_client, upload_dir):
    publish(admin_client)
    resource = only_resource()
    first = upload_dir / resource.stored_name
    edited = admin_client.post(f"/admin/resources/{resource.id}/edit",
                               data={**form(title="Route map"), "file": (io.BytesIO(PNG), "map.png")},
                               content_type="multipart/form-data")
    assert edited.status_code == 302
    resource = only_resource()
    assert (resource.title, resource.content_type) == ("Route map", "image/png")
    assert not first.exists() and (upload_dir / resource.stored_name).exists()

    # Editing the words alone keeps the file.
    admin_client.post(f"/admin/resources/{resource.id}/edit", data=form(title="Route map 2"))
    assert only_resource().stored_name == resource.stored_name

    second = upload_dir / resource.stored_name
    assert admin_client.post(f"/admin/resources/{resource.id}/delete", data={}).status_code == 302
    assert only_resource() is None and not second.exists()


def test_an_announcement_reaches_the_members_who_watch_the_subject(app, mailbox, make_user, admin_client):
    watcher = make_user("watcher")
    make_user("bystander")
    db.session.add(Watch(user_id=watcher.id, category_id=category("cybercrime").id, mode="watching"))
    db.session.commit()

    publish(admin_client, announce="y")
    notices = db.session.scalars(db.select(Notification).where(Notification.kind == "resource_published")).all()
    assert [n.user_id for n in notices] == [watcher.id]
    mailed = db.session.execute(db.select(Delivery.user_id, Delivery.status)
                                .where(Delivery.kind == "resource_published")).all()
    assert mailed == [(watcher.id, "sent")]  # in-process sending (no broker in the tests)
    page = unescaped_page_text(signed_in(app, watcher).get("/notifications"))
    assert "A new resource in Cybercrime: Digital evidence handbook" in page

    publish(admin_client, title="Not announced")  # without the tick box, nobody is told
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)
                             .where(Notification.kind == "resource_published")) == 1
