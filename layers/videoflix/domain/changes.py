"""What a use case changed, said once inside its transaction; what follows is done after commit.

A use case records these on its database session (videoflix.db.session.record_changes) in the
same transaction as the change; videoflix.effects performs what follows each one after the
transaction commits (nothing happens for a rolled-back change): dropping cached catalog pages,
publishing Video Ready / Video Failed, counting them.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CatalogChanged:
    """Something the viewers' cached catalog shows changed: a status, an edit, a poster, a deletion."""


@dataclass(frozen=True)
class CaptionsChanged:
    """A film's caption tracks changed (added, replaced, removed)."""

    video_id: int


@dataclass(frozen=True)
class VideoSettled:
    """A film ended ready or failed. `stage` names the path that settled it, as metrics and logs
    name it: single, fanout, chunk, transcode, sweeper, upload."""

    video_id: int
    stage: str


Change = CatalogChanged | CaptionsChanged | VideoSettled
