"""The state of the work queues and their dead-letter queues, and moving dead letters back.

Each queue's dead-letter queue is found through its RedrivePolicy, so the names work alike on
AWS (where CloudFormation names the queues) and locally (`<name>-dlq`, videoflix_tools.bootstrap).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from videoflix.db.models import Video, utcnow
from videoflix.domain.video_json import iso
from videoflix.domain.video_states import VideoState, lease_duration
from videoflix.domain.ports import QueueAdmin
from videoflix.errors import NotFound
from videoflix.services import Services
from videoflix.settings import Settings

DLQ_SUFFIX = "-dlq"
REDRIVE_LIMIT = 500  # messages per request: a redrive ends well inside API Gateway's 29 s
REDRIVE_SECONDS = 20


@dataclass(frozen=True)
class KnownQueue:
    name: str  # as the API names it: transcode, chunk, av1, mail, playback
    queue_name: str  # the SQS queue's own name


def known_queues(settings: Settings) -> list[KnownQueue]:
    queues = [KnownQueue("transcode", settings.transcode_queue_name), KnownQueue("chunk", settings.chunk_queue_name),
              KnownQueue("av1", settings.av1_queue_name), KnownQueue("mail", settings.mail_queue_name)]
    if settings.playback_insights:  # the players' event batches, folded by the insights aggregator
        queues.append(KnownQueue("playback", settings.playback_queue_name))
    return queues


class Queues:
    """The queues through the queue-admin port (services.queue_admin; the AWS SDK is loaded on first use)."""

    def __init__(self, services: Services, sqs: QueueAdmin | None = None) -> None:
        self.services = services
        self.settings = services.settings
        self.sqs = sqs or services.queue_admin

    def _url(self, queue_name: str) -> str:
        return self.sqs.url(queue_name)

    def _attributes(self, url: str, *names: str) -> dict[str, str]:
        return self.sqs.attributes(url, *names)

    def _dead_letter_url(self, source_url: str) -> str | None:
        policy = self._attributes(source_url, "RedrivePolicy").get("RedrivePolicy")
        if not policy:
            return None
        return self._url(json.loads(policy)["deadLetterTargetArn"].rsplit(":", 1)[-1])

    def _counts(self, url: str) -> dict[str, int]:
        found = self._attributes(url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        return {"visible": int(found.get("ApproximateNumberOfMessages", 0)),
                "in_flight": int(found.get("ApproximateNumberOfMessagesNotVisible", 0))}

    def overview(self) -> dict[str, Any]:
        queues = []
        for known in known_queues(self.settings):
            url = self._url(known.queue_name)
            queues.append({"name": known.name, "queue_name": known.queue_name, "dead_letter": False,
                           "source": None, **self._counts(url)})
            dlq_url = self._dead_letter_url(url)
            if dlq_url is not None:
                queues.append({"name": known.name + DLQ_SUFFIX, "queue_name": dlq_url.rsplit("/", 1)[-1],
                               "dead_letter": True, "source": known.name, **self._counts(dlq_url)})
        return {"queues": queues, "processing": processing_videos(self.services)}

    def redrive(self, name: str) -> dict[str, Any]:
        """Move a dead-letter queue's messages back to its source queue (at most REDRIVE_LIMIT a call).

        `name` is a dead-letter queue as the overview lists it (`transcode-dlq`), or its source
        queue (`transcode`). Each message is sent before it is deleted: a failure in between
        duplicates a message, never loses one (every consumer is idempotent).
        """
        source_name = name[:-len(DLQ_SUFFIX)] if name.endswith(DLQ_SUFFIX) else name
        known = {queue.name: queue for queue in known_queues(self.settings)}.get(source_name)
        if known is None:
            raise NotFound(f"No queue named {name!r}; the queues are "
                           f"{', '.join(q.name + s for q in known_queues(self.settings) for s in ('', DLQ_SUFFIX))}.")
        source_url = self._url(known.queue_name)
        dlq_url = self._dead_letter_url(source_url)
        if dlq_url is None:
            raise NotFound(f"The {known.name} queue has no dead-letter queue.")
        moved, started = 0, time.monotonic()
        while moved < REDRIVE_LIMIT and time.monotonic() - started < REDRIVE_SECONDS:
            batch = min(10, REDRIVE_LIMIT - moved)
            messages = self.sqs.receive(dlq_url, batch, visibility_timeout=60)
            if not messages:
                break
            for message in messages:
                self.sqs.move(message, dlq_url, source_url)
                moved += 1
        left = self._counts(dlq_url)["visible"]
        return {"name": known.name + DLQ_SUFFIX, "source": known.name, "moved": moved, "left": left}


def processing_videos(services: Services) -> list[dict[str, Any]]:
    """Videos uploaded or being transcoded, with progress and how long their lease has run."""
    lease_seconds = lease_duration(services.settings.transcode_time_budget).total_seconds()
    now = utcnow()
    with services.db.session() as session:
        videos = session.scalars(select(Video).where(Video.status.in_([VideoState.UPLOADED, VideoState.PROCESSING]))
                                 .order_by(Video.id)).all()
        found = []
        for video in videos:
            expires = video.lease_expires_at
            if expires is not None and expires.tzinfo is None:
                expires = expires.replace(tzinfo=now.tzinfo)
            age = None
            if expires is not None and video.status == VideoState.PROCESSING:
                age = max(0, int((now - (expires - timedelta(seconds=lease_seconds))).total_seconds()))
            found.append({"id": video.id, "title": video.title, "status": video.status,
                          "progress": video.progress, "attempts": video.attempts,
                          "lease_expires_at": iso(expires), "lease_age_seconds": age})
        return found
