"""`videoflix captions add|list|remove`: a film's caption tracks (WebVTT, or SRT converted by the API)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from videoflix.domain.captions import CaptionError, decode_caption_bytes, normalize_lang
from videoflix_tools.cli.arguments import parse_video_id
from videoflix_tools.cli.errors import CommandFailed
from videoflix_tools.cli.session import logged_in_client


def caption_table(captions: list[dict[str, Any]]) -> str:
    if not captions:
        return "No captions yet. Add one with `videoflix captions add ID FILE --lang de --label Deutsch`."
    header = ("LANG", "LABEL", "DEFAULT", "CUES")
    rows = [(c["lang"], c["label"], "yes" if c["default"] else "", str(c["cues"])) for c in captions]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
                     for row in (header, *rows))


def cmd_add(args) -> int:
    path = Path(args.file).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CommandFailed(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        content = decode_caption_bytes(data)
    except CaptionError as exc:
        raise CommandFailed(f"{path.name}: {exc}") from None
    body = {"lang": args.lang, "label": args.label or args.lang, "default": args.default, "content": content}
    caption = logged_in_client().post(f"/api/admin/videos/{args.video_id}/captions/", body)
    default = ", the default" if caption["default"] else ""
    print(f"Captions {caption['lang']} ({caption['label']}{default}) added to video {args.video_id}: "
          f"{caption['cues']} cues.")
    return 0


def cmd_list(args) -> int:
    captions = logged_in_client().get(f"/api/admin/videos/{args.video_id}/captions/")
    print(json.dumps(captions, indent=2) if args.json else caption_table(captions))
    return 0


def cmd_remove(args) -> int:
    logged_in_client().delete(f"/api/admin/videos/{args.video_id}/captions/{args.lang}/")
    print(f"Captions {args.lang} removed from video {args.video_id}.")
    return 0


def _lang(raw: str) -> str:
    lang = normalize_lang(raw)
    if lang is None:
        raise argparse.ArgumentTypeError(f"a language tag such as de, en-GB or pt-BR, got {raw!r}")
    return lang


def register(commands) -> None:
    captions = commands.add_parser("captions", help="add, list or remove a film's captions (WebVTT or SRT)")
    actions = captions.add_subparsers(dest="captions_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add (or replace) the captions of one language")
    add.add_argument("video_id", type=parse_video_id, metavar="ID")
    add.add_argument("file", metavar="FILE", help="a WebVTT (.vtt) or SRT (.srt) file, UTF-8")
    add.add_argument("--lang", required=True, type=_lang, help="language tag, e.g. de, en-GB")
    add.add_argument("--label", default="", help="the name players show (default: the language tag)")
    add.add_argument("--default", action="store_true", help="players show these captions unless told otherwise")
    add.set_defaults(run=cmd_add)
    listing = actions.add_parser("list", help="list a film's captions")
    listing.add_argument("video_id", type=parse_video_id, metavar="ID")
    listing.add_argument("--json", action="store_true", help="print the API's JSON answer (for scripts)")
    listing.set_defaults(run=cmd_list)
    remove = actions.add_parser("remove", help="remove the captions of one language")
    remove.add_argument("video_id", type=parse_video_id, metavar="ID")
    remove.add_argument("lang", type=_lang, metavar="LANG")
    remove.set_defaults(run=cmd_remove)
