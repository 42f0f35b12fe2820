"""The registry of notification kinds: each domain registers the kinds it sends (at import), so
this package, below both domains, names none of them.

A kind is an in-app notice (it has `describe`), an e-mail (it has a `subject`), or both.
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import url_for

from forum.notifications.models import Notification


@dataclass(frozen=True)
class Kind:
    # The in-app notice: (notification, external) -> {"text", "url"} in the current language, plus
    # "manage" for a page that changes what brings such notices.
    describe: Callable[[Any, bool], dict] | None = None
    # Loads what a page of these notices names in one query, so describing each costs none.
    preload: Callable[[list], None] | None = None
    subject: Any = None  # of its e-mail; None: it is not mailed one by one
    mandatory: bool = False  # mailed even to a member who switched mail off or cannot sign in
    optional: Any = None  # label on the mail settings page: the member may switch its e-mail off
    in_digest: bool = False  # mailed only within a digest, never on its own
    template: str = "notification"  # templates/email/<template>.txt and .html
    context: Callable[[Any], dict] | None = None  # (delivery) -> the e-mail template's values


KINDS: dict[str, Kind] = {}


def register(name: str, **fields: Any) -> None:
    """Register a kind; registering a name twice is a mistake, not an override."""
    if name in KINDS:
        raise ValueError(f"notification kind {name!r} is already registered")
    KINDS[name] = Kind(**fields)


def get(name: str) -> Kind:
    return KINDS.get(name) or Kind()


def optional_kinds() -> dict:
    """{kind: label} of the e-mails members may switch off, in the order registered."""
    return {name: kind.optional for name, kind in KINDS.items() if kind.optional is not None}


def describe(notification: Notification, external: bool = False) -> dict[str, Any]:
    """{'text', 'url'} of a notification, in the current language (absolute URL for e-mail)."""
    describer = get(notification.kind).describe
    if describer is None:  # a kind no domain registers any more
        return {"text": notification.kind, "url": url_for("notifications.index", _external=external)}
    return describer(notification, external)


def preload(notifications: Iterable[Notification]) -> None:
    """Load what a page of notices names, one query per kind that needs any."""
    by_kind: dict[str, list[Notification]] = {}
    for notification in notifications:
        by_kind.setdefault(notification.kind, []).append(notification)
    for name, group in by_kind.items():
        loader = get(name).preload
        if loader is not None:
            loader(group)
