"""Starting DynamoDB Local says plainly what is wrong."""
import socket

import pytest

from shopsite import localdb


def test_missing_java_is_reported(monkeypatch):
    monkeypatch.setattr(localdb.shutil, "which", lambda name: None)
    with pytest.raises(localdb.LocalDBError, match="Java is missing"):
        localdb.start(port=localdb.free_port())


def test_taken_port_is_reported():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(localdb.LocalDBError, match=f"Port {port} is already in use"):
            localdb.start(port=port)


def test_runlocal_exits_non_zero_when_the_port_is_taken(monkeypatch):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        monkeypatch.setenv("DYNAMODB_PORT", str(sock.getsockname()[1]))
        with pytest.raises(CommandError, match="already in use"):
            call_command("runlocal")
