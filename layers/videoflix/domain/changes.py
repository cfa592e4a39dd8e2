"""What a use case changed, said once inside its transaction; what follows is done after commit.

A use case records these on its database session (videoflix.db.session.record_changes) in the
same transaction as the change; videoflix.effects performs what follows each one after the
transaction commits (nothing happens for a rolled-back change): dropping cached catalog pages,
publishing Video Ready / Video Failed, counting them, deleting objects the change left unused,
forgetting an account's cached login state.
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


@dataclass(frozen=True)
class UploadAbandoned:
    """A multipart upload nobody will finish (its film was deleted): aborted after commit."""

    key: str
    upload_id: str


@dataclass(frozen=True)
class FilesDiscarded:
    """Everything under `prefix` in `bucket` is no longer needed (a deleted film's media and upload, a
    poster image once published): deleted after commit. A failed commit leaves the files in place; a
    failed deletion leaves them to the sweeper (videoflix.pipeline.sweeper)."""

    bucket: str
    prefix: str


@dataclass(frozen=True)
class AccountChanged:
    """What a login check reads of an account changed (active, staff, password, tokens_valid_after,
    email) or the account was deleted: its cached login state is dropped after commit
    (videoflix.auth.login_state). Recorded by the session itself (videoflix.db.models), whoever writes."""

    user_id: int


Change = AccountChanged | CatalogChanged | CaptionsChanged | VideoSettled | UploadAbandoned | FilesDiscarded
