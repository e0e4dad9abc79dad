"""Fixtures: a real `fleet ingest` process on a temporary database.

The `fleet` executable is $FLEET_BIN, else the repository's .build/debug/fleet. Where neither
exists the tests that need it skip, unless $FLEET_BIN is set (the Swift test that runs these
sets it): then a missing binary fails.
"""

import json
import os
import subprocess
import tempfile
import threading
import time
from typing import Any, Callable, Dict, Iterator, List

import pytest

REPOSITORY = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, os.pardir))


def fleet_binary() -> str:
    path = os.environ.get("FLEET_BIN")
    if path:
        if not os.access(path, os.X_OK):
            pytest.fail("FLEET_BIN=%s is not an executable" % path)
        return path
    path = os.path.join(REPOSITORY, ".build", "debug", "fleet")
    if not os.access(path, os.X_OK):
        pytest.skip("no fleet executable (swift build, or set FLEET_BIN)")
    return path


class IngesterFailed(Exception):
    """`fleet ingest` exited before it reported its endpoint (e.g. the port was still taken)."""


class Ingester:
    """`fleet ingest --status-format json` on `endpoint` (default: 127.0.0.1, a port the OS
    chooses); `endpoint` becomes the bound endpoint its first status line reports."""

    def __init__(self, binary: str, folder: str, mode: str, endpoint: str = "tcp://127.0.0.1:*") -> None:
        self.binary = binary
        self.folder = folder
        self.mode = mode
        self.database = os.path.join(folder, "fleet.db")
        option = "--reliable" if mode == "reliable" else "--listen"
        self.process = subprocess.Popen(
            [binary, "ingest", "--db", self.database, option, endpoint,
             "--status-format", "json", "--status-every", "0.2"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.statuses: List[Dict[str, Any]] = []
        self._ready = threading.Event()
        self._stderr: List[str] = []
        threading.Thread(target=self._read_status, daemon=True).start()
        threading.Thread(target=self._read_errors, daemon=True).start()
        if not self._ready.wait(60) or not self.statuses:
            self.stop()
            raise IngesterFailed("fleet ingest did not report its endpoint: %s" % "".join(self._stderr))
        self.endpoint: str = self.statuses[0]["endpoints"][0]

    def _read_status(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                self.statuses.append(json.loads(line))
            except ValueError:
                continue
            self._ready.set()
        self._ready.set()

    def _read_errors(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr.append(line)

    def stop(self) -> int:
        """SIGTERM: the ingester drains, commits and exits."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            return self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def query(self, *arguments: str) -> object:
        """`fleet query ... --format json` on the database (after stop())."""
        out = subprocess.run([self.binary, "query", *arguments, "--db", self.database, "--format", "json"],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


@pytest.fixture
def workdir() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="fleet-protocol-") as folder:
        yield folder


@pytest.fixture
def reliable_ingester(workdir: str) -> Iterator[Ingester]:
    ingester = Ingester(fleet_binary(), workdir, "reliable")
    yield ingester
    ingester.stop()


@pytest.fixture
def pub_ingester(workdir: str) -> Iterator[Ingester]:
    ingester = Ingester(fleet_binary(), workdir, "pub")
    yield ingester
    ingester.stop()
