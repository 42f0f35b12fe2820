"""Celery tasks: deliver e-mails from the outbox, sweep it, send digests and reminders, flush view counts.

Tasks take ids and reload; each is safe to run twice.
"""
from celery import shared_task

from . import mail


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def deliver(self, delivery_id):
    """Send one e-mail; on an SMTP or network error, retry later with exponential backoff."""
    outcome = mail.send_delivery(delivery_id)
    if outcome == "retry" and not self.app.conf.task_always_eager:
        # The backoff lives on the delivery row, so a re-queue by the sweep does not restart it.
        raise self.retry(countdown=mail.seconds_until_next_attempt(delivery_id))
    return outcome


@shared_task
def sweep_outbox():
    """Re-queue deliveries left pending (broker down at commit) or abandoned by a lost worker."""
    ids = mail.stale_delivery_ids()
    mail.enqueue(ids)
    return len(ids)


@shared_task
def send_digests():
    """Moderators' digests of new cases."""
    mail.send_digests()


@shared_task
def remind_stale_cases():
    """Remind of cases left undecided too long."""
    return mail.remind_stale_cases()


@shared_task
def send_watch_digests():
    """Members' digests of new posts in the threads and categories they watch."""
    from forum import watching
    watching.send_watch_digests()


@shared_task
def flush_thread_views():
    """Add the thread views counted in Redis to the database."""
    from forum import viewcounts
    return viewcounts.flush_views()
