"""Staff-console commands over the admin API: edit and publish films, posters, users, history, queues, insights."""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, urlencode

from videoflix_tools.cli.api import ApiClient, send, transport_reason
from videoflix_tools.cli.arguments import parse_video_id
from videoflix_tools.cli.errors import CommandFailed
from videoflix_tools.cli.session import logged_in_client

POSTER_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
USER_ACTIONS = {"disable": {"is_active": False}, "enable": {"is_active": True},
                "grant-staff": {"is_staff": True}, "revoke-staff": {"is_staff": False}}
CELL_WIDTH = 40
PAGE_SIZE = 100


def _print(args, value: Any, text: Callable[[Any], str]) -> None:
    print(json.dumps(value, indent=2) if getattr(args, "json", False) else text(value))


def table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    """Aligned columns, long cells shortened, so the table fits a terminal."""
    cells = [tuple(_cell(value) for value in row) for row in rows]
    widths = [max(len(row[column]) for row in (header, *cells)) for column in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
                     for row in (header, *cells))


def _cell(value: Any) -> str:
    text = "-" if value is None or value == "" else ("yes" if value is True else "no" if value is False else str(value))
    text = " ".join(text.split())  # one line per row
    return text if len(text) <= CELL_WIDTH else text[:CELL_WIDTH - 1] + "…"


# -- videos -------------------------------------------------------------------------------------
def cmd_edit(args) -> int:
    changes = {name: getattr(args, name) for name in ("title", "description", "category")
               if getattr(args, name) is not None}
    if not changes:
        raise CommandFailed("nothing to change; give --title, --description and/or --category")
    video = logged_in_client().patch(f"/api/admin/videos/{args.video_id}/", changes)
    _print(args, video, lambda v: f"Video {v['id']} updated: {v['title']} ({v['category']}).")
    return 0


def _set_published(args, published: bool) -> int:
    client = logged_in_client()
    base = f"/api/admin/videos/{args.video_id}/"
    if published:
        current = client.get(base)
        if current.get("status") == "failed":
            # Viewers could never see it: say so, and change nothing.
            raise CommandFailed(f"video {args.video_id} failed ({current.get('error') or 'no reason given'}), so "
                                f"there is nothing viewers could play; it stays unpublished. `videoflix retry "
                                f"{args.video_id}` transcodes it again (or delete it and upload the film again)")
    video = client.patch(base, {"published": published})
    _print(args, video, lambda v: f"Video {v['id']} is {_published_state(v, published)}.")
    return 0


def _published_state(video: dict[str, Any], published: bool) -> str:
    if not published:
        return "unpublished: only staff see it"
    if video.get("status") == "ready":
        return "published: viewers see it"
    return f"published: viewers see it once it is transcoded (now {video.get('status')})"


def cmd_publish(args) -> int:
    return _set_published(args, True)


def cmd_unpublish(args) -> int:
    return _set_published(args, False)


def cmd_poster(args) -> int:
    client = logged_in_client()
    base = f"/api/admin/videos/{args.video_id}/poster/"
    if args.at is not None:
        answer = client.post(base, {"at_seconds": args.at})
        _print(args, answer, lambda a: f"Video {args.video_id}: the poster is being made from the frame at "
                                       f"{args.at:g} s (`videoflix videos` shows the film).")
        return 0
    path = Path(args.image).expanduser()
    content_type = POSTER_TYPES.get(path.suffix.lower())
    if content_type is None:
        raise CommandFailed(f"{path.name} is not a .jpg, .jpeg or .png file; give a JPEG or PNG image")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CommandFailed(f"cannot read {path}: {exc.strerror or exc}") from None
    plan = client.post(base, {"content_type": content_type, "size": len(data)})
    upload = plan["upload"]
    try:
        answer = send(upload["method"], upload["url"], body=data, headers=upload["headers"], timeout=120)
    except OSError as exc:
        raise CommandFailed(f"could not send {path.name} to storage ({transport_reason(exc)}); try again") from None
    if answer.status >= 300:
        raise CommandFailed(f"storage refused {path.name} (HTTP {answer.status}); try again")
    done = client.post(f"{base}complete/")
    _print(args, done, lambda d: f"Video {args.video_id} has a new poster from {path.name}.")
    return 0


# -- users --------------------------------------------------------------------------------------
def _user_rows(users: list[dict[str, Any]]) -> str:
    return table(("ID", "EMAIL", "ACTIVE", "STAFF", "JOINED", "LAST LOGIN"),
                 [(u["id"], u["email"], u["is_active"], u["is_staff"], (u["date_joined"] or "")[:10],
                   (u["last_login"] or "")[:16].replace("T", " ")) for u in users])


def cmd_users(args) -> int:
    query = f"?page_size={PAGE_SIZE}" + (f"&q={quote(args.search)}" if args.search else "")
    page = logged_in_client().get(f"/api/admin/users/{query}")

    def text(answer: dict[str, Any]) -> str:
        if not answer["items"]:
            return "No user matches." if args.search else "No users yet."
        more = answer["total"] - len(answer["items"])
        note = f"\n{more} more; narrow it with `videoflix users --search ...`." if more > 0 else ""
        return _user_rows(answer["items"]) + note
    _print(args, page, text)
    return 0


