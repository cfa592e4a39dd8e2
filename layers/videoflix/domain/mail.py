"""Rendering the Videoflix emails (HTML + plain text) from a template name and context."""
from __future__ import annotations

from html import escape

from videoflix.domain.email_message import Email, to_mime

__all__ = ["Email", "UnknownTemplate", "render_mail_job", "to_mime"]


def _html_page(heading: str, paragraphs: list[str], link: str | None, button: str | None) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    action = ""
    if link and button:
        action = (f'<p><a href="{escape(link, quote=True)}" style="display:inline-block;padding:12px 24px;'
                  f'background:#2e3edf;color:#fff;border-radius:24px;text-decoration:none">'
                  f"{escape(button)}</a></p><p>{escape(link)}</p>")
    return (f"<!doctype html><html><body style=\"font-family:sans-serif\"><h2>{escape(heading)}</h2>"
            f"{body}{action}<p>Your Videoflix team</p></body></html>")


def render_activation(to: str, link: str) -> Email:
    text = (f"Dear {to},\n\nThank you for registering with Videoflix. To complete your "
            f"registration and verify your email address, open this link:\n\n{link}\n\n"
            "If you did not create an account with us, please disregard this email.\n\n"
            "Your Videoflix team")
    html = _html_page("Confirm your email", [
        f"Dear {to},",
        "Thank you for registering with Videoflix. To complete your registration and verify "
        "your email address, please click the button below.",
        "If you did not create an account with us, please disregard this email.",
    ], link, "Activate account")
    return Email((to,), "Confirm your email", text, html)


def render_password_reset(to: str, link: str) -> Email:
    text = (f"Hello,\n\nWe recently received a request to reset your password. If you made "
            f"this request, open this link to reset your password:\n\n{link}\n\n"
            "The link is valid for 24 hours and can be used once. If you did not request a "
            "password reset, please ignore this email.\n\nYour Videoflix team")
    html = _html_page("Reset your Password", [
        "Hello,",
        "We recently received a request to reset your password. If you made this request, "
        "please click the button below to reset your password.",
        "The link is valid for 24 hours and can be used once. If you did not request a "
        "password reset, please ignore this email.",
    ], link, "Reset password")
    return Email((to,), "Reset your Password", text, html)


def render_already_registered(to: str, login_link: str, reset_link: str) -> Email:
    text = (f"Hello,\n\nSomeone tried to create a Videoflix account with {to}, but an account "
            f"with this address already exists.\n\nLog in: {login_link}\nForgot your password? "
            f"{reset_link}\n\nIf this was not you, you can ignore this email.\n\nYour Videoflix team")
    html = _html_page("You already have an account", [
        "Hello,",
        f"Someone tried to create a Videoflix account with {to}, but an account with this "
        "address already exists.",
        f"Forgot your password? Reset it here: {reset_link}",
        "If this was not you, you can ignore this email.",
    ], login_link, "Log in")
    return Email((to,), "Your Videoflix account", text, html)


RENDERERS = {
    "activation": lambda ctx: render_activation(ctx["to"], ctx["link"]),
    "password_reset": lambda ctx: render_password_reset(ctx["to"], ctx["link"]),
    "already_registered": lambda ctx: render_already_registered(ctx["to"], ctx["login_link"],
                                                                ctx["reset_link"]),
}


class UnknownTemplate(ValueError):
    pass


def render_mail_job(job: dict) -> Email:
    """Render a queued mail job `{"template": name, "context": {...}}`."""
    renderer = RENDERERS.get(job.get("template"))
    if renderer is None:
        raise UnknownTemplate(f"unknown mail template {job.get('template')!r}")
    return renderer(job.get("context") or {})
