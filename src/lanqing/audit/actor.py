"""Who is acting now, for the audit trail: set by the request middleware and by ``lanqing`` commands.

No Django import here, so the command-line entry point can set it before Django is set up.
"""

from __future__ import annotations

import contextvars
import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """`channel`: a lanqing.audit.models.Channel value. `request`: its user is read when a change is recorded,
    since the API signs a token's user in inside the view, after the middleware has run."""

    channel: str
    source: str = ""
    name: str = ""
    user: Any = None
    request: Any = None


SYSTEM = Actor("system", name="system")
_current: contextvars.ContextVar[Actor] = contextvars.ContextVar("lanqing_audit_actor", default=SYSTEM)


@contextmanager
def acting(actor: Actor) -> Iterator[None]:
    """Changes made inside are recorded as made by `actor`."""
    token = _current.set(actor)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> Actor:
    return _current.get()


def command_actor(command: str) -> Actor:
    """A ``lanqing`` command: the OS user who ran it ("system" when there is none) and the command's name."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "system"
    return Actor("cli", source=f"lanqing {command}", name=name)
