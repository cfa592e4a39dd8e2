"""A video's life: every (state, event) pair, allowed or refused, and the SQL that performs it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from videoflix.db.models import Base, Video, VideoStatus
from videoflix.db import video_transitions as lifecycle
from videoflix.domain.video_states import TRANSITIONS, Event, VideoState, next_state

A, U, P, R, F = (VideoState.AWAITING_UPLOAD, VideoState.UPLOADED, VideoState.PROCESSING, VideoState.READY,
                 VideoState.FAILED)
NOW = datetime(2030, 1, 1, 12, tzinfo=timezone.utc)
PAST, FUTURE = NOW - timedelta(seconds=1), NOW + timedelta(seconds=1)

# Where each event takes each state (with a live lease); a missing pair is refused.
ALLOWED = {
    (A, Event.UPLOAD_COMPLETED): U,
    (A, Event.UPLOAD_REFUSED): F, (U, Event.UPLOAD_REFUSED): F, (P, Event.UPLOAD_REFUSED): F,
    (A, Event.CLAIMED): P, (U, Event.CLAIMED): P,
    (P, Event.PROGRESS): P,
    (P, Event.LEASE_RENEWED): P,
    (P, Event.LEASE_ENDED): P,
    (P, Event.PUBLISHED): R,
    (P, Event.FAILED): F,
    (P, Event.RELEASED_FOR_RETRY): U,
    (F, Event.RETRIED_BY_ADMIN): U,
}
# Only once the lease has run out.
EXPIRED_ONLY = {(P, Event.CLAIMED): P, (P, Event.LEASE_EXPIRED_REQUEUED): U, (P, Event.LEASE_EXPIRED_FAILED): F}
ALL_PAIRS = [(state, event) for state in VideoState for event in Event]


def test_the_states_keep_their_stored_values_and_the_old_name():
    assert [s.value for s in VideoState] == ["awaiting_upload", "uploaded", "processing", "ready", "failed"]
    assert VideoStatus is VideoState
    assert f"{VideoState.READY}" == str(VideoState.READY) == "ready"


@pytest.mark.parametrize("state, event", ALL_PAIRS)
def test_every_transition_with_a_live_lease(state, event):
    assert next_state(state, event, lease_expires_at=FUTURE, now=NOW) == ALLOWED.get((state, event))


@pytest.mark.parametrize("state, event", ALL_PAIRS)
def test_every_transition_with_a_lease_run_out(state, event):
    expected = EXPIRED_ONLY.get((state, event), ALLOWED.get((state, event)))
    assert next_state(state, event, lease_expires_at=PAST, now=NOW) == expected


def test_a_claim_never_takes_a_processing_video_without_a_lease_but_the_sweeper_moves_it_on():
    assert next_state(P, Event.CLAIMED, lease_expires_at=None, now=NOW) is None
    assert next_state(P, Event.LEASE_EXPIRED_REQUEUED, lease_expires_at=None, now=NOW) is U
    assert next_state(P, Event.LEASE_EXPIRED_FAILED, lease_expires_at=None, now=NOW) is F


def test_ready_is_final_and_every_event_has_one_target():
    assert not any(R in t.sources for t in TRANSITIONS)
    for event in Event:
        assert len({t.target for t in TRANSITIONS if t.event is event}) == 1, event


# -- the SQL follows the table ---------------------------------------------------------------------
PERFORM = {
    Event.UPLOAD_COMPLETED: lambda s, i: lifecycle.complete_upload(s, i),
    Event.UPLOAD_REFUSED: lambda s, i: lifecycle.refuse_upload(s, i, "too big"),
    Event.CLAIMED: lambda s, i: lifecycle.claim(s, i, NOW, 60),
    Event.PROGRESS: lambda s, i: lifecycle.report_progress(s, i, 50),
    Event.LEASE_RENEWED: lambda s, i: lifecycle.renew_lease(s, i, 60, progress=40),
    Event.LEASE_ENDED: lambda s, i: bool(lifecycle.end_leases(s, [i])),
    Event.PUBLISHED: lambda s, i: lifecycle.publish(s, i, duration=3.0, width=640, height=360,
                                                    renditions=["480p"], thumbnail_key=None),
    Event.FAILED: lambda s, i: lifecycle.fail(s, i, "broken"),
    Event.RELEASED_FOR_RETRY: lambda s, i: lifecycle.release_for_retry(s, i, "flaky"),
    Event.LEASE_EXPIRED_REQUEUED: lambda s, i: lifecycle.requeue_expired(s, i, NOW, "requeued"),
    Event.LEASE_EXPIRED_FAILED: lambda s, i: lifecycle.fail_expired(s, i, NOW, "gave up"),
    Event.RETRIED_BY_ADMIN: lambda s, i: lifecycle.retry_by_admin(s, i),
}


@pytest.fixture(scope="module")
def engine():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine, tables=[Video.__table__])
    return engine


def test_every_event_is_performed_by_a_function():
    assert set(PERFORM) == set(Event)


@pytest.mark.parametrize("lease", [None, PAST, FUTURE], ids=["no lease", "lease run out", "live lease"])
@pytest.mark.parametrize("state, event", ALL_PAIRS)
def test_the_conditional_update_moves_exactly_what_the_table_allows(engine, state, event, lease):
    with Session(engine) as session:
        video = lifecycle.new_video(title="t", category="c", filename="f.mp4", content_type="video/mp4", size=1,
                                    source_key=f"uploads/x/{state}-{event}-{lease}")
        video.status, video.lease_expires_at, video.attempts = state.value, lease, 1
        session.add(video)
        session.flush()
        moved = PERFORM[event](session, video.id)
        status, attempts = session.execute(select(Video.status, Video.attempts).where(Video.id == video.id)).one()
        session.rollback()
    expected = next_state(state, event, lease_expires_at=lease, now=NOW)
    assert moved is (expected is not None)
    assert status == (expected or state).value
    if event is Event.CLAIMED and moved:
        assert attempts == 2  # a claim counts the attempt


def test_a_new_video_awaits_its_upload():
    video = lifecycle.new_video(title="t")
    assert (video.status, video.progress, video.attempts, video.renditions) == ("awaiting_upload", 0, 0, [])
