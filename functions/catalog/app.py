"""Catalog API: the video list and HLS playlists with presigned segment URLs (login required)."""
from videoflix.coldstart import collector_paused

with collector_paused():  # a sixth less cold start: see videoflix.coldstart
    from chalice import Chalice, Response

    from videoflix.auth.service import authenticate
    from videoflix.services import get_services, get_settings
    from videoflix.videos.catalog import Catalog
    from videoflix.videos.ids import parse_video_id
    from videoflix.videos.storyboards import storyboard_vtt_of
    from videoflix.web.conventions import ApiConventions
    from videoflix.web.responses import ApiResponse, json_response

app = Chalice(app_name="videoflix-catalog")
api = ApiConventions(app, Response, get_settings)
HLS_TYPE = "application/vnd.apple.mpegurl"
VTT_TYPE = "text/vtt"


def _catalog() -> Catalog:
    authenticate(get_services(), api.access_token())
    return Catalog(get_services())


def _playlist(text: str) -> ApiResponse:
    return ApiResponse(200, text, content_type=HLS_TYPE, headers={"Cache-Control": "no-store"})


@api.route("/api/video", methods=["GET"])
def list_videos():
    return json_response(200, _catalog().list_videos())


@api.route("/api/video/{video_id}/master.m3u8", methods=["GET"])
def master_playlist(video_id):
    return _playlist(_catalog().master_playlist(parse_video_id(video_id), api.public_base_url()))


@api.route("/api/video/{video_id}/storyboard.vtt", methods=["GET"])
def storyboard(video_id):
    vtt = storyboard_vtt_of(_catalog(), parse_video_id(video_id))
    return ApiResponse(200, vtt, content_type=VTT_TYPE, headers={"Cache-Control": "no-store"})


@api.route("/api/video/{video_id}/{resolution}/index.m3u8", methods=["GET"])
def rendition_playlist(video_id, resolution):
    return _playlist(_catalog().rendition_playlist(parse_video_id(video_id), resolution))


@api.route("/api/video/{video_id}/{resolution}/{segment}", methods=["GET"])
def segment(video_id, resolution, segment):
    url = _catalog().segment_url(parse_video_id(video_id), resolution, segment)
    return ApiResponse(302, {"detail": "Redirecting to the segment."}, headers={"Location": url})
