"""Admin settings of moderation: category moderators and prepared removal messages."""
from forum.extensions import db
from forum.models import CategoryModerator, Post
from forum.notifications.models import Notification
from moderation import services
from moderation.models import Case
from tests.conftest import category, signed_in, start_thread


def edit_category(client, slug, moderators):
    cat = category(slug)
    return client.post(f"/admin/categories/{cat.id}/edit", data={
        "name": cat.name, "slug": cat.slug, "description": cat.description, "group": cat.group,
        "moderators": moderators})


def test_admin_scopes_moderators_to_a_category(admin_client, make_user):
    make_user("cyber_mod", role="moderator")
    make_user("plain", role="member")
    refused = edit_category(admin_client, "cybercrime", "cyber_mod, plain, ghost")
    assert refused.status_code == 200
    assert "Not moderators: ghost, plain" in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(CategoryModerator)) == 0

    assert edit_category(admin_client, "cybercrime", "Cyber_Mod").status_code == 302
    scope = db.session.scalar(db.select(CategoryModerator))
    assert scope.category_id == category("cybercrime").id
    form = admin_client.get(f"/admin/categories/{category('cybercrime').id}/edit").get_data(as_text=True)
    assert 'value="cyber_mod"' in form

    assert edit_category(admin_client, "cybercrime", "").status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(CategoryModerator)) == 0


def test_scoped_moderator_sees_only_their_categories_cases(app, admin_client, make_user):
    scoped = make_user("cyber_mod", role="moderator")
    edit_category(admin_client, "cybercrime", "cyber_mod")
    author, reporter = make_user("author"), make_user("reporter")
    inside = start_thread(author, "Phishing kits", "x", "cybercrime")
    outside = start_thread(author, "Elsewhere thread", "y", "general")
    for post in (inside, outside):
        services.report_post(reporter, post, "disrespect", "")
    client = signed_in(app, scoped)
    queue = client.get("/moderation/").get_data(as_text=True)
    assert "Phishing kits" in queue and "Elsewhere thread" not in queue
    outside_case = db.session.scalar(db.select(Case).where(Case.category_id == category("general").id))
    assert client.get(f"/moderation/cases/{outside_case.id}").status_code == 403


def test_admin_edits_a_removal_message_used_in_the_authors_language(app, admin_client, make_user, moderator_client):
    page = admin_client.get("/moderation/removal-messages").get_data(as_text=True)
    assert "Your post was removed because it breaks this rule" in page
    saved = admin_client.post("/moderation/removal-messages/disrespect/es",
                              data={"text": "Su mensaje fue retirado por falta de respeto."})
    assert saved.status_code == 302
    author = make_user("autor", preferred_language="es")
    post = start_thread(author, "Un hilo", "texto", "general")
    case = services.report_post(make_user("reporter"), post, "disrespect", "")
    moderator_client.post(f"/moderation/cases/{case.id}/remove", data={"rule": "disrespect", "reason": ""})
    notice = db.session.scalar(db.select(Notification).where(Notification.user_id == author.id))
    assert notice.data["reason"] == "Su mensaje fue retirado por falta de respeto."
    assert db.session.get(Post, post.id).moderation_state == "removed"


def test_removal_messages_are_admin_only(moderator_client):
    assert moderator_client.get("/moderation/removal-messages").status_code == 403
    assert moderator_client.post("/moderation/removal-messages/disrespect/es", data={"text": "x"}).status_code == 403


def test_record_link_only_reaches_its_own_members_cases(app, make_user, moderator_client):
    from forum.accounts.services import record_token
    alice, bob = make_user("alice2"), make_user("bob2")
    cases = {}
    for member in (alice, bob):
        post = start_thread(member, f"Thread of {member.username}", "text", "general")
        cases[member.username] = services.report_post(make_user(f"r_{member.username}"), post, "disrespect", "")
        moderator_client.post(f"/moderation/cases/{cases[member.username].id}/suspend",
                              data={"rule": "disrespect", "reason": "insults", "duration": "7"})
    client = app.test_client()
    token = record_token(alice)
    page = client.get(f"/account/record/{token}").get_data(as_text=True)
    assert "Thread of alice2" in page and "Thread of bob2" not in page
    client.post(f"/account/record/{token}", data={"case_id": cases["bob2"].id, "text": "not mine"})
    client.post(f"/account/record/{token}", data={"case_id": cases["alice2"].id, "text": "I apologise"})
    from moderation.models import Appeal
    assert [(a.case_id, a.member_id) for a in db.session.scalars(db.select(Appeal))] == [
        (cases["alice2"].id, alice.id)]
    assert client.get("/account/record/forged-token").status_code == 404
