"""The record of staff changes: one row per change, written in the transaction of the change."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from videoflix.db.history import record_history
from videoflix.db.models import AdminHistory
from videoflix.domain.video_json import iso
from videoflix.services import Services
from videoflix.staff.paging import Page


def record(session: Session, actor: str, action: str, target_type: str, target_id: Any,
           changes: dict[str, Any] | None = None) -> None:
    """Add one history row to `session`'s transaction: it commits, or vanishes, with the change."""
    record_history(session, actor, action, target_type, target_id, changes)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for each field whose value changed."""
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


def history_page(services: Services, page: Page) -> dict[str, Any]:
    """The newest changes first."""
    with services.db.session() as session:
        total = session.scalar(select(func.count()).select_from(AdminHistory))
        rows = session.scalars(select(AdminHistory).order_by(AdminHistory.at.desc(), AdminHistory.id.desc())
                               .offset(page.offset).limit(page.page_size)).all()
        return page.answer([{"at": iso(row.at), "actor": row.actor, "action": row.action,
                             "target_type": row.target_type, "target_id": row.target_id,
                             "changes": row.changes or {}} for row in rows], total or 0)
