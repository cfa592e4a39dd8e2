"""`videoflix cloudfront-keygen`: an RSA-2048 pair whose halves sign and verify playback URLs."""
from __future__ import annotations

import re
import stat
import time

from videoflix.adapters.cloudfront import sign_prefix
from videoflix.adapters.playback import rsa_sha1_signer
from videoflix_tools.cli.cloudfront_keys import PRIVATE_FILE, PUBLIC_FILE
from videoflix_tools.cli.main import main
from videoflix_tools.testing.cloudfront import verify_cloudfront_url


def test_keygen_writes_a_pair_that_signs_and_verifies_and_says_how_to_deploy_it(tmp_path, capsys):
    from cryptography.hazmat.primitives import serialization

    assert main(["cloudfront-keygen", "--out", str(tmp_path / "keys")]) == 0
    private = (tmp_path / "keys" / PRIVATE_FILE)
    public = (tmp_path / "keys" / PUBLIC_FILE).read_text()
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert serialization.load_pem_public_key(public.encode()).key_size == 2048
    printed = capsys.readouterr().out
    assert public.strip() in printed  # the template parameter's value
    assert re.search(r"aws secretsmanager create-secret --name \S+/cloudfront-private-key", printed)
    assert f"file://{private}" in printed and "CloudFrontPublicKeyPem" in printed
    signed = sign_prefix("d1.cloudfront.net", "videos/1/", int(time.time()) + 60, "K1",
                         rsa_sha1_signer(private.read_text()))
    verify_cloudfront_url(signed.url("480p/segment_00000.ts"), public)


def test_keygen_never_overwrites_a_key(tmp_path, capsys):
    assert main(["cloudfront-keygen", "--out", str(tmp_path)]) == 0
    before = (tmp_path / PRIVATE_FILE).read_text()
    assert main(["cloudfront-keygen", "--out", str(tmp_path)]) == 1
    assert "already exist" in capsys.readouterr().err
    assert (tmp_path / PRIVATE_FILE).read_text() == before
