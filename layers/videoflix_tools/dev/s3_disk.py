"""The embedded S3 of `make dev` on disk: objects kept in files, and still there after a restart.

moto keeps every object's bytes in the server's memory (a `SpooledTemporaryFile` that spills
to an anonymous temporary file only above about 5 MiB) and forgets them all when the process
ends, while the dev database lives on in `.dev/`. This store gives moto's S3 backend a folder:

- every object written (put, copy, completed multipart upload) goes to a file under
  `<root>/<bucket>/data/`, with a JSON sidecar under `meta/` (its key, size, ETag,
  Last-Modified, Content-Type and other metadata, encryption); the object keeps no bytes in
  memory, it reads its file on each request;
- parts of multipart uploads in progress go to `<root>/<bucket>/uploads/<upload id>/`, so an
  interrupted upload can be resumed after a restart too;
- deletes remove the files; `restore()` loads buckets, objects and uploads at start without
  sending S3 events (the buckets' CORS, notification and other configuration is not kept:
  `bootstrap_aws` sets it again on every start).

File names are the SHA-256 of the key (keys may be long, hold any character, and differ only
in case); the sidecar holds the key itself. Only the newest version of a key is kept (the
dev buckets are not versioned). It patches one moto backend instance, never moto's classes,
so other moto servers and `mock_aws` in the same process are unaffected.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable

log = logging.getLogger("videoflix_tools.dev.s3_disk")

COPY_CHUNK = 1024 * 1024
MUTATING_METHODS = frozenset({"PUT", "POST", "DELETE"})


class DiskValue:
    """A moto key's value buffer that is a file: nothing held in memory, no file left open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._position = 0

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_END:
            offset += self.path.stat().st_size
        elif whence == os.SEEK_CUR:
            offset += self._position
        self._position = offset
        return offset

    def tell(self) -> int:
        return self._position

    def read(self, size: int = -1) -> bytes:
        with open(self.path, "rb") as handle:
            handle.seek(self._position)
            data = handle.read() if size is None or size < 0 else handle.read(size)
        self._position += len(data)
        return data

    def truncate(self, size: int | None = None) -> int:
        size = self._position if size is None else size
        with open(self.path, "r+b") as handle:
            handle.truncate(size)
        return size

    def write(self, data: bytes) -> int:
        with open(self.path, "r+b") as handle:
            handle.seek(self._position)
            handle.write(data)
        self._position += len(data)
        return len(data)

    def close(self) -> None:
        """Nothing is open; the store deletes the file when the object is deleted."""


