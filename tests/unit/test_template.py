"""template.yaml passes cfn-lint and is wired to the code: routes, handlers, queues, settings, IAM."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.decode import cfn_yaml

from videoflix.settings import ENVIRONMENT_VARIABLES, Settings
from videoflix.staff.queues import known_queues
from videoflix.domain.attempts import AV1_MAX_ATTEMPTS, CHUNK_MAX_ATTEMPTS, TRANSCODE_MAX_ATTEMPTS
from videoflix_tools.bootstrap import (AV1_MAX_RECEIVES, CHUNK_MAX_RECEIVES, MAIL_MAX_RECEIVES, PLAYBACK_MAX_RECEIVES,
                                      TRANSCODE_MAX_RECEIVES)
from videoflix_tools.functions import API_FUNCTIONS, FUNCTIONS_DIR, HANDLERS, PROJECT_ROOT, load_handler
from videoflix_tools.testing.build_files import dockerfile_instructions, make_dry_run

TEMPLATE_PATH = PROJECT_ROOT / "template.yaml"
RESOURCE_OF = {"auth": "AuthFunction", "catalog": "CatalogFunction", "admin": "AdminFunction",
               "mailer": "MailerFunction", "transcoder": "TranscoderFunction", "chunker": "ChunkerFunction",
               "migrate": "MigrateFunction", "sweeper": "SweeperFunction", "staff": "StaffFunction",
               "insights": "InsightsFunction"}
# Settings the functions in AWS must not get, and why.
NOT_SET_IN_AWS = {
    "AWS_REGION": "Lambda sets it itself (a reserved variable)",
    "AWS_ENDPOINT_URL": "unset means real AWS",
    "AWS_PUBLIC_ENDPOINT_URL": "unset means the real S3 endpoint",
    "ADMIN_EMAIL": "the dev stack's staff user",
    "ADMIN_PASSWORD": "the dev stack's staff user",
}


@pytest.fixture(scope="module")
def template() -> dict:
    return cfn_yaml.load(str(TEMPLATE_PATH))


def resource(template: dict, name: str) -> dict:
    return template["Resources"][name]


def function_properties(template: dict, function: str) -> dict:
    return resource(template, RESOURCE_OF[function])["Properties"]


def environment(template: dict, function: str) -> dict:
    """The function's variables as SAM merges them: Globals first, the function's own over them."""
    merged = dict(template["Globals"]["Function"]["Environment"]["Variables"])
    merged.update(function_properties(template, function).get("Environment", {}).get("Variables", {}))
    return merged


def api_routes(template: dict, function: str) -> set[tuple[str, str]]:
    events = function_properties(template, function).get("Events", {})
    routes = set()
    for event in events.values():
        if event["Type"] == "Api":
            assert event["Properties"]["RestApiId"] == {"Ref": "Api"}
            routes.add((event["Properties"]["Path"], event["Properties"]["Method"].upper()))
    return routes


def policy_statements(template: dict, function: str) -> list[dict]:
    """Inline statements of the function: SAM `Policies`, or those of its own `Role`."""
    properties = function_properties(template, function)
    if "Role" in properties:
        role = resource(template, properties["Role"]["Fn::GetAtt"][0])
        return [s for policy in role["Properties"]["Policies"] for s in policy["PolicyDocument"]["Statement"]]
    return [s for policy in properties.get("Policies", []) for s in policy["Statement"]]


def actions(template: dict, function: str) -> set[str]:
    found = set()
    for statement in policy_statements(template, function):
        listed = statement["Action"]
        found.update([listed] if isinstance(listed, str) else listed)
    return found


def cfn_lint_executable() -> str:
    beside = Path(sys.executable).with_name("cfn-lint")
    found = str(beside) if beside.exists() else shutil.which("cfn-lint")
    assert found, "cfn-lint is not installed (it is in requirements-dev.txt)"
    return found


def test_cfn_lint_reports_nothing():
    completed = subprocess.run([cfn_lint_executable(), str(TEMPLATE_PATH)], capture_output=True, text=True,
                               timeout=300, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.strip() == ""


@pytest.mark.parametrize("function", API_FUNCTIONS)
def test_every_chalice_route_is_routed_with_its_methods_and_preflight(template, function):
    app = load_handler(function)
    expected = {(path, method) for path, entries in app.routes.items() for method in entries}
    expected |= {(path, "OPTIONS") for path in app.routes}  # the apps answer preflight themselves
    assert api_routes(template, function) == expected


def test_no_route_goes_to_two_functions(template):
    seen: dict[tuple[str, str], str] = {}
    for function in API_FUNCTIONS:
        for route in api_routes(template, function):
            assert route not in seen, f"{route} is routed to {seen[route]} and {function}"
            seen[route] = function


def test_api_is_a_rest_api_with_json_cors_gateway_responses(template):
    api = resource(template, "Api")
    assert api["Type"] == "AWS::Serverless::Api"  # REST (v1): Chalice cannot read HTTP API payloads
    responses = api["Properties"]["GatewayResponses"]
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        headers = responses[kind]["ResponseParameters"]["Headers"]
        assert {"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials"} <= set(headers)
        assert "application/json" in responses[kind]["ResponseTemplates"]


@pytest.mark.parametrize("function", ["auth", "catalog", "admin", "mailer", "migrate", "sweeper", "staff"])
def test_zip_function_handler_exists_in_its_code_uri(template, function):
    properties = function_properties(template, function)
    relative, attribute = HANDLERS[function]
    module, _, handler_name = properties["Handler"].partition(".")
    code_dir = PROJECT_ROOT / properties["CodeUri"]
    assert code_dir == (FUNCTIONS_DIR / relative).parent
    assert (code_dir / f"{module}.py").is_file()
    assert handler_name == attribute
    assert callable(load_handler(function))
    assert properties["Runtime"] == "python3.12"
    assert properties["Layers"] == [{"Ref": "VideoflixLayer"}]


def test_every_handler_has_its_function_in_the_template(template):
    assert set(RESOURCE_OF) == set(HANDLERS)
    functions = {n for n, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    assert functions == set(RESOURCE_OF.values())


def test_layer_is_built_from_layers_by_its_makefile(template, tmp_path):
    layer = resource(template, "VideoflixLayer")
    content = PROJECT_ROOT / layer["Properties"]["ContentUri"]
    assert (content / "videoflix" / "__init__.py").is_file()
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    # make itself answers: the target exists and copies the package into the layer's python/.
    commands = make_dry_run(content, "build-VideoflixLayer", ARTIFACTS_DIR=str(tmp_path))
    assert ["cp", "-R", "videoflix", str(tmp_path / "python" / "videoflix")] in commands


def test_transcoder_image_is_built_from_its_dockerfile(template):
    transcoder = resource(template, "TranscoderFunction")
    properties, metadata = transcoder["Properties"], transcoder["Metadata"]
    assert properties["PackageType"] == "Image"
    dockerfile = PROJECT_ROOT / metadata["DockerContext"] / metadata["Dockerfile"]
    instructions = [(i.keyword, i.words()) for i in dockerfile_instructions(dockerfile)]
    relative, attribute = HANDLERS["transcoder"]
    assert ("COPY", [f"functions/{relative}", "${LAMBDA_TASK_ROOT}/app.py"]) in instructions
    assert instructions[-1] == ("CMD", [f"app.{attribute}"])
    assert "ImageConfig" not in properties  # the image's own CMD
    assert properties["Timeout"] == 900
    assert properties["EphemeralStorage"]["Size"] == 10240
    memory = template["Parameters"]["TranscoderMemorySize"]
    assert memory["MinValue"] >= 3008 and memory["Default"] >= 3538  # 2 vCPUs from 3,538 MB


def test_chunk_worker_is_the_transcoder_image_with_its_own_command(template):
    chunker, transcoder = resource(template, "ChunkerFunction"), resource(template, "TranscoderFunction")
    assert chunker["Metadata"] == transcoder["Metadata"]  # the same Dockerfile, context and tag
    relative, attribute = HANDLERS["chunker"]
    assert relative == HANDLERS["transcoder"][0]
    properties = chunker["Properties"]
    assert properties["PackageType"] == "Image"
    assert properties["ImageConfig"]["Command"] == [f"app.{attribute}"]
    assert properties["Timeout"] == transcoder["Properties"]["Timeout"]
    assert properties["MemorySize"] == transcoder["Properties"]["MemorySize"]
    assert callable(load_handler("chunker"))


@pytest.mark.parametrize("function", list(RESOURCE_OF))
def test_every_setting_a_function_reads_is_set(template, function):
    variables = environment(template, function)
    assert set(variables) <= set(ENVIRONMENT_VARIABLES), "unknown variable names"
    assert set(variables) == set(ENVIRONMENT_VARIABLES) - set(NOT_SET_IN_AWS)


# Parameters whose names sound secret but whose values are public, and why.
PUBLIC_PARAMETERS = {"CloudFrontPublicKeyPem": "the public half; the private key is in Secrets Manager"}


def test_secrets_come_from_secrets_manager_never_from_parameters(template):
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert "{{resolve:secretsmanager:${JwtSecret}" in variables["SECRET_KEY"]["Fn::Sub"]
    assert "{{resolve:secretsmanager:${DatabaseSecret}" in variables["DATABASE_URL"]["Fn::Sub"]
    secret_words = ("secret", "password", "token", "key")
    assert not [name for name in template["Parameters"] if any(w in name.lower() for w in secret_words)
                and name not in PUBLIC_PARAMETERS]


@pytest.mark.parametrize("function", ["transcoder", "chunker"])
def test_time_budget_fits_the_transcoder_timeout(template, function):
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert int(variables["TRANSCODE_TIME_BUDGET"]) < function_properties(template, function)["Timeout"]
    assert int(variables["TRANSCODE_TIME_BUDGET"]) == Settings().transcode_time_budget


@pytest.mark.parametrize("function, queue, dead_letters, max_receives", [
    ("mailer", "MailQueue", "MailDeadLetterQueue", MAIL_MAX_RECEIVES),
    ("transcoder", "TranscodeQueue", "TranscodeDeadLetterQueue", TRANSCODE_MAX_RECEIVES),
    ("chunker", "ChunkQueue", "ChunkDeadLetterQueue", CHUNK_MAX_RECEIVES),
    ("chunker", "Av1Queue", "Av1DeadLetterQueue", AV1_MAX_RECEIVES),
    ("insights", "PlaybackQueue", "PlaybackDeadLetterQueue", PLAYBACK_MAX_RECEIVES),
])
def test_queue_feeds_its_function_with_partial_batch_failures(template, function, queue, dead_letters,
                                                             max_receives):
    [event] = [e for e in function_properties(template, function)["Events"].values()
               if e["Properties"]["Queue"] == {"Fn::GetAtt": [queue, "Arn"]}]
    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": [queue, "Arn"]}
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue_properties = resource(template, queue)["Properties"]
    assert queue_properties["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dead_letters, "Arn"]},
                                                 "maxReceiveCount": max_receives}
    # SQS-triggered functions need a visibility timeout of at least 6 x the function timeout.
    assert queue_properties["VisibilityTimeout"] >= 6 * function_properties(template, function)["Timeout"]


def test_uploads_notify_the_transcode_queue_without_a_circular_dependency(template):
    bucket = resource(template, "UploadBucket")
    [notification] = bucket["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert notification["Queue"] == {"Fn::GetAtt": ["TranscodeQueue", "Arn"]}
    assert notification["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "uploads/"}]
    assert bucket["DependsOn"] == "TranscodeQueuePolicy"
    [statement] = resource(template, "TranscodeQueuePolicy")["Properties"]["PolicyDocument"]["Statement"]
    source_arn = statement["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"]
    assert source_arn.endswith(bucket["Properties"]["BucketName"]["Fn::Sub"])  # the same name, no Ref
    rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert any("AbortIncompleteMultipartUpload" in rule for rule in rules)


@pytest.mark.parametrize("bucket", ["UploadBucket", "MediaBucket"])
def test_buckets_are_private_and_encrypted(template, bucket):
    properties = resource(template, bucket)["Properties"]
    assert all(properties["PublicAccessBlockConfiguration"].values())
    assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert properties["CorsConfiguration"]["CorsRules"][0]["AllowedOrigins"] == {"Ref": "FrontendOrigins"}


@pytest.mark.parametrize("function, forbidden", [
    ("auth", ("s3:", "ses:", "sqs:Receive")),
    ("catalog", ("sqs:Receive", "sqs:Delete", "ses:", "s3:Put", "s3:Delete")),  # sends playback batches only
    ("admin", ("ses:",)),  # it takes dead letters only: see the test below
    ("mailer", ("s3:", "sqs:Send")),
    ("transcoder", ("ses:",)),  # it sends chunk jobs only: see the test below
    ("chunker", ("ses:",)),  # it sends AV1 jobs only: see the test below
    ("sweeper", ("ses:", "sqs:Receive", "s3:Put", "s3:Get")),
    ("insights", ("s3:", "ses:", "sqs:Send", "events:")),
])
def test_functions_get_only_the_permissions_they_use(template, function, forbidden):
    granted = actions(template, function)
    assert granted, f"{function} has no policy"
    assert not [a for a in granted if a.startswith(forbidden)], granted
    assert not [a for a in granted if a.endswith("*")], "no wildcard actions"
    for statement in policy_statements(template, function):
        assert statement["Resource"] != "*"


def test_the_admin_takes_messages_from_dead_letter_queues_only(template):
    taking = [s for s in policy_statements(template, "admin")
              if {"sqs:ReceiveMessage", "sqs:DeleteMessage"} & set([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    resources = [r for s in taking for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])]
    assert resources and all(r["Fn::GetAtt"][0].endswith("DeadLetterQueue") for r in resources), resources


def sent_to(template, function) -> list:
    return [s["Resource"] for s in policy_statements(template, function)
            if any(a.startswith("sqs:Send") for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))]


def test_the_transcoder_sends_to_the_chunk_and_av1_queues_only(template):
    assert sent_to(template, "transcoder") == [{"Fn::GetAtt": ["ChunkQueue", "Arn"]},
                                               {"Fn::GetAtt": ["Av1Queue", "Arn"]}]


def test_the_chunk_worker_sends_to_the_av1_queue_only(template):
    """It publishes fanned-out films, and queues their AV1 job(s) then; it never sends chunk or transcode jobs."""
    assert sent_to(template, "chunker") == [{"Fn::GetAtt": ["Av1Queue", "Arn"]}]


def test_av1_work_has_its_own_bounded_workers_beside_the_h264_chunks(template):
    """Issue 23 item 3: AV1 work never takes the workers a new upload's H.264 chunks need."""
    events = {name: e["Properties"] for name, e in function_properties(template, "chunker")["Events"].items()}
    assert {e["Queue"]["Fn::GetAtt"][0] for e in events.values()} == {"ChunkQueue", "Av1Queue"}
    concurrency = {e["Queue"]["Fn::GetAtt"][0]: e["ScalingConfig"]["MaximumConcurrency"]["Ref"] for e in events.values()}
    assert concurrency == {"ChunkQueue": "ChunkWorkerMaxConcurrency", "Av1Queue": "Av1WorkerMaxConcurrency"}
    parameters = template["Parameters"]
    assert parameters["Av1WorkerMaxConcurrency"]["Default"] < parameters["ChunkWorkerMaxConcurrency"]["Default"]
    assert "ReservedConcurrentExecutions" not in function_properties(template, "chunker")  # see the template's note
    assert AV1_MAX_ATTEMPTS == TRANSCODE_MAX_ATTEMPTS == CHUNK_MAX_ATTEMPTS  # AV1 work gives up as the H.264 work does
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["AV1_QUEUE_NAME"] == {"Fn::GetAtt": ["Av1Queue", "QueueName"]}
    alarm = resource(template, "Av1DeadLetterAlarm")["Properties"]
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["Av1DeadLetterQueue", "QueueName"]}}]


