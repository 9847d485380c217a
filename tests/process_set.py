"""The production process set, started as the README's first command does:
``honcho start`` with the repository's Procfile (web under gunicorn with two
workers, the job worker, the scheduler), against a fresh SQLite file on a
free 127.0.0.1 port, the scheduler's jobs every ``interval`` seconds
(``SCHEDULER_INTERVAL``). Used by tests/scheduler/test_process_set.py and
the browser test tests/browser/test_process_set_draw.py.

Bounded: waiting for the web gives up after ``timeout`` seconds; stopping
sends SIGTERM to honcho's process group (honcho stops its three processes),
then SIGKILL after 30 seconds.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"


@dataclass
class ProcessSet:
    url: str  # the web's base URL
    database_url: str
    root: Path
    process: subprocess.Popen  # honcho
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def processes(self) -> dict[int, str]:
        """pid -> command line of honcho's descendants."""
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
        found, frontier = {}, {self.process.pid}
        while frontier:
            children = {pid for pid, parent in parents.items() if parent in frontier and pid not in found}
            for pid in children:
                try:
                    found[pid] = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                except OSError:
                    pass
            frontier = children
        return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{what}: not within {timeout} s")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def migrated(url: str) -> None:
    from inspect_app.db import make_engine, upgrade

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


def app_for(database_url: str):
    """An app on the set's database, for the test's own set-up and checks."""
    from inspect_app import create_app

    return create_app({"SECRET_KEY": "process-set-secret", "DATABASE_URL": database_url, "DRAW_RUNNER": "worker"})


@contextmanager
def started(root: Path, interval: float = 2, timeout: float = 90, prepare: Callable[[str], None] | None = None,
            command: list[str] | None = None, cwd: Path = REPO, extra: dict | None = None):
    """Start the set on ``root/set.sqlite`` (migrated, then ``prepare(url)``);
    yield a :class:`ProcessSet`; stop it. ``command`` (default ``honcho
    start`` with the Procfile) runs in ``cwd`` with ``extra`` in its environment; a command
    of its own (scripts/dev-up) migrates the database itself."""
    root.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{root / 'set.sqlite'}"
    if command is None:
        migrated(database_url)
    if prepare is not None:
        prepare(database_url)
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, PORT=str(port), SECRET_KEY="process-set-secret",
               CHECK_CODE_KEY="process-set-check-code-key", INSPECT_DRAW_STORE=str(root / "draws"),
               SCHEDULER_INTERVAL=str(interval), PYTHONUNBUFFERED="1",
               PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("DRAW_RUNNER", None)  # the Procfile decides
    env.update(extra or {})
    log = root / "honcho.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command or [str(VENV_BIN / "honcho"), "start", "-f", str(REPO / "Procfile")],
                                   cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    the_set = ProcessSet(f"http://127.0.0.1:{port}", database_url, root, process, log)
    try:
        try:
            wait_for(lambda: process.poll() is not None or answers(f"{the_set.url}/login"), timeout, "the web")
        except TimeoutError:
            raise TimeoutError(f"the web did not answer within {timeout} s:\n{the_set.output()[-3000:]}") from None
        assert process.poll() is None, f"honcho stopped:\n{the_set.output()[-3000:]}"
        yield the_set
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # honcho's own group (start_new_session): honcho and its children
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