def _file_name(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _write_atomically(path: Path, fill: Callable[[Any], None]) -> None:
    """Write `path` through a temporary file beside it: readers see the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            fill(handle)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_json(path: Path, document: dict[str, Any]) -> None:
    _write_atomically(path, lambda handle: handle.write(json.dumps(document).encode()))


def _copy_buffer_to_file(buffer: Any, path: Path) -> str:
    """Copy a moto value buffer into `path`; returns the MD5 (hex) of what was copied."""
    digest = hashlib.md5(usedforsecurity=False)

    def fill(handle) -> None:
        buffer.seek(0)
        while block := buffer.read(COPY_CHUNK):
            digest.update(block)
            handle.write(block)
    _write_atomically(path, fill)
    return digest.hexdigest()


class S3DiskStore:
    """Keeps one moto S3 backend's buckets, objects and multipart uploads under `root`."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._written = threading.local()  # keys written by this thread's current request
        self.backend: Any = None

    # -- layout --------------------------------------------------------------------------
    def _bucket_dir(self, bucket: str) -> Path:
        return self.root / bucket

    def _data_path(self, bucket: str, key: str) -> Path:
        return self._bucket_dir(bucket) / "data" / _file_name(key)

    def _meta_path(self, bucket: str, key: str) -> Path:
        return self._bucket_dir(bucket) / "meta" / f"{_file_name(key)}.json"

    def _upload_dir(self, bucket: str, upload_id: str) -> Path:
        return self._bucket_dir(bucket) / "uploads" / _file_name(upload_id)

    # -- attaching to moto ---------------------------------------------------------------
    def attach(self, backend: Any) -> None:
        """Route `backend`'s writes and deletes through this store (its existing buckets too)."""
        self.backend = backend
        self.root.mkdir(parents=True, exist_ok=True)
        for name, method in (("create_bucket", self._create_bucket), ("delete_bucket", self._delete_bucket),
                             ("create_multipart_upload", self._create_multipart_upload),
                             ("upload_part", self._upload_part), ("upload_part_copy", self._upload_part_copy),
                             ("abort_multipart_upload", self._abort_multipart_upload),
                             ("complete_multipart_upload", self._complete_multipart_upload)):
            setattr(backend, name, _wrapped(getattr(backend, name), method))
        for bucket in list(backend.buckets.values()):
            self._track_bucket(bucket)

    def _track_bucket(self, bucket: Any) -> None:
        from moto.s3.utils import _VersionedKeyStore

        store_class = _disk_key_store_class()
        if isinstance(bucket.keys, store_class):
            return
        keys = store_class(self, bucket.name)
        for name, versions in _VersionedKeyStore.lists(bucket.keys):
            _VersionedKeyStore.setlist(keys, name, versions)
            self.write_key(bucket.name, name, versions[-1])
        bucket.keys = keys
        _write_json(self._bucket_dir(bucket.name) / "bucket.json",
                    {"name": bucket.name, "region": bucket.region_name})

    def _create_bucket(self, original: Callable, *args: Any, **kwargs: Any) -> Any:
        bucket = original(*args, **kwargs)
        self._track_bucket(bucket)
        return bucket

    def _delete_bucket(self, original: Callable, bucket_name: str, *args: Any, **kwargs: Any) -> Any:
        deleted = original(bucket_name, *args, **kwargs)
        if deleted is not None:
            shutil.rmtree(self._bucket_dir(bucket_name), ignore_errors=True)
        return deleted

    # -- objects -------------------------------------------------------------------------
    def write_key(self, bucket: str, name: str, key: Any) -> None:
        """Move a new object's bytes to its file (before it is visible) and write its sidecar."""
        from moto.s3.models import FakeKey

        if not isinstance(key, FakeKey):  # a delete marker: the object is gone
            self.remove_key(bucket, name)
            return
        path = self._data_path(bucket, name)
        if not (isinstance(key._value_buffer, DiskValue) and key._value_buffer.path == path):
            buffer = key._value_buffer
            md5 = _copy_buffer_to_file(buffer, path)
            if key._etag is None:
                key._etag = md5
            key._value_buffer = DiskValue(path)
            buffer.close()
            if key.multipart is not None:
                # The completed upload's parts: their bytes are in the object's file now.
                for part in key.multipart.parts.values():
                    part.dispose()
                key.multipart.parts.clear()
        self.write_meta(bucket, name, key)
        written = getattr(self._written, "keys", None)
        if written is not None:
            written.append((bucket, name, key))

    def write_meta(self, bucket: str, name: str, key: Any) -> None:
        _write_json(self._meta_path(bucket, name), {
            "key": name, "size": key.contentsize, "etag": key.etag.strip('"'),
            "last_modified": key.last_modified.isoformat(), "metadata": dict(key.metadata),
            "storage_class": key.storage_class, "encryption": key.encryption, "kms_key_id": key.kms_key_id,
            "checksum_algorithm": key.checksum_algorithm, "checksum_value": key.checksum_value,
        })

    def remove_key(self, bucket: str, name: str) -> None:
        self._meta_path(bucket, name).unlink(missing_ok=True)
        self._data_path(bucket, name).unlink(missing_ok=True)

    # -- multipart uploads ---------------------------------------------------------------
    def _create_multipart_upload(self, original: Callable, bucket_name: str, *args: Any, **kwargs: Any) -> Any:
        multipart = original(bucket_name, *args, **kwargs)
        _write_json(self._upload_dir(bucket_name, multipart.id) / "upload.json", {
            "id": multipart.id, "key": multipart.key_name, "metadata": dict(multipart.metadata or {}),
            "storage": multipart.storage, "tags": multipart.tags, "sse_encryption": multipart.sse_encryption,
            "kms_key_id": multipart.kms_key_id})
        return multipart

    def _store_part(self, bucket_name: str, multipart_id: str, part_id: int, part: Any) -> Any:
        path = self._upload_dir(bucket_name, multipart_id) / f"part-{int(part_id)}"
        buffer = part._value_buffer
        md5 = _copy_buffer_to_file(buffer, path)
        part._etag = part._etag or md5
        part._value_buffer = DiskValue(path)
        # Not closed here: a concurrent completion may still be reading it; freed with it.
        return part

    def _upload_part(self, original: Callable, bucket_name: str, multipart_id: str, part_id: int,
                     *args: Any, **kwargs: Any) -> Any:
        part = original(bucket_name, multipart_id, part_id, *args, **kwargs)
        return self._store_part(bucket_name, multipart_id, part_id, part)

    def _upload_part_copy(self, original: Callable, dest_bucket_name: str, multipart_id: str, part_id: int,
                          *args: Any, **kwargs: Any) -> Any:
        part = original(dest_bucket_name, multipart_id, part_id, *args, **kwargs)
        return self._store_part(dest_bucket_name, multipart_id, part_id, part)

    def _abort_multipart_upload(self, original: Callable, bucket_name: str, multipart_id: str) -> Any:
        result = original(bucket_name, multipart_id)
        shutil.rmtree(self._upload_dir(bucket_name, multipart_id), ignore_errors=True)
        return result

    def _complete_multipart_upload(self, original: Callable, bucket_name: str, multipart_id: str,
                                   *args: Any, **kwargs: Any) -> Any:
        key = original(bucket_name, multipart_id, *args, **kwargs)
        if key is not None:
            shutil.rmtree(self._upload_dir(bucket_name, multipart_id), ignore_errors=True)
        return key

    # -- requests ------------------------------------------------------------------------
    def begin_request(self) -> None:
        self._written.keys = []

    def end_request(self) -> None:
        """Rewrite the sidecars of this request's objects: moto sets metadata after the write."""
        written, self._written.keys = getattr(self._written, "keys", None) or [], None
        for bucket, name, key in written:
            try:
                if self.backend.buckets[bucket].keys.get(name) is key:
                    self.write_meta(bucket, name, key)
            except KeyError:  # the bucket or the object went away meanwhile
                continue

    # -- restoring -----------------------------------------------------------------------
    def restore(self) -> dict[str, int]:
        """Load what an earlier run kept into the attached backend; no S3 event is sent."""
        counts = {"buckets": 0, "objects": 0, "uploads": 0}
        for bucket_file in sorted(self.root.glob("*/bucket.json")):
            document = json.loads(bucket_file.read_text())
            if document["name"] not in self.backend.buckets:
                self.backend.create_bucket(document["name"], document["region"])
            bucket = self.backend.buckets[document["name"]]
            counts["buckets"] += 1
            counts["objects"] += self._restore_objects(bucket)
            counts["uploads"] += self._restore_uploads(bucket)
        return counts

    def _restore_objects(self, bucket: Any) -> int:
        from moto.s3.models import FakeKey
        from moto.s3.utils import _VersionedKeyStore

        folder = self._bucket_dir(bucket.name)
        known = set()
        for meta_file in (folder / "meta").glob("*.json"):
            document = json.loads(meta_file.read_text())
            data = self._data_path(bucket.name, document["key"])
            if not data.is_file():
                meta_file.unlink()
                continue
            key = FakeKey(document["key"], b"", self.backend.account_id, self.backend.region_name,
                          storage=document.get("storage_class"), etag=document["etag"], bucket_name=bucket.name,
                          encryption=document.get("encryption"), kms_key_id=document.get("kms_key_id"))
            key._value_buffer.close()
            key._value_buffer = DiskValue(data)
            key.contentsize = data.stat().st_size
            key.last_modified = datetime.fromisoformat(document["last_modified"])
            key.set_metadata(document.get("metadata") or {})
            key.checksum_algorithm = document.get("checksum_algorithm")
            key.checksum_value = document.get("checksum_value")
            _VersionedKeyStore.setlist(bucket.keys, document["key"], [key])
            known.add(data.name)
        for data in (folder / "data").glob("*"):
            if data.name not in known:  # written, but stopped before its sidecar: never visible
                data.unlink()
        return len(known)

    def _restore_uploads(self, bucket: Any) -> int:
        from moto.s3.models import FakeMultipart

        restored = 0
        for upload_file in (self._bucket_dir(bucket.name) / "uploads").glob("*/upload.json"):
            document = json.loads(upload_file.read_text())
            multipart = FakeMultipart(document["key"], document["metadata"], self.backend.account_id,
                                      self.backend.region_name, storage=document.get("storage"),
                                      tags=document.get("tags"), sse_encryption=document.get("sse_encryption"),
                                      kms_key_id=document.get("kms_key_id"))
            multipart.id = document["id"]
            for part_file in sorted(upload_file.parent.glob("part-*")):
                part = multipart.set_part(int(part_file.name.removeprefix("part-")), b"")
                part._value_buffer.close()
                part._value_buffer = DiskValue(part_file)
                part.contentsize = part_file.stat().st_size
            bucket.multiparts[multipart.id] = multipart
            restored += 1
        return restored


@functools.cache
def _disk_key_store_class() -> type:
    """Built on first use, so that importing this module does not import moto."""
    from moto.s3.utils import _VersionedKeyStore

    class DiskKeyStore(_VersionedKeyStore):
        """A bucket's keys: every change also written to (or removed from) the disk store."""

        def __init__(self, store: S3DiskStore, bucket: str) -> None:
            super().__init__()
            self._store = store
            self._bucket = bucket

        def setlist(self, key: Any, list_: Any) -> Any:
            versions = list(list_) if isinstance(list_, (list, tuple)) else [list_]
            if versions:
                self._store.write_key(self._bucket, key, versions[-1])
            else:
                self._store.remove_key(self._bucket, key)
            return super().setlist(key, versions)

        def __setitem__(self, key: str, value: Any) -> Any:
            self._store.write_key(self._bucket, key, value)
            return super().__setitem__(key, value)

        def pop(self, key: str) -> None:  # type: ignore[override]
            super().pop(key)
            self._store.remove_key(self._bucket, key)

    return DiskKeyStore


def _wrapped(original: Callable, method: Callable) -> Callable:
    def call(*args: Any, **kwargs: Any) -> Any:
        return method(original, *args, **kwargs)
    return call


class PersistRequests:
    """WSGI middleware: brackets each mutating request so the store can finish its sidecars."""

    def __init__(self, app: Callable, store: S3DiskStore) -> None:
        self.app = app
        self.store = store

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in MUTATING_METHODS:
            return self.app(environ, start_response)
        self.store.begin_request()
        try:
            return self.app(environ, start_response)
        finally:
            self.store.end_request()


def attach_disk_store(root: Path | str) -> S3DiskStore:
    """The disk store for this process's moto S3 backend (the default account), restored from `root`."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    store = S3DiskStore(root)
    store.attach(s3_backends[DEFAULT_ACCOUNT_ID]["aws"])
    counts = store.restore()
    log.info("embedded S3 on disk at %s: %s restored", store.root, counts)
    return store