def test_the_catalog_sends_to_the_playback_queue_only(template):
    sending = [s for s in policy_statements(template, "catalog")
               if any(a.startswith("sqs:") for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))]
    assert [s["Resource"] for s in sending] == [{"Fn::GetAtt": ["PlaybackQueue", "Arn"]}]


def test_playback_failure_rate_alarm_divides_failed_views_by_views(template):
    properties = resource(template, "PlaybackFailureRateAlarm")["Properties"]
    metrics_of = {m["Id"]: m for m in properties["Metrics"]}
    assert metrics_of["failed"]["MetricStat"]["Metric"] == {"Namespace": "Videoflix", "MetricName": "FailedViews"}
    assert metrics_of["views"]["MetricStat"]["Metric"] == {"Namespace": "Videoflix", "MetricName": "PlaybackViews"}
    assert "failed / views" in metrics_of["rate"]["Expression"] and metrics_of["rate"]["ReturnData"] is True
    assert properties["AlarmActions"] == [{"Ref": "OperatorTopic"}]


def test_sweeper_runs_on_a_schedule_and_sends_to_the_transcode_mail_and_av1_queues_only(template):
    [event] = function_properties(template, "sweeper")["Events"].values()
    assert event["Type"] == "Schedule" and event["Properties"]["Schedule"].startswith("rate(")
    sending = [s for s in policy_statements(template, "sweeper") if "sqs:SendMessage" in s["Action"]]
    # Requeued transcodes, and the mail outbox's rows left unsent (videoflix.adapters.mail.outbox).
    assert [s["Resource"] for s in sending] == [{"Fn::GetAtt": ["TranscodeQueue", "Arn"]},
                                                {"Fn::GetAtt": ["MailQueue", "Arn"]},
                                                {"Fn::GetAtt": ["Av1Queue", "Arn"]}]
    deleting = [s for s in policy_statements(template, "sweeper") if "s3:DeleteObject" in s["Action"]]
    assert [s["Resource"] for s in deleting] == [{"Fn::Sub": "${MediaBucket.Arn}/videos/*"}]


