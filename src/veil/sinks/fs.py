"""Filesystems: turn an output ``PATH_OR_URL`` into a pyarrow filesystem and a base path.

Two kinds of output location are supported:

* a local folder (``veil-out``, ``/data/out`` or ``file:///data/out``), created if missing;
* ``s3://bucket/prefix`` through :class:`pyarrow.fs.S3FileSystem`, against AWS, MinIO or any
  S3-compatible endpoint.

S3 settings come from :class:`S3Options`; a field left ``None`` is taken from the environment:
``VEIL_S3_ENDPOINT`` (then ``AWS_ENDPOINT_URL_S3``, ``AWS_ENDPOINT_URL``) for the endpoint,
``AWS_REGION`` / ``AWS_DEFAULT_REGION``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY`` and
``AWS_SESSION_TOKEN``. Secrets never appear in a ``repr`` or an error message.

Opening an S3 location checks the bucket at once, with a short connect timeout and few retries,
so a wrong endpoint or a missing bucket fails in seconds with an :class:`S3Error` naming the
endpoint and the bucket, rather than hanging in the middle of a run.

:class:`Location` wraps the filesystem with the few primitives the layout needs (atomic small
writes, listing, deleting trees, renaming a local directory).
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlparse

import pyarrow.fs as pafs

from veil.errors import ConfigError, SinkError

ENV_ENDPOINT = "VEIL_S3_ENDPOINT"
_ENDPOINT_VARS = (ENV_ENDPOINT, "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
_REGION_VARS = ("AWS_REGION", "AWS_DEFAULT_REGION")
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


class S3Error(SinkError):
    """An S3 location that cannot be used: unreachable endpoint, missing bucket, denied access."""

    def __init__(self, message: str, *, endpoint: str, bucket: str) -> None:
        self.endpoint = endpoint
        self.bucket = bucket
        super().__init__(message)


def _mask(value: str | None, keep: int = 0) -> str | None:
    if value is None:
        return None
    return (value[:keep] + "…") if keep and len(value) > keep else "***"


@dataclass(frozen=True)
class S3Options:
    """How to reach S3. ``None`` fields are filled from the environment by :meth:`with_env`."""

    endpoint_url: str | None = None
    region: str | None = None
    access_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    connect_timeout: float = 2.0
    request_timeout: float = 15.0
    max_attempts: int = 2

    def __repr__(self) -> str:
        return (
            f"S3Options(endpoint_url={self.endpoint_url!r}, region={self.region!r}, "
            f"access_key={_mask(self.access_key, 4)!r}, secret_key={_mask(self.secret_key)!r}, "
            f"session_token={_mask(self.session_token)!r})"
        )

    def with_env(self, environ: Mapping[str, str] | None = None) -> S3Options:
        """A copy with every unset field taken from the environment (explicit values win)."""
        env = os.environ if environ is None else environ

        def first(names: tuple[str, ...]) -> str | None:
            return next((env[n] for n in names if env.get(n)), None)

        return replace(
            self,
            endpoint_url=self.endpoint_url or first(_ENDPOINT_VARS),
            region=self.region or first(_REGION_VARS),
            access_key=self.access_key or env.get("AWS_ACCESS_KEY_ID") or None,
            secret_key=self.secret_key or env.get("AWS_SECRET_ACCESS_KEY") or None,
            session_token=self.session_token or env.get("AWS_SESSION_TOKEN") or None,
        )

    def describe_endpoint(self) -> str:
        """The endpoint as shown in messages (never with credentials)."""
        if self.endpoint_url:
            return self.endpoint_url
        return f"AWS S3 ({self.region or 'default region'})"

    def scrub(self, text: str) -> str:
        """``text`` with the secret and session token replaced by ``***``."""
        for secret in (self.secret_key, self.session_token):
            if secret:
                text = text.replace(secret, "***")
        return text


def _split_endpoint(url: str) -> tuple[str, str]:
    """``http://host:9000`` → (``http``, ``host:9000``); a bare ``host:9000`` means https."""
    parsed = urlparse(url if "://" in url else f"https://{url}")
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(
            f"S3 endpoint {url!r} is not a URL like http://localhost:9000 or https://s3.example.com"
        )
    return parsed.scheme, parsed.netloc


