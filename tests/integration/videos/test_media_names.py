"""No media key is ever written twice with different bytes (the CDN keeps what it fetched for a day
or more, whatever the headers say): a replaced caption track or poster gets a new name, the catalog
and playlists name the new one, and the old one is deleted by the sweeper once no URL handed out
can reach it (videoflix.domain.media_layout)."""
from __future__ import annotations

import io
from collections import defaultdict
from datetime import timedelta

import pytest
import requests
from PIL import Image

from videoflix.adapters.aws import aws_client
from videoflix.db.models import utcnow
from videoflix.domain.media_layout import retired_kept_seconds
from videoflix.pipeline.sweeper import Sweeper

pytestmark = pytest.mark.integration
VTT = "WEBVTT\n\n00:01.000 --> 00:02.000\nHallo\n"
FIXED = "WEBVTT\n\n00:01.000 --> 00:02.000\nHallo, Welt\n"


def _versions(services) -> dict[str, set[str]]:
    """Every key the media bucket ever held, with the ETags of every body written under it."""
    s3 = aws_client("s3", services.settings)
    written: dict[str, set[str]] = defaultdict(set)
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=services.settings.media_bucket):
        for version in page.get("Versions", []):
            written[version["Key"]].add(version["ETag"])
    return written


def _keys(services, prefix: str) -> set[str]:
    answer = aws_client("s3", services.settings).list_objects_v2(Bucket=services.settings.media_bucket,
                                                                 Prefix=prefix)
    return {item["Key"] for item in answer.get("Contents", [])}


def _image(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return out.getvalue()


def _upload_poster(staff_client, video_id: int, data: bytes):
    plan = staff_client.post(f"/api/admin/videos/{video_id}/poster/", {"content_type": "image/png",
                                                                        "size": len(data)}).json["upload"]
    assert requests.put(plan["url"], data=data, headers=plan["headers"], timeout=30).status_code == 200
    answer = staff_client.post(f"/api/admin/videos/{video_id}/poster/complete/")
    assert answer.status == 200, answer.text
    return answer.json["video"]["thumbnail_url"]


def _subtitle_file_url(viewer, video_id: int, lang: str) -> str:
    answer = viewer.get(f"/api/video/{video_id}/subtitles/{lang}/index.m3u8")
    assert answer.status == 200, answer.text
    [url] = [line for line in answer.text.splitlines() if line and not line.startswith("#")]
    return url


def test_replaced_captions_and_posters_get_new_names_and_no_key_is_rewritten(
        services, clip_factory, upload_video, transcoder, staff_client, logged_in_client):
    s3 = aws_client("s3", services.settings)
    s3.put_bucket_versioning(Bucket=services.settings.media_bucket, VersioningConfiguration={"Status": "Enabled"})
    video_id = upload_video(clip_factory(seconds=3, width=320, height=180))["video"]["id"]
    transcoder()
    assert staff_client.get(f"/api/admin/videos/{video_id}/").json["status"] == "ready"
    viewer = logged_in_client()

    # A caption track, corrected: the playlist names the corrected file at once, under a new name.
    add = lambda content: staff_client.post(f"/api/admin/videos/{video_id}/captions/",  # noqa: E731
                                            {"lang": "de", "label": "Deutsch", "content": content})
    assert add(VTT).status == 201
    first = _subtitle_file_url(viewer, video_id, "de")
    assert requests.get(first, timeout=10).text == VTT
    answer = add(FIXED)
    assert answer.status == 201 and requests.get(answer.json["url"], timeout=10).text == FIXED
    second = _subtitle_file_url(viewer, video_id, "de")
    assert second.split("?")[0] != first.split("?")[0] and requests.get(second, timeout=10).text == FIXED
    # The old file stays for URLs already handed out, until the sweeper's time for it.
    assert requests.get(first, timeout=10).text == VTT
    assert add(VTT).status == 201  # back to the first text: its name again, the same bytes

    # Posters: an uploaded image twice, then a frame of the film; the catalog follows each.
    original = viewer.get("/api/video/").json[0]["thumbnail_url"]
    red = _upload_poster(staff_client, video_id, _image((200, 30, 30)))
    blue = _upload_poster(staff_client, video_id, _image((30, 30, 200)))
    catalog_url = viewer.get("/api/video/").json[0]["thumbnail_url"]
    assert len({original.split("?")[0], red.split("?")[0], blue.split("?")[0]}) == 3
    assert catalog_url.split("?")[0] == blue.split("?")[0]
    assert staff_client.post(f"/api/admin/videos/{video_id}/poster/", {"at_seconds": 2.0}).status == 202
    transcoder()
    framed = staff_client.get(f"/api/admin/videos/{video_id}/").json["thumbnail_url"]
    assert framed.split("?")[0] not in {blue.split("?")[0], original.split("?")[0]}
    assert requests.get(red, timeout=10).status_code == 200  # still there for the URLs handed out

    # Withdrawn: gone from the master playlist now, its file kept until its URLs have expired.
    assert staff_client.request("DELETE", f"/api/admin/videos/{video_id}/captions/de/").status == 204
    assert viewer.get(f"/api/video/{video_id}/subtitles/de/index.m3u8").status == 404

    rewritten = {key: tags for key, tags in _versions(services).items() if len(tags) > 1}
    assert rewritten == {}, f"media keys written with different bytes: {sorted(rewritten)}"

    # The sweeper deletes the replaced files once every URL of them has expired, and nothing named.
    kept = retired_kept_seconds(services.settings.max_video_duration, services.settings.segment_url_margin)
    captions, posters = f"videos/{video_id}/captions/", f"videos/{video_id}/posters/"
    assert len(_keys(services, captions)) == 2 and len(_keys(services, posters)) == 3
    Sweeper(services).run(now=utcnow() + timedelta(seconds=kept - 60))
    assert len(_keys(services, captions)) == 2 and f"videos/{video_id}/thumbnail.jpg" in _keys(services, "videos/")
    Sweeper(services).run(now=utcnow() + timedelta(seconds=kept + 60))
    assert _keys(services, captions) == set()
    [current] = _keys(services, posters)
    assert framed.split("?")[0].endswith(current)
    assert f"videos/{video_id}/thumbnail.jpg" not in _keys(services, "videos/")
    assert f"videos/{video_id}/master.m3u8" in _keys(services, "videos/")
    assert requests.get(framed, timeout=10).status_code == 200
