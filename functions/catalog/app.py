"""Catalog API: the video list and HLS playlists with presigned segment URLs (login required)."""
from videoflix.coldstart import collector_paused

with collector_paused():  # a sixth less cold start: see videoflix.coldstart
    from chalice import Chalice, Response

    from videoflix.auth.sessions import authenticate
    from videoflix.observability.logs import configure_logging
    from videoflix.snapstart import prepare_snapshot
    from videoflix.services import get_services, get_settings
    from videoflix.viewer.catalog import Catalog
    from videoflix.viewer.finding import Finder, parse_video_query
    from videoflix.viewer.playback import PlaybackReports
    from videoflix.domain.video_ids import parse_video_id
    from videoflix.viewer.storyboards import storyboard_vtt_of
    from videoflix.web.conventions import ApiConventions
    from videoflix.web.responses import ApiResponse, json_response

configure_logging()  # JSON lines with the request id (docs/operations.md)
# SnapStart (videoflix/snapstart.py, docs/deploy.md): the snapshot holds the libraries and the ORM's modules that
# a plain cold start loads on first use only.
prepare_snapshot(preload=("redis", "pg8000.dbapi", "boto3", "videoflix.viewer.catalog_rows",
                          "videoflix.viewer.finding_rows", "videoflix.viewer.caption_rows", "videoflix.viewer.viewing"))
app = Chalice(app_name="videoflix-catalog")
api = ApiConventions(app, Response, get_settings)
HLS_TYPE = "application/vnd.apple.mpegurl"
VTT_TYPE = "text/vtt"


def _catalog() -> Catalog:
    user = authenticate(get_services(), api.access_token())
    return Catalog(get_services(), preview=user.is_staff)  # staff preview unpublished films


def _playlist(text: str) -> ApiResponse:
    return ApiResponse(200, text, content_type=HLS_TYPE, headers={"Cache-Control": "no-store"})


def _viewer():
    return authenticate(get_services(), api.access_token())


def _viewing():
    """Continue watching and progress reports: they read and write through the ORM, which a cold function
    answering a page or a playlist from the caches never loads (about 200 ms; issue 25)."""
    from videoflix.viewer.viewing import Viewing
    return Viewing(get_services())


@api.route("/api/video", methods=["GET"])
def list_videos():
    query = parse_video_query(api.request.query_params)
    if query is None:  # the bare list, exactly as before
        return json_response(200, _catalog().list_videos())
    _catalog()
    return json_response(200, Finder(get_services()).search(query))


@api.route("/api/categories", methods=["GET"])
def categories():
    _catalog()
    return json_response(200, Finder(get_services()).categories())


@api.route("/api/video/continue", methods=["GET"])
def continue_watching():
    return json_response(200, _viewing().continue_watching(_viewer().id))


@api.route("/api/video/{video_id}/progress", methods=["PUT"])
def report_progress(video_id):
    viewer = _viewer()
    _viewing().report_progress(viewer.id, parse_video_id(video_id), api.json_body(),
                               preview=viewer.is_staff)  # staff save their place in a preview too
    return ApiResponse(204, "", content_type="text/plain; charset=utf-8")


@api.route("/api/video/{video_id}/subtitles/{lang}/index.m3u8", methods=["GET"])
def subtitle_playlist(video_id, lang):
    return _playlist(_catalog().subtitle_playlist(parse_video_id(video_id), lang))


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


@api.route("/api/playback/events", methods=["POST"], content_types=["application/json", "text/plain"])
def playback_events():
    """A player's batch of playback events (text/plain too: a page's last batch goes without a preflight)."""
    reports = PlaybackReports(get_services())
    if not reports.enabled:  # PLAYBACK_INSIGHTS=false: nothing is read or kept, whoever asks
        return ApiResponse(204, "", content_type="text/plain; charset=utf-8")
    viewer = _viewer()
    reports.accept(viewer.id, api.json_body(), preview=viewer.is_staff)
    return json_response(202, {"detail": "Accepted."})


@api.route("/api/me", methods=["GET"])
def me():
    user = authenticate(get_services(), api.access_token())
    return json_response(200, {"id": user.id, "email": user.email, "is_staff": user.is_staff})
