"""`videoflix cloudfront-keygen`: the RSA key pair of signed playback (docs/deploy.md, "Signed playback").

The public half becomes template.yaml's CloudFrontPublicKeyPem parameter (CloudFront verifies with
it); the private half goes to Secrets Manager, where the catalog function reads it. No AWS call is
made here: the command prints the two commands that do it.
"""
from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from videoflix_tools.cli.errors import CommandFailed

PRIVATE_FILE, PUBLIC_FILE = "cloudfront-private-key.pem", "cloudfront-public-key.pem"
SECRET_NAME = "<stack-name>/cloudfront-private-key"  # template.yaml: CLOUDFRONT_PRIVATE_KEY_SECRET


def generate_key_pair(bits: int = 2048) -> tuple[str, str]:
    """(private key PEM, PKCS#8 unencrypted; public key PEM, SubjectPublicKeyInfo): what CloudFront takes."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return private.decode("ascii"), public.decode("ascii")


def write_key_pair(folder: Path) -> tuple[Path, Path, str]:
    """Write a new pair into `folder` (the private key readable by its owner only); refuses to overwrite."""
    folder.mkdir(parents=True, exist_ok=True)
    private_path, public_path = folder / PRIVATE_FILE, folder / PUBLIC_FILE
    existing = [str(p) for p in (private_path, public_path) if p.exists()]
    if existing:
        raise FileExistsError(f"{', '.join(existing)} already exist; pick another --out folder or move them away")
    private, public = generate_key_pair()
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(private)
    public_path.write_text(public, encoding="ascii")
    return private_path, public_path, public


def cmd_cloudfront_keygen(args) -> int:
    try:
        private_path, public_path, public = write_key_pair(Path(args.out))
    except (FileExistsError, OSError) as exc:
        raise CommandFailed(str(exc)) from None
    quoted_private, quoted_public = shlex.quote(str(private_path)), shlex.quote(str(public_path))
    out = sys.stdout
    out.write(f"Wrote {private_path} (private, mode 0600) and {public_path}.\n\n")
    out.write("1. The template parameter CloudFrontPublicKeyPem is this public key (PEM):\n\n")
    out.write(public if public.endswith("\n") else public + "\n")
    out.write(f"\n   sam deploy --parameter-overrides CloudFrontPublicKeyPem=\"$(cat {quoted_public})\" ...\n\n")
    out.write("2. Store the private key in Secrets Manager under the name the stack reads "
              "(CLOUDFRONT_PRIVATE_KEY_SECRET), before the first viewer plays a film:\n\n")
    out.write(f"   aws secretsmanager create-secret --name {SECRET_NAME} \\\n"
              f"       --secret-string file://{quoted_private}\n\n")
    out.write("   (to replace a key: aws secretsmanager put-secret-value --secret-id "
              f"{SECRET_NAME} --secret-string file://{quoted_private})\n\n")
    out.write(f"3. Then delete {private_path} or keep it offline: whoever has it can sign playback URLs.\n")
    return 0


def register(commands) -> None:
    keygen = commands.add_parser("cloudfront-keygen",
                                 help="make the RSA-2048 key pair of CloudFront signed playback")
    keygen.add_argument("--out", default=".", help="folder for the two PEM files (default: the current folder)")
    keygen.set_defaults(run=cmd_cloudfront_keygen)
