"""Community notices on the residents' page: admins post and remove them (the admin page and
``ops-center notices`` both call these), each step stamped with who and when on the notice's row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ops_center.auth import Action, Principal, require
from ops_center.errors import InputError
from ops_center.store.models import Notice
from ops_center.text import refuse_control_characters

TITLE_MAX = 100
BODY_MAX = 1000
MAX_DAYS = 90
DEFAULT_DAYS = 7


@dataclass(frozen=True)
class NoticeItem:
    """A notice as the admin lists it (who posted and removed it included)."""

    id: int
    title: str
    body: str
    posted_by: str
    posted_at: datetime
    expires_at: datetime
    removed_by: str | None
    removed_at: datetime | None

    def shown(self, now: datetime) -> bool:
        """True while the residents' page shows it: posted, not removed, not expired."""
        return self.removed_at is None and self.posted_at <= now < self.expires_at


def post_notice(session: Session, by: Principal, title: str, body: str, days: int, now: datetime) -> NoticeItem:
    """Post a notice shown for ``days`` days from ``now``; ``InputError`` names the field that is wrong,
    ``PermissionDenied`` when ``by`` may not manage notices."""
    require(by, Action.MANAGE_NOTICES)
    notice = Notice(
        title=_text("title", title, TITLE_MAX, lines=False),
        body=_text("body", body, BODY_MAX, lines=True),
        posted_by=by.name,
        posted_at=now,
        expires_at=now + timedelta(days=_days(days)),
    )
    session.add(notice)
    session.flush()
    return _item(notice)


def remove_notice(session: Session, by: Principal, notice_id: int, now: datetime) -> NoticeItem:
    """Take a notice off the residents' page (the row stays, stamped with who removed it and when)."""
    require(by, Action.MANAGE_NOTICES)
    notice = session.get(Notice, notice_id) if isinstance(notice_id, int) else None
    if notice is None:
        raise InputError(f"notice {notice_id!r}: no such notice")
    if notice.removed_at is None:
        notice.removed_by, notice.removed_at = by.name, now
        session.flush()
    return _item(notice)


def list_notices(session: Session, now: datetime, *, include_past: bool = False, limit: int = 200) -> list[NoticeItem]:
    """Notices newest first: those shown now, or with ``include_past`` also the expired and removed."""
    stmt = select(Notice).order_by(Notice.posted_at.desc(), Notice.id.desc()).limit(limit)
    if not include_past:
        stmt = stmt.where(Notice.removed_at.is_(None), Notice.posted_at <= now, Notice.expires_at > now)
    return [_item(n) for n in session.scalars(stmt)]


def _text(field: str, value: object, most: int, *, lines: bool) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{field}: write some text")
    text = value.strip().replace("\r\n", "\n")
    if len(text) > most:
        raise InputError(f"{field}: at most {most} characters, not {len(text)}")
    try:
        for line in text.split("\n") if lines else [text]:
            refuse_control_characters(line)
    except ValueError as exc:
        raise InputError(f"{field}: {exc}") from None
    return text


def _days(days: object) -> int:
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise InputError(f"days: a whole number of days from 1 to {MAX_DAYS}, not {days!r}")
    return days


def _item(n: Notice) -> NoticeItem:
    return NoticeItem(n.id, n.title, n.body, n.posted_by, n.posted_at, n.expires_at, n.removed_by, n.removed_at)