def test_redis_never_evicts_so_caches_cannot_push_out_security_state(template):
    """Revocations, refresh-reuse marks and rate-limit counters carry expiries: any evicting policy could
    drop them. Redis refuses writes instead, and the caches keep to their byte budgets."""
    cache = resource(template, "Cache")["Properties"]
    group = resource(template, cache["CacheParameterGroupName"]["Ref"])
    assert group["Type"] == "AWS::ElastiCache::ParameterGroup"
    assert group["Properties"]["Properties"]["maxmemory-policy"] == "noeviction"
    assert group["Properties"]["CacheParameterGroupFamily"] == "redis" + cache["EngineVersion"].split(".")[0]
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    budgets = sum(int(variables[name]) for name in ("SEARCH_CACHE_BYTES", "FILM_CACHE_BYTES", "PLAYLIST_CACHE_BYTES"))
    assert budgets <= 64 * 1024 * 1024  # a cache.t4g.micro holds about 380 MB of data: most is left to sessions


def test_functions_run_in_the_private_subnets(template):
    vpc = template["Globals"]["Function"]["VpcConfig"]
    assert vpc["SubnetIds"] == [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}]
    endpoints = {resource(template, name)["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1)[-1]
                 for name, r in template["Resources"].items() if r["Type"] == "AWS::EC2::VPCEndpoint"}
    assert endpoints == {"s3", "sqs", "email", "secretsmanager", "events"}  # events: PutEvents


def test_outputs_name_the_api_buckets_and_queues(template):
    assert {"ApiUrl", "UploadBucketName", "MediaBucketName", "MailQueueUrl",
            "TranscodeQueueUrl", "ChunkQueueUrl", "ChunkDeadLetterQueueUrl", "Av1QueueUrl",
            "Av1DeadLetterQueueUrl"} <= set(template["Outputs"])


@pytest.mark.parametrize("function", ["migrate", "staff"])
def test_operator_functions_have_no_trigger_and_no_aws_permissions(template, function):
    # Invoked by hand (`sam remote invoke`); they only need the database, inside the VPC.
    properties = function_properties(template, function)
    assert "Events" not in properties
    assert "Policies" not in properties and "Role" not in properties


def _deployed_value(template: dict, value, parameters: dict | None = None) -> str:
    """A variable's value as CloudFormation would resolve it, with stand-ins for what only a deploy knows:
    a parameter's default (or its value in `parameters`), a resource's name or attribute, a long random
    secret for a Secrets Manager reference."""
    if isinstance(value, (str, int, float)):
        return str(value)
    [(function, argument)] = value.items()
    if function == "Ref":
        if argument in (parameters or {}):
            return parameters[argument]
        parameter = template["Parameters"].get(argument)
        if parameter is None:
            if template["Resources"][argument]["Type"] == "AWS::CloudFront::PublicKey":
                return "K2JCJMDEHXQW5F"  # CloudFront's ids are upper-case letters and digits
            return f"{argument.lower()}-physical-id"
        default = parameter["Default"]
        return ",".join(default) if isinstance(default, list) else str(default)
    if function == "Fn::GetAtt":
        if argument[1] == "DomainName":
            return f"{argument[0].lower()}.cloudfront.net"
        return f"{argument[0].lower()}-{argument[1].lower()}"
    if function == "Fn::If":
        condition, when_true, when_false = argument
        holds = _condition_holds(template, template["Conditions"][condition], parameters)
        return _deployed_value(template, when_true if holds else when_false, parameters)
    if function == "Fn::Join":
        separator, parts = argument
        return separator.join(_deployed_value(template, p, parameters) for p in
                              (parts if isinstance(parts, list) else [parts]))
    if function == "Fn::Sub":
        text = re.sub(r"\{\{resolve:secretsmanager:.*?\}\}", "Rnd0m" * 10, argument)
        return re.sub(r"\$\{([\w.]+)\}", lambda m: "5432" if m.group(1).endswith("Port")
                      else m.group(1).lower().replace(".", "-"), text)
    raise AssertionError(f"unexpected intrinsic function {function}")


def _condition_holds(template: dict, condition: dict, parameters: dict | None) -> bool:
    [(function, argument)] = condition.items()
    if function == "Fn::Not":
        return not _condition_holds(template, argument[0], parameters)
    if function == "Fn::Equals":
        left, right = (_deployed_value(template, side, parameters) for side in argument)
        return left == right
    raise AssertionError(f"unexpected condition function {function}")


@pytest.mark.parametrize("function", list(RESOURCE_OF))
@pytest.mark.parametrize("stage", ["staging", "prod"])
def test_the_deployed_environment_passes_the_production_checks(template, function, stage):
    from videoflix.settings import load_settings

    assert stage in template["Parameters"]["Environment"]["AllowedValues"]
    variables = {name: _deployed_value(template, value)
                 for name, value in environment(template, function).items()}
    variables["VIDEOFLIX_ENV"] = stage
    # What Lambda adds: the region and the execution role's temporary credentials (with a session token).
    variables.update({"AWS_REGION": "eu-central-1", "AWS_ACCESS_KEY_ID": "ASIAQEXAMPLEEXAMPLE7",
                      "AWS_SECRET_ACCESS_KEY": "x" * 40, "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjEXAMPLE" * 8,
                      "AWS_LAMBDA_FUNCTION_NAME": RESOURCE_OF[function]})
    settings = load_settings(variables)
    assert settings.environment == stage and not settings.is_dev
    assert settings.database_url.startswith("postgresql://") and settings.redis_url.startswith("rediss://")
    assert settings.cookie_secure is True


# ---------------------------------------------------------------- operations (docs/operations.md)
def resources_of_type(template: dict, kind: str) -> dict[str, dict]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_functions_log_json_lines(template):
    assert template["Globals"]["Function"]["LoggingConfig"] == {
        "LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN"}


def dead_letter_queues(template: dict) -> set[str]:
    """The queues some queue's RedrivePolicy names."""
    return {q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            for q in resources_of_type(template, "AWS::SQS::Queue").values()
            if "RedrivePolicy" in q.get("Properties", {})}


def test_every_dead_letter_queue_has_an_alarm_on_any_message(template):
    queues = dead_letter_queues(template)
    assert queues == {"MailDeadLetterQueue", "TranscodeDeadLetterQueue", "ChunkDeadLetterQueue", "Av1DeadLetterQueue",
                      "PlaybackDeadLetterQueue"}
    watched = {}
    for name, alarm in resources_of_type(template, "AWS::CloudWatch::Alarm").items():
        properties = alarm["Properties"]
        if properties.get("MetricName") == "ApproximateNumberOfMessagesVisible":
            [dimension] = properties["Dimensions"]
            assert dimension["Name"] == "QueueName" and properties["Namespace"] == "AWS/SQS"
            watched[dimension["Value"]["Fn::GetAtt"][0]] = properties
    assert set(watched) == queues
    for properties in watched.values():
        assert (properties["ComparisonOperator"], properties["Threshold"]) == ("GreaterThanThreshold", 0)


def test_every_alarm_goes_to_the_operators_topic(template):
    alarms = resources_of_type(template, "AWS::CloudWatch::Alarm")
    assert len(alarms) >= 7
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "OperatorTopic"}], name
    assert resource(template, "OperatorTopic")["Type"] == "AWS::SNS::Topic"


