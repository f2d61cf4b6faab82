"""Local services the tests talk to: checked, and started when they are down."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def ensure_postgres(timeout_s: float = 30.0) -> None:
    """Start the local PostgreSQL cluster if it is not accepting connections."""
    if port_open(5432):
        return
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"], check=False
    )
    _wait_for(5432, timeout_s, "PostgreSQL")


def ensure_mosquitto(timeout_s: float = 15.0) -> None:
    """Start the local Mosquitto broker if it is not listening."""
    if port_open(1883):
        return
    subprocess.run(["mosquitto", "-d", "-c", "/etc/mosquitto/mosquitto.conf"], check=False)
    _wait_for(1883, timeout_s, "Mosquitto")


def ensure_redis(timeout_s: float = 15.0) -> None:
    """Start the local Redis server (keeping nothing on disk) if it is not listening."""
    if port_open(6379):
        return
    subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
                    "--save", "", "--appendonly", "no"], check=False)
    _wait_for(6379, timeout_s, "Redis")


def unreachable_redis_url() -> str:
    """A Redis URL at a local port that nothing listens on: a counter store that is down."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{free.getsockname()[1]}/0"


def _wait_for(port: int, timeout_s: float, name: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if port_open(port):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{name} did not start listening on port {port} within {timeout_s:.0f} s")
