"""The agents' editor: who may edit, saving with revisions and restore, preview, publishing."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from atiende.helpcenter.models import ArticleRevision, ArticleTranslation, HelpImage, Status
from atiende.people.models import Role
from tests.factories import Factory
from tests.helpcenter.conftest import HelpCenter

pytestmark = pytest.mark.django_db

# A 1x1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def signed_in(client: Client, factory: Factory, role: str) -> Client:
    client.force_login(factory.user(role=role))
    return client


def test_agents_read_the_editor_but_cannot_change_anything(
    client: Client, factory: Factory, help_center: HelpCenter
) -> None:
    signed_in(client, factory, Role.AGENT)
    pk = help_center.change_plan.pk

    listing = client.get("/inbox/helpcenter/")
    edit = client.post(f"/inbox/helpcenter/{pk}/en/", {"title": "Hacked", "body": "x"})
    publish = client.post(f"/inbox/helpcenter/{pk}/en/status/", {"status": "draft"})

    assert listing.status_code == 200
    assert "Change your plan" in listing.content.decode()
    assert edit.status_code == 403
    assert publish.status_code == 403
    assert ArticleTranslation.objects.get(article_id=pk, language="en").title == "Change your plan"


def test_the_list_speaks_the_agents_language(
    client: Client, factory: Factory, help_center: HelpCenter
) -> None:
    # A Spanish agent read every title and place in English ("Plans and billing / Your plan").
    signed_in(client, factory, Role.AGENT)

    spanish = client.get("/inbox/helpcenter/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = client.get("/inbox/helpcenter/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Cambiar de plan" in spanish
    assert "Planes y facturación / Tu plan" in spanish
    assert "Plans and billing / Your plan" not in spanish
    assert "Plans and billing / Your plan" in english


def test_editor_requires_sign_in(client: Client, help_center: HelpCenter) -> None:
    response = client.get("/inbox/helpcenter/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_supervisor_creates_edits_publishes_and_restores(
    client: Client, factory: Factory, help_center: HelpCenter
) -> None:
    signed_in(client, factory, Role.SUPERVISOR)

    created = client.post(
        "/inbox/helpcenter/new/",
        {"section": help_center.playback.pk, "language": "en", "title": "Sync your devices"},
    )
    translation = ArticleTranslation.objects.get(title="Sync your devices")
    pk = translation.article_id
    assert created["Location"] == f"/inbox/helpcenter/{pk}/en/"
    form = {
        "title": "Sync your devices",
        "body": "Sign in with the **same account** on every device.",
        "questions": "My phone and laptop show different playlists\nsync not working",
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "0",
        "steps-0-text": "Open Settings on each device.",
        "steps-0-image": SimpleUploadedFile("step.png", PNG, content_type="image/png"),
        "steps-0-image_alt": "The Settings screen",
        "steps-1-text": "",
    }
    client.post(f"/inbox/helpcenter/{pk}/en/", form)
    image = HelpImage.objects.get()
    second = {"title": "Sync devices (v2)", "steps-0-image": "", "steps-0-keep_image": image.pk}
    client.post(f"/inbox/helpcenter/{pk}/en/", form | second)
    client.post(f"/inbox/helpcenter/{pk}/en/status/", {"status": "published"})

    translation.refresh_from_db()
    assert translation.title == "Sync devices (v2)"
    assert translation.status == Status.PUBLISHED
    assert (
        translation.body_html
        == "<p>Sign in with the <strong>same account</strong> on every device.</p>\n"
    )
    step = translation.steps.get()
    assert step.text == "Open Settings on each device."
    assert step.image == image
    assert list(translation.article.questions.values_list("text", flat=True)) == [
        "My phone and laptop show different playlists",
        "sync not working",
    ]
    numbers = list(translation.revisions.values_list("number", "title", "status"))
    assert numbers == [
        (4, "Sync devices (v2)", "published"),
        (3, "Sync devices (v2)", "draft"),
        (2, "Sync your devices", "draft"),
        (1, "Sync your devices", "draft"),
    ]
    history = client.get(f"/inbox/helpcenter/{pk}/en/revisions/")
    assert "Restore revision 2" in history.content.decode()

    client.post(f"/inbox/helpcenter/{pk}/en/revisions/2/restore/")

    translation.refresh_from_db()
    assert translation.title == "Sync your devices"
    assert translation.status == Status.PUBLISHED
    assert translation.steps.get().image == step.image
    latest = ArticleRevision.objects.filter(translation=translation).first()
    assert latest is not None
    assert latest.note == "Restored revision 2"


def test_live_preview_is_sanitised(client: Client, factory: Factory) -> None:
    signed_in(client, factory, Role.SUPERVISOR)

    response = client.post(
        "/inbox/helpcenter/preview/",
        {"body": "**Hi** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=1>"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert "<strong>Hi</strong>" in html
    assert "<script" not in html
    assert 'href="javascript' not in html
    assert "<img" not in html


def test_image_upload_accepts_raster_refuses_svg_and_serves_safely(
    client: Client, factory: Factory
) -> None:
    signed_in(client, factory, Role.ADMIN)

    refused = client.post(
        "/inbox/helpcenter/images/",
        {"image": SimpleUploadedFile("x.svg", SVG, content_type="image/svg+xml")},
    )
    accepted = client.post(
        "/inbox/helpcenter/images/",
        {"image": SimpleUploadedFile("x.png", PNG, content_type="image/png"), "alt": "Logo"},
    )

    assert "Only PNG, JPEG, GIF and WebP" in refused.content.decode()
    image = HelpImage.objects.get()
    assert f"![Logo](/hc/images/{image.token}/)" in accepted.content.decode()
    served = Client().get(f"/hc/images/{image.token}/")
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]
    # Read to the end: the test client then finishes the request without closing the database
    # connection (calling close() would, inside the test's transaction).
    assert b"".join(served.streaming_content) == PNG  # type: ignore[attr-defined]  # a FileResponse
    assert Client().get("/hc/images/not-a-token/").status_code == 404


def test_new_language_translation_and_structure(
    client: Client, factory: Factory, help_center: HelpCenter
) -> None:
    signed_in(client, factory, Role.ADMIN)
    pk = help_center.english_only.pk

    client.post(
        f"/inbox/helpcenter/{pk}/pt/",
        {"title": "Corrigir erros de reprodução", "body": "Reinicie o alto-falante.",
         "steps-TOTAL_FORMS": "0", "steps-INITIAL_FORMS": "0"},
    )  # fmt: skip
    client.post(
        "/inbox/helpcenter/structure/",
        {"rename": "1", "kind": "section", "target": help_center.playback.pk,
         "language": "pt", "name": "Reprodução"},
    )  # fmt: skip

    assert ArticleTranslation.objects.get(article_id=pk, language="pt").slug == (
        "corrigir-erros-de-reproducao"
    )
    assert help_center.playback.translations.get(language="pt").name == "Reprodução"


def test_supervisor_marks_a_category_sensitive(
    client: Client, factory: Factory, help_center: HelpCenter
) -> None:
    from atiende.helpcenter.content import published_documents

    signed_in(client, factory, Role.SUPERVISOR)
    category = help_center.playback.category

    client.post(
        "/inbox/helpcenter/structure/", {"sensitive_category": category.pk, "sensitive": "1"}
    )

    category.refresh_from_db()
    assert category.sensitive is True
    offline = [d for d in published_documents() if d.article_id == help_center.offline.pk]
    assert all(d.sensitive for d in offline)