def _find_user(client: ApiClient, email: str) -> dict[str, Any]:
    wanted = email.strip().lower()
    page = client.get(f"/api/admin/users/?page_size={PAGE_SIZE}&q={quote(wanted)}")
    for user in page["items"]:
        if user["email"].lower() == wanted:
            return user
    raise CommandFailed(f"no user with that address ({email}); `videoflix users --search "
                        f"{wanted.split('@')[0] or wanted}` lists similar ones")


def cmd_user_action(args) -> int:
    client = logged_in_client()
    user = _find_user(client, args.email)
    if args.users_command == "delete":
        client.delete(f"/api/admin/users/{user['id']}/")
        _print(args, {"deleted": user}, lambda _: f"User {user['email']} is deleted; their sessions have ended.")
    elif args.users_command == "resend-activation":
        answer = client.post(f"/api/admin/users/{user['id']}/activation-email/")
        _print(args, answer, lambda _: f"A new activation email is on its way to {user['email']}.")
    else:
        changed = client.patch(f"/api/admin/users/{user['id']}/", USER_ACTIONS[args.users_command])
        _print(args, changed, lambda u: f"User {u['email']}: {'active' if u['is_active'] else 'disabled'}, "
                                        f"{'staff' if u['is_staff'] else 'not staff'}.")
    return 0


# -- history and queues -------------------------------------------------------------------------
def cmd_history(args) -> int:
    page = logged_in_client().get(f"/api/admin/history/?page={args.page}&page_size={args.page_size}")

    def text(answer: dict[str, Any]) -> str:
        if not answer["items"]:
            if answer.get("total"):
                last = max(1, math.ceil(answer["total"] / answer["page_size"]))
                return (f"Page {answer['page']} is past the end: {answer['total']} change(s) on {last} "
                        f"page(s) of {answer['page_size']}; `videoflix history --page {last}` shows the oldest.")
            return "No changes recorded yet."
        rows = [((item["at"] or "")[:19].replace("T", " "), item["actor"], item["action"],
                 f"{item['target_type']} {item['target_id']}",
                 ", ".join(f"{k}: {v[0] if isinstance(v, list) and v else ''} → {v[1] if isinstance(v, list) and len(v) > 1 else v}"
                           for k, v in (item["changes"] or {}).items()))
                for item in answer["items"]]
        shown = (answer["page"] - 1) * answer["page_size"] + len(rows)
        more = f"\n{answer['total'] - shown} older; `videoflix history --page {answer['page'] + 1}`." \
            if answer["total"] > shown else ""
        return table(("AT (UTC)", "ACTOR", "ACTION", "TARGET", "CHANGES"), rows) + more
    _print(args, page, text)
    return 0


def cmd_queues(args) -> int:
    client = logged_in_client()
    if args.redrive:
        answer = client.post(f"/api/admin/queues/{quote(args.redrive, safe='')}/redrive/")
        _print(args, answer, lambda a: f"Moved {a['moved']} message(s) from {a['name']} back to {a['source']}"
                                       + (f"; {a['left']} left, run it again." if a["left"] else "."))
        return 0
    overview = client.get("/api/admin/queues/")

    def text(answer: dict[str, Any]) -> str:
        lines = table(("QUEUE", "VISIBLE", "IN FLIGHT"),
                      [(q["name"], q["visible"], q["in_flight"]) for q in answer["queues"]])
        processing = answer["processing"]
        if processing:
            lines += "\n\n" + table(("VIDEO", "TITLE", "STATUS", "PROGRESS", "LEASE AGE"),
                                    [(v["id"], v["title"], v["status"], f"{v['progress']}%",
                                      f"{v['lease_age_seconds']} s" if v["lease_age_seconds"] is not None else None)
                                     for v in processing])
        else:
            lines += "\n\nNo video is being processed."
        if any(q["dead_letter"] and q["visible"] for q in answer["queues"]):
            lines += "\nDead letters wait: `videoflix queues --redrive NAME` sends them back."
        return lines
    _print(args, overview, text)
    return 0


# -- parsers ------------------------------------------------------------------------------------
def _seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"a number of seconds, 0 or more, got {raw!r}")
    return value


def _positive(raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) <= 1_000_000:
        raise argparse.ArgumentTypeError(f"a whole number above 0, got {raw!r}")
    return int(raw)


def _json_flag(parser) -> None:
    parser.add_argument("--json", action="store_true", help="print the API's JSON answer (for scripts)")


# -- insights ------------------------------------------------------------------------------------
def _figure(value: Any, unit: str = "", scale: float = 1.0, digits: int = 1) -> str | None:
    return None if value is None else f"{value * scale:.{digits}f}{unit}"


