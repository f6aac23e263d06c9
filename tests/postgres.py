"""A real PostgreSQL server for the tests, started from the machine's binaries (Debian's
``postgresql`` package) in a temporary folder on 127.0.0.1 and a free port.

PostgreSQL refuses to run as root, and CI runs as root: the server then runs as the
``postgres`` user (or ``nobody``) through ``runuser``, in a folder that user owns.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests.polling import free_port

START_TIMEOUT = 60


def postgres_bin() -> Path | None:
    """The folder of initdb and pg_ctl, if PostgreSQL is installed."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(versions[0]).parent if versions else None


@dataclass
class PostgresServer:
    """A running server: its admin connection string and how to make databases in it."""

    folder: Path
    port: int
    bin: Path
    user: str | None  # who runs it, when we are root

    def dsn(self, dbname: str = "postgres") -> str:
        """A libpq connection string to one database, as the superuser."""
        return f"dbname={dbname} host=127.0.0.1 port={self.port} user=postgres"

    def new_database(self) -> str:
        """A fresh, empty database; return its connection string."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def sqlalchemy_url(self, dsn: str) -> str:
        """The same database as an SQLAlchemy URL for asyncpg (Prefect server's database)."""
        fields = dict(part.split("=", 1) for part in dsn.split())
        return (
            f"postgresql+asyncpg://{fields['user']}@{fields['host']}:{fields['port']}/"
            f"{fields['dbname']}"
        )

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=START_TIMEOUT)


def start_postgres() -> PostgresServer:
    """Initialise and start a server; the caller stops it."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    user = _unprivileged_user() if os.geteuid() == 0 else None
    # Not under pytest's temporary folder: that folder is private to root.
    folder = Path(tempfile.mkdtemp(prefix="vigia-pg-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(folder, free_port(), bin_dir, user)
    data = str(folder / "data")
    server._run("initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync")
    options = (
        f"-p {server.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c max_connections=200"
    )
    server._run("pg_ctl", "-D", data, "-o", options, "-l", str(folder / "log"), "-w", "start")
    return server


def _unprivileged_user() -> str:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root with neither a postgres nor a nobody user")
