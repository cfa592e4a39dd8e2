"""`/dev/emails` for a person: the captured emails as a page, newest first, links clickable.

Scripts keep the JSON: a request gets this page only when it asks for HTML over JSON in its
`Accept` header (as a browser's address bar does) or with `?format=html`; `?format=json`
always gets JSON, and so does `Accept: */*` or none (curl, requests, fetch).
"""
from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs

URL = re.compile(r"https?://[^\s<>\"']+")
TRAILING = ".,;:!?)]}"

STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.4rem; } .note { color: #555; }
article { border: 1px solid #ccc; border-radius: 6px; padding: .8rem 1rem; margin: 1rem 0; }
article h2 { font-size: 1.1rem; margin: 0 0 .3rem; } dl { display: grid; grid-template-columns: max-content 1fr;
gap: 0 .8rem; margin: 0 0 .6rem; color: #444; } dt { font-weight: 600; } dd { margin: 0; }
pre { white-space: pre-wrap; word-break: break-word; background: #f6f6f6; padding: .6rem; border-radius: 4px; }
iframe { width: 100%; height: 24rem; border: 1px solid #ddd; }
"""


def wants_html(headers: list[tuple[str, str]], query: str) -> bool:
    """True for `?format=html`, or an Accept header preferring text/html to JSON; else JSON."""
    chosen = (parse_qs(query).get("format") or [""])[-1].lower() if query else ""
    if chosen in {"json", "html"}:
        return chosen == "html"
    accept = next((value for name, value in headers if name.lower() == "accept"), "")
    weights = _accept_weights(accept)
    return weights.get("text/html", 0.0) > max(weights.get("application/json", 0.0), 0.0)


def _accept_weights(accept: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for item in accept.split(","):
        media_type, *parameters = [part.strip() for part in item.split(";")]
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media_type:
            weights[media_type.lower()] = max(quality, weights.get(media_type.lower(), 0.0))
    return weights


def linkify(text: str) -> str:
    """`text` HTML-escaped, each http(s) URL in it a link."""
    pieces, last = [], 0
    for found in URL.finditer(text):
        url = found.group(0).rstrip(TRAILING)
        end = found.start() + len(url)
        pieces.append(html.escape(text[last:found.start()]))
        pieces.append(f'<a href="{html.escape(url, quote=True)}">{html.escape(url)}</a>')
        last = end
    pieces.append(html.escape(text[last:]))
    return "".join(pieces)


def _message(email: dict[str, Any]) -> str:
    recipients = ", ".join(email.get("to") or []) or "-"
    parts = [f"<article><h2>{html.escape(email.get('subject') or '(no subject)')}</h2>",
             f"<dl><dt>To</dt><dd>{html.escape(recipients)}</dd>"
             f"<dt>Sent</dt><dd>{html.escape(email.get('sent_at') or '-')}</dd></dl>"]
    if email.get("text"):
        parts.append(f"<pre>{linkify(email['text'])}</pre>")
    if email.get("html"):
        # The HTML part as the mail client shows it, sandboxed: no script runs, nothing reaches this page.
        parts.append("<details><summary>HTML version</summary>"
                     f'<iframe sandbox title="HTML version" srcdoc="{html.escape(email["html"], quote=True)}">'
                     "</iframe></details>")
        if not email.get("text"):
            links = dict.fromkeys(url.rstrip(TRAILING) for url in URL.findall(email["html"]))
            parts.append("<ul>" + "".join(f"<li>{linkify(html.unescape(url))}</li>" for url in links) + "</ul>")
    parts.append("</article>")
    return "".join(parts)


def mailbox_page(emails: list[dict[str, Any]]) -> str:
    """The page of `emails` (oldest first, as sent_emails gives them), newest first."""
    count = len(emails)
    body = "".join(_message(email) for email in reversed(emails)) if emails else \
        '<p class="note">No emails yet. Register in the player and the activation email shows up here.</p>'
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Videoflix dev mailbox</title>"
            f"<style>{STYLE}</style></head><body><h1>Videoflix dev mailbox</h1>"
            f'<p class="note">{count} email{"" if count == 1 else "s"} sent by this dev stack, newest first; '
            'reload to see new ones. Scripts: <a href="?format=json">?format=json</a>.</p>'
            f"<main>{body}</main></body></html>")
