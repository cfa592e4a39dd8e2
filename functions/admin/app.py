"""Admin API (staff only): presigned multipart uploads and video management."""
from videoflix.coldstart import collector_paused

with collector_paused():  # a sixth less cold start: see videoflix.coldstart
    from chalice import Chalice, Response

    from videoflix.auth.service import authenticate, require_staff
    from videoflix.staff import routes as console
    from videoflix.observability.logs import configure_logging
    from videoflix.snapstart import prepare_snapshot
    from videoflix.services import get_services, get_settings
    from videoflix.staff.videos import VideoAdmin
    from videoflix.staff.insights import Insights
    from videoflix.staff.captions import CAPTION_BODY_BYTES, CaptionAdmin
    from videoflix.domain.video_ids import parse_video_id
    from videoflix.web.conventions import ApiConventions
    from videoflix.web.responses import ApiResponse, json_response

configure_logging()  # JSON lines with the request id (docs/operations.md)
prepare_snapshot(preload=("redis", "pg8000.dbapi", "boto3"))  # SnapStart: videoflix/snapstart.py, docs/deploy.md
app = Chalice(app_name="videoflix-admin")
api = ApiConventions(app, Response, get_settings)


def _staff():
    return require_staff(authenticate(get_services(), api.access_token()))


def _admin() -> VideoAdmin:
    return VideoAdmin(get_services(), actor=_staff().email)  # changes are recorded under the staff email


@api.route("/api/admin/videos", methods=["POST"])
def create_video():
    admin = _admin()
    return json_response(201, admin.create(api.json_body()))


@api.route("/api/admin/videos", methods=["GET"])
def list_videos():
    return json_response(200, _admin().list())


@api.route("/api/admin/videos/{video_id}", methods=["GET"])
def get_video(video_id):
    return json_response(200, _admin().get(parse_video_id(video_id)))


@api.route("/api/admin/videos/{video_id}", methods=["DELETE"])
def delete_video(video_id):
    _admin().delete(parse_video_id(video_id))
    return json_response(200, {"detail": "Video and all its files deleted."})


@api.route("/api/admin/videos/{video_id}/upload", methods=["GET"])
def upload_status(video_id):
    return json_response(200, _admin().upload_status(parse_video_id(video_id)))


@api.route("/api/admin/videos/{video_id}/upload/complete", methods=["POST"])
def complete_upload(video_id):
    admin = _admin()
    return json_response(200, admin.complete(parse_video_id(video_id), api.json_body()))


@api.route("/api/admin/videos/{video_id}/retry", methods=["POST"])
def retry(video_id):
    return json_response(202, _admin().retry(parse_video_id(video_id)))


def _captions() -> CaptionAdmin:
    return CaptionAdmin(get_services(), actor=_staff().email)  # changes are recorded under the staff email


@api.route("/api/admin/videos/{video_id}/captions", methods=["POST"], max_body_bytes=CAPTION_BODY_BYTES)
def add_caption(video_id):
    captions = _captions()
    return json_response(201, captions.add(parse_video_id(video_id), api.json_body()))


@api.route("/api/admin/videos/{video_id}/captions", methods=["GET"])
def list_captions(video_id):
    return json_response(200, _captions().list(parse_video_id(video_id)))


@api.route("/api/admin/videos/{video_id}/captions/{lang}", methods=["DELETE"])
def remove_caption(video_id, lang):
    _captions().remove(parse_video_id(video_id), lang)
    return ApiResponse(204, "", content_type="text/plain; charset=utf-8")


# -- the staff console (videoflix.staff) ---------------------------------------------------
@api.route("/api/admin/videos/{video_id}", methods=["PATCH"])
def edit_video(video_id):
    staff = _staff()
    return json_response(200, console.edit_video(get_services(), staff.email, parse_video_id(video_id),
                                                 api.json_body()))


@api.route("/api/admin/videos/{video_id}/poster", methods=["POST"])
def poster(video_id):
    staff = _staff()
    status, body = console.request_poster(get_services(), staff.email, parse_video_id(video_id), api.json_body())
    return json_response(status, body)


@api.route("/api/admin/videos/{video_id}/poster/complete", methods=["POST"])
def complete_poster(video_id):
    staff = _staff()
    return json_response(200, console.complete_poster(get_services(), staff.email, parse_video_id(video_id)))


@api.route("/api/admin/users", methods=["GET"])
def list_users():
    _staff()
    return json_response(200, console.list_users(get_services(), api.request.query_params))


@api.route("/api/admin/users/{user_id}", methods=["PATCH"])
def change_user(user_id):
    staff = _staff()
    return json_response(200, console.change_user(get_services(), staff, console.parse_user_id(user_id),
                                                  api.json_body()))


@api.route("/api/admin/users/{user_id}", methods=["DELETE"])
def delete_user(user_id):
    staff = _staff()
    console.delete_user(get_services(), staff, console.parse_user_id(user_id))
    return json_response(200, {"detail": "User deleted."})


@api.route("/api/admin/users/{user_id}/activation-email", methods=["POST"])
def resend_activation(user_id):
    staff = _staff()
    console.resend_activation(get_services(), staff, console.parse_user_id(user_id))
    return json_response(202, {"detail": "A new activation email is on its way."})


@api.route("/api/admin/history", methods=["GET"])
def history():
    _staff()
    return json_response(200, console.history(get_services(), api.request.query_params))


@api.route("/api/admin/queues", methods=["GET"])
def queues():
    _staff()
    return json_response(200, console.queues(get_services()))


@api.route("/api/admin/queues/{name}/redrive", methods=["POST"])
def redrive(name):
    staff = _staff()
    return json_response(200, console.redrive(get_services(), staff.email, name))


@api.route("/api/admin/insights", methods=["GET"])
def insights():
    _staff()
    return json_response(200, Insights(get_services()).overview(api.request.query_params))


@api.route("/api/admin/insights/videos/{video_id}", methods=["GET"])
def video_insights(video_id):
    _staff()
    return json_response(200, Insights(get_services()).for_video(parse_video_id(video_id), api.request.query_params))
