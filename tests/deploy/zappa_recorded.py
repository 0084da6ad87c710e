"""Run Zappa's command line, writing down every AWS call it makes (service, operation), one JSON line each.

The rehearsal runs Zappa through this file so the deployer policy can be simulated against the calls
Zappa 0.63 really makes for deploy, update, schedule, rollback and undeploy (not a list typed by hand).
Usage: python zappa_recorded.py <zappa arguments>; the calls go to the file in $ZAPPA_CALLS.
"""
import json
import os
import sys
from pathlib import Path

import botocore.client

_real = botocore.client.BaseClient._make_api_call
# Lambda keeps each published version's code and hands out a download link for it (GetFunction's Code.Location);
# moto answers with a link it does not serve (and one link for every version). This file stands in for Lambda's
# code store: each package Zappa sends (-z) is written down by its CodeSha256 ($ZAPPA_CODE_STORE), and
# `zappa rollback`'s download of the link GetFunction just gave is answered with the package of that version's
# CodeSha256. Every AWS call still goes to the emulator.
_CODE_HOST = "https://awslambda-"
_LINKS: dict[str, str] = {}  # download link -> the CodeSha256 GetFunction gave with it, in this process


def _store_code(api_params, answer):
    """Write down which local package has the CodeSha256 *answer* reports."""
    store = os.environ.get("ZAPPA_CODE_STORE")
    if not store or "-z" not in sys.argv or "ZipFile" not in {**api_params, **api_params.get("Code", {})}:
        return
    known = json.loads(Path(store).read_text()) if os.path.exists(store) else {}
    known[answer["CodeSha256"]] = os.path.abspath(sys.argv[sys.argv.index("-z") + 1])
    with open(store, "w") as out:
        out.write(json.dumps(known))


def _code_download(real_get):
    def get(url, *args, **kwargs):
        if not url.startswith(_CODE_HOST):
            return real_get(url, *args, **kwargs)
        import requests

        answer = requests.models.Response()
        known = json.loads(Path(os.environ["ZAPPA_CODE_STORE"]).read_text())
        path = known.get(_LINKS.get(url, ""))
        answer.status_code, answer._content = (200, Path(path).read_bytes()) if path else (404, b"")
        return answer
    return get


def _recording(self, operation_name, api_params):
    model = self.meta.service_model
    name = str(api_params.get("FunctionName", ""))
    if model.service_name == "lambda" and name.startswith("function:"):
        # Lambda takes the partial ARN "function:<name>:<version>" that rollback sends; moto cannot parse it.
        api_params = {**api_params, "FunctionName": name.removeprefix("function:")}
    with open(os.environ["ZAPPA_CALLS"], "a") as log:
        log.write(json.dumps({"command": sys.argv[1] if len(sys.argv) > 1 else "", "service": model.service_name,
                              "prefix": model.signing_name, "operation": operation_name,
                              "method": model.operation_model(operation_name).http.get("method", "")}) + "\n")
    answer = _real(self, operation_name, api_params)
    if operation_name in ("CreateFunction", "UpdateFunctionCode"):
        _store_code(api_params, answer)
    if operation_name == "GetFunction" and "Location" in answer.get("Code", {}):
        _LINKS[answer["Code"]["Location"]] = answer["Configuration"]["CodeSha256"]
    return answer


botocore.client.BaseClient._make_api_call = _recording

if __name__ == "__main__":
    import requests
    from zappa.cli import handle

    requests.get = _code_download(requests.get)

    sys.argv[0] = "zappa"
    sys.exit(handle())
