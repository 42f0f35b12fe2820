"""Celery tasks of moderation: the moderators' digests and reminders of waiting cases. Each is safe to run twice."""
from celery import shared_task

from . import services


@shared_task
def send_digests():
    """Moderators' digests of new cases."""
    services.send_digests()


@shared_task
def remind_stale_cases():
    """Remind of cases left undecided too long."""
    return services.remind_stale_cases()
