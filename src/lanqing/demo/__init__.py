"""The Gu County demo: real divisions, fictional enterprises and sites, a year of hourly data from a seed.

`catalogue`, `geo` and `series` need no Django; `load` writes to the database. The loading functions are
imported on first use so that `lanqing.demo.series` can be used (and tested) without configured settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lanqing.demo.catalogue import DEMO_ACCOUNTS, DEMO_DEVICE_PASSWORD, DEMO_PASSWORD, DemoAccount

if TYPE_CHECKING:
    from lanqing.demo.load import DemoAlreadyLoaded, DemoError, DemoSummary, demo_load, demo_loaded

__all__ = ["DEMO_ACCOUNTS", "DEMO_DEVICE_PASSWORD", "DEMO_PASSWORD", "DemoAccount", "DemoAlreadyLoaded",
           "DemoError", "DemoSummary", "demo_load", "demo_loaded"]

_FROM_LOAD = {"DemoAlreadyLoaded", "DemoError", "DemoSummary", "demo_load", "demo_loaded"}


def __getattr__(name: str):
    if name in _FROM_LOAD:
        from lanqing.demo import load

        return getattr(load, name)
    raise AttributeError(f"module 'lanqing.demo' has no attribute {name!r}")
