import json

import pytest

from videoflix.domain.transcode_messages import MalformedEvent, UploadedObject, parse_upload_notification


def s3_message(*keys, event="ObjectCreated:CompleteMultipartUpload", bucket="videoflix-uploads"):
    return json.dumps({"Records": [{"eventName": event, "s3": {"bucket": {"name": bucket},
                                                                "object": {"key": k, "size": 10}}}
                                   for k in keys]})


def test_test_event_is_skipped():
    assert parse_upload_notification(json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"})) == []


def test_keys_are_url_decoded_with_plus_as_space():
    parsed = parse_upload_notification(s3_message("uploads/3/my+film%28final%29.mp4"))
    assert parsed == [UploadedObject("videoflix-uploads", "uploads/3/my film(final).mp4", 10)]


def test_non_create_events_are_ignored():
    assert parse_upload_notification(s3_message("uploads/1/a.mp4", event="ObjectRemoved:Delete")) == []


@pytest.mark.parametrize("body", ["not json", "[1]", json.dumps({"foo": 1}),
                                  json.dumps({"Records": [{"eventName": "ObjectCreated:Put", "s3": {}}]})])
def test_malformed_messages_raise(body):
    with pytest.raises(MalformedEvent):
        parse_upload_notification(body)