def insights_row(label: Any, summary: dict[str, Any]) -> tuple[Any, ...]:
    mix = ", ".join(f"{height}p {share * 100:.0f}%" for height, share in
                    sorted(summary["heights"].items(), key=lambda item: -item[1])[:3])
    return (label, summary["views"], summary["unique_viewers"], f"{summary['minutes_watched']:.1f}",
            _figure(summary["mean_completion"], "%", 100, 0), _figure(summary["startup_p50_ms"], " ms", digits=0),
            _figure(summary["startup_p95_ms"], " ms", digits=0), _figure(summary["rebuffer_ratio"], "%", 100, 2),
            _figure(summary["failure_rate"], "%", 100, 1), mix)


INSIGHTS_HEADER = ("FILM", "VIEWS", "VIEWERS", "MINUTES", "COMPLETION", "STARTUP P50", "STARTUP P95", "REBUFFER",
                   "FAILED", "HEIGHTS")


def cmd_insights(args) -> int:
    query = urlencode({name: value for name, value in (("from", args.since), ("to", args.until),
                                                        ("interval", args.interval)) if value})
    suffix = f"?{query}" if query else ""
    client = logged_in_client()
    if args.video is not None:
        answer = client.get(f"/api/admin/insights/videos/{args.video}/{suffix}")

        def text(found: dict[str, Any]) -> str:
            rows = [insights_row((point["at"] or "")[:16].replace("T", " "), point) for point in found["series"]]
            head = f"{found['video']['title']} (video {found['video']['id']}), {found['from']} to {found['to']}:\n"
            return head + table(("AT (UTC)", *INSIGHTS_HEADER[1:]), rows + [insights_row("total", found["totals"])])
    else:
        answer = client.get(f"/api/admin/insights/{suffix}")

        def text(found: dict[str, Any]) -> str:
            if not found["videos"]:
                return f"No playback from {found['from']} to {found['to']}."
            rows = [insights_row(f"{v['video_id']} {v['title']}", v) for v in found["videos"]]
            return f"From {found['from']} to {found['to']}:\n" + table(
                INSIGHTS_HEADER, rows + [insights_row("all films", found["totals"])])
    _print(args, answer, text)
    return 0


def register(commands) -> None:
    edit = commands.add_parser("edit", help="change a video's title, description or category")
    edit.add_argument("video_id", type=parse_video_id, metavar="ID")
    edit.add_argument("--title")
    edit.add_argument("--description")
    edit.add_argument("--category")
    _json_flag(edit)
    edit.set_defaults(run=cmd_edit)

    for name, run, text in (("publish", cmd_publish, "show a video to viewers"),
                            ("unpublish", cmd_unpublish, "hide a video from viewers (staff still preview it)")):
        parser = commands.add_parser(name, help=text)
        parser.add_argument("video_id", type=parse_video_id, metavar="ID")
        _json_flag(parser)
        parser.set_defaults(run=run)

    poster = commands.add_parser("poster", help="set a video's poster: a frame of the film or an image")
    poster.add_argument("video_id", type=parse_video_id, metavar="ID")
    source = poster.add_mutually_exclusive_group(required=True)
    source.add_argument("--at", type=_seconds, metavar="SECONDS", help="take the frame at this second")
    source.add_argument("--image", metavar="FILE", help="upload this JPEG or PNG (at most 5 MB, 4096 px a side)")
    _json_flag(poster)
    poster.set_defaults(run=cmd_poster)

    history = commands.add_parser("history", help="the changes staff made, newest first")
    history.add_argument("--page", type=_positive, default=1)
    history.add_argument("--page-size", type=_positive, default=20)
    _json_flag(history)
    history.set_defaults(run=cmd_history)

    queues = commands.add_parser("queues", help="queue depths, dead letters and videos in progress")
    queues.add_argument("--redrive", metavar="NAME", help="move a dead-letter queue's messages back (e.g. transcode-dlq)")
    _json_flag(queues)
    queues.set_defaults(run=cmd_queues)

    insights = commands.add_parser("insights", help="what viewers experienced: views, watch time, startup, "
                                                    "rebuffering, failures (per film, or one film over time)")
    insights.add_argument("--video", type=parse_video_id, metavar="ID", help="one film, by hour or day")
    insights.add_argument("--from", dest="since", metavar="WHEN", help="ISO date or date-time (default: 7 days ago)")
    insights.add_argument("--to", dest="until", metavar="WHEN", help="ISO date (that day included) or date-time")
    insights.add_argument("--interval", choices=("hour", "day"), help="points by hour or day (one film)")
    _json_flag(insights)
    insights.set_defaults(run=cmd_insights)


def register_users(users_parser, users) -> None:
    """`videoflix users [--search Q]` and its actions, beside the operator's `users create`."""
    users_parser.add_argument("--search", metavar="Q", help="only addresses containing this (any case)")
    _json_flag(users_parser)
    users_parser.set_defaults(run=cmd_users)
    for name, text in (("disable", "disable an account: its sessions end now and it cannot log in"),
                       ("enable", "enable a disabled account"), ("grant-staff", "make an account staff"),
                       ("revoke-staff", "withdraw staff rights"), ("delete", "delete an account"),
                       ("resend-activation", "send a new activation email to an account not activated")):
        action = users.add_parser(name, help=text)
        action.add_argument("email")
        _json_flag(action)
        action.set_defaults(run=cmd_user_action)
