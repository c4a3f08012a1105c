"""Retention covers handoffs too: the question, the contact and the agents' replies are
personal data. ``dvc retention`` deletes every handoff of a conversation it deletes entirely,
and every finished handoff opened before the cut-off (an open one stays until it ends)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from dichvucong.db.models import HANDOFF_OPEN_STATUSES, Handoff, HandoffMessage

CHUNK = 500


def delete_handoffs(session: Session, cutoff: datetime, whole_senders: Sequence[str] = ()) -> int:
    """Delete (in the caller's transaction) and count the handoffs retention removes."""
    conditions = [(Handoff.created_at < cutoff) & Handoff.status.not_in(HANDOFF_OPEN_STATUSES)]
    senders = list(whole_senders)
    for start in range(0, len(senders), CHUNK):
        conditions.append(Handoff.sender_id.in_(senders[start : start + CHUNK]))
    ids = list(session.scalars(select(Handoff.id).where(or_(*conditions))))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        session.execute(delete(HandoffMessage).where(HandoffMessage.handoff_id.in_(chunk)))
        session.execute(delete(Handoff).where(Handoff.id.in_(chunk)))
    return len(ids)
