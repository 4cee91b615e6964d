"""Attachments in an S3-compatible object store (a real moto server on 127.0.0.1): stored
there, never on the local disk, and served through our own permission checks."""

from __future__ import annotations

import socket

import boto3
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from moto.server import ThreadedMotoServer

from tests.factories import ContactFactory, make_customer
from ticketdesk.tickets import actions
from ticketdesk.tickets.actions.attachments import AttachmentInput
from ticketdesk.tickets.models import Attachment

BUCKET = "ticketdesk-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, settings):
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "addressing_style": "path",
                "file_overwrite": False,
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.mark.django_db
def test_an_attachment_goes_to_the_bucket_and_comes_back_through_our_checks(
    s3, client, agent, team, tmp_path, settings
):
    ticket = actions.open_ticket(
        requester=ContactFactory(),
        subject="Printer on fire",
        body="See the photo.",
        channel="api",
        actor=None,
        team=team,
        attachments=[AttachmentInput(name="fire.txt", content=b"smoke and flames")],
    )
    attachment = Attachment.objects.get(ticket=ticket)
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [attachment.file.name]
    assert default_storage.__class__.__name__ == "S3Storage"
    # nothing on the local disk
    assert [p for p in (tmp_path).rglob("*") if p.is_file() and "attachments" in p.parts] == []

    client.force_login(agent)
    response = client.get(reverse("workspace:attachment", args=[attachment.pk]) + "?download=1")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"smoke and flames"

    # a customer who is not the requester gets nothing
    stranger, _contact = make_customer()
    client.force_login(stranger)
    response = client.get(reverse("workspace:attachment", args=[attachment.pk]))
    assert response.status_code in (302, 403, 404)


@pytest.mark.django_db
def test_a_failed_creation_removes_its_object_from_the_bucket(s3, team, monkeypatch):
    from ticketdesk.tickets.actions import open as open_module

    def broken(ticket, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(open_module, "apply_tags", broken)
    with pytest.raises(RuntimeError):
        actions.open_ticket(
            requester=ContactFactory(),
            subject="Lost",
            channel="api",
            actor=None,
            team=team,
            tags=["x"],
            attachments=[AttachmentInput(name="a.txt", content=b"x")],
        )
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0
