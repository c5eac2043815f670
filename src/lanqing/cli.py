"""The `lanqing` command: one entry point for every process and administrative task."""

from __future__ import annotations

import argparse
import gc
import getpass
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lanqing import webserver
from lanqing.audit.actor import acting, command_actor
from lanqing.bootstrap import command_add, django_setup
from lanqing.cli_language import gettext as _
from lanqing.config import ConfigError, secret_key_file_ensure

# Models and services are imported inside each command, after django_setup(): Django must be configured
# before they load, and the commands that need no database start without it.
# `lanqing demo` imports its runner when run: the demo catalogue loads the standards and numpy at import.

# Sub-packages that add their own sub-commands; optional so that a partial install still runs.
# The order is the order of `lanqing --help`.
PLUGIN_MODULES = (
    "lanqing.standards.cli",
    "lanqing.receiver.cli",
    "lanqing.simulator.cli",
    "lanqing.monitoring.cli",
    "lanqing.registry.cli",
    "lanqing.backup.cli",
)
# The worker loop sleeps in steps of this many seconds and looks for queued jobs every few steps.
WORKER_STEP = 0.1
WORKER_POLL_STEPS = 2


def cmd_init(args: argparse.Namespace) -> int:
    """Creates or upgrades the database and collects static files; safe to run again."""
    try:
        key_file = secret_key_file_ensure()
    except ConfigError as error:
        print(f"lanqing init: {error}", file=sys.stderr)
        return 2
    django_setup()
    from lanqing.instance import database_label, instance_prepare

    if key_file is not None:
        print(_("lanqing: a new secret key was written to %(file)s (readable by its owner only)") % {
            "file": key_file})
    instance_prepare()
    print(_("lanqing: database ready: %(database)s") % {"database": database_label()})
    if args.county:
        return _county_set_up(args.county)
    return 0


def _county_set_up(code: str) -> int:
    from lanqing.org.divisions import DivisionError, county_load
    from lanqing.org.units import county_bureau_ensure

    try:
        county, loaded = county_load(code)
    except DivisionError as error:
        for line in error.errors:
            print(f"lanqing init: {line}", file=sys.stderr)
        return 1
    bureau, created = county_bureau_ensure(county=county)
    print(_("lanqing: %(county)s: %(created)s divisions added, %(updated)s renamed, %(unchanged)s unchanged") % {
        "county": county.name, "created": loaded.created, "updated": loaded.updated,
        "unchanged": loaded.unchanged})
    print((_("lanqing: bureau unit created: %(name)s") if created else _("lanqing: bureau unit: %(name)s")) % {
        "name": bureau.name})
    return 0


def cmd_divisions_usage(args: argparse.Namespace) -> int:
    print(_("usage: lanqing divisions load CODE|FILE"), file=sys.stderr)
    return 2


