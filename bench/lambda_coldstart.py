"""Run with ``python -S -B`` inside an unpacked Lambda zip: one cold start through the configured handler.

Prints one JSON line: milliseconds from process start to the first response
(import + first listing page), and the bytes logged for that first (uncached)
page, for the same page again (cached) and for a product page. ``-B`` keeps
Python from writing bytecode, as Lambda's read-only /var/task does.
"""
import io
import json
import os
import sys
import time

started = time.perf_counter()
sys.path.insert(0, os.getcwd())
entry, listing, detail = sys.argv[1:4]
logged = io.StringIO()
real_stdout, sys.stdout, sys.stderr = sys.stdout, logged, logged  # Lambda sends both to CloudWatch


class Context:
    aws_request_id = "bench"
    function_name = "shopsite-dev"
    memory_limit_in_mb = 1024

    def get_remaining_time_in_millis(self):
        return 29000


def event(path):
    host = "abc123.execute-api.us-east-1.amazonaws.com"
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": f"/dev{path}", "rawQueryString": "", "cookies": [],
        "headers": {"host": host, "x-forwarded-proto": "https", "x-forwarded-port": "443"},
        "requestContext": {"stage": "dev", "domainName": host, "requestId": "bench",
                           "http": {"method": "GET", "path": f"/dev{path}", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9"}},
        "body": None, "isBase64Encoded": False,
    }


module_name, _, function_name = entry.rpartition(".")
handler = getattr(__import__(module_name, fromlist=[function_name]), function_name)
first = handler(event(listing), Context())
cold_ms = (time.perf_counter() - started) * 1000
sizes = [len(logged.getvalue().encode())]
for path in (listing, detail):
    handler(event(path), Context())
    sizes.append(len(logged.getvalue().encode()) - sum(sizes))
real_stdout.write(json.dumps({"ms": round(cold_ms, 1), "status": first["statusCode"], "log_bytes": sizes}) + "\n")
