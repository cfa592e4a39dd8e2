"""docs/openapi.yaml is valid OpenAPI 3.1 and lists exactly the routes the Chalice apps define."""
from __future__ import annotations

import re

import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from videoflix import errors
from videoflix.web.cors import is_cross_site_write
from videoflix.web.responses import ERROR_STATUS, error_response
from videoflix_tools.functions import API_FUNCTIONS, PROJECT_ROOT, load_handler

SPEC_PATH = PROJECT_ROOT / "docs" / "openapi.yaml"
SPEC_URI = "urn:videoflix:openapi"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# The response component that documents each error status.
ERROR_RESPONSES = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
                   409: "Conflict", 413: "PayloadTooLarge", 429: "TooManyRequests", 503: "ServiceUnavailable"}
RATE_LIMITED = {("/api/login", "POST"), ("/api/register", "POST"), ("/api/password_reset", "POST"),
                ("/api/playback/events", "POST")}
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
# Paths of files a player reads (written without the trailing slash), and what they answer.
FILE_TYPES = {".m3u8": PLAYLIST_TYPE, ".vtt": "text/vtt"}


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


def normalise(path: str) -> str:
    return path.rstrip("/") or "/"


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method.upper(), operation


def documented_routes(spec: dict) -> set[tuple[str, str]]:
    return {(normalise(path), method) for path, method, _ in operations(spec)}


def app_routes() -> set[tuple[str, str]]:
    return {(normalise(path), method)
            for name in API_FUNCTIONS
            for path, entries in load_handler(name).routes.items()
            for method in entries}


def resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        target = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def schema_validator(spec: dict, pointer: str) -> Draft202012Validator:
    """A JSON Schema 2020-12 validator for the schema at `pointer`, with the document's $refs."""
    registry = Registry().with_resource(SPEC_URI, Resource(contents=spec, specification=DRAFT202012))
    return Draft202012Validator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=registry)


def test_the_document_is_valid_openapi_3_1(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.1.")


def test_it_lists_exactly_the_routes_the_apps_define(spec):
    documented, defined = documented_routes(spec), app_routes()
    assert not defined - documented, f"routes missing from docs/openapi.yaml: {sorted(defined - documented)}"
    assert not documented - defined, f"documented routes no app defines: {sorted(documented - defined)}"
    # 30 on main (19 + the staff console's 11: /api/me, PATCH video, posters, users, history, queues);
    # viewers: storyboard, categories, continue, progress, subtitles, captions (3)
    # insights: playback events, the staff's overview and one film's (3)
    assert len(defined) == 30 + 1 + 7 + 3


def test_paths_are_written_as_the_readme_writes_them(spec):
    for path in spec["paths"]:
        assert path.startswith("/api/")
        assert path.endswith(tuple(FILE_TYPES)) != path.endswith("/"), f"{path}: trailing slash except on files"


def test_path_parameters_are_exactly_those_of_the_template(spec):
    for path, method, operation in operations(spec):
        declared = {resolve(spec, p)["name"] for p in operation.get("parameters", [])
                    if resolve(spec, p)["in"] == "path"}
        assert declared == set(re.findall(r"\{(\w+)\}", path)), f"{method} {path}"


def test_operation_ids_are_unique(spec):
    ids = [operation["operationId"] for _, _, operation in operations(spec)]
    assert len(ids) == len(set(ids))


def test_every_operation_documents_the_errors_it_can_answer(spec):
    for path, method, operation in operations(spec):
        statuses = set(operation["responses"])
        where = f"{method} {path}"
        assert {"413", "415", "503"} <= statuses, where
        if operation.get("security", spec["security"]):
            assert "401" in statuses, where
        if method in {"POST", "PUT", "PATCH", "DELETE"}:
            assert "403" in statuses, where  # cross-site writes
        if "{video_id}" in path:
            assert "404" in statuses, where
        assert ("429" in statuses) == ((normalise(path), method) in RATE_LIMITED), where
        if (normalise(path), method) in RATE_LIMITED:
            too_many = resolve(spec, operation["responses"]["429"])
            assert resolve(spec, too_many["headers"]["Retry-After"])["required"] is True


def test_every_state_changing_method_is_documented_as_refused_from_a_foreign_origin(spec):
    """PATCH and PUT are refused from a foreign `Origin` (403) as POST and DELETE are; the document says so."""
    refused = {method for _, method in app_routes()
               if is_cross_site_write(method, "https://elsewhere.example", ("http://127.0.0.1:5500",))}
    assert refused == {"POST", "PUT", "PATCH", "DELETE"}
    said = re.search(r"State-changing requests \(([A-Z, ]+)\)\s+whose\s+`Origin`", spec["info"]["description"])
    assert said, "the introduction no longer says which requests a foreign Origin gets 403 for"
    assert set(said.group(1).split(", ")) == refused
    for path, method, operation in operations(spec):
        if method in refused:
            forbidden = resolve(spec, operation["responses"]["403"])["description"]
            assert "origin" in forbidden.lower(), f"{method} {path}: its 403 does not mention the origin"


def test_every_response_is_json_except_playlists(spec):
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            if status == "204":  # No Content: no body at all
                assert "content" not in resolve(spec, response), f"{method} {path} {status}"
                continue
            content = resolve(spec, response)["content"]
            file_type = FILE_TYPES.get("." + path.rsplit(".", 1)[-1]) if "." in path else None
            expected = {file_type} if file_type and status == "200" else {"application/json"}
            assert set(content) == expected, f"{method} {path} {status}"


def test_login_and_refresh_document_the_three_cookies(spec):
    cookies = resolve(spec, spec["components"]["headers"]["SetLoginCookies"])["description"]
    for name in ("access_token", "refresh_token", "csrftoken"):
        assert name in cookies
    for path in ("/api/login/", "/api/token/refresh/"):
        assert "Set-Cookie" in spec["paths"][path]["post"]["responses"]["200"]["headers"]
    schemes = spec["components"]["securitySchemes"]
    assert (schemes["accessCookie"]["name"], schemes["refreshCookie"]["name"]) == ("access_token", "refresh_token")


@pytest.mark.parametrize("error_class", sorted(ERROR_STATUS, key=lambda cls: cls.__name__),
                         ids=lambda cls: cls.__name__)
def test_each_domain_error_answers_as_documented(spec, error_class):
    """The body and headers `error_response` gives each domain error match the documented response."""
    exc = error_class({"email": ["Enter a valid email address."]}) if error_class is errors.FieldErrors \
        else error_class()
    answer = error_response(exc)
    name = ERROR_RESPONSES[answer.status]
    documented = spec["components"]["responses"][name]
    pointer = f"/components/responses/{name}/content/application~1json/schema"
    assert not list(schema_validator(spec, pointer).iter_errors(answer.body)), answer.body
    for header, definition in documented.get("headers", {}).items():
        if resolve(spec, definition).get("required"):
            assert header in answer.headers, f"{error_class.__name__} lacks {header}"


def test_field_errors_and_details_are_told_apart(spec):
    validator = schema_validator(spec, "/components/schemas/FieldErrors")
    assert validator.is_valid({"email": ["Enter a valid email address."]})
    assert not validator.is_valid({"detail": "The request body must be a JSON object."})
    assert not validator.is_valid({})
