"""Typed dependencies of the review pages: who may read conversations, the tracker store."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from dichvucong.console.deps import ConsoleDep, CurrentUser
from dichvucong.console.errors import Forbidden
from dichvucong.db.models import ConsoleUser
from dichvucong.review.tracker import readonly_engine

log = logging.getLogger(__name__)
REVIEW_ROLES = frozenset({"admin", "reviewer"})


def reviewer_user(user: CurrentUser) -> ConsoleUser:
    """Reviewers and admins read citizens' conversations; editors do not."""
    if user.role not in REVIEW_ROLES:
        raise Forbidden(
            "Chỉ cán bộ xem xét (vai trò Xem xét) và quản trị viên mới được đọc hội thoại của người dân."
        )
    return user


ReviewerUser = Annotated[ConsoleUser, Depends(reviewer_user)]


def reveal_user(user: CurrentUser) -> ConsoleUser:
    """Only an admin may see a message's original text (and it is audited)."""
    if user.role != "admin":
        raise Forbidden("Chỉ quản trị viên mới được xem nội dung gốc (chưa che) của tin nhắn.")
    return user


RevealUser = Annotated[ConsoleUser, Depends(reveal_user)]


def get_tracker(ctx: ConsoleDep) -> Engine | None:
    """Rasa's tracker store, read-only (``None`` until Rasa has created it, or while it does
    not answer: the pages then say so instead of failing)."""
    try:
        return readonly_engine(ctx.settings.tracker_store_url)
    except SQLAlchemyError:
        log.exception("the tracker store does not answer")
        return None


TrackerDep = Annotated[Engine | None, Depends(get_tracker)]
