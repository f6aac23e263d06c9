"""Start, health-check and stop a local Prefect server for `vigia serve` (no Prefect import).

Cron schedules only fire when a server's scheduler runs; Prefect's ephemeral
server does not run it (docs/reference/STACK.md §1.7-1.8), so serving needs a real
server. Its SQLite state lives under the data folder.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from vigia.core.errors import VigiaError

log = logging.getLogger(__name__)


class ServerError(VigiaError):
    """The Prefect server could not be started or reached."""


@dataclass
class PrefectServer:
    """A Prefect API: one we started (``process`` set) or one that already ran."""

    api_url: str
    process: subprocess.Popen[bytes] | None = None

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the server if we started it: SIGTERM, then SIGKILL after ``timeout``."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def is_healthy(api_url: str, timeout: float = 2.0) -> bool:
    """True when ``{api_url}/health`` answers 200."""
    try:
        return requests.get(f"{api_url.rstrip('/')}/health", timeout=timeout).status_code == 200
    except requests.RequestException:
        return False


def _check_port_free(host: str, port: int) -> None:
    # A port held by another program makes the server exit at once; say so before starting it.
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ServerError(
                f"cannot serve on {host}:{port} ({exc.strerror}); pick another --port, or set "
                "PREFECT_API_URL to use a Prefect server that is already running"
            ) from exc


def _last_line(log_path: Path) -> str:
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return f" (last line: {lines[-1].strip()[:300]})" if lines else ""


def wait_healthy(
    api_url: str, deadline_s: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Poll the health endpoint until it answers, the process dies, or time runs out."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if is_healthy(api_url):
            return
        if process is not None and process.poll() is not None:
            raise ServerError(f"Prefect server exited with code {process.returncode}")
        time.sleep(0.5)
    raise ServerError(f"Prefect API at {api_url} not healthy after {deadline_s:.0f}s")


def start_or_reuse(
    data_dir: Path, port: int = 4200, startup_timeout: float = 180.0, host: str = "127.0.0.1"
) -> PrefectServer:
    """Reuse PREFECT_API_URL when set, else start `prefect server start` on host:port."""
    existing = os.environ.get("PREFECT_API_URL")
    if existing:
        wait_healthy(existing, startup_timeout)
        return PrefectServer(existing)
    api_url = f"http://127.0.0.1:{port}/api"
    if is_healthy(api_url):
        raise ServerError(
            f"something already serves {api_url}; set PREFECT_API_URL to reuse it "
            "or pick another --port"
        )
    _check_port_free(host, port)
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "prefect-server.log"
    prefect = shutil.which("prefect", path=str(Path(sys.executable).parent)) or "prefect"
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            [prefect, "server", "start", "--host", host, "--port", str(port)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=os.environ.copy(),
        )
    server = PrefectServer(api_url, process)
    try:
        wait_healthy(api_url, startup_timeout, process)
    except ServerError as exc:
        server.stop()
        raise ServerError(f"{exc}; its log: {log_path}{_last_line(log_path)}") from exc
    os.environ["PREFECT_API_URL"] = api_url
    log.info("Prefect server healthy at %s (log: %s)", api_url, log_path)
    return server