def s3_filesystem(opts: S3Options) -> pafs.S3FileSystem:
    """A pyarrow S3 filesystem with short timeouts and few retries (fail fast)."""
    if bool(opts.access_key) != bool(opts.secret_key):
        raise ConfigError(
            "S3 credentials need both an access key and a secret key "
            "(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
        )
    kwargs: dict[str, object] = {}
    if opts.endpoint_url:
        scheme, netloc = _split_endpoint(opts.endpoint_url)
        kwargs.update(scheme=scheme, endpoint_override=netloc)
    region = opts.region or ("us-east-1" if opts.endpoint_url else None)
    return pafs.S3FileSystem(
        access_key=opts.access_key,
        secret_key=opts.secret_key,
        session_token=opts.session_token,
        region=region,
        connect_timeout=opts.connect_timeout,
        request_timeout=opts.request_timeout,
        retry_strategy=pafs.AwsStandardS3RetryStrategy(max_attempts=opts.max_attempts),
        **kwargs,
    )


@dataclass(frozen=True)
class Location:
    """A filesystem and a base path in it; ``url`` is how the location is shown to people."""

    fs: pafs.FileSystem
    base: str
    url: str
    s3: S3Options | None = None

    @property
    def is_local(self) -> bool:
        return self.s3 is None

    def path(self, *parts: str) -> str:
        """The filesystem path of ``parts`` below the base."""
        return "/".join([self.base.rstrip("/"), *parts])

    def display(self, path: str) -> str:
        """The URL of a filesystem path, for messages and commit info."""
        return f"s3://{path}" if self.s3 is not None else path

    def read_bytes(self, path: str) -> bytes | None:
        """The content of a file, or ``None`` if it does not exist."""
        try:
            with self.fs.open_input_stream(path) as fh:
                return bytes(fh.read())
        except FileNotFoundError:
            return None
        except OSError as exc:
            if self.info(path).type == pafs.FileType.NotFound:
                return None
            raise self.error("read", path, exc) from None

    def write_bytes(self, path: str, data: bytes) -> None:
        """Write a small file atomically: temp file + ``os.replace`` locally, one PUT on S3."""
        try:
            if self.is_local:
                _atomic_local_write(Path(path), data)
            else:
                with self.fs.open_output_stream(path) as fh:
                    fh.write(data)
        except OSError as exc:
            raise self.error("write", path, exc) from None

    def info(self, path: str) -> pafs.FileInfo:
        try:
            return self.fs.get_file_info(path)
        except OSError as exc:
            raise self.error("inspect", path, exc) from None

    def exists(self, path: str) -> bool:
        return self.info(path).type != pafs.FileType.NotFound

    def list(self, path: str) -> list[pafs.FileInfo]:
        """The direct children of ``path`` (empty if it does not exist)."""
        try:
            return self.fs.get_file_info(pafs.FileSelector(path, allow_not_found=True))
        except OSError as exc:
            raise self.error("list", path, exc) from None

    def delete_tree(self, path: str) -> None:
        """Delete a directory and everything in it; a missing directory is fine."""
        try:
            if self.is_local:
                _rmtree_local(Path(path))
            else:
                self.fs.delete_dir(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise self.error("delete", path, exc) from None

    def delete_file(self, path: str) -> None:
        try:
            self.fs.delete_file(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise self.error("delete", path, exc) from None

    def make_dirs(self, path: str) -> None:
        """Create a directory locally; S3 has no directories, so this is a no-op there."""
        if self.is_local:
            Path(path).mkdir(parents=True, exist_ok=True)

    def remove_dir_if_empty(self, path: str) -> None:
        """Remove an empty local directory (S3 has none; pyarrow may leave empty markers)."""
        if self.is_local:
            with contextlib.suppress(OSError):
                os.rmdir(path)

    def rename_dir(self, src: str, dst: str) -> None:
        """Rename a local directory atomically (same filesystem) and make it durable."""
        if not self.is_local:
            raise SinkError("directory rename is only atomic on a local filesystem")
        Path(dst).parent.mkdir(parents=True, exist_ok=True)
        os.rename(src, dst)
        _fsync_dir(Path(dst).parent)
        _fsync_dir(Path(src).parent)

    def error(self, action: str, path: str, exc: BaseException) -> SinkError:
        """A :class:`SinkError` for a failed ``action`` on ``path`` (secrets scrubbed); a full
        disk (or quota) says so first."""
        detail = self.s3.scrub(str(exc)) if self.s3 is not None else str(exc)
        if getattr(exc, "errno", None) in _NO_SPACE or "No space left on device" in detail:
            return SinkError(
                f"no space left on the device holding {self.display(path)} (cannot {action}: "
                f"{detail}); free some space, or write elsewhere (--output)"
            )
        return SinkError(f"cannot {action} {self.display(path)}: {detail}")


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def fsync_file(path: str) -> None:
    """Flush a local file to disk (so a committed version survives a power cut)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_local_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _rmtree_local(path: Path) -> None:
    import shutil

    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _split_s3_url(url: str) -> tuple[str, str]:
    parsed = urlparse(url)
    bucket, prefix = parsed.netloc, parsed.path.strip("/")
    if not bucket:
        raise ConfigError(f"{url!r} names no bucket; use s3://BUCKET/PREFIX")
    return bucket, prefix


def check_bucket(fs: pafs.FileSystem, bucket: str, opts: S3Options) -> None:
    """Fail fast with :class:`S3Error` if the endpoint is unreachable or the bucket missing."""
    endpoint = opts.describe_endpoint()
    try:
        info = fs.get_file_info(bucket)
    except OSError as exc:
        raise S3Error(
            f"cannot reach S3 bucket {bucket!r} at {endpoint}: {opts.scrub(str(exc))}; "
            "check the endpoint (--s3-endpoint / VEIL_S3_ENDPOINT) and the credentials",
            endpoint=endpoint,
            bucket=bucket,
        ) from None
    if info.type == pafs.FileType.NotFound:
        raise S3Error(
            f"S3 bucket {bucket!r} does not exist at {endpoint} (or these credentials cannot "
            "see it); create the bucket first or check the endpoint",
            endpoint=endpoint,
            bucket=bucket,
        )


def resolve_location(
    output: str, s3: S3Options | None = None, environ: Mapping[str, str] | None = None
) -> Location:
    """Resolve ``output`` (a folder or ``s3://bucket/prefix``) into a :class:`Location`."""
    if output.startswith("s3://"):
        return _s3_location(output, s3 or S3Options(), environ)
    if output.startswith("file://"):
        output = urlparse(output).path
    elif "://" in output:
        scheme = output.split("://", 1)[0]
        raise ConfigError(f"unsupported output scheme {scheme!r}: use a folder or s3://")
    base = Path(output).expanduser().resolve()
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SinkError(f"cannot create output folder {base}: {exc.strerror}") from None
    return Location(fs=pafs.LocalFileSystem(), base=str(base), url=str(base))


def _s3_location(url: str, s3: S3Options, environ: Mapping[str, str] | None) -> Location:
    opts = s3.with_env(environ)
    bucket, prefix = _split_s3_url(url)
    fs = s3_filesystem(opts)
    check_bucket(fs, bucket, opts)
    base = f"{bucket}/{prefix}" if prefix else bucket
    return Location(fs=fs, base=base, url=f"s3://{base}", s3=opts)
