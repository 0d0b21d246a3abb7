from __future__ import annotations

import pytest

from atiende.core.languages import site_language


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        (("es", "en"), "es"),
        (("es-MX",), "es"),
        (("ES",), "es"),
        (("", None, "en-GB"), "en"),
        (("pt-BR", "es"), "es"),  # the site does not speak Portuguese: the next one it does
        (("pt-BR", "fr"), "en"),  # none: the site's default
        ((), "en"),
    ],
)
def test_the_first_language_the_site_speaks_else_its_default(
    candidates: tuple[str | None, ...], expected: str
) -> None:
    assert site_language(*candidates) == expected
