"""Marked stops of outlets (停产, maintenance): their hours are no baseline for a warning's compliance."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from lanqing import texts
from lanqing.monitoring.models import Site, SiteKind
from lanqing.org import access
from lanqing.texts import gettext_noop
from lanqing.winter.lists import ListRefused
from lanqing.winter.models import OutletStop


def stop_mark(*, by, site: Site, starts_at: datetime, ends_at: datetime | None, note: str = "") -> OutletStop:
    access.require(by, "reduction.edit", site)
    if site.kind != SiteKind.OUTLET:
        raise ListRefused(texts.message(gettext_noop("Only an outlet is marked as stopped.")))
    if timezone.is_naive(starts_at) or (ends_at is not None and timezone.is_naive(ends_at)):
        raise ListRefused(texts.message(gettext_noop("Give times with their time zone.")))
    if ends_at is not None and ends_at <= starts_at:
        raise ListRefused(texts.message(gettext_noop("A stop ends after it starts.")))
    return OutletStop.objects.create(site=site, starts_at=starts_at, ends_at=ends_at, note=note.strip()[:200])


def stop_remove(*, by, stop: OutletStop) -> None:
    access.require(by, "reduction.edit", stop)
    stop.delete()
