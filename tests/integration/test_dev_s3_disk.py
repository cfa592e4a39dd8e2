"""The dev stack's embedded S3 keeps its objects on disk, across restarts of the process.

Each run of the endpoint is a process of its own (moto's state is per process), started on
the same folder, as `make dev` is stopped and started again.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from videoflix_tools.testing.local_system import embedded_aws_process

pytestmark = pytest.mark.integration

REGION = "eu-central-1"
BUCKET = "videoflix-media"


@contextmanager
def embedded_s3(folder: Path):
    """One run of the embedded endpoint on `folder`; yields an S3 client for it."""
    with embedded_aws_process(folder) as url:
        yield boto3.client("s3", endpoint_url=url, region_name=REGION, aws_access_key_id="testing",
                           aws_secret_access_key="testing", config=Config(s3={"addressing_style": "path"}))


def _object(s3, key: str, **kwargs) -> dict:
    answer = s3.get_object(Bucket=BUCKET, Key=key, **kwargs)
    answer["Body"] = answer["Body"].read()
    return answer


def test_objects_with_their_metadata_survive_a_restart_and_deletes_stay_deleted(tmp_path):
    segment = os.urandom(3 * 1024 * 1024 + 17)
    with embedded_s3(tmp_path) as s3:
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_object(Bucket=BUCKET, Key="videos/1/480p/segment_00000.ts", Body=segment, ContentType="video/MP2T")
        s3.put_object(Bucket=BUCKET, Key="videos/1/master.m3u8", Body=b"#EXTM3U\n",
                      ContentType="application/vnd.apple.mpegurl", Metadata={"rendition": "all"})
        s3.put_object(Bucket=BUCKET, Key="videos/1/thumbnail.jpg", Body=b"old", ContentType="image/jpeg")
        s3.put_object(Bucket=BUCKET, Key="videos/1/thumbnail.jpg", Body=b"\xff\xd8new", ContentType="image/jpeg")
        s3.copy_object(Bucket=BUCKET, Key="videos/1/copy.m3u8", CopySource={"Bucket": BUCKET,
                                                                           "Key": "videos/1/master.m3u8"})
        for key in ("gone/one", "gone/two", "gone/three"):
            s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
        s3.delete_object(Bucket=BUCKET, Key="gone/one")
        s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "gone/two"}, {"Key": "gone/three"}]})
        before = {key: _object(s3, key) for key in ("videos/1/480p/segment_00000.ts", "videos/1/master.m3u8",
                                                   "videos/1/thumbnail.jpg", "videos/1/copy.m3u8")}

    with embedded_s3(tmp_path) as s3:
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [BUCKET]
        assert s3.get_bucket_location(Bucket=BUCKET)["LocationConstraint"] == REGION
        listed = s3.list_objects_v2(Bucket=BUCKET)["Contents"]
        assert sorted(o["Key"] for o in listed) == sorted(before)
        for key, old in before.items():
            new = _object(s3, key)
            for field in ("Body", "ContentType", "ContentLength", "ETag", "LastModified", "Metadata"):
                assert new[field] == old[field], (key, field)
        assert before["videos/1/480p/segment_00000.ts"]["Body"] == segment
        assert before["videos/1/thumbnail.jpg"]["Body"] == b"\xff\xd8new"
        assert before["videos/1/master.m3u8"]["Metadata"] == {"rendition": "all"}
        ranged = _object(s3, "videos/1/480p/segment_00000.ts", Range="bytes=100-199")
        assert ranged["Body"] == segment[100:200]
        s3.delete_object(Bucket=BUCKET, Key="videos/1/copy.m3u8")

    with embedded_s3(tmp_path) as s3:
        assert "videos/1/copy.m3u8" not in {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    # The bytes are in files: one data file per object, holding exactly its body.
    data_files = sorted((tmp_path / BUCKET / "data").iterdir())
    assert len(data_files) == 3 and segment in [f.read_bytes() for f in data_files]


def test_a_multipart_upload_in_progress_can_be_finished_after_a_restart(tmp_path):
    first, last = os.urandom(5 * 1024 * 1024), os.urandom(1000)
    with embedded_s3(tmp_path) as s3:
        s3.create_bucket(Bucket="videoflix-uploads", CreateBucketConfiguration={"LocationConstraint": REGION})
        upload = s3.create_multipart_upload(Bucket="videoflix-uploads", Key="uploads/7/film.mp4",
                                            ContentType="video/mp4")["UploadId"]
        etag = s3.upload_part(Bucket="videoflix-uploads", Key="uploads/7/film.mp4", UploadId=upload,
                              PartNumber=1, Body=first)["ETag"]

    with embedded_s3(tmp_path) as s3:
        parts = s3.list_parts(Bucket="videoflix-uploads", Key="uploads/7/film.mp4", UploadId=upload)["Parts"]
        assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts] == [(1, etag, len(first))]
        etag2 = s3.upload_part(Bucket="videoflix-uploads", Key="uploads/7/film.mp4", UploadId=upload,
                               PartNumber=2, Body=last)["ETag"]
        s3.complete_multipart_upload(Bucket="videoflix-uploads", Key="uploads/7/film.mp4", UploadId=upload,
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag},
                                                                {"PartNumber": 2, "ETag": etag2}]})

    with embedded_s3(tmp_path) as s3:
        film = s3.get_object(Bucket="videoflix-uploads", Key="uploads/7/film.mp4")
        assert film["Body"].read() == first + last and film["ContentType"] == "video/mp4"
        assert film["ETag"].endswith('-2"')
        assert s3.list_multipart_uploads(Bucket="videoflix-uploads").get("Uploads", []) == []
    assert not list((tmp_path / "videoflix-uploads" / "uploads").iterdir())


def test_an_aborted_upload_is_gone_after_a_restart(tmp_path):
    with embedded_s3(tmp_path) as s3:
        s3.create_bucket(Bucket="videoflix-uploads", CreateBucketConfiguration={"LocationConstraint": REGION})
        upload = s3.create_multipart_upload(Bucket="videoflix-uploads", Key="uploads/8/film.mp4")["UploadId"]
        s3.upload_part(Bucket="videoflix-uploads", Key="uploads/8/film.mp4", UploadId=upload, PartNumber=1,
                       Body=b"part")
        s3.abort_multipart_upload(Bucket="videoflix-uploads", Key="uploads/8/film.mp4", UploadId=upload)

    with embedded_s3(tmp_path) as s3:
        assert s3.list_multipart_uploads(Bucket="videoflix-uploads").get("Uploads", []) == []
        with pytest.raises(s3.exceptions.NoSuchUpload):
            s3.list_parts(Bucket="videoflix-uploads", Key="uploads/8/film.mp4", UploadId=upload)
