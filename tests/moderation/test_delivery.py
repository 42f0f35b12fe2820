"""E-mail delivery of notifications: the outbox, preferences, digests, reminders, and the worker.

The first tests run in-process, as `make run` does: no broker (tasks run right after commit) and
mail written to .eml files. The rest run the real thing: a redis-server of the test's own, a
`celery -A worker worker` process and an SMTP server collecting what it receives; the tests stop
and restart those to check that no mail is lost or sent twice.
"""
import re
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from forum.extensions import db
from forum.models import User, utcnow
from forum.notifications import notices, outbox
from forum.notifications.models import Delivery, Notification
from moderation import services
from moderation.models import Case
from tests.conftest import page_text, signed_in, start_thread
from tests.mail_fixtures import (
    MAIL_SETTINGS,
    assert_escalation_mails,
    assert_in_language,
    case_url,
    delivery,
    delivery_rows,
    escalation_setup,
    parts,
    reported_case,
)
from tests.processes import wait_until


def test_escalation_writes_one_mail_per_admin_with_text_html_and_a_link(app, mailbox, make_user,
                                                                       moderator_client):
    ana = make_user("ana", role="admin", preferred_language="es")
    fabien = make_user("fabien", role="admin", preferred_language="fr")
    somchai = make_user("somchai", role="admin", preferred_language="th")
    case = reported_case(make_user)
    assert mailbox.messages == []  # a new case waits for the moderators' digest

    # The moderator reads the portal in English; each admin's mail is in the admin's language.
    response = moderator_client.post(f"/moderation/cases/{case.id}/escalate", data={"reason": "Needs an admin"})

    assert response.status_code == 302
    assert sorted(m["To"] for m in mailbox.messages) == [ana.email, fabien.email, somchai.email]
    for admin in (ana, fabien, somchai):
        (message,) = mailbox.to(admin)
        assert message["X-Portal-Delivery"] and message["Message-ID"]
        plain, html = parts(message)
        assert case_url(case.id) in plain and "Needs an admin" in plain
        assert f'href="{case_url(case.id)}"' in html
        assert_in_language(message, admin.preferred_language, "A case was escalated")


