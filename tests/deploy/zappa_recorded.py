"""Run Zappa's command line, writing down every AWS call it makes (service, operation), one JSON line each.

The rehearsal runs Zappa through this file so the deployer policy can be simulated against the calls
Zappa 0.63 really makes for deploy, update, schedule, rollback and undeploy (not a list typed by hand).
Usage: python zappa_recorded.py <zappa arguments>; the calls go to the file in $ZAPPA_CALLS.
"""
import json
import os
import sys

import botocore.client

_real = botocore.client.BaseClient._make_api_call


def _recording(self, operation_name, api_params):
    model = self.meta.service_model
    with open(os.environ["ZAPPA_CALLS"], "a") as log:
        log.write(json.dumps({"command": sys.argv[1] if len(sys.argv) > 1 else "", "service": model.service_name,
                              "prefix": model.signing_name, "operation": operation_name,
                              "method": model.operation_model(operation_name).http.get("method", "")}) + "\n")
    return _real(self, operation_name, api_params)


botocore.client.BaseClient._make_api_call = _recording

if __name__ == "__main__":
    from zappa.cli import handle

    sys.argv[0] = "zappa"
    sys.exit(handle())
