"""Admin commands: log in, upload a film (resumable), follow its transcode, list, retry, delete."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from videoflix_tools.cli.api import ApiClient, ApiError, login, logout, normalize_api_url
from videoflix_tools.cli.arguments import parse_video_id
from videoflix_tools.cli.config import config_dir, read_password
from videoflix_tools.cli.credentials import CredentialStore
from videoflix_tools.cli.errors import CommandFailed
from videoflix_tools.cli.progress import ProgressLine, TransferProgress, format_duration, format_size, format_transcode
from videoflix_tools.cli.session import logged_in_client
from videoflix_tools.cli.upload_state import FileIdentity, UploadStates
from videoflix_tools.cli.uploader import PartFailed, bytes_in_parts, plan_parts, upload_parts
from videoflix_tools.cli.video_files import video_content_type
from videoflix_tools.cli.watch import SETTLED, WaitTimedOut, wait_until_settled

TITLE_WIDTH = 40


def cmd_login(args) -> int:
    api = normalize_api_url(args.api)
    email = args.email.strip()
    password = read_password(f"Password for {email}: ")
    if not password:
        raise CommandFailed("no password given")
    store = CredentialStore(config_dir())
    store.save(login(api, email, password))
    print(f"Logged in to {api} as {email} (tokens kept in {store.path}).")
    return 0


def cmd_logout(args) -> int:
    store = CredentialStore(config_dir())
    credentials = store.load()
    try:
        logout(credentials)
    finally:
        # Forgetting the tokens locally must not depend on the API being reachable.
        store.clear()
    print(f"Logged out of {credentials.api}.")
    return 0


# -- upload ---------------------------------------------------------------------------------
def cmd_upload(args) -> int:
    path = Path(args.file).expanduser()
    content_type = video_content_type(path)
    client = logged_in_client()
    states = UploadStates(config_dir())
    file = FileIdentity.of(path)
    video_id, plan = _start_or_resume(client, states, path, file, content_type, args)
    if plan is None:
        print(f"{path.name} was already uploaded as video {video_id}.")
    else:
        earlier = [{"part_number": part["part_number"], "etag": part["etag"]} for part in plan["parts_done"]]
        parts = earlier + _send_parts(path, file, video_id, plan)
        completed = client.post(f"/api/admin/videos/{video_id}/upload/complete/", {"parts": parts})
        states.forget(client.api, file)
        print(f"Uploaded {path.name} as video {video_id} (status {completed['video']['status']}).")
    if args.wait:
        return _wait_for_transcode(client, video_id, args.timeout)
    return 0


def _start_or_resume(client: ApiClient, states: UploadStates, path: Path, file: FileIdentity,
                     content_type: str, args) -> tuple[int, dict[str, Any] | None]:
    """(video id, upload plan); no plan when an earlier run completed the upload but stopped before noting it."""
    video_id = states.video_for(client.api, file)
    if video_id is not None:
        try:
            return video_id, client.get(f"/api/admin/videos/{video_id}/upload/")
        except ApiError as exc:
            if exc.status == 409:
                states.forget(client.api, file)
                return video_id, None
            if exc.status != 404:
                raise
            states.forget(client.api, file)  # the video was deleted meanwhile: start afresh
    created = client.post("/api/admin/videos/", {
        "title": args.title, "description": args.description, "category": args.category,
        "filename": path.name, "size": file.size, "content_type": content_type,
        **({"published": False} if getattr(args, "draft", False) else {})})
    video_id = created["video"]["id"]
    states.remember(client.api, file, video_id)
    return video_id, created["upload"]


def _send_parts(path: Path, file: FileIdentity, video_id: int, plan: dict[str, Any]) -> list[dict[str, Any]]:
    part_size = plan["part_size"]
    urls = {part["part_number"]: part["url"] for part in plan["parts"]}
    pending = plan_parts(file.size, part_size, sorted(urls))
    already = bytes_in_parts(file.size, part_size, [part["part_number"] for part in plan["parts_done"]])
    if plan["parts_done"]:
        print(f"Resuming video {video_id}: {len(pending)} of {plan['part_count']} parts left.", file=sys.stderr)
    else:
        parts = "1 part" if plan["part_count"] == 1 else f"{plan['part_count']} parts"
        print(f"Uploading {path.name} ({format_size(file.size)}, {parts}) as video {video_id}.", file=sys.stderr)
    progress = TransferProgress(path.name, file.size, already)
    try:
        try:
            return upload_parts(path, [(part, urls[part.number]) for part in pending], progress.advance)
        finally:
            progress.close()
    except PartFailed as exc:
        raise CommandFailed(f"upload of {path.name} stopped, {exc}; run the same command again to resume") from None
    except KeyboardInterrupt:
        print(f"Upload of {path.name} paused; run the same command again to resume.", file=sys.stderr)
        raise


# -- transcode ------------------------------------------------------------------------------
def _wait_for_transcode(client: ApiClient, video_id: int, timeout: float | None) -> int:
    line = ProgressLine()

    def report(video: dict[str, Any]) -> None:
        progress = int(video.get("progress") or 0)
        line.show(format_transcode(video_id, video["status"], progress), (video["status"], progress // 10),
                  force=video["status"] in SETTLED)

    try:
        try:
            video = wait_until_settled(lambda: client.get(f"/api/admin/videos/{video_id}/"), report,
                                       timeout=timeout)
        finally:
            line.close()
    except WaitTimedOut as exc:
        raise CommandFailed(f"{exc}; `videoflix videos` shows how it goes on") from None
    if video["status"] == "failed":
        raise CommandFailed(f"video {video_id} failed: {video.get('error') or 'no reason given'}")
    renditions = ", ".join(video.get("renditions") or []) or "no renditions"
    print(f"Video {video_id} is ready: {renditions}, {format_duration(video.get('duration'))}.")
    return 0


# -- listing and housekeeping ---------------------------------------------------------------
def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def video_table(videos: list[dict[str, Any]]) -> str:
    """An aligned text table of videos, with the reason of each failure below it."""
    if not videos:
        return "No videos yet. Upload one with `videoflix upload FILE --title ... --category ...`."
    header = ("ID", "TITLE", "STATUS", "PROGRESS", "DURATION", "RENDITIONS")
    right_aligned = {0, 3}
    rows = [(str(video["id"]), _shorten(video.get("title") or "", TITLE_WIDTH), video.get("status") or "",
             f"{int(video.get('progress') or 0)}%", format_duration(video.get("duration")),
             ", ".join(video.get("renditions") or []) or "-") for video in videos]
    widths = [max(len(row[column]) for row in (header, *rows)) for column in range(len(header))]
    lines = ["  ".join(cell.rjust(width) if column in right_aligned else cell.ljust(width)
                       for column, (cell, width) in enumerate(zip(row, widths))).rstrip()
             for row in (header, *rows)]
    lines += [f"video {video['id']} failed: {video['error']}" for video in videos
              if video.get("status") == "failed" and video.get("error")]
    return "\n".join(lines)


def cmd_videos(args) -> int:
    videos = logged_in_client().get("/api/admin/videos/")
    print(json.dumps(videos, indent=2) if args.json else video_table(videos))
    return 0


def cmd_retry(args) -> int:
    answer = logged_in_client().post(f"/api/admin/videos/{args.video_id}/retry/")
    print(f"Video {args.video_id} is queued for transcoding again (status {answer['video']['status']}).")
    return 0


def cmd_delete(args) -> int:
    client = logged_in_client()
    client.delete(f"/api/admin/videos/{args.video_id}/")
    UploadStates(config_dir()).forget_video(client.api, args.video_id)
    print(f"Video {args.video_id} and all its files are deleted.")
    return 0


def _seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"a number of seconds above 0, got {raw!r}")
    return value


def register(commands) -> None:
    login_parser = commands.add_parser("login", help="log in to a Videoflix API as a staff user")
    login_parser.add_argument("--api", required=True, help="base URL of the API, e.g. http://127.0.0.1:8000")
    login_parser.add_argument("--email", required=True)
    login_parser.set_defaults(run=cmd_login)

    logout_parser = commands.add_parser("logout", help="revoke the stored login and forget it")
    logout_parser.set_defaults(run=cmd_logout)

    upload = commands.add_parser("upload", help="upload a film through presigned S3 URLs (resumable)")
    upload.add_argument("file")
    upload.add_argument("--title", required=True)
    upload.add_argument("--description", default="")
    upload.add_argument("--category", required=True)
    upload.add_argument("--draft", action="store_true", help="keep it unpublished (`videoflix publish ID` later)")
    upload.add_argument("--wait", action="store_true", help="follow the transcode until the film is ready")
    upload.add_argument("--timeout", type=_seconds, default=None, metavar="SECONDS",
                        help="with --wait: give up waiting after this long (default: wait until done)")
    upload.set_defaults(run=cmd_upload)

    videos = commands.add_parser("videos", help="list every video with its status and progress")
    videos.add_argument("--json", action="store_true", help="print the API's JSON answer (for scripts)")
    videos.set_defaults(run=cmd_videos)

    retry = commands.add_parser("retry", help="transcode a failed video again")
    retry.add_argument("video_id", type=parse_video_id, metavar="ID")
    retry.set_defaults(run=cmd_retry)

    delete = commands.add_parser("delete", help="delete a video and every file of it")
    delete.add_argument("video_id", type=parse_video_id, metavar="ID")
    delete.set_defaults(run=cmd_delete)
