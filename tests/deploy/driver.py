"""Run inside the unpacked Lambda package with ``python -S``: feed events to Zappa's handler.

Reads one JSON event per line on stdin, writes one JSON response per line on stdout.
The first line written describes the import environment, so the test can check that
nothing outside the package was importable.
"""
import json
import os
import sys

sys.path.insert(0, os.getcwd())


class Context:
    aws_request_id = "test-request"
    function_name = "shopsite-dev"
    memory_limit_in_mb = 1024
    log_group_name = "/aws/lambda/shopsite-dev"

    def get_remaining_time_in_millis(self):
        return 29000


real_stdout = sys.stdout
sys.stdout = sys.stderr  # the app's JSON logs go to stderr here; stdout carries responses only
# The entry point Lambda is configured with (zappa_settings.json's lambda_handler).
module_name, _, function_name = sys.argv[1].rpartition(".")
lambda_handler = getattr(__import__(module_name, fromlist=[function_name]), function_name)

import django  # noqa: E402

real_stdout.write(json.dumps({"django": django.__file__, "path": sys.path, "site": "site" in sys.modules}) + "\n")
real_stdout.flush()
for line in sys.stdin:
    response = lambda_handler(json.loads(line), Context())
    real_stdout.write(json.dumps(response) + "\n")
    real_stdout.flush()
