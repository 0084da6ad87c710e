"""The shop's WSGI app for the load test, answering with the serving worker's pid (so the warm-up can see every worker)."""
import os

from shopsite.wsgi import application as shop


def application(environ, start_response):
    def start(status, headers, exc_info=None):
        return start_response(status, [*headers, ("X-Worker-Pid", str(os.getpid()))], exc_info)

    return shop(environ, start)
