"""An AWS emulator for the deploy tests: moto in server mode, on loopback.

Only AWS services other than DynamoDB's data path are exercised here (S3,
SSM, IAM, Lambda, CloudFormation, EventBridge); every DynamoDB read and write
of the shop runs against DynamoDB Local.
"""
import pytest
from moto.server import ThreadedMotoServer

from shopsite import localdb


@pytest.fixture(scope="session")
def aws_endpoint():
    """Start moto's server on a free port; return its URL."""
    port = localdb.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()
