"""Memory of the `make dev` process as films are added: RSS idle, after N films, after playing them.

The dev process holds the API, the embedded S3 and the queue pump (transcodes run in worker
processes of their own), so its resident memory is what the embedded S3 keeps of the media.
Each film is a real upload through the CLI (`videoflix upload --wait`): presigned multipart
PUTs, S3's event, the transcoder; then every segment of every film is fetched once. Prints a
table (RSS and the size of the data folder) and writes bench/results/dev_memory.json.

    .venv/bin/python -m bench.dev_memory --films 7 --seconds 20
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench.harness import write_result
from videoflix_tools.clips import generate_test_clip
from videoflix_tools.dev.launcher import launch_dev_stack
from videoflix_tools.dev.stack import free_port

ADMIN_EMAIL = "admin@videoflix.local"
ADMIN_PASSWORD = "bench-admin-password"
MIB = 1024 * 1024


def rss_mib(pid: int) -> float:
    """Resident set size of one process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def folder_mib(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / MIB if folder.exists() else 0.0


def cli(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    completed = subprocess.run([sys.executable, "-m", "videoflix_tools.cli.main", *args], env=environ, text=True,
                               capture_output=True, timeout=900, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"videoflix {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed


def play_everything(api: str) -> int:
    """Fetch every segment of every film once, as a viewer's player would; returns the bytes read."""
    viewer = requests.Session()
    viewer.post(f"{api}/api/login/", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
                timeout=10).raise_for_status()
    total = 0
    for film in viewer.get(f"{api}/api/video/", timeout=10).json():
        master = viewer.get(f"{api}/api/video/{film['id']}/master.m3u8", timeout=10).text
        for rendition in [line for line in master.splitlines() if line and not line.startswith("#")]:
            playlist = viewer.get(rendition, timeout=10).text
            for segment in [line for line in playlist.splitlines() if line and not line.startswith("#")]:
                answer = requests.get(segment, timeout=30)
                answer.raise_for_status()
                total += len(answer.content)
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--films", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each film (1080p with a tone)")
    options = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="videoflix-dev-memory-") as name:
        folder = Path(name)
        clip = folder / "film.mp4"
        generate_test_clip(str(clip), seconds=options.seconds, width=1920, height=1080, audio=True)
        environ = {**os.environ, "VIDEOFLIX_ENV": "dev", "DATABASE_URL": "", "REDIS_URL": "",
                   "AWS_ENDPOINT_URL": "", "ADMIN_EMAIL": ADMIN_EMAIL, "ADMIN_PASSWORD": ADMIN_PASSWORD,
                   "BCRYPT_ROUNDS": "4", "PYTHONUNBUFFERED": "1", "VIDEOFLIX_CONFIG_DIR": str(folder / "cli"),
                   "VIDEOFLIX_PASSWORD": ADMIN_PASSWORD}
        stack = launch_dev_stack(folder, free_port(), environ, ["--player-port", "0", "--no-seed"])
        rows = []
        try:
            time.sleep(15)  # past the first sweep, so idle means idle
            rows.append(("idle", rss_mib(stack.process.pid), folder_mib(folder / ".dev")))
            cli(environ, "login", "--api", stack.api, "--email", ADMIN_EMAIL)
            for number in range(1, options.films + 1):
                cli(environ, "upload", str(clip), "--title", f"Film {number}", "--description", "bench",
                    "--category", "Bench", "--wait")
                time.sleep(1)
                rows.append((f"after film {number}", rss_mib(stack.process.pid), folder_mib(folder / ".dev")))
            played = play_everything(stack.api)
            rows.append((f"after playing them ({played / MIB:.0f} MiB)", rss_mib(stack.process.pid),
                         folder_mib(folder / ".dev")))
        finally:
            stack.stop()

    print(f"dev process memory, {options.films} films of {options.seconds:.0f} s 1080p "
          "(uploaded with the CLI, transcoded to 480p/720p/1080p):")
    print(f"{'phase':<34}{'RSS MiB':>10}{'.dev/ MiB':>12}")
    for phase, rss, disk in rows:
        print(f"{phase:<34}{rss:>10.0f}{disk:>12.1f}")
    growth = rows[options.films][1] - rows[0][1]
    # The first uploads also load what any first upload loads (handlers, clients, a thread's malloc
    # arena): the slope from film 2 on is what each further film costs.
    warm = min(2, options.films)
    per_film = (rows[options.films][1] - rows[warm][1]) / max(1, options.films - warm)
    print(f"growth from idle after {options.films} films: {growth:+.0f} MiB; "
          f"per film from film {warm} on: {per_film:+.1f} MiB")
    write_result("dev_memory", {"films": options.films, "seconds": options.seconds,
                                "rows": [{"phase": p, "rss_mib": r, "data_mib": d} for p, r, d in rows],
                                "growth_mib": growth, "per_film_when_warm_mib": per_film})
    return 0


if __name__ == "__main__":
    sys.exit(main())