def cmd_divisions_load(args: argparse.Namespace) -> int:
    """Loads a shipped county by its code, or the statistics bureau's division list from a file."""
    django_setup()
    from lanqing.org.divisions import DivisionError, county_load, divisions_load

    source = args.source
    path = Path(source)
    try:
        if source.strip().isdigit() and not path.exists():
            county, loaded = county_load(source)
            label = county.name
        else:
            try:
                data = path.read_bytes()
            except OSError as exc:
                reason = _("cannot read %(file)s: %(reason)s") % {"file": path, "reason": exc.strerror}
                print(f"lanqing divisions load: {reason}", file=sys.stderr)
                return 2
            loaded, label = divisions_load(data), path.name
    except DivisionError as error:
        for line in error.errors:
            print(f"lanqing divisions load: {path.name}: {line}", file=sys.stderr)
        print(_("Nothing was loaded."), file=sys.stderr)
        return 1
    print(_("lanqing: %(county)s: %(created)s divisions added, %(updated)s renamed, %(unchanged)s unchanged") % {
        "county": label, "created": loaded.created, "updated": loaded.updated, "unchanged": loaded.unchanged})
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Django's deployment checks and ours; exits 1 on any setting unsafe in production."""
    django_setup()
    from django.conf import settings
    from django.core import checks

    problems = []
    if settings.DEBUG:
        problems.append(_("LANQING_DEBUG is true: error pages would show code and settings to anyone"))
    if not settings.HTTPS:
        problems.append(_("LANQING_HTTPS is false: passwords and session cookies would cross the network in "
                          "clear"))
    if not settings.ALLOWED_HOSTS or "*" in settings.ALLOWED_HOSTS or set(settings.ALLOWED_HOSTS) <= {
            "localhost", "127.0.0.1", "[::1]"}:
        problems.append(_("LANQING_ALLOWED_HOSTS must name the site's own host names (not * and not only "
                          "localhost)"))
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(_("LANQING_DATABASE_URL is SQLite: production runs on PostgreSQL (README, Production)"))
    # The redirect to HTTPS and HSTS preloading are nginx's business in our set-up; the host's subdomains are
    # other offices' sites, which HSTS must not bind.
    ignored = {"security.W005", "security.W008", "security.W021"}
    for message in checks.run_checks(include_deployment_checks=True):
        if message.level >= checks.WARNING and message.id not in ignored:
            problems.append(f"{message.id}: {message.msg}")
    for problem in problems:
        print(f"lanqing check: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(_("lanqing check: no unsafe setting found"))
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    """Serves the site and API with waitress (a production WSGI server written in pure Python); with --public,
    the public pages only."""
    if args.public:
        os.environ["LANQING_PUBLIC_SITE"] = "1"
    django_setup()
    from django.urls import get_resolver

    from lanqing.wsgi import application

    # Every view module imported now, then everything made so far (Django, the apps, the URL configuration:
    # about 180,000 objects) moved out of the garbage collector's sight: a full collection walked them all
    # every few hundred requests, pausing every thread for about 60 ms.
    get_resolver().url_patterns  # noqa: B018 - evaluated for its imports
    gc.collect()
    gc.freeze()
    try:
        server = webserver.server_create(application, host=args.host, port=args.port, threads=args.threads,
                                         connection_limit=args.connection_limit,
                                         header_timeout=args.header_timeout)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        print(_("lanqing web: cannot listen on %(host)s:%(port)s: %(reason)s") % {
            "host": args.host, "port": args.port, "reason": reason}, file=sys.stderr)
        return 1
    url = f"http://{args.host}:{server.effective_port}/"
    print((_("lanqing: public site on %(url)s") if args.public else _("lanqing: web on %(url)s")) % {"url": url},
          flush=True)
    server.run()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    django_setup()
    from django.db import DatabaseError, close_old_connections, connections

    from lanqing.jobs.services import job_waiting, worker_name, worker_pass

    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    name = worker_name()
    while True:
        close_old_connections()
        try:
            ran = worker_pass(worker=name)
        except DatabaseError as error:
            if not args.loop:
                raise
            # The database refused this pass (another writer kept it locked past the retries, or it is
            # unreachable): the worker lives on and the next pass tries again. A job it had claimed is offered
            # again once its claim is stale.
            print(f"lanqing worker: a pass failed on the database ({error}); trying again", file=sys.stderr,
                  flush=True)
            connections.close_all()
            ran = 0
        if not args.loop or stopping:
            print(_("lanqing worker: %(count)s jobs run") % {"count": ran})
            return 0
        # Sleep in short steps so SIGTERM stops the worker promptly between jobs, and look for queued jobs at
        # each step: the judgement the receiver queues with new hourly values starts within a step, not
        # after the interval, which paces the periodic tasks.
        for step in range(int(args.interval / WORKER_STEP)):
            if stopping:
                return 0
            time.sleep(WORKER_STEP)
            if step % WORKER_POLL_STEPS == WORKER_POLL_STEPS - 1 and _job_waiting(job_waiting, DatabaseError):
                break


def _job_waiting(job_waiting: Callable[[], bool], errors: type[Exception]) -> bool:
    """Whether a job waits; a database that cannot answer now is asked again at the next pass."""
    try:
        return job_waiting()
    except errors:
        return False


def cmd_createuser(args: argparse.Namespace) -> int:
    django_setup()
    from lanqing.org.accounts import AccountError, user_create

    password = args.password
    if password is None and args.password_file:
        try:
            password = Path(args.password_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            print(_("lanqing createuser: cannot read %(file)s: %(reason)s") % {
                "file": args.password_file, "reason": reason}, file=sys.stderr)
            return 2
    if password is None:
        if not sys.stdin.isatty():
            print(_("lanqing createuser: give --password-file or run in a terminal to type the password"),
                  file=sys.stderr)
            return 2
        password = getpass.getpass(_("Password: "))
    try:
        user = user_create(username=args.username, password=password, role=args.role, scope=args.scope,
                           full_name=args.name or "", superuser=args.superuser)
    except AccountError as error:
        print(f"lanqing createuser: {error}", file=sys.stderr)
        return 2
    print(_("lanqing: user %(username)s created (%(role)s)") % {"username": user.username, "role": args.role})
    return 0


def cmd_createtoken(args: argparse.Namespace) -> int:
    django_setup()
    from django.contrib.auth import get_user_model

    from lanqing.api.models import ApiToken

    user = get_user_model().objects.filter(username=args.username, is_active=True).first()
    if user is None:
        print(_("lanqing createtoken: no active user %(username)s") % {"username": repr(args.username)},
              file=sys.stderr)
        return 2
    _token, raw = ApiToken.issue(user=user, name=args.name)
    print(raw)
    return 0


def cmd_open311_key(args: argparse.Namespace) -> int:
    """Issues an api_key for an Open311 app; only its digest is stored, so it is printed once."""
    django_setup()
    from lanqing.public.models import Open311Key

    name = args.name.strip()
    if not name:
        print("lanqing open311-key: give the app's name", file=sys.stderr)
        return 2
    _key, raw = Open311Key.issue(name=name)
    print(raw)
    return 0


def cmd_import_measurements(args: argparse.Namespace) -> int:
    django_setup()
    from lanqing.monitoring.imports import describe_error, import_measurements

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(_("lanqing import-measurements: cannot read %(file)s: %(reason)s") % {
            "file": path, "reason": exc.strerror}, file=sys.stderr)
        return 2
    result = import_measurements(data)
    for error in result.errors:
        print(_("%(file)s: line %(line)s, column %(column)s: %(reason)s") % {
            "file": path.name, "line": error.line, "column": error.column,
            "reason": describe_error(error.as_dict())}, file=sys.stderr)
    print(result.summary())
    if result.file_error:
        return 2
    return 1 if result.errors else 0


def cmd_manage(args: argparse.Namespace) -> int:
    django_setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["lanqing manage", *args.arguments])
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from lanqing.demo.runner import run_demo

    return run_demo(port=args.port, host=args.host, reset=args.reset, days=args.days,
                    receiver_port=args.receiver_port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lanqing",
        description=_("lanqing (蓝清): the ecological-environment protection platform of a county."),
    )
    parser.add_argument("--data-dir", help=_("folder for the SQLite file, uploads and secrets (LANQING_DATA_DIR)"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        return command_add(sub, name, func, help_text)

    demo = add("demo", cmd_demo, _("run everything with the Gu County demo data in the foreground until Ctrl-C"))
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--receiver-port", type=int, default=9212, help=_("TCP port of the demo's HJ 212 receiver"))
    demo.add_argument("--days", type=int, default=365, help=_("days of hourly demo data (first run only)"))
    demo.add_argument("--reset", action="store_true", help=_("delete the demo database and build it again"))

    web = add("web", cmd_web, _("serve the web site and the JSON API"))
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, default=8000)
    # Four, as waitress's own default: the pages are Python's work, which one process does on one core at a
    # time, and each SQLite call hands the interpreter to another thread and waits to get it back. Under 20
    # clients the bureau's workbench was served at 28–32 a second with 20 threads, 35–48 with 8, 50–55 with 4.
    web.add_argument("--threads", type=int, default=4,
                     help=_("requests served at once (more wait their turn); default 4"))
    web.add_argument("--connection-limit", type=int, default=webserver.CONNECTION_LIMIT,
                     help=_("open connections served at once; more wait to be accepted"))
    web.add_argument("--header-timeout", type=float, default=webserver.HEADER_TIMEOUT,
                     help=_("seconds a client may take to send a request's headers before it is cut off"))
    web.add_argument("--public", action="store_true",
                     help=_("serve only the public pages (reports, tracking), for a site on the internet"))

    worker = add("worker", cmd_worker, _("run queued and periodic background jobs (one pass, or --loop)"))
    worker.add_argument("--loop", action="store_true", help=_("keep running until SIGTERM"))
    worker.add_argument("--interval", type=float, default=2.0,
                        help=_("seconds between passes with --loop (queued jobs are looked for every 0.2 s)"))

    add("check", cmd_check, _("check the settings for production; exits 1 on anything unsafe"))

    init = add("init", cmd_init, _("create or upgrade the database and collect static files"))
    init.add_argument("--county", help=_("also load this county's divisions (its 6-digit code, e.g. 141025 for "
                                         "古县) and create its environment bureau unit"))

    divisions = add("divisions", cmd_divisions_usage, _("administrative divisions"))
    divisions_sub = divisions.add_subparsers(dest="divisions_command", metavar="ACTION")
    load = divisions_sub.add_parser("load", help=_("load a county that ships with lanqing by its code (141025), "
                                                   "or a division list (CSV or XLSX: 12-digit code, name, parent "
                                                   "code)"))
    load.add_argument("source", help=_("a county code, or a CSV/XLSX file"))
    load.set_defaults(func=cmd_divisions_load)

    open311_key = add("open311-key", cmd_open311_key, _("issue an api_key for an Open311 app that files reports"))
    open311_key.add_argument("name", help=_("the app's name, to recognise its key later"))

    createuser = add("createuser", cmd_createuser, _("create a user with one role and its scope"))
    createuser.add_argument("username")
    createuser.add_argument("--role", required=True,
                            choices=["leadership", "bureau", "unit", "township", "grid_officer", "enterprise"])
    createuser.add_argument("--scope", default="",
                            help=_("division code (leadership, township, grid officer), unit name (bureau, unit) "
                                   "or credit code (enterprise)"))
    createuser.add_argument("--name", help=_("full name shown in the interface"))
    createuser.add_argument("--password", help=argparse.SUPPRESS)
    createuser.add_argument("--password-file", help=_("read the password from this file"))
    createuser.add_argument("--superuser", action="store_true", help=_("may also use the administration pages"))

    token = add("createtoken", cmd_createtoken, _("make an API key that acts as a user (printed once)"))
    token.add_argument("username")
    token.add_argument("--name", default="script", help=_("what the key is for"))

    imp = add("import-measurements", cmd_import_measurements,
              _("import measurements from a CSV (UTF-8 or GBK) or XLSX file"))
    imp.add_argument("file")

    manage = add("manage", cmd_manage, _("run a Django management command (migrate, shell, …)"))
    manage.add_argument("arguments", nargs=argparse.REMAINDER)

    for module_name in PLUGIN_MODULES:
        try:
            module = __import__(module_name, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    if getattr(args, "data_dir", None):
        os.environ["LANQING_DATA_DIR"] = str(Path(args.data_dir).resolve())
    try:
        # Changes a command makes are audited as the OS user's, with the command's name.
        with acting(command_actor(args.command)):
            return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    finally:
        # A process that runs several commands (a script or a test calling main()) gets its own language back.
        if "django.utils.translation" in sys.modules:
            sys.modules["django.utils.translation"].deactivate()
