"""Uploads with messages (multipart) and downloads: limits with a clear detail, the sniffed
type decides, files go out as downloads with nosniff and a sandbox CSP."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from atiende.conversations.models import Attachment, Message
from tests.api.conftest import PNG, World, client_for, customer_client

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def upload(client: Client, path: str, files: list[tuple[str, bytes]], **fields: str) -> Any:
    data: dict[str, Any] = {
        "attachments": [SimpleUploadedFile(name, content) for name, content in files],
        **fields,
    }
    return client.post(path, data)


def download(client: Client, token: str) -> Any:
    response = client.get(f"/api/attachments/{token}")
    body = response.getvalue() if response.status_code == 200 else b""
    return response, body


def test_agent_replies_with_a_file_and_downloads_it(world: World) -> None:
    client = client_for(world, "agent_a")
    path = f"/api/conversations/{world.conversation_a.pk}/messages/upload"

    created = upload(
        client, path, [("photo.png", PNG), ("page.html", HTML)], kind="reply", text="See attached"
    )
    files = {a["filename"]: a for a in created.json()["attachments"]}
    image, image_body = download(client, files["photo.png"]["token"])
    page, page_body = download(client, files["page.html"]["token"])

    assert created.status_code == 201, created.content
    assert image_body == PNG
    assert image["Content-Type"] == "image/png"
    assert image["Content-Disposition"].startswith("inline")
    assert page_body == HTML
    assert page["Content-Type"] == "application/octet-stream"
    assert page["Content-Disposition"].startswith("attachment")
    for response in (image, page):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"].startswith("sandbox")


def test_oversize_attachment_is_refused_with_a_clear_detail(world: World, settings: Any) -> None:
    settings.ATIENDE_MAX_ATTACHMENT_BYTES = 2 * 1_048_576
    client = client_for(world, "agent_a")
    before = (Message.objects.count(), Attachment.objects.count())

    response = upload(
        client,
        f"/api/conversations/{world.conversation_a.pk}/messages/upload",
        [("huge.png", PNG + b"\x00" * 3 * 1_048_576)],
        kind="note",
        text="big file",
    )

    assert response.status_code == 413
    assert response.json()["detail"] == "huge.png is too large; the limit is 2 MB."
    assert (Message.objects.count(), Attachment.objects.count()) == before


def test_programs_are_refused_whatever_their_name(world: World) -> None:
    client = client_for(world, "agent_a")

    response = upload(
        client,
        f"/api/conversations/{world.conversation_a.pk}/messages/upload",
        [("invoice.pdf", EXE)],
        kind="note",
        text="x",
    )

    assert response.status_code == 400
    assert "programs and scripts" in response.json()["detail"]


def test_too_many_files_are_refused(world: World, settings: Any) -> None:
    settings.ATIENDE_MAX_ATTACHMENTS_PER_MESSAGE = 2
    response = upload(
        client_for(world, "agent_a"),
        f"/api/conversations/{world.conversation_a.pk}/messages/upload",
        [(f"p{n}.png", PNG) for n in range(3)],
        kind="note",
        text="x",
    )

    assert response.status_code == 400
    assert "At most 2 files" in response.json()["detail"]


def test_customer_uploads_to_their_own_conversation_only(world: World) -> None:
    client = customer_client(world.customer_a)

    own = upload(
        client,
        f"/api/me/conversations/{world.conversation_a.pk}/messages/upload",
        [("s.png", PNG)],
        text="screenshot",
    )
    other = upload(
        client,
        f"/api/me/conversations/{world.conversation_b.pk}/messages/upload",
        [("s.png", PNG)],
        text="screenshot",
    )

    assert own.status_code == 201
    assert [a["filename"] for a in own.json()["attachments"]] == ["s.png"]
    assert other.status_code == 404


def test_access_is_decided_at_each_download(world: World) -> None:
    client = client_for(world, "agent_a")
    token = world.attachment_a.token
    first, _body = download(client, token)
    client_for(world, "admin").patch(
        f"/api/conversations/{world.conversation_a.pk}",
        f'{{"team_id": {world.team_b.pk}}}',
        content_type="application/json",
    )

    later, _ = download(client, token)

    assert (first.status_code, later.status_code) == (200, 404)
