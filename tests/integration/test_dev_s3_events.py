"""The dev stack's embedded S3 sends the notifications S3 sends: one per object created.

moto completes a multipart upload by storing the object as a PUT would, which notifies
`ObjectCreated:Put`, and then notifies `ObjectCreated:CompleteMultipartUpload` as S3 does. The
transcode queue got both for every upload; the transcoder claimed the video on the first
and logged the second as a duplicate. The dev endpoint sends only S3's own event.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from urllib.parse import unquote_plus

import boto3
import pytest
from botocore.config import Config

from videoflix_tools.testing.local_system import embedded_aws_process

pytestmark = pytest.mark.integration

REGION = "eu-central-1"
BUCKET = "videoflix-uploads"


@contextmanager
def embedded_aws(*folder: str):
    with embedded_aws_process(*folder) as url:
        options = {"endpoint_url": url, "region_name": REGION, "aws_access_key_id": "testing",
                   "aws_secret_access_key": "testing"}
        yield (boto3.client("s3", config=Config(s3={"addressing_style": "path"}), **options),
               boto3.client("sqs", **options))


def notifications(sqs, url: str) -> list[tuple[str, str]]:
    """(eventName, key) of every S3 record waiting in the queue; S3's test event left out."""
    found = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            body = json.loads(message["Body"])
            found += [(record["eventName"], unquote_plus(record["s3"]["object"]["key"])) for record in body.get("Records", [])]
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@pytest.mark.parametrize("on_disk", [True, False], ids=["on-disk", "in-memory"])
def test_one_notification_per_upload_as_from_s3(tmp_path, on_disk):
    with embedded_aws(*([str(tmp_path)] if on_disk else [])) as (s3, sqs):
        url = sqs.create_queue(QueueName="videoflix-transcode")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={"QueueConfigurations": [{
            "QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}}}]})
        notifications(sqs, url)  # S3's test event

        upload = s3.create_multipart_upload(Bucket=BUCKET, Key="uploads/1/film.mp4")
        parts = [{"PartNumber": number, "ETag": s3.upload_part(
            Bucket=BUCKET, Key="uploads/1/film.mp4", UploadId=upload["UploadId"], PartNumber=number,
            Body=body)["ETag"]} for number, body in ((1, b"a" * 5 * 1024 * 1024), (2, b"tail"))]
        s3.complete_multipart_upload(Bucket=BUCKET, Key="uploads/1/film.mp4", UploadId=upload["UploadId"],
                                     MultipartUpload={"Parts": parts})
        assert notifications(sqs, url) == [("ObjectCreated:CompleteMultipartUpload", "uploads/1/film.mp4")]
        assert s3.head_object(Bucket=BUCKET, Key="uploads/1/film.mp4")["ContentLength"] == 5 * 1024 * 1024 + 4

        s3.put_object(Bucket=BUCKET, Key="uploads/2/film.mp4", Body=b"x")
        s3.copy_object(Bucket=BUCKET, Key="uploads/3/film.mp4", CopySource={"Bucket": BUCKET,
                                                                            "Key": "uploads/2/film.mp4"})
        assert notifications(sqs, url) == [("ObjectCreated:Put", "uploads/2/film.mp4"),
                                           ("ObjectCreated:Copy", "uploads/3/film.mp4")]
