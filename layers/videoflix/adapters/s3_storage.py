"""The S3 adapter of the storage port (videoflix.domain.ports.Storage): multipart uploads, presigned URLs,
media objects (the only S3 code)."""
from __future__ import annotations

import functools
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from videoflix.adapters.aws import aws_client, credentials_expiry, public_s3_client
from videoflix.domain.media_layout import CACHE_CONTROL, CONTENT_TYPES
from videoflix.domain.ports import ObjectMissing, UploadedPart
from videoflix.errors import ServiceUnavailable
from videoflix.settings import Settings

# A presigned URL ends this long before the credentials that sign it expire (clock skew).
CREDENTIALS_MARGIN = 60


class StorageUnavailable(ServiceUnavailable):
    default_detail = "Storage is unavailable. Try again shortly."


def _client_errors() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


class S3Storage:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @functools.cached_property
    def _s3(self) -> Any:
        return aws_client("s3", self.settings)

    @functools.cached_property
    def _signer(self) -> Any:
        return public_s3_client(self.settings)

    # -- uploads --------------------------------------------------------------------------
    def start_multipart_upload(self, key: str, content_type: str) -> str:
        answer = self._s3.create_multipart_upload(Bucket=self.settings.upload_bucket, Key=key,
                                                  ContentType=content_type)
        return answer["UploadId"]

    def presign_part(self, key: str, upload_id: str, part_number: int, expires_in: int) -> str:
        return self._signer.generate_presigned_url("upload_part", Params={
            "Bucket": self.settings.upload_bucket, "Key": key, "UploadId": upload_id,
            "PartNumber": part_number}, ExpiresIn=expires_in)

    def presign_upload_put(self, key: str, content_type: str, size: int, expires_in: int) -> str:
        """A URL to PUT one small file (a poster image) into the upload bucket: that content type, exactly
        `size` bytes. The signature covers Content-Length (X-Amz-SignedHeaders content-length;content-type;
        host), so S3 refuses a body of any other length (403 SignatureDoesNotMatch)."""
        return self._signer.generate_presigned_url("put_object", Params={
            "Bucket": self.settings.upload_bucket, "Key": key, "ContentType": content_type, "ContentLength": size},
            ExpiresIn=expires_in)

    def uploaded_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        parts: list[UploadedPart] = []
        marker = 0
        while True:
            answer = self._s3.list_parts(Bucket=self.settings.upload_bucket, Key=key, UploadId=upload_id,
                                         PartNumberMarker=marker)
            parts.extend(UploadedPart(p["PartNumber"], p["ETag"], p["Size"]) for p in answer.get("Parts", []))
            if not answer.get("IsTruncated"):
                return parts
            marker = answer["NextPartNumberMarker"]

    def complete_multipart_upload(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        self._s3.complete_multipart_upload(
            Bucket=self.settings.upload_bucket, Key=key, UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etag} for n, etag in parts]})

    def abort_multipart_upload(self, key: str, upload_id: str) -> None:
        try:
            self._s3.abort_multipart_upload(Bucket=self.settings.upload_bucket, Key=key, UploadId=upload_id)
        except _client_errors():
            pass  # already completed or aborted: nothing left to clean

    def size_of(self, bucket: str, key: str) -> int:
        """The object's size in bytes, from a HEAD request; ObjectMissing when it is not there."""
        try:
            return self._s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
        except _client_errors() as exc:
            if _is_missing(exc):
                raise ObjectMissing(f"s3://{bucket}/{key}") from exc
            raise

    # -- media ----------------------------------------------------------------------------
    def download(self, bucket: str, key: str, destination: Path) -> None:
        try:
            self._s3.download_file(bucket, key, str(destination))
        except _client_errors() as exc:
            if _is_missing(exc):
                raise ObjectMissing(f"s3://{bucket}/{key}") from exc
            raise

    def read_head(self, bucket: str, key: str, size: int) -> bytes:
        """The object's first `size` bytes (fewer if it is shorter)."""
        try:
            answer = self._s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{size - 1}")
        except _client_errors() as exc:
            if _is_missing(exc):
                raise ObjectMissing(f"s3://{bucket}/{key}") from exc
            if getattr(exc, "response", {}).get("Error", {}).get("Code") == "InvalidRange":  # empty: no byte 0
                return b""
            raise
        return answer["Body"].read()

    def upload_media_file(self, path: Path, key: str) -> None:
        suffix = path.suffix.lower()
        import mimetypes  # only for a file type CONTENT_TYPES lacks, on the transcoder

        content_type = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self._s3.upload_file(str(path), self.settings.media_bucket, key, ExtraArgs={
            "ContentType": content_type, "CacheControl": CACHE_CONTROL.get(suffix, "no-cache")})

    def put_media_text(self, key: str, text: str, content_type: str) -> None:
        """A small text object of the media bucket (a caption file), replaced whole."""
        self._s3.put_object(Bucket=self.settings.media_bucket, Key=key, Body=text.encode("utf-8"),
                            ContentType=content_type, CacheControl="no-cache")

    def read_media_text(self, key: str) -> str | None:
        try:
            answer = self._s3.get_object(Bucket=self.settings.media_bucket, Key=key)
        except _client_errors() as exc:
            if _is_missing(exc):
                return None
            raise StorageUnavailable() from exc
        return answer["Body"].read().decode("utf-8")

    def presign_media(self, key: str, expires_in: int) -> str:
        return self._signer.generate_presigned_url(
            "get_object", Params={"Bucket": self.settings.media_bucket, "Key": key},
            ExpiresIn=self.presign_lifetime(expires_in))

    def presign_lifetime(self, expires_in: int) -> int:
        """`expires_in`, cut to end CREDENTIALS_MARGIN before the signing credentials expire: S3 refuses
        a presigned URL once its signer's (temporary) credentials have expired, whatever its X-Amz-Expires.
        Credentials without a known expiry (static keys, an emulator's, Lambda's from the environment)
        leave it as it is."""

        expiry = credentials_expiry(self._signer)
        if expiry is None:
            return expires_in
        return max(1, min(expires_in, int(expiry - time.time()) - CREDENTIALS_MARGIN))

    def presign_internal_read(self, bucket: str, key: str, expires_in: int) -> str:
        """A GET URL for our own workers (FFmpeg reading a source by ranges): signed for the
        endpoint they reach, not the public one."""
        return self._s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                               ExpiresIn=expires_in)

    def delete_prefix(self, bucket: str, prefix: str, older_than: datetime | None = None,
                      keep: tuple[str, ...] = ()) -> int:
        """Delete every object under `prefix` (only those last written before `older_than`, if
        given; none under a prefix in `keep`); returns how many were deleted."""
        deleted = 0
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])
                    if (older_than is None or item["LastModified"] < older_than)
                    and not item["Key"].startswith(keep)]
            if keys:
                self._s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
                deleted += len(keys)
        return deleted

    def child_prefixes(self, bucket: str, prefix: str) -> list[str]:
        """The "folders" right under `prefix` (e.g. `videos/7/` under `videos/`)."""
        paginator = self._s3.get_paginator("list_objects_v2")
        return [entry["Prefix"] for page in paginator.paginate(Bucket=bucket, Prefix=prefix, Delimiter="/")
                for entry in page.get("CommonPrefixes", [])]


def _is_missing(exc: BaseException) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    return code in {"NoSuchKey", "404", "NotFound"}
