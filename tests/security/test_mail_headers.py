"""What members type (display names, report comments, reasons) never reaches an e-mail header."""
from moderation import services
from tests.conftest import start_thread
from tests.mail_fixtures import parts

INJECTION = "Eve\r\nBcc: spy@example.org\r\nSubject: Free money"


def test_crlf_in_names_comments_and_reasons_stays_in_the_body(app, mailbox, make_user, moderator_client):
    author = make_user("author", display_name=INJECTION)
    reporter = make_user("reporter", display_name=INJECTION)
    make_user("chief", role="admin", display_name=INJECTION)
    case = services.report_post(reporter, start_thread(author), "disrespect", INJECTION)

    moderator_client.post(f"/moderation/cases/{case.id}/escalate", data={"reason": INJECTION})
    moderator_client.post(f"/moderation/cases/{case.id}/claim", data={})
    services.warn_member(make_user("boss", role="admin"), case, "disrespect", INJECTION, False)

    messages = mailbox.messages
    assert len(messages) >= 2  # the escalation to the admins, the warning to the author
    for message in messages:
        assert message["Bcc"] is None and "spy@example.org" not in str(message["To"])
        assert "Free money" not in message["Subject"]
        assert all("\n" not in value and "\r" not in value for value in message.values())
    warning = next(m for m in messages if m["To"] == author.email)
    assert "Bcc: spy@example.org" in parts(warning)[0].replace("\r", "")  # shown as text, where it was typed
