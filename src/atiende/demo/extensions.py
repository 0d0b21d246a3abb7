"""How other apps add their part to the Sonora demo without editing the loader.

An app registers in `AppConfig.ready()`:

    demo_extensions.register("helpcenter", load=load_articles, sign_in=lines, order=10)

`load(builder)` runs inside the demo's transaction after the core demo (teams, agents, inboxes,
customers, conversations) exists: `builder.teams` (slug -> Team), `builder.people`
(username -> User), `builder.inboxes` (key -> Inbox), `builder.now` and `builder.rng` (seeded)
are there to build on. Event subscribers are suspended while the demo loads. `sign_in()`
returns extra lines `load_demo` prints after the sign-in details (e.g. the chat demo page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Load = Callable[[Any], None]
SignIn = Callable[[], list[str]]


@dataclass(frozen=True)
class Extension:
    name: str
    load: Load | None
    sign_in: SignIn | None
    order: int


_extensions: dict[str, Extension] = {}


def register(
    name: str, *, load: Load | None = None, sign_in: SignIn | None = None, order: int = 100
) -> None:
    _extensions[name] = Extension(name, load, sign_in, order)


def extensions() -> list[Extension]:
    return sorted(_extensions.values(), key=lambda item: (item.order, item.name))
