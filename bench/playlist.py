"""Playlist: a 1,000-segment rendition playlist from the catalog handler, cached against presigned per request,
and S3 presigning against CloudFront signing.

    python -m bench.playlist [--segments 1000] [--repeat 200] [--uncached-repeat 30]

Both sides are `GET /api/video/<id>/480p/index.m3u8` through the local API gateway into the
catalog function, signed in with a cookie, on a ready video whose playlist lies in (moto) S3.
"cached" is the normal request: the rewritten playlist comes from Redis. "presign every
request" deletes the cache entry before each (untimed) request, so the handler reads the
playlist from S3 and presigns every segment, as it would without the cache. The two are
timed in alternation. Targets (issue 7): ratio >= 30x, cached p50 <= 5 ms. A third row times
the login check alone (`authenticate`: the access token, its login family in Redis, then the
user in the database), the part of every catalog request that is deliberately not cached.

The same playlist is then served with PLAYBACK_SIGNER=cloudfront (a generated RSA-2048 key, read
through a stand-in for Secrets Manager): "cloudfront sign every request" signs one policy for the
film and joins it to each segment, "cloudfront cached" reads the rewrite from Redis. The ratio to
read is presign / cloudfront-sign of the uncached rewrite (the cached ones differ by the answer's size only).

Issue 25's target for the cached rendition playlist (p50 <= 1.5 ms, bench/targets.py) is printed
with met / NOT met after the table, beside the others (measured by bench.cold_start and bench.api).
"""
from __future__ import annotations

import argparse
from datetime import datetime, timezone

from bench.harness import interleaved, print_table, ratio, summarize, write_result
from bench.stack import running_stack
from bench.targets import print_targets
from videoflix.adapters.aws import aws_client
from videoflix.adapters.playback import CloudFrontPlayback
from videoflix.auth.service import authenticate
from videoflix.db.models import Video, VideoStatus
from videoflix.domain.cache_keys import playlist_key
from videoflix.domain.media_layout import media_prefix
from videoflix_tools.cli.cloudfront_keys import generate_key_pair

SEGMENT_SECONDS = 6
TARGET_RATIO = 30.0
TARGET_CACHED_P50_MS = 5.0
RUNG = "480p"
EMAIL, PASSWORD = "viewer@bench.local", "bench-password-1"


