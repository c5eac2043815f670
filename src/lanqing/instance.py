"""Preparing an installation: the database schema, the compiled catalogues, the static files and the factors.

Shared by ``lanqing init`` and ``lanqing demo``, which prepares its database the same way before loading the demo.
Every step is safe to run again. Call ``lanqing.bootstrap.django_setup()`` first.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command

from lanqing.monitoring.factors import factors_ensure
from lanqing.web.assets import compile_catalogues


def instance_prepare() -> None:
    """Creates or upgrades the database, compiles the catalogues, collects static files and ensures the factors."""
    call_command("migrate", interactive=False, verbosity=0)
    compile_catalogues()
    call_command("collectstatic", interactive=False, verbosity=0)
    factors_ensure()


def database_label() -> str:
    """The default database as a person reads it: the SQLite file, or PostgreSQL's host, port and name."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        return f"SQLite {database['NAME']}"
    return f"PostgreSQL {database['HOST']}:{database['PORT']}/{database['NAME']}"
