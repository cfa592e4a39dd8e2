"""Admin API (staff only): presigned multipart uploads and video management."""
from videoflix.coldstart import collector_paused

with collector_paused():  # a sixth less cold start: see videoflix.coldstart
    from chalice import Chalice, Response

    from videoflix.auth.service import authenticate, require_staff
    from videoflix.services import get_services, get_settings
    from videoflix.videos.admin import VideoAdmin
    from videoflix.videos.caption_tracks import CAPTION_BODY_BYTES, CaptionAdmin
    from videoflix.videos.ids import parse_video_id
    from videoflix.web.conventions import ApiConventions
    from videoflix.web.responses import ApiResponse, json_response

app = Chalice(app_name="videoflix-admin")
api = ApiConventions(app, Response, get_settings)


def _admin() -> VideoAdmin:
    require_staff(authenticate(get_services(), api.access_token()))
    return VideoAdmin(get_services())


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
    require_staff(authenticate(get_services(), api.access_token()))
    return CaptionAdmin(get_services())


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
