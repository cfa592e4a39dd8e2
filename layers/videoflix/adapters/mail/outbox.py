"""The transactional mail outbox: a mail job is a row written with the change that causes it.

`services.outbox.enqueue(session, template, context)` adds the row inside the caller's
transaction; nothing leaves the process before the commit, so a transaction that fails mails
nothing. After the commit the relay sends the row to the mail queue at once and marks it sent
(emptying its context: the links in it are credentials). If the queue cannot be reached the
request still succeeds and the scheduled sweeper sends the rows still unsent after
RESEND_AFTER. Delivery is at least once; each job carries its row's idempotency key and the
mailer sends one email per key (SqlMailLedger below, videoflix.adapters.mail.worker). The sweeper also
deletes rows sent more than KEEP_SENT ago.
"""
from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import delete, event, or_, select, update
from sqlalchemy.orm import Session

from videoflix.adapters.sqs import SqsQueue
from videoflix.db.models import OutboxMail, utcnow
from videoflix.db.database import Database
from videoflix.domain.ports import MessageQueue
from videoflix.settings import Settings

log = logging.getLogger("videoflix.outbox")

# What the ledger answers a delivery of a mail job (SqlMailLedger.claim; the mailer's worker acts on it).
SEND = "send"        # claimed by this delivery: send now
DONE = "done"        # already delivered: acknowledge, send nothing
BUSY = "busy"        # another delivery holds the claim: retry later
UNKNOWN = "unknown"  # no such key: its outbox row was pruned a week after it was sent

RESEND_AFTER = timedelta(minutes=1)   # the sweeper leaves younger rows to the request's own relay
KEEP_SENT = timedelta(days=7)         # longer than the mail queue keeps a message (4 days)
CLAIM_HOLD = timedelta(seconds=90)    # above the mailer's 30 s timeout, below the queue's 180 s visibility
RESEND_BATCH = 100
_PENDING = "videoflix.mail.outbox.pending"


def mail_message(key: str, template: str, context: dict[str, Any]) -> str:
    """The mail queue's message body: the job the mailer renders, and its idempotency key."""
    return json.dumps({"template": template, "context": context, "key": key})


class TransactionalOutbox:
    """The outbox rows, relayed to `queue` (the mail queue port) after each commit."""
    def __init__(self, queue: MessageQueue) -> None:
        self.queue = queue

    def enqueue(self, session: Session, template: str, context: dict[str, Any]) -> str:
        """Add a mail job to `session`'s transaction; it is sent after the commit. Returns its key."""
        key = uuid.uuid4().hex
        session.add(OutboxMail(idempotency_key=key, template=template, context=dict(context)))
        pending = session.info.get(_PENDING)
        if pending is None:
            pending = session.info[_PENDING] = []
            event.listen(session, "after_commit", self._after_commit)
        pending.append(key)
        return key

    def _after_commit(self, session: Session) -> None:
        keys, session.info[_PENDING] = session.info.get(_PENDING) or [], []
        if not keys:
            return
        try:
            self.relay(Database(session.get_bind()), keys)
        except Exception:  # committed is committed: the sweeper sends what is left
            log.exception("mail outbox: relaying %d job(s) after commit failed", len(keys))

    def relay(self, db: Database, keys: Iterable[str]) -> int:
        """Send the committed, unsent rows of `keys` to the mail queue; how many were sent."""
        with db.session() as session:
            rows = session.execute(_unsent().where(OutboxMail.idempotency_key.in_(list(keys)))
                                   .order_by(OutboxMail.id)).all()
        return self._send_rows(db, rows)

    def resend_unsent(self, db: Database, now: datetime | None = None) -> int:
        """The sweeper's part: send rows still unsent RESEND_AFTER after they were written."""
        now = now or utcnow()
        with db.session() as session:
            rows = session.execute(_unsent().where(OutboxMail.created_at < now - RESEND_AFTER)
                                   .order_by(OutboxMail.send_attempts, OutboxMail.id).limit(RESEND_BATCH)).all()
        return self._send_rows(db, rows)

    def prune_sent(self, db: Database, now: datetime | None = None) -> int:
        """Delete rows sent (or delivered) more than KEEP_SENT ago; how many."""
        cutoff = (now or utcnow()) - KEEP_SENT
        with db.session() as session:
            return session.execute(delete(OutboxMail).where(or_(OutboxMail.sent_at < cutoff,
                                                                OutboxMail.delivered_at < cutoff))).rowcount

    def send(self, body: str) -> None:
        self.queue.send(body)

    def _send_rows(self, db: Database, rows) -> int:
        sent = 0
        for row in rows:
            try:
                self.send(mail_message(row.idempotency_key, row.template, row.context))
            except Exception:  # botocore raises many types; all mean "queue unreachable"
                log.warning("mail %s: the mail queue is unreachable; the sweeper sends it later",
                            row.idempotency_key, exc_info=True)
                _mark(db, row.id, send_attempts=OutboxMail.send_attempts + 1)
                break  # the others would fail alike; a failing row goes last next time
            _mark(db, row.id, sent_at=utcnow(), context={}, send_attempts=OutboxMail.send_attempts + 1)
            sent += 1
        return sent


def _unsent():
    return select(OutboxMail.id, OutboxMail.idempotency_key, OutboxMail.template, OutboxMail.context).where(
        OutboxMail.sent_at.is_(None), OutboxMail.delivered_at.is_(None))


def _mark(db: Database, row_id: int, **values: Any) -> None:
    with db.session() as session:
        session.execute(update(OutboxMail).where(OutboxMail.id == row_id).values(**values))


class SqsMailOutbox(TransactionalOutbox):
    """The outbox relaying to the SQS mail queue named in `settings` (what Lambda runs)."""
    def __init__(self, settings: Settings) -> None:
        super().__init__(SqsQueue(settings, settings.mail_queue_name))


class SqlMailLedger:
    """The mailer's delivery ledger on the outbox rows: a short claim, then `delivered_at`."""
    def __init__(self, db: Database) -> None:
        self._db = db
        self._held: dict[str, datetime] = {}

    def claim(self, key: str, now: datetime | None = None) -> str:
        now = now or utcnow()
        until = now + CLAIM_HOLD
        row = OutboxMail
        with self._db.session() as session:
            won = session.execute(update(row).where(
                row.idempotency_key == key, row.delivered_at.is_(None),
                or_(row.claimed_until.is_(None), row.claimed_until < now)).values(claimed_until=until)).rowcount
            if won:
                self._held[key] = until
                return SEND
            delivered = session.execute(select(row.delivered_at).where(row.idempotency_key == key)).first()
        if delivered is None:
            return UNKNOWN
        return DONE if delivered[0] is not None else BUSY

    def release(self, key: str) -> None:
        """Give up this delivery's claim (not one another delivery took after it expired)."""
        until = self._held.pop(key, None)
        with self._db.session() as session:
            session.execute(update(OutboxMail).where(OutboxMail.idempotency_key == key,
                                                     OutboxMail.delivered_at.is_(None),
                                                     OutboxMail.claimed_until == until).values(claimed_until=None))

    def delivered(self, key: str) -> None:
        self._held.pop(key, None)
        with self._db.session() as session:
            session.execute(update(OutboxMail).where(OutboxMail.idempotency_key == key)
                            .values(delivered_at=utcnow(), claimed_until=None))
