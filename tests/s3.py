"""A real S3-compatible HTTP server for the tests: moto's standalone server on a free loopback port.

It runs in a thread of the test process, so its buckets outlive a stop and a start on the same
port: `outage()` makes the store unreachable (connections refused) and brings it back as it was.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
import pytest
from moto.server import ThreadedMotoServer

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

KEYS = {"AWS_ACCESS_KEY_ID": "test-key-id", "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_REGION": "eu-west-1"}


class S3Server:
    def __init__(self) -> None:
        self.port = 0
        self._server: ThreadedMotoServer | None = None
        self._client: S3Client | None = None

    def start(self) -> None:
        server = ThreadedMotoServer("127.0.0.1", self.port, verbose=False)
        server.start()
        self.port = server.get_host_and_port()[1]
        self._server = server

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @contextmanager
    def outage(self) -> Iterator[None]:
        """Unreachable inside the block; back afterwards on the same port with the same objects."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> S3Client:
        if self._client is None:
            self._client = self._new_client()
        return self._client

    def _new_client(self) -> S3Client:
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"],
            region_name=KEYS["AWS_REGION"],
        )


@dataclass(frozen=True)
class Bucket:
    server: S3Server
    name: str
    prefix: str = "channelcast"

    def environ(self) -> dict[str, str]:
        """The settings an app needs to keep its files here."""
        return {"STORAGE_URL": f"s3://{self.name}/{self.prefix}", "S3_ENDPOINT_URL": self.server.url, **KEYS}

    def object_names(self) -> list[str]:
        """Every object name in the bucket (prefix included)."""
        listing = self.server.client().list_objects_v2(Bucket=self.name)
        return sorted(entry["Key"] for entry in listing.get("Contents", []))


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per request otherwise
    server = S3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> Bucket:
    """An empty bucket of this test's own."""
    name = f"cc-test-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    return Bucket(s3_server, name)
