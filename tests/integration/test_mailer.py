"""The mailer function: SQS batch in, SES out, failures reported per message."""
from __future__ import annotations

import json

import pytest

from videoflix_tools.dev.emails import moto_sent_emails
from videoflix_tools.functions import load_handler

pytestmark = pytest.mark.integration
LINK = "http://127.0.0.1:5500/pages/auth/activate.html?uid=MQ&token=1-abc"


def record(message_id: str, body: str) -> dict:
    return {"messageId": message_id, "receiptHandle": message_id, "body": body, "eventSource": "aws:sqs"}


def test_batch_reports_only_the_broken_jobs(services):
    good = json.dumps({"template": "activation", "context": {"to": "a@example.com", "link": LINK}})
    event = {"Records": [record("1", good), record("2", "not json"),
                         record("3", json.dumps({"template": "unknown", "context": {}})),
                         record("4", json.dumps({"template": "activation", "context": {}}))]}
    result = load_handler("mailer")(event, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "2"}, {"itemIdentifier": "3"},
                                            {"itemIdentifier": "4"}]}
    sent = moto_sent_emails(services.settings.aws_region)
    assert [m["to"] for m in sent] == [["a@example.com"]]
    assert sent[0]["subject"] == "Confirm your email" and LINK in sent[0]["text"] and sent[0]["html"]


def test_unverified_sender_fails_the_message_for_a_retry(services):
    services.settings = services.settings.with_overrides(mail_sender="unverified@elsewhere.example")
    good = json.dumps({"template": "activation", "context": {"to": "a@example.com", "link": LINK}})
    result = load_handler("mailer")({"Records": [record("1", good)]}, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "1"}]}
    assert moto_sent_emails(services.settings.aws_region) == []


def test_poison_message_ends_in_the_dead_letter_queue(services, mailbox):
    from videoflix.adapters.aws import aws_client, queue_url

    sqs = aws_client("sqs", services.settings)
    settings = services.settings
    sqs.send_message(QueueUrl=queue_url(settings, settings.mail_queue_name), MessageBody="garbage")
    for _ in range(6):  # maxReceiveCount is 5
        mailbox.pump.poll_once(mailbox.binding)
    dlq = queue_url(settings, f"{settings.mail_queue_name}-dlq")
    messages = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", [])
    assert [m["Body"] for m in messages] == ["garbage"]
