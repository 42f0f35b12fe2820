"""Account requests from the contact form: approved (member created and invited), or rejected with a reason."""
import pytest

from forum.extensions import db
from forum.models import AccountRequest, User
from tests.conftest import HOST, count_rows, translated, unescaped_page_text, user_named
from tests.mail_fixtures import parts

REQUEST = {"name": "Maria Lopez", "email": "Maria.Lopez@Example.org", "academy": "san-salvador",
           "graduation_year": "2012", "message": "I never received an account."}


def file_request(app, language="es", **changes):
    visitor = app.test_client()
    visitor.set_cookie("lang", language, domain=HOST)
    assert visitor.post("/contact", data={**REQUEST, **changes}).status_code == 302
    return db.session.scalar(db.select(AccountRequest).order_by(AccountRequest.id.desc()))


def test_an_approved_request_becomes_an_invited_member(app, mailbox, admin_client):
    item = file_request(app)
    assert item.language == "es"
    response = admin_client.post(f"/admin/requests/{item.id}/approve", data={}, follow_redirects=True)
    assert "Maria Lopez is a member now" in unescaped_page_text(response)
    member = user_named("maria.lopez")
    assert (member.email, member.academy, member.graduation_year, member.preferred_language, member.password_hash) == (
        "maria.lopez@example.org", "san-salvador", 2012, "es", None)
    (invitation,) = mailbox.messages
    assert invitation["To"] == "maria.lopez@example.org"
    assert invitation["Subject"] == translated("es", "Your invitation to the ILEA Alumni Portal")
    item = db.session.get(AccountRequest, item.id)
    assert (item.status, item.member_id, item.decided_by.username) == ("approved", member.id, "boss")
    again = admin_client.post(f"/admin/requests/{item.id}/approve", data={}, follow_redirects=True)
    assert "This request was already decided." in unescaped_page_text(again)
    assert count_rows(User) == 2  # the admin and Maria, once


def test_a_request_from_an_existing_member_points_to_that_member(app, mailbox, make_user, admin_client):
    maria = make_user("maria", email="maria.lopez@example.org")
    item = file_request(app)
    page = unescaped_page_text(admin_client.post(f"/admin/requests/{item.id}/approve", data={}, follow_redirects=True))
    assert "This e-mail address already belongs to Maria: no account was created." in page
    assert f'href="/admin/members/{maria.id}"' in page  # the admins' page about that member
    assert db.session.get(AccountRequest, item.id).status == "existing"
    assert mailbox.messages == []


def test_a_rejected_requester_is_told_why_in_their_language(app, mailbox, admin_client):
    item = file_request(app, language="th")
    assert admin_client.post(f"/admin/requests/{item.id}/reject", data={"reason": ""},
                             follow_redirects=True).status_code == 200
    assert db.session.get(AccountRequest, item.id).status == "open"  # no reason, no decision
    admin_client.post(f"/admin/requests/{item.id}/reject", data={"reason": "We found no graduate of this name."})
    (message,) = mailbox.messages
    assert message["To"] == "maria.lopez@example.org"
    assert message["Subject"] == translated("th", "Your request for an account on the ILEA Alumni Portal")
    assert "We found no graduate of this name." in parts(message)[0]
    assert '<html lang="th">' in parts(message)[1]
    item = db.session.get(AccountRequest, item.id)
    assert (item.status, item.reason) == ("rejected", "We found no graduate of this name.")
    page = unescaped_page_text(admin_client.get("/admin/requests"))
    assert "Rejected" in page and "We found no graduate of this name." in page


@pytest.mark.parametrize("email", ["=2+3+cmd|x@example.org", "+1@example.org", "-1@example.org", "@x@example.org",
                                   "\tx@example.org", "maria\x1b@example.org"])
def test_an_address_that_would_run_as_a_formula_is_refused_and_the_form_kept(app, email):
    response = app.test_client().post("/contact", data={**REQUEST, "email": email})
    page = unescaped_page_text(response)
    assert response.status_code == 200
    assert "An e-mail address cannot start with =, +, - or @, nor contain control characters." in page
    assert "Enter a valid e-mail address." not in page  # the one message that says what to change
    assert f'value="{email}"' in page and 'value="Maria Lopez"' in page and "I never received an account." in page
    assert count_rows(AccountRequest) == 0


def test_a_plus_or_hyphen_inside_an_address_is_fine(app):
    assert file_request(app, email="maria-lopez+alumni@example.org").email == "maria-lopez+alumni@example.org"
