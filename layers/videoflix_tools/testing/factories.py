"""Rows that tests set up directly, as a given state rather than through the use cases."""
from __future__ import annotations

from datetime import timedelta

from videoflix.adapters.aws import aws_client
from videoflix.db.ids import reserve_video_id
from videoflix.db.models import Video, utcnow
from videoflix.domain.media_layout import media_prefix


def insert_video(services, status: str, size: int = 10, **values) -> int:
    """A video row in `status` with its upload key `uploads/<id>/f.mp4`; a processing one holds a live lease."""
    with services.db.session() as session:
        video_id = reserve_video_id(session)
        columns = dict(id=video_id, title=status, description="", category="Drama", status=status, progress=0,
                       filename="f.mp4", content_type="video/mp4", size=size,
                       source_key=f"uploads/{video_id}/f.mp4", renditions=[], attempts=0)
        if status == "processing":
            columns["lease_expires_at"] = utcnow() + timedelta(hours=1)
        session.add(Video(**{**columns, **values}))
    return video_id


# What a 480p film's playlists say: read by the catalog, no transcode needed.
MASTER_480P = b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=854x480\n480p/index.m3u8\n"
RUNG_480P = (b"#EXTM3U\n#EXT-X-TARGETDURATION:6\n"
             b"#EXTINF:6.0,\nsegment_00000.ts\n#EXTINF:6.0,\nsegment_00001.ts\n#EXT-X-ENDLIST\n")


def insert_ready_video(services, **values) -> int:
    """A ready 480p video row (12 s, transcoded once); nothing in the media bucket."""
    columns = dict(title="Film", size=1000, progress=100, renditions=["480p"], attempts=1, duration=12.0,
                   width=854, height=480, ready_at=utcnow())
    return insert_video(services, "ready", **{**columns, **values})


def insert_playable_video(services, **values) -> int:
    """A ready 480p video whose playlists lie in the media bucket (no transcode needed to read them)."""
    video_id = insert_ready_video(services, **values)
    s3, bucket = aws_client("s3", services.settings), services.settings.media_bucket
    s3.put_object(Bucket=bucket, Key=media_prefix(video_id) + "master.m3u8", Body=MASTER_480P)
    s3.put_object(Bucket=bucket, Key=media_prefix(video_id) + "480p/index.m3u8", Body=RUNG_480P)
    return video_id


def video_row(services, video_id: int) -> Video | None:
    """The video's row as it is now (a fresh session), or None."""
    with services.db.session() as session:
        return session.get(Video, video_id)
