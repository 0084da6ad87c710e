"""Reading secrets in production without keeping them in the repository.

A secret comes from its environment variable, or from the SSM SecureString
that ``<NAME>_PARAMETER`` names. Every SSM-held secret is fetched in one
``GetParameters`` call per cold start, signed with botocore's SigV4 signer and
sent with urllib3 (both already loaded for DynamoDB): no SSM client, so
neither the SSM service model (about 1 MB of JSON to load and parse) nor
botocore's response logging, which would print the decrypted value at DEBUG.
"""
from __future__ import annotations

import json
import os
import time

SSM_TIMEOUT = (2.0, 5.0)  # connect, read (seconds): a cold start must not hang on SSM
SSM_ATTEMPTS = 4  # SSM throttles bursts of cold starts (ThrottlingException); back off and ask again


class SecretUnavailable(RuntimeError):
    """SSM did not hand over a secret (missing parameter, no permission, or it stayed unreachable)."""


def secrets_from_environment(names: list[str]) -> dict[str, str]:
    """Return each secret of *names*: the variable itself, or its ``<name>_PARAMETER`` fetched from SSM.

    A secret with neither is the empty string. All SSM reads are one request.
    """
    values = {name: os.environ.get(name, "") for name in names}
    wanted = {os.environ[f"{name}_PARAMETER"]: name for name in names
              if not values[name] and os.environ.get(f"{name}_PARAMETER")}
    if wanted:
        for parameter, value in ssm_parameters(list(wanted)).items():
            values[wanted[parameter]] = value
    return values


def secret_from_environment(name: str) -> str:
    """One secret (see :func:`secrets_from_environment`)."""
    return secrets_from_environment([name])[name]


def _region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def ssm_parameters(names: list[str]) -> dict[str, str]:
    """Decrypted values of SSM parameters *names* (at most 10), with one signed GetParameters request."""
    import urllib3  # lazy, these five: only production reads SSM, once per cold start
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.httpsession import get_cert_path
    from botocore.session import get_session

    region = _region()
    endpoint = (os.environ.get("AWS_ENDPOINT_URL_SSM") or os.environ.get("AWS_ENDPOINT_URL")
                or f"https://ssm.{region}.amazonaws.com").rstrip("/")
    credentials = get_session().get_credentials()
    if credentials is None:
        raise SecretUnavailable("No AWS credentials to read SSM parameters with.")
    body = json.dumps({"Names": names, "WithDecryption": True})
    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=SSM_TIMEOUT[0], read=SSM_TIMEOUT[1]),
                               cert_reqs="CERT_REQUIRED", ca_certs=get_cert_path(True), retries=False)
    for attempt in range(SSM_ATTEMPTS):
        request = AWSRequest(method="POST", url=f"{endpoint}/", data=body, headers={
            "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AmazonSSM.GetParameters"})
        SigV4Auth(credentials.get_frozen_credentials(), "ssm", region).add_auth(request)
        try:
            response = http.request("POST", request.url, body=body, headers=dict(request.headers.items()))
        except urllib3.exceptions.HTTPError as error:
            if attempt + 1 == SSM_ATTEMPTS:
                raise SecretUnavailable(f"SSM unreachable: {type(error).__name__}") from None
            time.sleep(0.1 * 2 ** attempt)
            continue
        answer = json.loads(response.data or b"{}")
        if response.status == 200:
            missing = answer.get("InvalidParameters") or []
            if missing:
                raise SecretUnavailable(f"No such SSM parameter: {', '.join(missing)}")
            return {parameter["Name"]: parameter["Value"] for parameter in answer.get("Parameters", [])}
        code = str(answer.get("__type", "")).rsplit("#", 1)[-1]
        if (response.status >= 500 or code == "ThrottlingException") and attempt + 1 < SSM_ATTEMPTS:
            time.sleep(0.1 * 2 ** attempt)
            continue
        raise SecretUnavailable(f"SSM refused GetParameters: {response.status} {code}")  # never the body
    raise SecretUnavailable("SSM did not answer.")
