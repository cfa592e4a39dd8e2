"""Failing dependencies: each test injects one fault and checks that nothing was lost.

Covered elsewhere and not repeated: the mail queue unreachable at commit (the account stands,
the sweeper sends its mail later: auth/test_registration_and_activation.py, test_mail_outbox.py),
S3 failing once while the output is uploaded and the retry succeeding, the time budget, a disguised HLS playlist, the same event delivered
twice in a row (videos/test_pipeline.py), health with the cache down (auth/test_http_conventions.py).
"""
from __future__ import annotations

import json
import subprocess
import threading

import pytest

from tests.conftest import TEST_SECRET
from tests.integration.hardening.conftest import (VIEWER, VIEWER_PASSWORD, json_error, media_keys, only_message,
                                                  put_media, queue_bodies, user_row, video_row)
from tests.integration.videos.conftest import completed_upload_message
from videoflix.adapters.aws import aws_client, queue_url
from videoflix_tools.bootstrap import MAIL_MAX_RECEIVES, TRANSCODE_MAX_RECEIVES
from videoflix_tools.testing.memory import FailingPort

pytestmark = pytest.mark.integration
NEW_PASSWORD = "brand-new-pass-2"
DEAD_DATABASE = "postgresql://postgres@127.0.0.1:1/x"


def register(client, email="new@example.com"):
    return client.post("/api/register/", {"email": email, "password": "correct-horse-9",
                                          "confirmed_password": "correct-horse-9"})


# ---------------------------------------------------------------- SES
def test_ses_failing_registration_is_201_and_the_mail_job_ends_in_the_dead_letter_queue(services, client, mailbox,
                                                                                     monkeypatch):
    ses_down = FailingPort(services.mailer, "send", ConnectionError("SES endpoint unreachable"))
    tries = ses_down.refused
    monkeypatch.setattr(services, "mailer", ses_down)
    json_error(register(client), 201)
    for _ in range(MAIL_MAX_RECEIVES + 1):
        mailbox.pump.poll_once(mailbox.binding)
    assert len(tries) == MAIL_MAX_RECEIVES  # retried through the queue, once per receive
    settings = services.settings
    assert queue_bodies(services, settings.mail_queue_name) == []
    [job] = queue_bodies(services, f"{settings.mail_queue_name}-dlq")
    assert job["template"] == "activation" and job["context"]["to"] == "new@example.com"
    assert mailbox.emails() == []

    # Nothing lost: once SES is back, redriving the dead letter delivers the email, and the link works.
    monkeypatch.undo()
    sqs = aws_client("sqs", settings)
    dlq = queue_url(settings, f"{settings.mail_queue_name}-dlq")
    [message] = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    sqs.send_message(QueueUrl=queue_url(settings, settings.mail_queue_name), MessageBody=message["Body"])
    sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
    _, uid, token = mailbox.link_params(mailbox.last_to("new@example.com"))
    assert client.get(f"/api/activate/{uid}/{token}/").status == 200


# ---------------------------------------------------------------- Redis
def test_redis_down_authenticated_requests_refresh_and_logout_fail_closed(services, viewer_client, make_client,
                                                                         stored_ready_video):
    from videoflix.adapters.redis_cache import connect_redis

    assert viewer_client.get("/api/video/").status == 200  # the list is now cached in Redis
    working = services.redis
    services.redis = connect_redis("redis://127.0.0.1:1/0")  # the client Lambda builds, at a closed port
    # Without Redis no request can tell whether its login was revoked (logout, token reuse):
    # every authenticated route, refresh and logout are refused, and the cookies are left alone.
    base = f"/api/video/{stored_ready_video}"
    requests = [("GET", "/api/video/"), ("GET", f"{base}/master.m3u8"), ("GET", f"{base}/480p/index.m3u8"),
                ("GET", f"{base}/480p/segment_00000.ts"), ("POST", "/api/token/refresh/"), ("POST", "/api/logout/")]
    for method, path in requests:
        answer = viewer_client.request(method, path)
        assert json_error(answer, 503) == {"detail": "The token store is unavailable. Try again shortly."}
        assert int(answer.header("Retry-After")) > 0 and answer.set_cookies() == {}
    # The abuse limits fail open (auth/throttle.py says why): people can still log in and sign up.
    assert make_client().post("/api/login/", {"email": VIEWER, "password": VIEWER_PASSWORD}).status == 200
    assert json_error(register(make_client()), 201)
    assert make_client().post("/api/password_reset/", {"email": VIEWER}).status == 200

    services.redis = working
    [entry] = viewer_client.get("/api/video/").json
    assert entry["id"] == stored_ready_video
    # Nothing was used up while Redis was away: the same refresh token still rotates.
    assert viewer_client.post("/api/token/refresh/").status == 200
    assert viewer_client.post("/api/logout/").status == 200


