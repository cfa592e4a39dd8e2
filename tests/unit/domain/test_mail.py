import pytest

from videoflix.domain.mail import UnknownTemplate, render_mail_job, to_mime
from videoflix_tools.dev.mail_parse import parse_raw_email

LINK = "http://127.0.0.1:5500/pages/auth/activate.html?uid=MQ&token=abc-def"


def test_activation_email_has_text_and_html_with_the_link():
    email = render_mail_job({"template": "activation", "context": {"to": "a@example.com", "link": LINK}})
    assert email.subject == "Confirm your email" and email.to == ("a@example.com",)
    assert LINK in email.text
    assert LINK.replace("&", "&amp;") in email.html


def test_reset_email_subject():
    email = render_mail_job({"template": "password_reset", "context": {"to": "a@example.com", "link": LINK}})
    assert email.subject == "Reset your Password"


def test_html_escapes_the_address():
    email = render_mail_job({"template": "activation", "context": {"to": "<b>@example.com", "link": LINK}})
    assert "<b>@" not in email.html and "&lt;b&gt;@" in email.html


@pytest.mark.parametrize("job", [{"template": "nope"}, {}, {"template": None}])
def test_unknown_templates_raise(job):
    with pytest.raises(UnknownTemplate):
        render_mail_job(job)


def test_mime_round_trip():
    email = render_mail_job({"template": "activation", "context": {"to": "a@example.com", "link": LINK}})
    parsed = parse_raw_email(to_mime(email, "noreply@videoflix.local"))
    assert parsed["to"] == ["a@example.com"] and parsed["subject"] == "Confirm your email"
    assert LINK in parsed["text"] and "<html>" in parsed["html"] and parsed["sent_at"]
