"""Auth API: register, activate, login, logout, token refresh, password reset, health."""
from videoflix.coldstart import collector_paused

with collector_paused():  # a sixth less cold start: see videoflix.coldstart
    from chalice import Chalice, Response

    from videoflix.auth import sessions
    from videoflix.errors import InvalidInput
    from videoflix.health import check_health
    from videoflix.observability.logs import configure_logging
    from videoflix.snapstart import prepare_snapshot
    from videoflix.services import get_services, get_settings
    from videoflix.web.auth_cookies import REFRESH_COOKIE, cleared_cookies, login_cookies
    from videoflix.web.conventions import ApiConventions
    from videoflix.web.requests import require_strings
    from videoflix.web.responses import json_response

configure_logging()  # JSON lines with the request id (docs/operations.md)
# SnapStart (videoflix/snapstart.py, docs/deploy.md): the snapshot holds the libraries and the ORM's account use
# cases that a plain cold start loads on first use only.
prepare_snapshot(preload=("bcrypt", "redis", "pg8000.dbapi", "boto3", "videoflix.auth.service"))
app = Chalice(app_name="videoflix-auth")
api = ApiConventions(app, Response, get_settings)


def _accounts():
    """Registration, activation and password resets: they write through the ORM, which a cold function
    whose first request is a login, a refresh or a logout never loads (about 200 ms; issue 25)."""
    from videoflix.auth import service
    return service


@api.route("/api/register", methods=["POST"])
def register():
    fields = require_strings(api.json_body(), "email", "password", "confirmed_password")
    email = _accounts().register(get_services(), fields["email"], fields["password"], fields["confirmed_password"],
                                 client_ip=api.client_ip())
    return json_response(201, {"detail": "Registration successful. Please check your email to activate your account.",
                               "user": {"email": email}})


@api.route("/api/activate/{uidb64}/{token}", methods=["GET"])
def activate(uidb64, token):
    _accounts().activate(get_services(), uidb64, token)
    return json_response(200, {"message": "Account successfully activated."})


@api.route("/api/login", methods=["POST"])
def login():
    fields = require_strings(api.json_body(), "email", "password")
    result = sessions.login(get_services(), fields["email"], fields["password"], client_ip=api.client_ip())
    return json_response(200, {"detail": "Login successful",
                               "user": {"id": result.user_id, "username": result.email}},
                         cookies=login_cookies(result.tokens, get_settings()))


def _refresh_cookie() -> str:
    token = api.cookies().get(REFRESH_COOKIE)
    if not token:
        raise InvalidInput("Refresh token missing.")
    return token


@api.route("/api/logout", methods=["POST"])
def logout():
    sessions.logout(get_services(), _refresh_cookie())
    return json_response(200, {"detail": "Logout successful! All tokens will be deleted. "
                                         "Refresh token is now invalid."},
                         cookies=cleared_cookies(get_settings()))


@api.route("/api/token/refresh", methods=["POST"])
def token_refresh():
    tokens = sessions.refresh(get_services(), _refresh_cookie())
    return json_response(200, {"detail": "Token refreshed", "access": tokens.access},
                         cookies=login_cookies(tokens, get_settings()))


@api.route("/api/password_reset", methods=["POST"])
def password_reset():
    fields = require_strings(api.json_body(), "email")
    _accounts().request_password_reset(get_services(), fields["email"], client_ip=api.client_ip())
    return json_response(200, {"detail": "An email has been sent to reset your password."})


@api.route("/api/password_confirm/{uidb64}/{token}", methods=["POST"])
def password_confirm(uidb64, token):
    fields = require_strings(api.json_body(), "new_password", "confirm_password")
    _accounts().confirm_password_reset(get_services(), uidb64, token, fields["new_password"],
                                       fields["confirm_password"])
    return json_response(200, {"detail": "Your Password has been successfully reset."},
                         cookies=cleared_cookies(get_settings()))


@api.route("/api/health", methods=["GET"])
def health():
    report = check_health(get_services())
    return json_response(200 if report["status"] == "ok" else 503, report)