# ---------------------------------------------------------------- the database
def test_database_down_is_503_with_retry_after_and_nothing_is_used_up(services, viewer_client, staff_client,
                                                                      make_client, subtests):
    from videoflix.db.database import Database
    from videoflix.pipeline.transcode import TranscodeJob

    working = services.db
    services.db = Database.from_url(DEAD_DATABASE)
    reset = {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    requests = [
        (viewer_client, "GET", "/api/video/", None),
        (viewer_client, "GET", "/api/video/1/master.m3u8", None),
        (viewer_client, "POST", "/api/token/refresh/", None),
        (staff_client, "GET", "/api/admin/videos/", None),
        (staff_client, "POST", "/api/admin/videos/1/retry/", None),
        (make_client(), "POST", "/api/login/", {"email": VIEWER, "password": VIEWER_PASSWORD}),
        (make_client(), "POST", "/api/register/", {"email": "new@example.com", "password": "correct-horse-9",
                                                   "confirmed_password": "correct-horse-9"}),
        (make_client(), "POST", "/api/password_reset/", {"email": VIEWER}),
        (make_client(), "GET", "/api/activate/MQ/1-abc/", None),
        (make_client(), "POST", "/api/password_confirm/MQ/1-abc/", reset),
    ]
    for client, method, path, body in requests:
        with subtests.test(msg=f"{method} {path}"):
            answer = client.request(method, path, body)
            assert json_error(answer, 503) == {"detail": "The database is unavailable. Try again shortly."}
            assert int(answer.header("Retry-After")) > 0
            assert "127.0.0.1:1" not in answer.text and "pg8000" not in answer.text
    health = make_client().get("/api/health/")
    assert health.status == 503 and health.json["database"]["status"] == "down"
    # The transcoder cannot claim: the message is reported failed, so SQS brings it back.
    event = {"Records": [{"eventName": "ObjectCreated:CompleteMultipartUpload", "s3": {
        "bucket": {"name": services.settings.upload_bucket}, "object": {"key": "uploads/1/film.mp4"}}}]}
    result = TranscodeJob(services).handle_batch({"Records": [{"messageId": "m1", "body": json.dumps(event)}]})
    assert result == {"batchItemFailures": [{"itemIdentifier": "m1"}]}

    services.db = working
    # The refresh token presented during the outage was not used up: it still rotates.
    assert viewer_client.post("/api/token/refresh/").status == 200
    assert make_client().post("/api/login/", {"email": VIEWER, "password": VIEWER_PASSWORD}).status == 200


# ---------------------------------------------------------------- the transcoder
@pytest.fixture
def uploaded_clip(clip_factory, upload_video, services, transcode_queue_messages):
    """A completed upload whose one S3 notification waits alone on the transcode queue."""
    body = upload_video(clip_factory(seconds=2, width=640, height=360))
    message = completed_upload_message(transcode_queue_messages())
    only_message(services, services.settings.transcode_queue_name, message)
    return body["video"]["id"], message


def kill_ffmpeg_mid_run(monkeypatch, times: int | None) -> list:
    """The ladder's FFmpeg is slowed to real time (-re) and killed half a second in, `times` times."""
    import videoflix.pipeline.ffmpeg as ffmpeg

    killed = []
    real_popen = subprocess.Popen

    def popen(args, *rest, **options):
        args = list(args)
        ladder = "-master_pl_name" in args
        if ladder and (times is None or len(killed) < times):
            args.insert(args.index("-i"), "-re")
            process = real_popen(args, *rest, **options)
            killed.append(process)
            threading.Timer(0.5, process.kill).start()
            return process
        return real_popen(args, *rest, **options)

    monkeypatch.setattr(ffmpeg.subprocess, "Popen", popen)
    return killed


def fail_playlist_uploads(monkeypatch, services) -> list:
    """S3 refuses every playlist: the segments before them are already uploaded (partial output)."""
    storage = FailingPort(services.storage, "upload_media_file", ConnectionError("S3 connection reset while uploading"),
                          when=lambda path, key: key.endswith("index.m3u8"))
    monkeypatch.setattr(services, "storage", storage)
    return storage.refused


@pytest.mark.parametrize("fault", ["ffmpeg killed mid-run", "S3 failing while uploading the output"])
def test_a_fault_on_every_attempt_ends_in_one_failed_video_and_the_message_in_the_dead_letter_queue(
        fault, uploaded_clip, services, transcoder, staff_client, monkeypatch):
    video_id, message = uploaded_clip
    put_media(services, f"videos/{video_id}/720p/left-by-an-earlier-worker.ts")
    if fault.startswith("ffmpeg"):
        injected = kill_ffmpeg_mid_run(monkeypatch, times=None)
        expected_error = "FFmpeg exited with status -9"
    else:
        injected = fail_playlist_uploads(monkeypatch, services)
        expected_error = "S3 connection reset"
    transcoder()  # delivers until SQS moves the message to the dead-letter queue
    assert len(injected) == TRANSCODE_MAX_RECEIVES
    video = video_row(services, video_id)
    assert (video.status, video.attempts, video.progress) == ("failed", TRANSCODE_MAX_RECEIVES, 0)
    assert f"failed {TRANSCODE_MAX_RECEIVES} times" in video.error and expected_error in video.error
    assert media_keys(services, video_id) == []  # no partial output, nor the earlier leftovers
    settings = services.settings
    assert queue_bodies(services, settings.transcode_queue_name) == []
    assert queue_bodies(services, f"{settings.transcode_queue_name}-dlq") == [message]
    assert [v["status"] for v in staff_client.get("/api/admin/videos/").json] == ["failed"]


def test_ffmpeg_killed_once_is_retried_to_exactly_one_ready_video(uploaded_clip, services, transcoder,
                                                                   monkeypatch):
    video_id, _ = uploaded_clip
    killed = kill_ffmpeg_mid_run(monkeypatch, times=1)
    transcoder()
    assert len(killed) == 1
    video = video_row(services, video_id)
    assert (video.status, video.attempts, video.error) == ("ready", 2, None)
    keys = media_keys(services, video_id)
    assert f"videos/{video_id}/master.m3u8" in keys and any(k.endswith(".ts") for k in keys)
    assert queue_bodies(services, f"{services.settings.transcode_queue_name}-dlq") == []


def test_the_same_event_delivered_twice_at_once_transcodes_once(uploaded_clip, services, ffmpeg_runs):
    from videoflix.pipeline.transcode import TranscodeJob

    video_id, message = uploaded_clip
    record = {"messageId": "1", "body": json.dumps(message)}
    start = threading.Barrier(2)
    errors = []

    def deliver() -> None:
        start.wait()
        try:
            TranscodeJob(services).handle_record(record)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=deliver) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    video = video_row(services, video_id)
    assert (video.status, video.attempts) == ("ready", 1)
    assert sum("-master_pl_name" in args for args in ffmpeg_runs) == 1
    assert f"videos/{video_id}/480p/index.m3u8" in media_keys(services, video_id)


