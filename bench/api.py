"""API: in-process handler latency of login, token refresh and the video list (warm cache against bypassed).

    python -m bench.api [--repeat 200] [--logins 20] [--videos 24] [--bcrypt-rounds 12]

Every request goes through the local API gateway into the auth or catalog function, as
API Gateway's event would (see bench/stack.py). Login runs one bcrypt verify at the
production cost (12 rounds unless told otherwise), so it is timed fewer times. Refresh
rotates the token pair each time, as a browser's timer does. The video list is timed with
the cached list in Redis ("warm cache") and with the cache entry deleted before each
(untimed) request ("cache bypassed": database query plus a presigned thumbnail URL per
video), the two in alternation; their ratio is the figure to compare. Issue 25's target for the
refresh (p50 <= 1.2 ms, bench/targets.py) is printed with met / NOT met.
"""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta, timezone

from bench.harness import interleaved, print_table, ratio, summarize, time_calls, write_result
from bench.stack import running_stack
from bench.targets import print_targets
from videoflix.db.models import Video, VideoStatus
from videoflix.domain.cache_keys import CATALOG_LIST

EMAIL, PASSWORD = "api@bench.local", "bench-password-1"


def seed_catalog(services, count: int) -> None:
    """`count` ready videos with posters, newest first as the list shows them."""
    now = datetime.now(timezone.utc)
    with services.db.session() as session:
        for number in range(count):
            session.add(Video(
                title=f"Bench film {number + 1}", description="A film in the bench catalog. " * 4,
                category=("Drama", "Comedy", "Documentary")[number % 3], status=VideoStatus.READY, progress=100,
                filename=f"film-{number}.mp4", content_type="video/mp4", size=1, source_key=f"uploads/b{number}/f.mp4",
                duration=5400.0, width=1920, height=1080, renditions=["480p", "720p", "1080p"],
                thumbnail_key=f"videos/b{number}/thumbnail.jpg", created_at=now - timedelta(minutes=number),
                ready_at=now))


def run(repeat: int, logins: int, videos: int, bcrypt_rounds: int) -> dict:
    with running_stack(bcrypt_rounds=bcrypt_rounds) as stack:
        stack.user(EMAIL, PASSWORD)
        seed_catalog(stack.services, videos)
        viewer = stack.client()
        credentials = {"email": EMAIL, "password": PASSWORD}
        viewer.expect(200, "POST", "/api/login/", credentials)
        redis = stack.services.redis

        def login() -> None:
            stack.client().expect(200, "POST", "/api/login/", credentials)

        def refresh() -> None:
            viewer.expect(200, "POST", "/api/token/refresh/")

        def video_list() -> None:
            response = viewer.request("GET", "/api/video/", store_cookies=False)
            if response.status != 200 or len(json.loads(response.body)) != videos:
                raise RuntimeError(f"unexpected video list: {response.status} {response.body[:200]!r}")

        print(f"timing {logins} logins (bcrypt cost {bcrypt_rounds}) ...", flush=True)
        samples = {"login": time_calls(login, logins, warmup=1)}
        print(f"timing {repeat} refreshes ...", flush=True)
        samples["refresh"] = time_calls(refresh, repeat, warmup=2)
        print(f"timing {repeat} video lists of each kind ...", flush=True)
        lists = interleaved({"bypass": video_list, "warm": video_list}, repeat=repeat, warmup=2,
                            before={"bypass": lambda: redis.delete(CATALOG_LIST)})
        samples["list_warm"], samples["list_bypass"] = lists["warm"], lists["bypass"]
        description = stack.description

    stats = {name: summarize(values) for name, values in samples.items()}
    list_ratio = ratio(stats["list_bypass"]["p50_ms"], stats["list_warm"]["p50_ms"])
    labels = {"login": f"POST /api/login/ (bcrypt {bcrypt_rounds})", "refresh": "POST /api/token/refresh/",
              "list_warm": f"GET /api/video/, warm cache ({videos} videos)",
              "list_bypass": f"GET /api/video/, cache bypassed ({videos} videos)"}
    rows = [[labels[name], s["n"], s["p50_ms"], s["p99_ms"], s["mean_ms"]] for name, s in stats.items()]
    print_table(f"API handlers in-process; {description['database']}, {description['redis']}, {description['aws']}",
                ["request", "requests", "p50 ms", "p99 ms", "mean ms"], rows)
    print(f"\nratio of p50 (video list, cache bypassed / warm cache): {list_ratio:.1f}x")
    targets = print_targets({"refresh_p50": stats["refresh"]["p50_ms"]}, f"{stats['refresh']['n']} refreshes")
    return {"stack": description, "bcrypt_rounds": bcrypt_rounds, "videos": videos, "issue_25_targets": targets,
            "requests": {labels[name]: s for name, s in stats.items()}, "ratio_list_p50": list_ratio}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=200, help="refreshes and lists of each kind (default 200)")
    parser.add_argument("--logins", type=int, default=20, help="logins (default 20; bcrypt makes each slow)")
    parser.add_argument("--videos", type=int, default=24, help="ready videos in the catalog (default 24)")
    parser.add_argument("--bcrypt-rounds", type=int, default=12, help="bcrypt cost (default 12, as in production)")
    args = parser.parse_args(argv)
    write_result("api", run(max(2, args.repeat), max(2, args.logins), max(1, args.videos), args.bcrypt_rounds))


if __name__ == "__main__":
    main()
