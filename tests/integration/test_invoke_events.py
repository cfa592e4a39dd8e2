"""`videoflix invoke FUNCTION events/X.json` runs each sample event against moto, like `sam local invoke`."""
from __future__ import annotations

import json

import pytest

from videoflix_tools.cli.main import main
from videoflix_tools.dev.emails import moto_sent_emails
from videoflix_tools.functions import HANDLERS, PROJECT_ROOT

pytestmark = pytest.mark.integration

EVENTS = PROJECT_ROOT / "events"


@pytest.fixture
def invoke(services, capsys, monkeypatch, tmp_path):
    """Run the CLI's invoke command and return the handler's result as it printed it."""
    monkeypatch.chdir(tmp_path)  # a developer's .env must not change what the test sees

    def run(function: str, event: str, exit_code: int = 0) -> dict:
        capsys.readouterr()
        assert main(["invoke", function, str(EVENTS / event)]) == exit_code
        return json.loads(capsys.readouterr().out)
    return run


def body(result: dict) -> dict:
    return json.loads(result["body"])


def test_every_function_has_a_sample_event():
    samples = {path.name for path in EVENTS.glob("*.json")}
    expected = {"auth": "api_login.json", "catalog": "api_video_list.json", "mailer": "sqs_mail_job.json",
                "transcoder": "sqs_s3_upload.json", "migrate": "migrate.json", "sweeper": "scheduled_sweep.json",
                "chunker": "sqs_chunk_job.json", "staff": "staff_grant.json", "insights": "sqs_playback_batch.json"}
    assert {f for f, sample in expected.items() if sample in samples} == set(expected)
    assert set(HANDLERS) - set(expected) == {"admin"}  # its routes need a staff login; see the API tests


def test_login_of_an_unknown_user_is_a_json_401_with_cors(invoke):
    result = invoke("auth", "api_login.json")
    assert result["statusCode"] == 401
    assert "detail" in body(result)
    headers = {k.lower(): v for k, v in result["headers"].items()}
    assert headers["content-type"].startswith("application/json")
    assert headers["access-control-allow-origin"] == "http://127.0.0.1:5500"
    assert not result.get("multiValueHeaders", {}).get("Set-Cookie")


def test_video_list_without_login_is_a_json_401(invoke):
    result = invoke("catalog", "api_video_list.json")
    assert result["statusCode"] == 401
    assert "detail" in body(result)


def test_mail_job_is_sent_through_ses(invoke, services):
    assert invoke("mailer", "sqs_mail_job.json") == {"batchItemFailures": []}
    [email] = [m for m in moto_sent_emails(services.settings.aws_region) if "new.user@example.com" in m["to"]]
    assert "activate.html?uid=MQ&token=sample-token" in email["text"]


def test_s3_test_event_is_acknowledged(invoke):
    assert invoke("transcoder", "sqs_s3_test_event.json") == {"batchItemFailures": []}


def test_upload_of_an_unknown_video_is_dropped_without_failures(invoke):
    # No video row has this key: the transcoder logs and drops the event rather than retrying it.
    assert invoke("transcoder", "sqs_s3_upload.json") == {"batchItemFailures": []}


def test_chunk_job_of_an_unknown_run_is_dropped_without_failures(invoke):
    # No fan-out run has this job (its film was retried or deleted): nothing to do, nothing to retry.
    assert invoke("chunker", "sqs_chunk_job.json") == {"batchItemFailures": []}


def test_scheduled_sweep_on_a_clean_stack_changes_nothing(invoke):
    assert invoke("sweeper", "scheduled_sweep.json") == {"requeued": [], "failed": [], "orphans_deleted": {},
                                                         "mail": {"resent": 0, "pruned": 0},
                                                         "playback_records_pruned": 0}


def test_a_playback_batch_of_an_unknown_film_is_dropped_without_failures(invoke):
    # Its film is not (or no longer) there: the aggregator logs and drops it rather than retrying it.
    assert invoke("insights", "sqs_playback_batch.json") == {"batchItemFailures": []}


def test_migrate_brings_the_database_to_the_latest_revision(invoke):
    assert invoke("migrate", "migrate.json") == {"database": "up to date"}  # already migrated: a no-op


def test_staff_grant_needs_an_activated_account_then_grants(invoke, register_user):
    refused = invoke("staff", "staff_grant.json", exit_code=1)
    assert refused["errorType"] == "NotFound"
    assert "No activated account for viewer@example.com" in refused["errorMessage"]
    register_user("viewer@example.com")
    granted = invoke("staff", "staff_grant.json")
    assert granted["email"] == "viewer@example.com" and granted["is_staff"] is True


def test_a_staff_grant_by_the_operator_is_recorded_in_the_history(invoke, register_user, staff_client):
    register_user("viewer@example.com")
    invoke("staff", "staff_grant.json")
    invoke("staff", "staff_grant.json")  # already staff: nothing changes, nothing is recorded
    rows = [r for r in staff_client.get("/api/admin/history/?page_size=100").json["items"]
            if r["action"] == "user.staff"]
    assert len(rows) == 1
    assert rows[0]["actor"] == "operator:staff-function" and rows[0]["changes"] == {"is_staff": [False, True]}
