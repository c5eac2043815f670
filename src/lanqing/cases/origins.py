"""Where a case came from, when that is a record of an app above cases (a public report, …).

Cases sit below those apps (docs/architecture.md), so the case page cannot import them. Each such app registers
a provider from its ``AppConfig.ready()``; the case page asks every provider for a link, and a provider answers
only when the user may open what it links to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from lanqing.cases.models import Case


@dataclass(frozen=True)
class Origin:
    label: str | Promise
    url: str
    # Names the kind of record, for the page's data-testid (e.g. "complaint").
    kind: str


# (user, case) -> the link to the record the case came from, or None when there is none or the user may not see it.
OriginProvider = Callable[[Any, Case], Origin | None]

_providers: dict[str, OriginProvider] = {}


def origin_provider_register(kind: str, provider: OriginProvider) -> None:
    # Keyed by kind, so a second ready() (tests reloading apps) replaces rather than duplicates.
    _providers[kind] = provider


def origins_for(user, case: Case) -> list[Origin]:
    found = []
    for provider in _providers.values():
        origin = provider(user, case)
        if origin is not None:
            found.append(origin)
    return found
