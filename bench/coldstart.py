"""Run in a fresh process: import a WSGI app and serve one GET; print the milliseconds taken."""
import io
import os
import sys
import time

started = time.perf_counter()
path = sys.argv[1]
from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
status = []
environ = {
    "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
    "HTTP_HOST": "127.0.0.1", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http",
    "SERVER_PROTOCOL": "HTTP/1.1",
}
body = b"".join(application(environ, lambda s, h, *a: status.append(s)))
elapsed = (time.perf_counter() - started) * 1000
assert status[0].startswith("200"), status
print(f"{elapsed:.1f} {os.environ['DJANGO_SETTINGS_MODULE']} {len(body)}")