def test_poison_messages_end_in_the_dead_letter_queue_or_fail_their_video_at_once(tmp_path, upload_video, services,
                                                                                  transcoder):
    settings = services.settings
    # An upload whose file vanished before the transcoder got to it: it can never succeed.
    fake = tmp_path / "gone.mp4"
    fake.write_bytes(b"\x00" * 1000)
    video_id = upload_video(fake)["video"]["id"]
    source_key = video_row(services, video_id).source_key
    aws_client("s3", settings).delete_object(Bucket=settings.upload_bucket, Key=source_key)
    # And a message nobody can read.
    aws_client("sqs", settings).send_message(QueueUrl=queue_url(settings, settings.transcode_queue_name),
                                             MessageBody="\x7fnot an S3 event")
    transcoder()
    video = video_row(services, video_id)
    assert (video.status, video.attempts) == ("failed", 1)  # failed at once, not retried
    assert "gone from the upload bucket" in video.error
    assert queue_bodies(services, settings.transcode_queue_name) == []
    assert queue_bodies(services, f"{settings.transcode_queue_name}-dlq") == ["\x7fnot an S3 event"]


# ---------------------------------------------------------------- password change vs. a refresh in flight
@pytest.mark.parametrize("moment", ["before the refresh reads the user", "after the refresh read the user"])
def test_password_change_while_a_refresh_is_in_flight_refuses_the_old_token(moment, services, viewer_client,
                                                                            make_client, monkeypatch):
    from videoflix.auth import jwt_tokens, service
    from videoflix.auth.account_tokens import encode_uid, make_account_token
    from videoflix.auth.revocation import RefreshTokenRegistry

    old_access, old_refresh = viewer_client.cookies["access_token"], viewer_client.cookies["refresh_token"]
    changed = []

    def change_password_once() -> None:
        if not changed:
            user = user_row(services)
            token = make_account_token(user, "password_reset", TEST_SECRET)
            service.confirm_password_reset(services, encode_uid(user.id), token, NEW_PASSWORD, NEW_PASSWORD)
            changed.append(True)

    if moment.startswith("before"):
        hooked, name = RefreshTokenRegistry, "is_family_revoked"
    else:
        hooked, name = jwt_tokens, "issue_token_pair"
    original = getattr(hooked, name)

    def in_flight(*args, **kwargs):
        change_password_once()
        return original(*args, **kwargs)

    monkeypatch.setattr(hooked, name, in_flight)
    answer = viewer_client.post("/api/token/refresh/")
    monkeypatch.undo()
    assert changed
    if moment.startswith("before"):
        json_error(answer, 401)
    else:
        # The refresh won the race, but what it issued carries the old password's fingerprint.
        assert answer.status == 200
        json_error(viewer_client.get("/api/video/"), 401)
        json_error(viewer_client.post("/api/token/refresh/"), 401)
    json_error(make_client(cookies={"refresh_token": old_refresh}).post("/api/token/refresh/"), 401)
    json_error(make_client(cookies={"access_token": old_access}).get("/api/video/"), 401)
    assert make_client().post("/api/login/", {"email": VIEWER, "password": NEW_PASSWORD}).status == 200