def test_the_operator_email_subscribes_only_when_given(template):
    parameter = template["Parameters"]["OperatorEmail"]
    assert parameter["Default"] == "" and re.fullmatch(parameter["AllowedPattern"], "")
    assert re.fullmatch(parameter["AllowedPattern"], "ops@example.com")
    subscription = resource(template, "OperatorEmailSubscription")
    assert subscription["Condition"] == "HasOperatorEmail"
    assert template["Conditions"]["HasOperatorEmail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "OperatorEmail"}, ""]}]}
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["TopicArn"] == {"Ref": "OperatorTopic"}


def test_api_5xx_rate_alarm_divides_errors_by_requests(template):
    metrics = {m["Id"]: m for m in resource(template, "Api5xxRateAlarm")["Properties"]["Metrics"]}
    assert metrics["errors"]["MetricStat"]["Metric"]["MetricName"] == "5XXError"
    assert metrics["requests"]["MetricStat"]["Metric"]["MetricName"] == "Count"
    assert "errors / requests" in metrics["rate"]["Expression"] and metrics["rate"]["ReturnData"] is True


def test_transcoder_errors_and_expired_leases_alarm(template):
    from videoflix.observability.metrics import EXPIRED_LEASES, NAMESPACE

    alarms = resources_of_type(template, "AWS::CloudWatch::Alarm").values()
    on_errors = {a["Properties"]["Dimensions"][0]["Value"]["Ref"] for a in alarms
                 if a["Properties"].get("MetricName") == "Errors"}
    assert on_errors == {"TranscoderFunction", "ChunkerFunction"}
    [leases] = [a["Properties"] for a in alarms if a["Properties"].get("MetricName") == EXPIRED_LEASES]
    # The sweeper's EMF metric has no dimensions, so the alarm names none.
    assert leases["Namespace"] == NAMESPACE and "Dimensions" not in leases


def test_video_events_go_to_the_bus_and_the_sample_rule_to_the_operators(template):
    from videoflix.domain.video_events import DETAIL_TYPES, SOURCE

    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["EVENT_BUS_NAME"] == {"Ref": "EventBus"}
    rule = resource(template, "VideoEventsToOperatorsRule")["Properties"]
    assert rule["EventBusName"] == {"Ref": "EventBus"}
    assert rule["EventPattern"] == {"source": [SOURCE], "detail-type": list(DETAIL_TYPES)}
    assert rule["Targets"][0]["Arn"] == {"Ref": "OperatorTopic"}
    [statement] = resource(template, "OperatorTopicPolicy")["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}


@pytest.mark.parametrize("function", list(RESOURCE_OF))
def test_only_the_functions_that_publish_video_events_may_put_events(template, function):
    publishing = [s for s in policy_statements(template, function) if "events:PutEvents" in
                  ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    if function in {"transcoder", "chunker", "sweeper", "admin"}:
        assert [s["Resource"] for s in publishing] == [{"Fn::GetAtt": ["EventBus", "Arn"]}]
    else:
        assert publishing == []


# ---------------------------------------------------------------- playback through CloudFront
PLAYBACK_RESOURCES = {"PlaybackPublicKey": "AWS::CloudFront::PublicKey", "PlaybackKeyGroup": "AWS::CloudFront::KeyGroup",
                      "PlaybackOriginAccessControl": "AWS::CloudFront::OriginAccessControl",
                      "PlaybackCachePolicy": "AWS::CloudFront::CachePolicy",
                      "PlaybackResponseHeadersPolicy": "AWS::CloudFront::ResponseHeadersPolicy",
                      "PlaybackDistribution": "AWS::CloudFront::Distribution"}
EXAMPLE_PUBLIC_KEY = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsYYA\n-----END PUBLIC KEY-----"


def test_the_cloudfront_resources_exist_only_with_a_public_key(template):
    parameter = template["Parameters"]["CloudFrontPublicKeyPem"]
    assert parameter["Default"] == "" and re.fullmatch(parameter["AllowedPattern"], "")
    assert re.fullmatch(parameter["AllowedPattern"], EXAMPLE_PUBLIC_KEY + "\n")
    assert not re.fullmatch(parameter["AllowedPattern"], "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n")
    assert template["Conditions"]["HasPlaybackKey"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "CloudFrontPublicKeyPem"}, ""]}]}
    cloudfront = {n: r["Type"] for n, r in template["Resources"].items() if r["Type"].startswith("AWS::CloudFront::")}
    assert cloudfront == PLAYBACK_RESOURCES
    assert {resource(template, name).get("Condition") for name in PLAYBACK_RESOURCES} == {"HasPlaybackKey"}
    key = resource(template, "PlaybackPublicKey")["Properties"]["PublicKeyConfig"]
    assert key["EncodedKey"] == {"Fn::Sub": "${CloudFrontPublicKeyPem}\n"}
    assert resource(template, "PlaybackKeyGroup")["Properties"]["KeyGroupConfig"]["Items"] == [
        {"Ref": "PlaybackPublicKey"}]


