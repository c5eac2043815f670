"""Links the warning's page shows from the layers above (the episode report of lanqing.reports): they register
a provider from their AppConfig.ready(), since winter cannot import them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User

from lanqing.winter.models import PollutionWarning


@dataclass(frozen=True)
class WarningLink:
    label: str  # already in the reader's language
    url: str
    method: str = "get"  # "post": shown as a button in a form


Provider = Callable[[User, PollutionWarning], list[WarningLink]]
_PROVIDERS: list[Provider] = []


def register_warning_links(provider: Provider) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def warning_links(user: User, warning: PollutionWarning) -> list[WarningLink]:
    return [link for provider in _PROVIDERS for link in provider(user, warning)]
