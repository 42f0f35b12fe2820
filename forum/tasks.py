"""Celery tasks of the forum: watchers' and direct messages' digests, and the view counts. Each is safe to run twice."""
from celery import shared_task

from forum.connect import watching
from forum.discussions import viewcounts
from forum.messages import services as messages


@shared_task
def send_watch_digests():
    """Members' digests of new posts in the threads and categories they watch."""
    watching.send_watch_digests()


@shared_task
def send_message_digests():
    """Members' digests of new direct messages."""
    messages.send_digests()


@shared_task
def flush_thread_views():
    """Add the thread views counted in Redis to the database."""
    return viewcounts.flush_views()