def test_the_distribution_serves_the_private_media_bucket_to_signed_requests_only(template):
    config = resource(template, "PlaybackDistribution")["Properties"]["DistributionConfig"]
    assert config["HttpVersion"] == "http2and3"
    [origin] = config["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["MediaBucket", "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["PlaybackOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # OAC, not the legacy identity
    access = resource(template, "PlaybackOriginAccessControl")["Properties"]["OriginAccessControlConfig"]
    assert (access["OriginAccessControlOriginType"], access["SigningBehavior"]) == ("s3", "always")
    behaviour = config["DefaultCacheBehavior"]
    assert "CacheBehaviors" not in config  # every path needs a signature
    assert behaviour["TrustedKeyGroups"] == [{"Ref": "PlaybackKeyGroup"}]
    assert behaviour["ViewerProtocolPolicy"] == "https-only"
    assert behaviour["CachePolicyId"] == {"Ref": "PlaybackCachePolicy"}
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "PlaybackResponseHeadersPolicy"}
    # The bucket stays private: its public access block stands, and only this distribution may read.
    assert all(resource(template, "MediaBucket")["Properties"]["PublicAccessBlockConfiguration"].values())
    statements = resource(template, "MediaBucketPolicy")["Properties"]["PolicyDocument"]["Statement"]
    [conditional] = [s for s in statements if "Fn::If" in s]
    condition, allow, otherwise = conditional["Fn::If"]
    assert (condition, otherwise) == ("HasPlaybackKey", {"Ref": "AWS::NoValue"})
    assert allow["Effect"] == "Allow" and allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject" and allow["Resource"] == {"Fn::Sub": "${MediaBucket.Arn}/videos/*"}
    assert allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"].endswith(
        ":distribution/${PlaybackDistribution}")


def test_signatures_stay_out_of_the_cache_key_so_viewers_share_segments(template):
    config = resource(template, "PlaybackCachePolicy")["Properties"]["CachePolicyConfig"]
    key = config["ParametersInCacheKeyAndForwardedToOrigin"]
    # Policy, Signature, Key-Pair-Id (and Expires of canned policies): no query string is in the key.
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "none"}
    assert key["CookiesConfig"] == {"CookieBehavior": "none"} and key["HeadersConfig"] == {"HeaderBehavior": "none"}
    # The segments' `Cache-Control: private` must not keep them out of this cache.
    assert config["MinTTL"] > 0 and config["DefaultTTL"] >= config["MinTTL"]


def test_the_player_origins_get_cors_with_credentials_from_the_edge(template):
    cors = resource(template, "PlaybackResponseHeadersPolicy")["Properties"]["ResponseHeadersPolicyConfig"]["CorsConfig"]
    assert cors["AccessControlAllowOrigins"] == {"Items": {"Ref": "FrontendOrigins"}}
    assert cors["AccessControlAllowCredentials"] is True  # hls.js in the shared frontend sends credentials
    assert "*" not in cors["AccessControlAllowHeaders"]["Items"]
    assert {"GET", "HEAD"} <= set(cors["AccessControlAllowMethods"]["Items"])


@pytest.mark.parametrize("function", list(RESOURCE_OF))
def test_with_a_public_key_the_functions_sign_through_cloudfront_and_pass_the_production_checks(template, function):
    from videoflix.settings import load_settings

    with_key = {"CloudFrontPublicKeyPem": EXAMPLE_PUBLIC_KEY}
    variables = {name: _deployed_value(template, value, with_key)
                 for name, value in environment(template, function).items()}
    variables.update({"AWS_REGION": "eu-central-1", "AWS_ACCESS_KEY_ID": "ASIAQEXAMPLEEXAMPLE7",
                      "AWS_SECRET_ACCESS_KEY": "x" * 40, "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjEXAMPLE" * 8})
    settings = load_settings(variables)
    assert settings.playback_signer == "cloudfront"
    assert settings.cloudfront_domain == "playbackdistribution.cloudfront.net"
    without = load_settings({name: _deployed_value(template, value) for name, value in
                             environment(template, function).items()} | variables | {
                                 "PLAYBACK_SIGNER": "s3", "CLOUDFRONT_DOMAIN": "", "CLOUDFRONT_KEY_PAIR_ID": "",
                                 "CLOUDFRONT_PRIVATE_KEY_SECRET": ""})
    assert without.playback_signer == "s3"


def test_without_a_public_key_the_functions_presign_s3_urls(template):
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    resolved = {name: _deployed_value(template, variables[name]) for name in
                ("PLAYBACK_SIGNER", "CLOUDFRONT_DOMAIN", "CLOUDFRONT_KEY_PAIR_ID", "CLOUDFRONT_PRIVATE_KEY_SECRET")}
    assert resolved == {"PLAYBACK_SIGNER": "s3", "CLOUDFRONT_DOMAIN": "", "CLOUDFRONT_KEY_PAIR_ID": "",
                        "CLOUDFRONT_PRIVATE_KEY_SECRET": ""}


def test_only_the_catalog_reads_the_signing_key_and_only_that_secret(template):
    secret = template["Globals"]["Function"]["Environment"]["Variables"]["CLOUDFRONT_PRIVATE_KEY_SECRET"]
    name = secret["Fn::If"][1]["Fn::Sub"]
    for function in RESOURCE_OF:
        reading = [s for s in policy_statements(template, function) if "secretsmanager:GetSecretValue" in
                   ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
        if function == "catalog":
            [statement] = reading
            assert statement["Resource"]["Fn::Sub"].endswith(f":secret:{name}-*")  # + Secrets Manager's suffix
        else:
            assert reading == []


# -- SnapStart (docs/deploy.md, "SnapStart"; the hooks in layers/videoflix/snapstart.py) ---------------------
ZIP_FUNCTIONS = ["auth", "catalog", "admin", "mailer", "migrate", "sweeper", "staff", "insights"]
IMAGE_FUNCTIONS = ["transcoder", "chunker"]
# SAM points these event types at the function's alias when AutoPublishAlias is set: the API's
# integrations and invoke permissions, the SQS event source mappings, the schedule rule's target.
ALIAS_AWARE_EVENTS = {"Api", "SQS", "Schedule"}


def test_the_zip_and_image_functions_are_the_ones_listed(template):
    kinds = {f: "image" if function_properties(template, f).get("PackageType") == "Image" else "zip"
             for f in RESOURCE_OF}
    assert sorted(f for f, kind in kinds.items() if kind == "zip") == sorted(ZIP_FUNCTIONS)
    assert sorted(f for f, kind in kinds.items() if kind == "image") == sorted(IMAGE_FUNCTIONS)


@pytest.mark.parametrize("function", ZIP_FUNCTIONS)
def test_zip_functions_snapshot_their_published_versions_behind_an_alias(template, function):
    properties = function_properties(template, function)
    assert properties["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert properties["AutoPublishAlias"] == "live"  # SnapStart resumes published versions only, never $LATEST
    major, minor = (int(part) for part in properties["Runtime"].removeprefix("python").split("."))
    assert (major, minor) >= (3, 12)  # SnapStart's first Python runtime
    # SnapStart refuses more than 512 MB of /tmp, provisioned concurrency and EFS.
    assert properties.get("EphemeralStorage", {"Size": 512})["Size"] <= 512
    assert "ProvisionedConcurrencyConfig" not in properties and "FileSystemConfigs" not in properties


@pytest.mark.parametrize("function", ZIP_FUNCTIONS)
def test_every_trigger_of_a_snapstart_function_invokes_its_alias(template, function):
    events = function_properties(template, function).get("Events", {})
    assert {event["Type"] for event in events.values()} <= ALIAS_AWARE_EVENTS
    # No resource of its own wires a trigger to the unqualified function ($LATEST, which has no snapshot):
    # only the log group may name it (versions and aliases log to the function's group).
    name = RESOURCE_OF[function]
    for other, body in template["Resources"].items():
        if other == name:
            continue
        text = repr(body)
        if f"'{name}'" in text or f"${{{name}}}" in text or f"${{{name}." in text or f"'{name}." in text:
            assert body["Type"] == "AWS::Logs::LogGroup", f"{other} refers to {name}, not to {name}.Alias"


@pytest.mark.parametrize("function", IMAGE_FUNCTIONS)
def test_container_image_functions_have_no_snapstart(template, function):
    # SnapStart supports managed runtimes only, not container images.
    properties = function_properties(template, function)
    assert "SnapStart" not in properties and "AutoPublishAlias" not in properties


@pytest.mark.parametrize("function", ZIP_FUNCTIONS)
def test_every_snapstart_handler_registers_the_hooks(function):
    source = (FUNCTIONS_DIR / HANDLERS[function][0]).read_text()
    assert "from videoflix.snapstart import prepare_snapshot" in source
    assert "\nprepare_snapshot(" in source  # at import: the runtime only runs hooks registered during init


def test_staff_may_inspect_and_redrive_every_queue_the_console_lists(template):
    """Each queue `known_queues` lists (and its dead letters) is one the admin function may read the depth
    of; each dead-letter queue one it may take messages from, and each source one it may send them back to."""
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    by_setting = {name.lower(): value for name, value in variables.items() if name.endswith("_QUEUE_NAME")}
    statements = {s["Sid"]: s["Resource"] for s in policy_statements(template, "admin") if "Sid" in s}

    def arns(sid: str) -> set[str]:
        listed = statements[sid]
        return {r["Fn::GetAtt"][0] for r in (listed if isinstance(listed, list) else [listed])}

    listed = known_queues(Settings(playback_insights=True))
    assert {q.name for q in listed} >= {"transcode", "chunk", "av1", "mail", "playback"}
    for queue in listed:
        setting = next(name for name, value in vars(Settings()).items() if value == queue.queue_name
                       and name.endswith("_queue_name"))
        source = by_setting[setting]["Fn::GetAtt"][0]
        dead_letters = resource(template, source)["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        assert {source, dead_letters} <= arns("InspectQueues"), queue.name
        assert dead_letters in arns("TakeDeadLetters"), queue.name
        assert source in arns("RedriveToSourceQueues") | arns("RequeueTranscodes"), queue.name
