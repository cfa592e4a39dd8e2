"""The staff history's row, written in the transaction of the change it records.

videoflix.staff.history is the staff's use of it (and the history page); the operator's
`videoflix users create` (videoflix.auth.service.create_user) records through it too.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from videoflix.db.models import AdminHistory


def record_history(session: Session, actor: str, action: str, target_type: str, target_id: Any,
                   changes: dict[str, Any] | None = None) -> None:
    """Add one history row to `session`'s transaction: it commits, or vanishes, with the change."""
    session.add(AdminHistory(actor=actor, action=action, target_type=target_type, target_id=str(target_id),
                             changes=changes or {}))
