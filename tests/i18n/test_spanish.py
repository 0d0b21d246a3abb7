"""Spanish is complete: every catalog under src/atiende is fully translated (no empty, no fuzzy
entry, same placeholders), each committed .mo matches its .po, and the agent UI renders in
Spanish from the browser's Accept-Language or after switching with the top-bar selector."""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

import atiende
from tests.factories import Factory

SOURCE = Path(atiende.__file__).resolve().parent
CATALOGS = sorted(SOURCE.rglob("locale/*/LC_MESSAGES/*.po"))
PLACEHOLDER = re.compile(
    r"%\([^)]+\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]|%[#0 +-]*\d*(?:\.\d+)?[sdifr]|%%"
)


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def translations(self) -> dict[str, str]:
        return {k: v for k, v in self.fields.items() if k.startswith("msgstr")}

    @property
    def key(self) -> str:
        """The key gettext uses in a compiled catalog (context, then EOT, then msgid)."""
        if "msgctxt" in self.fields:
            return self.fields["msgctxt"] + "\x04" + self.msgid
        return self.msgid


def parse_po(path: Path) -> list[Entry]:
    """A small .po reader: enough for what makemessages and msgmerge write."""
    entries: list[Entry] = []
    current: Entry | None = None
    key = ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current = None
            continue
        if line.startswith("#~"):  # an obsolete entry: not shipped
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current.fields[key] += ast.literal_eval(line)
        else:
            key, _sep, value = line.partition(" ")
            current.fields[key] = ast.literal_eval(value)
    return entries


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_catalogs_are_found() -> None:
    relative = {path.relative_to(SOURCE).as_posix() for path in CATALOGS}
    assert "locale/es/LC_MESSAGES/django.po" in relative
    assert "portal/locale/es/LC_MESSAGES/django.po" in relative


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.relative_to(SOURCE).as_posix())
def test_every_entry_is_translated(path: Path) -> None:
    entries = parse_po(path)
    header = next(entry for entry in entries if entry.msgid == "")
    assert "fuzzy" not in header.flags, "the header is still marked fuzzy"
    language = path.parent.parent.name
    assert f"Language: {language}\n" in header.fields["msgstr"]
    assert "charset=UTF-8" in header.fields["msgstr"]
    problems = []
    for entry in entries:
        if not entry.msgid:
            continue
        where = f"{path.name}:{entry.line} {entry.msgid!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {where}")
        translations = entry.translations
        if not translations or any(not text for text in translations.values()):
            problems.append(f"untranslated: {where}")
            continue
        if "msgid_plural" in entry.fields:
            # A singular form may spell the number out ("una tarea"): a subset is enough.
            allowed = placeholders(entry.msgid) | placeholders(entry.fields["msgid_plural"])
            if any(not placeholders(text) <= allowed for text in translations.values()):
                problems.append(f"placeholders differ: {where}")
        elif placeholders(entry.fields["msgstr"]) != placeholders(entry.msgid):
            problems.append(f"placeholders differ: {where}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.relative_to(SOURCE).as_posix())
def test_compiled_catalog_matches_source(path: Path) -> None:
    """The .mo is committed (a machine without gettext still shows Spanish): it must be current."""
    compiled = path.with_suffix(".mo")
    assert compiled.exists(), f"{compiled} is missing: run compilemessages"
    with compiled.open("rb") as handle:
        catalog: dict[object, str] = getattr(gettext.GNUTranslations(handle), "_catalog")  # noqa: B009
    stale = []
    for entry in parse_po(path):
        if not entry.msgid:
            continue
        if "msgid_plural" in entry.fields:
            for name, text in entry.translations.items():
                index = int(name[len("msgstr[") : -1])
                if catalog.get((entry.key, index)) != text:
                    stale.append(f"{entry.msgid!r}[{index}]")
        elif catalog.get(entry.key) != entry.fields["msgstr"]:
            stale.append(repr(entry.msgid))
    assert not stale, f"{compiled.name} is older than its .po: " + ", ".join(stale)


def test_login_page_follows_accept_language(client: Client) -> None:
    response = client.get("/login/", headers={"accept-language": "es"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="es">' in html
    assert "Inicia sesión en la bandeja de entrada" in html
    assert "Nombre de usuario" in html
    assert "Contraseña" in html
    assert "Sign in" not in html


def test_inbox_after_switching_to_spanish(client: Client, factory: Factory) -> None:
    factory.user(role="admin", username="ana", password="pw-for-tests-only")
    factory.conversation(subject="Cobro duplicado")
    assert (
        client.post("/login/", {"username": "ana", "password": "pw-for-tests-only"}).status_code
        == 302
    )
    switched = client.post("/i18n/setlang/", {"language": "es", "next": "/inbox/"})
    assert switched.status_code == 302
    assert switched["Location"] == "/inbox/"

    html = client.get("/inbox/").content.decode()
    assert '<html lang="es">' in html
    for text in (
        "Mis conversaciones",
        "Sin asignar",
        "Todas las abiertas",
        "Por estado",
        "Buscar conversaciones",
        "Cliente",
        "Asunto",
        "Prioridad",
        "Última actividad",
        "Nueva",
        "Formulario de ayuda",
        "Cerrar sesión",
    ):
        assert text in html, text
    for text in ("Unassigned", "All open", "Sign out", "Last activity"):
        assert text not in html, text

    # Back to English with the same selector.
    client.post("/i18n/setlang/", {"language": "en", "next": "/inbox/"})
    assert "All open" in client.get("/inbox/").content.decode()


def test_one_message_has_one_translation_in_every_catalog() -> None:
    """Django merges the apps' catalogs and the first app listed wins: a message translated two
    ways would show one app's wording in another's page."""
    first: dict[tuple[str, str], tuple[str, str]] = {}
    conflicts = []
    for path in CATALOGS:
        where = path.relative_to(SOURCE).as_posix()
        language = path.parent.parent.name
        for entry in parse_po(path):
            if not entry.msgid or "msgid_plural" in entry.fields:
                continue
            key = (language, entry.key)
            translation = entry.fields.get("msgstr", "")
            seen = first.setdefault(key, (where, translation))
            if seen[1] != translation:
                conflicts.append(f"{entry.msgid!r}: {seen} vs {(where, translation)}")
    assert not conflicts, "\n".join(conflicts)


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: path.relative_to(SOURCE).as_posix())
def test_every_message_reads_as_its_catalog_says(path: Path) -> None:
    """Django's own catalogs (the admin's) take precedence over the apps': the admin's "Filter"
    ("Filtro", a noun) replaced the help center's and the account panel's button "Filtrar"."""
    language = path.parent.parent.name
    wrong = []
    with translation.override(language):
        for entry in parse_po(path):
            wanted = entry.fields.get("msgstr", "")
            if not entry.msgid or "msgid_plural" in entry.fields or not wanted:
                continue
            context = entry.fields.get("msgctxt")
            shown = (
                translation.pgettext(context, entry.msgid)
                if context is not None
                else translation.gettext(entry.msgid)
            )
            if shown != wanted:
                wrong.append(f"{entry.msgid!r} ({context}): {wanted!r} wanted, {shown!r} shown")
    assert not wrong, "\n".join(wrong)


def test_buttons_say_what_they_do() -> None:
    """Buttons are verbs: the routing panel's button read "Transferencia" (the section's noun),
    the help center editor's and the activity log's "Filtro"."""
    buttons = {
        "workflow/templates/workflow/_routing_panel.html": ("Transfer", "Transferir"),
        "helpcenter/templates/helpcenter/editor/list.html": ("Filter", "Filtrar"),
        "accounts/templates/accounts/panel/_access.html": ("Filter", "Filtrar"),
    }
    with translation.override("es"):
        for template, (english, spanish) in buttons.items():
            source = (SOURCE / template).read_text(encoding="utf-8")
            assert f'{{% translate "{english}" context "verb" %}}</button>' in source, template
            assert translation.pgettext("verb", english) == spanish