def settings_form_as_a_browser_sends_it(client, switch_off=()):
    """The notification settings form as a browser submits it: the checked boxes and the selects
    the page shows, with the boxes in `switch_off` unticked."""
    page = page_text(client.get("/account/notifications"))
    data = {name: "y" for name in re.findall(r'<input type="checkbox" name="(mail-[\w_]+)" value="y" checked>', page)
            if name[len("mail-"):] not in switch_off}
    for name, options in re.findall(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', page, re.S):
        selected = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', options)
        data[name] = next(v for v in selected.groups() if v) if selected else re.search(
            r'value="([^"]*)"', options).group(1)
    return data


def test_member_saves_notification_settings_from_the_page(app, mailbox, make_user, member_client, member):
    data = settings_form_as_a_browser_sends_it(member_client, switch_off={"report_reviewed"})
    assert "digest_minutes" not in data  # a member's page has no digest interval

    response = member_client.post("/account/notifications", data=data)

    assert response.status_code == 302
    page = page_text(member_client.get("/account/notifications"))
    assert 'name="mail-report_reviewed" value="y">' in page  # no longer ticked


def test_switched_off_mail_is_not_sent_but_penalty_notices_always_are(app, mailbox, make_user, moderator_client):
    reporter = make_user("rita")
    client = signed_in(app, reporter)
    data = settings_form_as_a_browser_sends_it(client, switch_off={"report_reviewed"})
    assert not {"mail-warning", "mail-content_removed"} & set(data)  # penalty notices have no switch
    assert client.post("/account/notifications", data=data).status_code == 302
    assert 'name="mail-report_reviewed" value="y">' in page_text(client.get("/account/notifications"))

    case = reported_case(make_user, reporter="rita")
    moderator_client.post(f"/moderation/cases/{case.id}/dismiss", data={"reason": "Not rude"})

    notice = db.session.scalar(select(Notification).where(Notification.user_id == reporter.id))
    assert notice.kind == "report_reviewed"  # in the portal...
    assert mailbox.to(reporter) == []  # ...but not by e-mail

    # Rita's own post is reported: a warning reaches her whatever she switched off.
    own_case = services.report_post(make_user("other"), start_thread(reporter, "Rita's thread"), "disrespect", "")
    response = moderator_client.post(f"/moderation/cases/{own_case.id}/warn",
                                     data={"rule": "disrespect", "reason": "Mind your tone", "remove": "y"})
    assert response.status_code == 302
    subjects = sorted(m["Subject"] for m in mailbox.to(reporter))
    assert subjects == ["A formal warning", "Your post was removed"]
    warning = next(m for m in mailbox.to(reporter) if m["Subject"] == "A formal warning")
    assert "Mind your tone" in parts(warning)[0]


def test_a_dismissed_member_still_gets_the_dismissal_mail(app, mailbox, make_user, admin_client):
    moderator = make_user("mod", role="moderator")
    case = reported_case(make_user)
    services.escalate_case(moderator, case, "Repeat offender")

    response = admin_client.post(f"/moderation/cases/{case.id}/dismiss-member",
                                 data={"rule": "disrespect", "reason": "Repeated abuse of members"})

    assert response.status_code == 302
    author = db.session.scalar(select(User).where(User.username == "author"))
    assert author.is_dismissed
    (message,) = mailbox.to(author)
    assert message["Subject"] == "You were dismissed from the portal"
    assert "Repeated abuse of members" in parts(message)[0]


def test_new_cases_reach_each_moderator_in_one_digest_per_interval(app, mailbox, make_user):
    hourly = make_user("mod1", role="moderator")
    quarterly = make_user("mod2", role="moderator", digest_minutes=15)
    first, second = reported_case(make_user, "author1"), reported_case(make_user, "author2")
    assert mailbox.messages == []  # nothing at once: new cases go into digests

    services.send_digests()

    for moderator in (hourly, quarterly):
        (digest,) = mailbox.to(moderator)
        assert digest["Subject"] == "New cases in the moderation queue"
        plain, html = parts(digest)
        assert case_url(first.id) in plain and case_url(second.id) in plain
        assert f'href="{case_url(second.id)}"' in html

    third = reported_case(make_user, "author3", reporter="reporter3")
    services.send_digests()
    assert len(mailbox.messages) == 2  # not again within either interval

    def digest_was(minutes_ago, *moderators):
        db.session.execute(update(User).where(User.id.in_([m.id for m in moderators]))
                           .values(last_digest_at=utcnow() - timedelta(minutes=minutes_ago)))
        db.session.commit()

    digest_was(20, hourly, quarterly)  # past mod2's quarter of an hour, not mod1's hour
    services.send_digests()
    assert len(mailbox.to(hourly)) == 1
    latest = mailbox.to(quarterly)[-1]
    assert len(mailbox.to(quarterly)) == 2
    assert case_url(third.id) in parts(latest)[0] and case_url(first.id) not in parts(latest)[0]

    digest_was(61, hourly)
    services.send_digests()
    assert len(mailbox.to(hourly)) == 2 and case_url(third.id) in parts(mailbox.to(hourly)[-1])[0]
    services.send_digests()
    assert len(mailbox.messages) == 4  # nothing new to tell anyone


def test_stale_cases_remind_moderators_then_admins_once_per_interval(app, mailbox, make_user):
    moderator = make_user("mod", role="moderator")
    admin = make_user("boss", role="admin")
    case = reported_case(make_user)
    assert services.remind_stale_cases() == 0  # a fresh case is not stale

    def waited(hours, column):
        db.session.execute(update(Case).where(Case.id == case.id).values({column: utcnow() - timedelta(hours=hours)}))
        db.session.commit()

    waited(49, "first_reported_at")
    assert services.remind_stale_cases() == 1
    (reminder,) = mailbox.to(moderator)
    assert reminder["Subject"] == "A case is waiting for a decision"
    assert case_url(case.id) in parts(reminder)[0] and "48 hours" in parts(reminder)[0]
    assert mailbox.to(admin) == []

    assert services.remind_stale_cases() == 0  # once per interval
    waited(47, "reminded_at")
    assert services.remind_stale_cases() == 0
    waited(49, "reminded_at")
    assert services.remind_stale_cases() == 1
    assert len(mailbox.to(moderator)) == 2

    services.escalate_case(moderator, db.session.get(Case, case.id), "Over to you")
    assert [m["Subject"] for m in mailbox.to(admin)] == ["A case was escalated"]
    waited(49, "reminded_at")
    assert services.remind_stale_cases() == 1
    assert [m["Subject"] for m in mailbox.to(admin)] == ["A case was escalated", "A case is waiting for a decision"]
    assert len(mailbox.to(moderator)) == 2  # the escalated case is the admins' now


def test_admin_sees_delivery_counts(app, mailbox, make_user, admin_client):
    member = make_user("alice")
    notices.notify([member], "warning", None, rule="disrespect", reason="Mind your tone")
    outbox.commit()
    blocked = Path(mailbox.folder).with_name("blocked")
    blocked.write_text("a file where the mail folder should be")
    app.config["MAIL_FILE_DIR"] = str(blocked)  # the mail folder cannot be written to
    app.config["MAIL_MAX_ATTEMPTS"] = 1
    notices.notify([member], "content_removed", None, rule="disrespect", reason="Rude", post_id=0)
    outbox.commit()
    assert sorted(row.status for row in delivery_rows()) == ["failed", "sent"]

    page = page_text(admin_client.get("/admin/deliveries"))

    assert "alice@example.org" in page and "FileExistsError" in page  # the failed one, with its error
    counts = {label: int(n) for label, n in re.findall(r"<dt>(\w+)</dt><dd>(\d+)</dd>", page)}
    assert counts == {"Pending": 0, "Sending": 0, "Sent": 1, "Failed": 1}


def committed_without_enqueue(member):
    """A warning committed by a process that died before handing its mail to the worker."""
    notices.notify([member], "warning", None, rule="disrespect", reason="Mind your tone")
    db.session.commit()
    (delivery_id,) = db.session.info.pop("outbox")  # died here: nothing was queued
    return delivery_id


def test_a_delivery_sent_twice_is_mailed_once(app, mailbox, member):
    delivery_id = committed_without_enqueue(member)

    assert outbox.send_delivery(delivery_id) == "sent"
    assert outbox.send_delivery(delivery_id) == "skipped"

    assert len(mailbox.to(member)) == 1
    assert delivery(delivery_id).status == "sent" and delivery(delivery_id).attempts == 1


def test_the_sweep_sends_what_a_crash_left_in_the_outbox(app, mailbox, member):
    delivery_id = committed_without_enqueue(member)
    assert outbox.sweep_outbox.delay().get() == 0  # not yet: it may still be on its way

    app.config["MAIL_SWEEP_AFTER_SECONDS"] = 0
    assert outbox.sweep_outbox.delay().get() == 1

    assert len(mailbox.to(member)) == 1 and delivery(delivery_id).status == "sent"
    assert outbox.sweep_outbox.delay().get() == 0


@pytest.mark.postgresql_only
def test_two_tasks_sending_one_delivery_at_once_mail_it_once(app, mailbox, member):
    delivery_id = committed_without_enqueue(member)
    barrier, outcomes = threading.Barrier(2), []

    def send():
        with app.app_context():
            barrier.wait(timeout=10)
            outcomes.append(outbox.send_delivery(delivery_id))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["sent", "skipped"]
    assert len(mailbox.to(member)) == 1


def waits_for_a_lock(pid):
    """Whether the PostgreSQL backend `pid` waits for a lock another transaction holds."""
    waiting = db.session.scalar(text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"),
                                {"pid": pid})
    db.session.rollback()  # pg_stat_activity is read once per transaction
    return waiting


def run_overlapping(app, job):
    """Run `job` twice at once, each in its own thread and transaction, the second starting while the
    first is still inside its transaction: the test holds a lock on the outbox, so the first run
    stops before its commit, then the second starts and stops too; then the lock goes."""
    pids = {}

    def run(name):
        with app.app_context():
            pids[name] = db.session.scalar(text("SELECT pg_backend_pid()"))
            job()

    db.session.commit()
    with db.engine.connect() as locker:
        transaction = locker.begin()
        locker.execute(text("LOCK TABLE deliveries IN SHARE MODE"))  # inserts wait, reads do not
        threads = {}
        for name in ("first", "second"):
            threads[name] = threading.Thread(target=run, args=(name,), daemon=True)
            threads[name].start()
            wait_until(lambda: name in pids and (waits_for_a_lock(pids[name]) or not threads[name].is_alive()),
                       10, f"the {name} run to wait")
        transaction.commit()
    for thread in threads.values():
        thread.join(timeout=30)
    db.session.expire_all()


@pytest.mark.postgresql_only
def test_overlapping_digest_runs_send_one_digest(app, mailbox, make_user):
    moderator = make_user("mod", role="moderator")
    reported_case(make_user)

    run_overlapping(app, services.send_digests)

    assert len(mailbox.to(moderator)) == 1


@pytest.mark.postgresql_only
def test_overlapping_reminder_runs_remind_once(app, mailbox, make_user):
    moderator = make_user("mod", role="moderator")
    case = reported_case(make_user)
    db.session.execute(update(Case).where(Case.id == case.id).values(first_reported_at=utcnow() - timedelta(hours=49)))

    run_overlapping(app, services.remind_stale_cases)

    assert len(mailbox.to(moderator)) == 1


# --- real processes: Redis, a Celery worker, an SMTP server ---------------------------------------

# Small times so faults heal within seconds; the same values for this process and the worker.
def sweep_until(condition, timeout, what, every=1.0):
    """Tick the outbox sweep every `every` seconds, as celery beat would, until `condition` holds."""
    deadline = time.monotonic() + timeout
    while True:
        outbox.sweep_outbox.delay()
        try:
            return wait_until(condition, every, what)
        except AssertionError:
            if time.monotonic() > deadline:
                raise AssertionError(f"gave up after {timeout} s of sweeps waiting for {what}") from None


def keep_sweeping(seconds, every=1.0):
    """Let beat tick a while longer: long enough for any lease to run out and a duplicate to show."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        outbox.sweep_outbox.delay()
        time.sleep(every)


def assert_each_admin_mailed_once(smtp_server, admins, case):
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(a.email for a in admins)
    assert_escalation_mails(smtp_server, admins, case)
    wait_until(lambda: {row.status for row in delivery_rows()} == {"sent"}, 10, "the deliveries to be marked sent")


def test_escalation_with_everything_up_mails_each_admin(portal, worker, smtp_server, make_user):
    admins, moderator, case = escalation_setup(make_user)
    client = signed_in(portal, moderator)

    response = client.post(f"/moderation/cases/{case.id}/escalate", data={"reason": "Needs an admin"})

    assert response.status_code == 302
    wait_until(lambda: len(smtp_server.messages) >= 2, 20, "the admins' mails")
    time.sleep(0.5)  # time for a duplicate to show
    assert_each_admin_mailed_once(smtp_server, admins, case)


def test_escalation_while_redis_is_down_is_mailed_after_redis_returns(portal, worker, redis_server, smtp_server,
                                                                     make_user):
    admins, moderator, case = escalation_setup(make_user)
    client = signed_in(portal, moderator)
    redis_server.stop()

    started = time.monotonic()
    response = client.post(f"/moderation/cases/{case.id}/escalate", data={"reason": "Needs an admin"})
    took = time.monotonic() - started

    print(f"\nescalation with Redis down answered in {took:.2f} s")
    assert response.status_code == 302
    assert "The case is escalated to the administrators." in page_text(client.get(response.location))
    assert db.session.get(Case, case.id).status == "escalated"
    rows = delivery_rows()
    assert sorted(row.user_id for row in rows) == sorted(a.id for a in admins)
    assert {row.status for row in rows} == {"pending"}
    assert smtp_server.messages == []

    redis_server.start()  # empty: what was queued before is gone, as after a crash
    sweep_until(lambda: len(smtp_server.messages) >= 2, 45, "the admins' mails after Redis returned")
    keep_sweeping(2)
    assert_each_admin_mailed_once(smtp_server, admins, case)


def test_escalation_while_redis_hangs_answers_the_moderator_promptly(portal, worker, redis_server, smtp_server,
                                                                    make_user):
    admins, moderator, case = escalation_setup(make_user)
    client = signed_in(portal, moderator)
    escalate_url, answer = f"/moderation/cases/{case.id}/escalate", {}

    def escalate():
        answer["response"] = client.post(escalate_url, data={"reason": "Needs an admin"})

    redis_server.freeze()
    request = threading.Thread(target=escalate, daemon=True)
    request.start()
    try:
        request.join(timeout=10)
        status = db.session.scalar(select(Case.status).where(Case.id == case.id))
        db.session.rollback()
        assert status == "escalated"  # committed first: whatever happens next, the sweep has the mails
        assert not request.is_alive(), "the moderator's request was still waiting for Redis after 10 s"
        assert answer["response"].status_code == 302
    finally:
        redis_server.thaw()
        request.join(timeout=30)
    sweep_until(lambda: len(smtp_server.messages) >= 2, 45, "the admins' mails after Redis recovered")
    assert_escalation_mails(smtp_server, admins, case)


@pytest.mark.parametrize("killed", ["whole worker", "pool process"])
def test_worker_killed_while_sending_delivers_exactly_once(portal, worker, smtp_server, make_user, killed):
    admin = make_user("boss", role="admin")
    moderator = make_user("mod", role="moderator")
    case = reported_case(make_user)
    smtp_server.delay = 60  # the server sits in DATA: the kill lands mid-send

    services.escalate_case(moderator, case, "Needs an admin")

    (row,) = delivery_rows()
    wait_until(smtp_server.in_data.is_set, 20, "the worker to be sending")
    assert delivery(row.id).status == "sending"
    if killed == "whole worker":
        worker.kill()
    else:
        worker.kill_pool_process()
    wait_until(lambda: smtp_server.dropped == 1, 10, "the SMTP server to see the sender go")
    smtp_server.delay = 0
    assert smtp_server.messages == []
    if killed == "whole worker":
        worker.start()

    sweep_until(lambda: smtp_server.delivered(row.id), 45, "the mail after the worker's restart")
    keep_sweeping(MAIL_SETTINGS["MAIL_SEND_LEASE_SECONDS"] + 2)

    (message,) = smtp_server.delivered(row.id)
    assert message["To"] == admin.email and case_url(case.id) in parts(message)[0]
    assert len({m["Message-ID"] for m in smtp_server.messages}) == len(smtp_server.messages) == 1
    assert delivery(row.id).status == "sent"
    assert delivery(row.id).attempts == 2  # the killed one, then the one after the sweep


def test_smtp_down_retries_until_it_returns_then_fails_and_an_admin_retries(portal, worker, smtp_server, make_user):
    admin = make_user("boss", role="admin")
    member = make_user("alice")
    smtp_server.stop()

    notices.notify([member], "warning", None, rule="disrespect", reason="First warning")
    outbox.commit()
    (first,) = delivery_rows()
    wait_until(lambda: delivery(first.id).attempts >= 2, 20, "a second attempt")
    assert delivery(first.id).status in ("pending", "sending")
    smtp_server.start()
    wait_until(lambda: smtp_server.delivered(first.id), 20, "the mail once the server is back")
    wait_until(lambda: delivery(first.id).status == "sent", 10, "the delivery to be marked sent")
    assert 2 <= delivery(first.id).attempts < MAIL_SETTINGS["MAIL_MAX_ATTEMPTS"]

    smtp_server.stop()
    notices.notify([member], "warning", None, rule="disrespect", reason="Second warning")
    outbox.commit()
    (second,) = delivery_rows(Delivery.id != first.id)
    wait_until(lambda: delivery(second.id).status == "failed", 30, "the delivery to be marked failed")
    failed = delivery(second.id)
    assert failed.attempts == MAIL_SETTINGS["MAIL_MAX_ATTEMPTS"]
    assert "ConnectionRefusedError" in failed.last_error

    client = signed_in(portal, admin)
    page = page_text(client.get("/admin/deliveries"))
    assert "alice@example.org" in page and "ConnectionRefusedError" in page

    smtp_server.start()
    response = client.post(f"/admin/deliveries/{second.id}/retry", data={})  # the Retry button
    assert response.status_code == 302
    wait_until(lambda: smtp_server.delivered(second.id), 20, "the mail the admin sent again")
    assert "Second warning" in parts(smtp_server.delivered(second.id)[0])[0]
    wait_until(lambda: delivery(second.id).status == "sent", 10, "the delivery to be marked sent")
    page = page_text(client.get("/admin/deliveries"))
    assert "No failed deliveries." in page
    assert len(smtp_server.messages) == 2


def test_smtp_refusing_for_a_while_is_retried(portal, worker, smtp_server, make_user):
    member = make_user("alice")
    smtp_server.refuse = "451 4.3.0 Try again later"

    notices.notify([member], "warning", None, rule="disrespect", reason="Mind your tone")
    outbox.commit()
    (row,) = delivery_rows()
    wait_until(lambda: delivery(row.id).attempts >= 2, 20, "a second attempt")
    assert "451" in (delivery(row.id).last_error or "")
    smtp_server.refuse = None

    wait_until(lambda: smtp_server.delivered(row.id), 20, "the mail once the server accepts")
    wait_until(lambda: delivery(row.id).status == "sent", 10, "the delivery to be marked sent")
    assert len(smtp_server.messages) == 1


@pytest.mark.parametrize("mail_settings", [{"MAIL_RETRY_BASE_SECONDS": 1, "MAIL_MAX_ATTEMPTS": 6}], indirect=True,
                         ids=["backoff 1 s, 6 attempts"])
def test_retries_follow_the_backoff_while_beat_sweeps(portal, worker, smtp_server, make_user, mail_settings):
    member = make_user("alice")
    smtp_server.stop()
    # Attempts due at 0, 1, 3, 7, 15 and 31 s: only after the sixth is the delivery given up.
    schedule = mail_settings["MAIL_RETRY_BASE_SECONDS"] * (2 ** (mail_settings["MAIL_MAX_ATTEMPTS"] - 1) - 1)
    assert schedule > 12

    notices.notify([member], "warning", None, rule="disrespect", reason="Mind your tone")
    outbox.commit()
    (row,) = delivery_rows()
    keep_sweeping(12)  # beat ticks meanwhile, as it does in production

    attempts = delivery(row.id)
    assert attempts.status != "failed", f"given up after {attempts.attempts} attempts within 12 s, not {schedule} s"
    assert attempts.attempts <= 4


BURST = 1000


def test_a_burst_of_notifications_is_delivered_completely_and_once(portal, worker, smtp_server, make_user):
    db.session.add_all(User(username=f"member{n}", email=f"member{n}@example.org", display_name=f"Member {n}")
                       for n in range(BURST))
    db.session.commit()
    members = db.session.scalars(select(User).where(User.username.like("member%"))).all()

    started = time.monotonic()
    notices.notify(members, "warning", None, rule="disrespect", reason="Read the Code of Conduct")
    outbox.commit()
    queued = time.monotonic() - started
    wait_until(lambda: len(smtp_server.messages) >= BURST, 60, f"{BURST} mails")
    took = time.monotonic() - started

    print(f"\n{BURST} notifications: committed and queued in {queued:.2f} s, all mailed in {took:.2f} s: "
          f"{BURST / took:.0f} mails/s (1 worker process)")
    keep_sweeping(2)
    per_delivery = Counter(m["X-Portal-Delivery"] for m in smtp_server.messages)
    assert len(per_delivery) == BURST and set(per_delivery.values()) == {1}
    assert len({m["Message-ID"] for m in smtp_server.messages}) == BURST
    assert {m["To"] for m in smtp_server.messages} == {m.email for m in members}
    by_status = db.session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
    assert [tuple(row) for row in by_status] == [("sent", BURST)]
