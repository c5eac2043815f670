"""What every command-line module shares: Django set-up, the one place that names the settings module, and the
way a sub-command is added.

A ``cli`` module calls ``django_setup()`` before it imports models or services, so the commands that need no
database (``lanqing --help``, ``lanqing simulate``) start without loading Django.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lanqing.settings")
    import django

    django.setup()
    from django.utils import translation

    from lanqing.cli_language import language

    # The command line speaks the site's language (LANQING_LANGUAGE, which the settings have just checked),
    # like the pages: messages that services build with Django's gettext follow it, as the CLI's own do.
    translation.activate(language())


def command_add(
    sub: Any, name: str, func: Callable[[argparse.Namespace], int], help_text: str
) -> argparse.ArgumentParser:
    """Adds the sub-command ``name`` running ``func``; it accepts ``--data-dir`` after its name as well."""
    command = sub.add_parser(name, help=help_text, description=help_text)
    command.add_argument("--data-dir", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    command.set_defaults(func=func)
    return command
