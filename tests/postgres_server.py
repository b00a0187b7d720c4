"""A PostgreSQL server of the tests' own: a new cluster in a temporary folder, on a free port of 127.0.0.1 and a
socket in that folder, stopped and removed at the end. Never a system-wide cluster.

The server binaries come from Debian's ``postgresql`` package (``.ci/run`` installs it); they are not on PATH.
``initdb`` and ``postgres`` refuse to run as root, so as root they run as the package's ``postgres`` user.
"""
from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from browser_harness import free_port

INITDB = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
USER = "grader"  # the role the course connects as: it owns its databases and may create more (the bench's)


def server_user() -> str | None:
    """The account the server runs as: this one, or ``postgres`` when this one is root (None: no such user)."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    try:
        return pwd.getpwnam("postgres").pw_name
    except KeyError:
        return None


def postgres_missing() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None when a server can be started."""
    if not INITDB:
        return ("Debian's postgresql is not installed (bash .ci/run installs it with apt-get; that failed or was "
                "not run)")
    if server_user() is None:
        return "running as root, and there is no 'postgres' user to run the server as (initdb refuses root)"
    return None


class PostgresServer:
    """One cluster: :meth:`start` creates it the first time; :meth:`stop` and :meth:`restart` act on the server."""

    def __init__(self) -> None:
        self.bin = INITDB[-1].parent
        self.dir = Path(tempfile.mkdtemp(prefix="grading-postgres-"))  # not under pytest's root-only tmp folders
        self.port = free_port()
        self.password = secrets.token_hex(12)
        user = server_user()
        assert user is not None, "no account to run the server as"
        self.as_user = [] if os.geteuid() != 0 else ["runuser", "-u", str(user), "--"]
        shutil.chown(self.dir, user)

    def run(self, program: str, *args: str) -> str:
        """Run one of the server's programs as the server's user; its output, or an error with its output."""
        done = subprocess.run([*self.as_user, str(self.bin / program), *args], cwd=self.dir, capture_output=True,
                              text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)} failed ({done.returncode}): {done.stdout}{done.stderr}")
        return done.stdout

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement as the superuser, through the socket; its unaligned output."""
        return self.run("psql", "-h", str(self.dir), "-p", str(self.port), "-U", "postgres", "-d", database,
                        "-v", "ON_ERROR_STOP=1", "-Atc", statement)

    def pg_ctl(self, action: str) -> None:
        """pg_ctl start, stop or restart (fast shutdown: open connections are cut, as when a server restarts)."""
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self.run("pg_ctl", action, "-D", str(self.dir / "data"), "-l", str(self.dir / "server.log"), "-m", "fast",
                 "-w", "-t", "120", "-o", options)

    def start(self) -> PostgresServer:
        """Start the server, creating the cluster and the course's role the first time."""
        if (self.dir / "data").exists():
            self.pg_ctl("start")
            return self
        self.run("initdb", "-D", str(self.dir / "data"), "-U", "postgres", "-E", "UTF8", "--auth-local=trust",
                 "--auth-host=scram-sha-256")
        self.pg_ctl("start")
        self.sql(f"CREATE ROLE {USER} LOGIN CREATEDB PASSWORD '{self.password}'")
        return self

    def stop(self) -> None:
        """Stop the server; its data stay."""
        self.pg_ctl("stop")

    def restart(self) -> None:
        """Restart the running server, cutting every open connection."""
        self.pg_ctl("restart")

    def remove(self) -> None:
        """Stop the server if it runs and delete the cluster."""
        if (self.dir / "data" / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.dir)

    def url(self, database: str) -> str:
        """The URL of a database on this server, as the course's role (with its password) over TCP."""
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database owned by the course's role; its URL."""
        self.sql(f"CREATE DATABASE {name} OWNER {USER}")
        return self.url(name)

    def databases(self) -> set[str]:
        """The names of the databases on the server."""
        return set(self.sql("SELECT datname FROM pg_database").split())
