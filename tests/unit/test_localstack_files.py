"""localstack-compose.yml and the host-mode script: pinned, health-checked, the same bootstrap, clear errors."""
from __future__ import annotations

import os
import re
import subprocess

import pytest
import yaml

from videoflix_tools.functions import PROJECT_ROOT

COMPOSE_PATH = PROJECT_ROOT / "localstack-compose.yml"
SCRIPT = PROJECT_ROOT / "infra" / "localstack" / "localstack.sh"
HOST_MODE_REQUIREMENTS = PROJECT_ROOT / "infra" / "localstack" / "requirements.txt"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_PATH.read_text())


def host_mode_version() -> str:
    return re.search(r"^localstack-core\[runtime\]==(\S+)$", HOST_MODE_REQUIREMENTS.read_text(), re.M).group(1)


def test_services_are_pinned_health_checked_and_local_only(compose):
    assert set(compose["services"]) == {"localstack", "postgres", "redis"}
    for name, service in compose["services"].items():
        image, _, tag = service["image"].partition(":")
        assert tag and tag != "latest", f"{name} image is not pinned"
        assert service["healthcheck"]["test"], f"{name} has no health check"
        assert all(port.startswith("127.0.0.1:") for port in service["ports"]), f"{name} listens beyond localhost"
    assert compose["services"]["localstack"]["image"] == f"localstack/localstack:{host_mode_version()}"


def test_localstack_takes_its_auth_token_and_runs_the_bootstrap_hook(compose):
    localstack = compose["services"]["localstack"]
    assert localstack["environment"]["LOCALSTACK_AUTH_TOKEN"] == "${LOCALSTACK_AUTH_TOKEN:-}"
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in localstack["volumes"]}
    hooks = PROJECT_ROOT / mounts["/etc/localstack/init/ready.d"]
    [hook] = hooks.glob("*.sh")
    assert os.access(hook, os.X_OK)
    assert "-m videoflix_tools.cli.main bootstrap" in hook.read_text()
    assert (PROJECT_ROOT / mounts["/opt/videoflix/layers"] / "videoflix_tools" / "bootstrap.py").is_file()


def test_localstack_verifies_presigned_signatures_in_both_modes(compose):
    # A poster upload URL signs its Content-Length; LocalStack enforces it only when it checks signatures.
    assert compose["services"]["localstack"]["environment"]["S3_SKIP_SIGNATURE_VALIDATION"] == "0"
    assert "S3_SKIP_SIGNATURE_VALIDATION=0" in SCRIPT.read_text()
    # ... against its one secret key, `test`: the dev stack on LocalStack signs with it.
    assert 'AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"' in SCRIPT.read_text()


def test_compose_file_is_valid_for_docker_compose():
    try:
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"docker compose is not available here ({exc})")
    if probe.returncode != 0:
        pytest.skip("docker compose is not available here (`docker compose version` failed)")
    checked = subprocess.run(["docker", "compose", "-f", str(COMPOSE_PATH), "config", "-q"], cwd=PROJECT_ROOT,
                             capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 0, checked.stderr


def run_script(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["/bin/bash", str(SCRIPT), *args], env=env, capture_output=True, text=True,
                          timeout=60, check=False)


def test_host_mode_without_a_recent_python_says_what_to_do(tmp_path):
    (tmp_path / "bin").mkdir()
    answer = run_script("python", env={"HOME": str(tmp_path), "PATH": str(tmp_path / "bin")})
    assert answer.returncode == 1
    assert "needs Python >= 3.12 and none was found" in answer.stderr
    assert "LOCALSTACK_PYTHON" in answer.stderr


def test_host_mode_refuses_an_old_interpreter_named_explicitly(tmp_path):
    old_python = tmp_path / "python3.11"
    old_python.write_text("#!/bin/sh\nexit 1\n")  # fails the version check, as 3.11 would
    old_python.chmod(0o755)
    answer = run_script("python", env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin",
                                       "LOCALSTACK_PYTHON": str(old_python)})
    assert answer.returncode == 1
    assert "is not a Python >= 3.12" in answer.stderr


def test_host_mode_pins_localstack_and_the_packages_it_needs_to_start():
    pins = HOST_MODE_REQUIREMENTS.read_text()
    for requirement in ("localstack-core[runtime]==", "cbor2==", "pyopenssl==", "cryptography>=45,<46",
                        "service_identity=="):
        assert requirement in pins
