"""What the benchmarks of `lanqing web` share: a free port, waiting for the server, signing in, and concurrent
clients asking for a page, each request timed from sending to the last byte read.

Not a benchmark itself (benchmarks/run.py runs only bench_*.py); a bench file imports it after putting this
folder on sys.path, so that it works both run alone and through run.py.
"""

from __future__ import annotations

import http.cookiejar
import re
import socket
import threading
import time
import urllib.parse
import urllib.request

DEMO_PASSWORD = "lanqing-demo-2026"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, *, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def sign_in(base: str, username: str, password: str = DEMO_PASSWORD) -> http.cookiejar.CookieJar:
    """The cookies of a session signed in through the login page, as a browser does it."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/").read().decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if found is None:
        raise RuntimeError(f"{base}/login/ has no CSRF token")
    data = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrfmiddlewaretoken": found.group(1)}).encode()
    opener.open(urllib.request.Request(f"{base}/login/", data=data, headers={"Referer": f"{base}/login/"})).read()
    if not any(cookie.name == "sessionid" for cookie in jar):
        raise RuntimeError(f"{username} could not sign in")
    return jar


def openers(clients: int, jar: http.cookiejar.CookieJar | None = None) -> list:
    """One opener per client, each with its own copy of `jar`'s cookies (none: anonymous clients)."""
    made = []
    for _ in range(clients):
        copy = http.cookiejar.CookieJar()
        for cookie in jar or ():
            copy.set_cookie(cookie)
        made.append(urllib.request.build_opener(urllib.request.HTTPCookieProcessor(copy)))
    return made


def load(clients: list, url: str, per_client: int) -> list[float]:
    """Every client asks for `url` per_client times, one request after another, all clients at once; the
    seconds of each request. Any failure (an error, a status other than 200, a signed-in client sent to the
    login page) ends the run with the first one's reason."""
    timings: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client(opener) -> None:
        mine = []
        for _ in range(per_client):
            started = time.perf_counter()
            try:
                with opener.open(url, timeout=600) as response:
                    response.read()
                    sent_to_login = "/login/" in response.url and "/login/" not in url
                    if response.status != 200 or sent_to_login:
                        failures.append(f"{url}: HTTP {response.status} at {response.url}")
                        return
            except OSError as error:
                failures.append(f"{url}: {error}")
                return
            mine.append(time.perf_counter() - started)
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=client, args=(opener,)) for opener in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(failures[0])
    return timings


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def threads_arguments(argv: list[str]) -> list[str]:
    """`lanqing web`'s thread option as a benchmark was asked (``--threads N``); none by default, so the server
    runs as the README's production section starts it."""
    if "--threads" in argv:
        index = argv.index("--threads")
        if index + 1 < len(argv) and argv[index + 1].isdigit():
            return ["--threads", argv[index + 1]]
        raise SystemExit("--threads needs a number")
    return []
