"""The moderation 'done when' path on the demo data, through the pages a person would use."""
from forum.extensions import db
from forum.models import Post, Thread, User
from moderation.models import Case
from tests.conftest import signed_in, translated, unescaped_page_text


def test_three_reports_escalation_and_dismissal(app, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-42")
    app.test_cli_runner().invoke(args=["seed-demo"])
    clients = {}
    for name in ("member", "member2", "member3", "moderator", "admin"):
        clients[name] = signed_in(app, name, password="demo-password-42")
    clients["member"].post("/conduct/accept", data={"version": "1"})
    thread = db.session.scalar(db.select(Thread).where(Thread.title == "Leading a unit through a reorganisation"))
    post = db.session.scalar(db.select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    author = post.author

    for name, rule in (("member", "disrespect"), ("member2", "discredit"), ("member3", "threats")):
        assert clients[name].post(f"/p/{post.id}/report", data={"rule": rule, "comment": "Not acceptable"}
                                  ).status_code == 302
    assert clients["member"].get(f"/t/{thread.id}").status_code == 403  # hidden pending review

    queue = clients["moderator"].get("/moderation/").get_data(as_text=True)
    case = db.session.scalar(db.select(Case))
    assert "3 reports" in queue and f"/moderation/cases/{case.id}" in queue
    clients["moderator"].post(f"/moderation/cases/{case.id}/claim", data={})
    clients["moderator"].post(f"/moderation/cases/{case.id}/escalate", data={"reason": "Threats: admins decide"})
    assert db.session.get(Case, case.id).status == "escalated"

    author.password_hash = db.session.scalar(db.select(User.password_hash).where(User.username == "member"))
    db.session.commit()
    author_client = signed_in(app, author.username, password="demo-password-42")
    clients["admin"].post(f"/moderation/cases/{case.id}/dismiss-member",
                          data={"rule": "threats", "reason": "Threatening colleagues"})
    assert author_client.get("/").status_code == 302  # signed out at once
    refused = author_client.post("/login", data={"login": author.username, "password": "demo-password-42"})
    assert "This account is not active" in refused.get_data(as_text=True)
    for name in ("member", "member2", "member3"):
        language = db.session.scalar(db.select(User.preferred_language).where(User.username == name))
        assert translated(language, "Reviewed: action taken") in unescaped_page_text(clients[name].get("/reports"))