def rendition_playlist(segments: int) -> str:
    """A VOD rendition playlist as FFmpeg's HLS muxer writes it."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for number in range(segments):
        lines += [f"#EXTINF:{SEGMENT_SECONDS}.000000,", f"segment_{number:05d}.ts"]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def seed_video(services, segments: int) -> tuple[int, datetime]:
    """A ready video whose 480p playlist has `segments` segments; returns (id, ready_at)."""
    ready_at = datetime.now(timezone.utc).replace(microsecond=0)
    with services.db.session() as session:
        video = Video(title="Bench film", description="1,000 segments", category="Bench", status=VideoStatus.READY,
                      progress=100, filename="bench.mp4", content_type="video/mp4", size=1,
                      source_key="uploads/bench/bench.mp4", duration=float(segments * SEGMENT_SECONDS),
                      width=1920, height=1080, renditions=["480p", "720p", "1080p"], ready_at=ready_at)
        session.add(video)
        session.flush()
        video_id = video.id
    aws_client("s3", services.settings).put_object(
        Bucket=services.settings.media_bucket, Key=f"{media_prefix(video_id)}{RUNG}/index.m3u8",
        Body=rendition_playlist(segments).encode(), ContentType="application/vnd.apple.mpegurl")
    return video_id, ready_at


CLOUDFRONT = {"playback_signer": "cloudfront", "cloudfront_domain": "d111111abcdef8.cloudfront.net",
              "cloudfront_key_pair_id": "K2JCJMDEHXQW5F", "cloudfront_private_key_secret": "bench/cloudfront-key"}


def cloudfront_playback(settings):
    """The CloudFront signer with a fresh key pair, its private key read once as from Secrets Manager."""
    private, _ = generate_key_pair()
    return CloudFrontPlayback(settings.with_overrides(**CLOUDFRONT), read_secret=lambda _name: private)


def run(segments: int, repeat: int, uncached_repeat: int) -> dict:
    with running_stack() as stack:
        stack.user(EMAIL, PASSWORD)
        viewer = stack.client()
        viewer.expect(200, "POST", "/api/login/", {"email": EMAIL, "password": PASSWORD})
        video_id, ready_at = seed_video(stack.services, segments)
        path = f"/api/video/{video_id}/{RUNG}/index.m3u8"
        key = playlist_key(video_id, RUNG, str(int(ready_at.timestamp())))
        redis = stack.services.redis

        def fetch() -> None:
            response = viewer.request("GET", path, store_cookies=False)
            if response.status != 200 or response.body.count(b"X-Amz-Signature=") != segments:
                raise RuntimeError(f"unexpected answer {response.status}: {response.body[:200]!r}")

        fetch()  # fills the cache, and proves the answer is the signed playlist
        body_bytes = len(viewer.request("GET", path, store_cookies=False).body)
        # The presigning side is slow; time it fewer times, interleaved with as many cached ones.
        token = viewer.cookies["access_token"]
        check = {"login check": lambda: authenticate(stack.services, token)}
        samples = interleaved({"presign": fetch, "cached": fetch, **check}, repeat=uncached_repeat, warmup=2,
                              before={"presign": lambda: redis.delete(key)})
        extra = interleaved({"cached": fetch, **check}, repeat=max(0, repeat - uncached_repeat), warmup=0)
        for name, values in extra.items():
            samples[name] += values

        # The same playlist, signed by CloudFront: one policy per film instead of one URL per segment.
        stack.services.__dict__["playback"] = cloudfront_playback(stack.services.settings)
        redis.delete(key)

        def fetch_cloudfront() -> None:
            response = viewer.request("GET", path, store_cookies=False)
            if response.status != 200 or response.body.count(b"&Key-Pair-Id=") != segments:
                raise RuntimeError(f"unexpected answer {response.status}: {response.body[:200]!r}")

        fetch_cloudfront()
        cloudfront_bytes = len(viewer.request("GET", path, store_cookies=False).body)
        signed = interleaved({"cloudfront sign": fetch_cloudfront, "cloudfront cached": fetch_cloudfront},
                             repeat=uncached_repeat, warmup=2, before={"cloudfront sign": lambda: redis.delete(key)})
        signed["cloudfront cached"] += interleaved({"cloudfront cached": fetch_cloudfront},
                                                   repeat=max(0, repeat - uncached_repeat), warmup=0)["cloudfront cached"]
        samples.update(signed)
        description = stack.description

    cached, presign, check = (summarize(samples[name]) for name in ("cached", "presign", "login check"))
    cf_cached, cf_sign = (summarize(samples[name]) for name in ("cloudfront cached", "cloudfront sign"))
    p50_ratio = ratio(presign["p50_ms"], cached["p50_ms"])
    signer_ratio = ratio(presign["p50_ms"], cf_sign["p50_ms"])
    cf_cached_ratio = ratio(cf_sign["p50_ms"], cf_cached["p50_ms"])
    rows = [["cached rewrite", cached["n"], cached["p50_ms"], cached["p99_ms"], cached["mean_ms"]],
            [f"presign {segments:,} URLs per request", presign["n"], presign["p50_ms"], presign["p99_ms"],
             presign["mean_ms"]],
            ["  login check alone (in both)", check["n"], check["p50_ms"], check["p99_ms"], check["mean_ms"]],
            ["cloudfront: cached rewrite", cf_cached["n"], cf_cached["p50_ms"], cf_cached["p99_ms"],
             cf_cached["mean_ms"]],
            ["cloudfront: sign 1 policy per request", cf_sign["n"], cf_sign["p50_ms"], cf_sign["p99_ms"],
             cf_sign["mean_ms"]]]
    print_table(f"GET {RUNG}/index.m3u8, {segments:,} segments ({body_bytes / 1024:.0f} KiB answer), "
                f"catalog handler in-process; {description['database']}, {description['redis']}, "
                f"{description['aws']}", ["variant", "requests", "p50 ms", "p99 ms", "mean ms"], rows)
    met = p50_ratio >= TARGET_RATIO and cached["p50_ms"] <= TARGET_CACHED_P50_MS
    print(f"\nratio of p50 (presign / cached): {p50_ratio:.1f}x  (target >= {TARGET_RATIO:.0f}x, "
          f"cached p50 <= {TARGET_CACHED_P50_MS:.0f} ms: {'met' if met else 'NOT met'})")
    print(f"ratio of p50 uncached (S3 presign every segment / CloudFront one signature): {signer_ratio:.1f}x; "
          f"CloudFront sign / cached: {cf_cached_ratio:.1f}x  (answer {cloudfront_bytes / 1024:.0f} KiB)")
    targets = print_targets({"playlist_cached_p50": cached["p50_ms"]}, f"{cached['n']} cached requests")
    return {"segments": segments, "answer_bytes": body_bytes, "stack": description, "issue_25_targets": targets,
            "cached": cached, "presign_every_request": presign, "login_check": check, "ratio_p50": p50_ratio,
            "cloudfront": {"cached": cf_cached, "sign_every_request": cf_sign, "answer_bytes": cloudfront_bytes,
                           "ratio_p50_presign_vs_sign": signer_ratio, "ratio_p50_sign_vs_cached": cf_cached_ratio},
            "targets": {"ratio": TARGET_RATIO, "cached_p50_ms": TARGET_CACHED_P50_MS, "met": met}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=200, help="cached requests (default 200)")
    parser.add_argument("--uncached-repeat", type=int, default=30, help="presigning requests (default 30)")
    args = parser.parse_args(argv)
    write_result("playlist", run(args.segments, args.repeat, min(args.uncached_repeat, args.repeat)))


if __name__ == "__main__":
    main()
