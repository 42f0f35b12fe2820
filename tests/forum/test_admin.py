"""Administration: who gets in, and managing categories."""
import re

import pytest

from forum.discussions import services
from forum.extensions import db
from forum.models import Category, Thread
from tests.conftest import page_text

ADMIN_PAGES = ["/admin/", "/admin/categories", "/admin/categories/new", "/admin/requests", "/admin/conduct"]
THREAD = {"title": "Portal maintenance on Saturday", "kind": "discussion", "body": "Expect a short outage."}


def category(slug):
    db.session.expire_all()
    return db.session.scalar(db.select(Category).where(Category.slug == slug))


def admin_order(admin_client):
    return re.findall(r"<code>/c/([a-z0-9-]+)</code>", page_text(admin_client.get("/admin/categories")))


def listed_on_index(client, slug):
    return f'href="/c/{slug}"' in page_text(client.get("/"))


def category_fields(**changes):
    return {"name": "Maritime security", "slug": "maritime-security", "description": "Ports and sea lanes.",
            "group": "subject", **changes}


@pytest.mark.parametrize("path", ADMIN_PAGES)
@pytest.mark.parametrize("who, status", [("member_client", 403), ("moderator_client", 403), ("admin_client", 200)])
def test_admin_pages_are_for_admins_only(app, request, path, who, status):
    assert request.getfixturevalue(who).get(path).status_code == status


@pytest.mark.parametrize("who", ["member_client", "moderator_client"])
def test_only_admins_change_categories(app, request, who):
    client = request.getfixturevalue(who)
    general = category("general")
    for path, data in [("/admin/categories/new", category_fields()),
                       (f"/admin/categories/{general.id}/edit", category_fields(slug="general")),
                       (f"/admin/categories/{general.id}/up", {}),
                       (f"/admin/categories/{general.id}/archive", {})]:
        assert client.post(path, data=data).status_code == 403, path
    general = category("general")
    assert (general.name, general.position, general.archived) == ("General", 2, False)
    assert category("maritime-security") is None


def test_admin_creates_a_category(admin_client, member_client):
    response = admin_client.post("/admin/categories/new", data=category_fields())
    assert (response.status_code, response.location) == (302, "/admin/categories")
    assert "The category is saved." in page_text(admin_client.get("/admin/categories"))
    assert admin_order(admin_client)[-1] == "maritime-security"
    assert listed_on_index(member_client, "maritime-security")
    page = page_text(member_client.get("/c/maritime-security"))
    assert "Maritime security" in page and "Ports and sea lanes." in page


def test_duplicate_address_is_refused_and_typing_kept(admin_client):
    count = db.session.scalar(db.select(db.func.count()).select_from(Category))
    response = admin_client.post("/admin/categories/new", data=category_fields(slug="general"))
    page = page_text(response)
    assert response.status_code == 200
    assert "Another category already uses this address." in page
    assert 'value="Maritime security"' in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Category)) == count


def test_admin_renames_a_category(admin_client, member_client):
    cybercrime = category("cybercrime")
    response = admin_client.post(f"/admin/categories/{cybercrime.id}/edit", data=category_fields(
        name="Cybercrime and digital evidence", slug="cybercrime", description="Digital investigations."))
    assert response.status_code == 302
    assert "Cybercrime and digital evidence" in page_text(member_client.get("/"))
    assert category("cybercrime").name == "Cybercrime and digital evidence"


@pytest.mark.parametrize("slug, direction, index", [("general", "up", 0), ("general", "down", 2),
                                                    ("announcements", "up", 0), ("academy-roswell", "down", -1)])
def test_admin_moves_a_category(admin_client, slug, direction, index):
    before = admin_order(admin_client)
    response = admin_client.post(f"/admin/categories/{category(slug).id}/{direction}", data={})
    assert (response.status_code, response.location) == (302, "/admin/categories")
    after = admin_order(admin_client)
    assert after[index] == slug
    assert sorted(after) == sorted(before)
    if before.index(slug) != index % len(before):  # a real move swaps exactly two neighbours
        assert [a != b for a, b in zip(before, after)].count(True) == 2


def test_archived_category_is_read_only_and_hidden(member, member_client, moderator_client, admin_client):
    cybercrime = category("cybercrime")
    thread = services.create_thread(member, cybercrime, "Ransomware trends", "discussion", "What do you see?")
    response = admin_client.post(f"/admin/categories/{cybercrime.id}/archive", data={})
    assert response.status_code == 302
    assert "The category is archived." in page_text(admin_client.get("/admin/categories"))

    assert member_client.get("/c/cybercrime").status_code == 403
    assert member_client.get(f"/t/{thread.id}").status_code == 403
    assert not listed_on_index(member_client, "cybercrime")
    assert "Ransomware trends" not in page_text(member_client.get("/"))
    assert moderator_client.get("/c/cybercrime").status_code == 200
    assert "Ransomware trends" in page_text(moderator_client.get(f"/t/{thread.id}"))
    for client in (moderator_client, admin_client):
        assert client.get("/c/cybercrime/new").status_code == 403
        assert client.post("/c/cybercrime/new", data=THREAD).status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(Thread)) == 1

    assert admin_client.post(f"/admin/categories/{cybercrime.id}/restore", data={}).status_code == 302
    assert member_client.get("/c/cybercrime").status_code == 200
    assert listed_on_index(member_client, "cybercrime")
    assert member_client.post("/c/cybercrime/new", data=THREAD).status_code == 302


def test_announcements_are_started_by_staff_only(member_client, moderator_client):
    assert member_client.get("/c/announcements/new").status_code == 403
    assert member_client.post("/c/announcements/new", data=THREAD).status_code == 403
    assert moderator_client.get("/c/announcements/new").status_code == 200
    assert moderator_client.post("/c/announcements/new", data=THREAD).status_code == 302
    thread = db.session.scalar(db.select(Thread))
    assert thread.category.slug == "announcements"
    assert "Portal maintenance on Saturday" in page_text(member_client.get("/c/announcements"))


def test_category_changes_need_csrf(admin_client):
    general = category("general")
    assert admin_client.post(f"/admin/categories/{general.id}/archive", data={}, csrf=False).status_code == 400
    assert admin_client.post("/admin/categories/new", data=category_fields(), csrf=False).status_code == 400
    assert category("general").archived is False
    assert category("maritime-security") is None
