"""template.yaml through AWS SAM's own translator (aws-sam-translator, what `sam deploy` runs), as it
is after `sam package` (code on S3, images in ECR): what SnapStart needs comes out of it.

tests/unit/test_template.py checks what the template says; this checks what CloudFormation gets:
each SnapStart function has a published version and its `live` alias, and every trigger (the API's
integrations and invoke permissions, queue event sources, the schedule) invokes the alias, never the
unqualified function, whose $LATEST has no snapshot.
"""
from __future__ import annotations

import json

import pytest
from cfnlint.decode import cfn_yaml

from videoflix_tools.functions import PROJECT_ROOT

ARTIFACTS = "s3://videoflix-artifacts"
IMAGE = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/videoflix"


class NoManagedPolicies:
    """The translator's loader of AWS managed policy ARNs (by name): the template names none."""

    def load(self) -> dict[str, str]:
        return {}


def packaged(template: dict) -> dict:
    """The template as `sam package` uploads it: local code paths replaced by their S3 and ECR locations."""
    template = json.loads(json.dumps(template))
    for name, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            if properties.get("PackageType") == "Image":
                properties["ImageUri"] = f"{IMAGE}:{name.lower()}"
            else:
                properties["CodeUri"] = f"{ARTIFACTS}/{name}.zip"
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            properties["ContentUri"] = f"{ARTIFACTS}/{name}.zip"
    return template


@pytest.fixture(scope="module")
def sam_template() -> dict:
    return cfn_yaml.load(str(PROJECT_ROOT / "template.yaml"))


@pytest.fixture(scope="module")
def translated(sam_template) -> dict:
    from samtranslator.public.exceptions import InvalidDocumentException
    from samtranslator.translator.transform import transform

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "eu-central-1")  # the translator's pseudo parameters need one
        try:
            return transform(packaged(sam_template), {}, NoManagedPolicies())
        except InvalidDocumentException as invalid:
            pytest.fail("SAM refuses the template: " + "; ".join(cause.message for cause in invalid.causes))


def snapstart_functions(sam_template) -> list[str]:
    return sorted(name for name, resource in sam_template["Resources"].items()
                  if resource["Type"] == "AWS::Serverless::Function"
                  and resource["Properties"].get("SnapStart", {}).get("ApplyOn") == "PublishedVersions")


def resources_of_type(translated: dict, kind: str) -> dict[str, dict]:
    return {name: r for name, r in translated["Resources"].items() if r["Type"] == kind}


def test_sam_translates_the_template_into_plain_cloudformation(translated):
    kinds = {resource["Type"] for resource in translated["Resources"].values()}
    assert not any(kind.startswith("AWS::Serverless::") for kind in kinds)
    assert "Transform" not in translated


def test_each_snapstart_function_publishes_a_version_behind_its_live_alias(sam_template, translated):
    functions = snapstart_functions(sam_template)
    assert len(functions) >= 8
    versions = resources_of_type(translated, "AWS::Lambda::Version")
    aliases = resources_of_type(translated, "AWS::Lambda::Alias")
    for function in functions:
        lambda_function = translated["Resources"][function]
        assert lambda_function["Type"] == "AWS::Lambda::Function"
        assert lambda_function["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}
        [version] = [v for v in versions.values() if v["Properties"]["FunctionName"] == {"Ref": function}]
        alias = aliases[f"{function}Aliaslive"]["Properties"]
        assert alias["Name"] == "live" and alias["FunctionName"] == {"Ref": function}
        assert alias["FunctionVersion"]["Fn::GetAtt"][0] in versions and version


def test_every_trigger_of_a_snapstart_function_invokes_its_alias(sam_template, translated):
    functions = set(snapstart_functions(sam_template))
    # The migrate and staff functions have no trigger: operators invoke them (docs/deploy.md).
    triggered = {f for f in functions if sam_template["Resources"][f]["Properties"].get("Events")}
    assert functions - triggered == {"MigrateFunction", "StaffFunction"}
    wired = []
    for kind in ("AWS::Lambda::Permission", "AWS::Lambda::EventSourceMapping"):
        for name, resource in resources_of_type(translated, kind).items():
            target = resource["Properties"]["FunctionName"]
            wired.append((name, target))
    for name, rule in resources_of_type(translated, "AWS::Events::Rule").items():
        wired += [(name, target["Arn"]) for target in rule["Properties"].get("Targets", [])]
    seen = set()
    for name, target in wired:
        referenced = json.dumps(target)
        for function in functions:
            if f'"{function}"' in referenced or f'"{function}.' in referenced:
                pytest.fail(f"{name} invokes {function} itself ($LATEST, no snapshot), not its alias")
            if f"{function}Aliaslive" in referenced:
                seen.add(function)
    assert seen == triggered  # each trigger reaches the alias


def test_the_api_integrations_invoke_the_aliases(sam_template, translated):
    [api] = resources_of_type(translated, "AWS::ApiGateway::RestApi").values()
    body = json.dumps(api["Properties"]["Body"])
    routed = {function for function in snapstart_functions(sam_template) if f"{function}Aliaslive" in body}
    assert {"AuthFunction", "CatalogFunction", "AdminFunction"} <= routed
    for function in snapstart_functions(sam_template):
        assert f"${{{function}.Arn}}" not in body
