"""Idempotent provisioning of the AWS resources Videoflix needs on moto or LocalStack.

In AWS itself template.yaml creates these; the local stacks run this instead, and running
it twice changes nothing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from videoflix.adapters.aws import aws_client
from videoflix.domain.attempts import AV1_MAX_ATTEMPTS, CHUNK_MAX_ATTEMPTS, TRANSCODE_MAX_ATTEMPTS
from videoflix.settings import Settings

MAIL_MAX_RECEIVES = 5
# The pipeline fails a video on the last receive: its counts are these queues' counts.
TRANSCODE_MAX_RECEIVES = TRANSCODE_MAX_ATTEMPTS
CHUNK_MAX_RECEIVES = CHUNK_MAX_ATTEMPTS
AV1_MAX_RECEIVES = AV1_MAX_ATTEMPTS
PLAYBACK_MAX_RECEIVES = 5


@dataclass(frozen=True)
class QueueSpec:
    name: str
    visibility_timeout: int
    max_receives: int


def queue_specs(settings: Settings) -> list[QueueSpec]:
    return [
        QueueSpec(settings.mail_queue_name, 60, MAIL_MAX_RECEIVES),
        # At least 6 x the transcoder's timeout, as AWS recommends for SQS-triggered functions.
        QueueSpec(settings.transcode_queue_name, 6 * 900, TRANSCODE_MAX_RECEIVES),
        # The chunk worker has the transcoder's timeout: the same 6 x.
        QueueSpec(settings.chunk_queue_name, 6 * 900, CHUNK_MAX_RECEIVES),
        # AV1 jobs and AV1 chunk jobs: consumed by the chunk worker, the same 6 x its timeout.
        QueueSpec(settings.av1_queue_name, 6 * 900, AV1_MAX_RECEIVES),
        # Playback-event batches: 6 x the aggregator's 30 s timeout, as template.yaml's.
        QueueSpec(settings.playback_queue_name, 180, PLAYBACK_MAX_RECEIVES),
    ]


def _ensure_queue(sqs, spec: QueueSpec) -> str:
    dlq_url = sqs.create_queue(QueueName=f"{spec.name}-dlq",
                               Attributes={"MessageRetentionPeriod": "1209600"})["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    attributes = {
        "VisibilityTimeout": str(spec.visibility_timeout),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": spec.max_receives}),
    }
    try:
        url = sqs.get_queue_url(QueueName=spec.name)["QueueUrl"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    except sqs.exceptions.QueueDoesNotExist:
        url = sqs.create_queue(QueueName=spec.name, Attributes=attributes)["QueueUrl"]
    return url


def _ensure_bucket(s3, name: str, region: str) -> None:
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if name not in existing:
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})


def ensure_event_bus(settings: Settings) -> str:
    """The bus of Video Ready / Video Failed (template.yaml's EventBus); its ARN."""
    events = aws_client("events", settings)
    try:
        return events.describe_event_bus(Name=settings.event_bus_name)["Arn"]
    except events.exceptions.ResourceNotFoundException:
        return events.create_event_bus(Name=settings.event_bus_name)["EventBusArn"]


def bootstrap_aws(settings: Settings) -> dict[str, str]:
    """Create queues (with dead-letter queues), buckets, notifications, CORS and the SES identity."""
    sqs, s3, ses = (aws_client(name, settings) for name in ("sqs", "s3", "ses"))
    urls = {spec.name: _ensure_queue(sqs, spec) for spec in queue_specs(settings)}
    transcode_url = urls[settings.transcode_queue_name]
    transcode_arn = sqs.get_queue_attributes(QueueUrl=transcode_url,
                                             AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=transcode_url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                       "Action": "sqs:SendMessage", "Resource": transcode_arn,
                       "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{settings.upload_bucket}"}}}],
    })})
    for bucket in (settings.upload_bucket, settings.media_bucket):
        _ensure_bucket(s3, bucket, settings.aws_region)
    s3.put_bucket_lifecycle_configuration(Bucket=settings.upload_bucket, LifecycleConfiguration={
        "Rules": [{"ID": "abort-incomplete-multipart", "Status": "Enabled", "Filter": {"Prefix": ""},
                   "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}}]})
    s3.put_bucket_notification_configuration(Bucket=settings.upload_bucket, NotificationConfiguration={
        "QueueConfigurations": [{
            "Id": "uploads-to-transcoder", "QueueArn": transcode_arn, "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}},
        }]})
    cors_rule = {"AllowedOrigins": list(settings.cors_allowed_origins), "AllowedMethods": ["GET", "HEAD"],
                 "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag", "Content-Length"], "MaxAgeSeconds": 3600}
    s3.put_bucket_cors(Bucket=settings.media_bucket, CORSConfiguration={"CORSRules": [cors_rule]})
    # The CLI uploads parts from outside a browser, but a browser admin tool needs ETag exposed.
    s3.put_bucket_cors(Bucket=settings.upload_bucket, CORSConfiguration={"CORSRules": [
        {**cors_rule, "AllowedMethods": ["PUT", "GET", "HEAD"]}]})
    ses.verify_email_identity(EmailAddress=settings.mail_sender)
    ensure_event_bus(settings)
    return {"mail_queue": urls[settings.mail_queue_name], "transcode_queue": transcode_url,
            "chunk_queue": urls[settings.chunk_queue_name], "av1_queue": urls[settings.av1_queue_name],
            "upload_bucket": settings.upload_bucket, "media_bucket": settings.media_bucket}
