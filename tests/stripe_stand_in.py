"""A stand-in for Stripe's HTTP API, the one service with no local emulator (named in the README).

``StripeStandIn`` is a local HTTP server that answers the two calls the shop
makes through the real ``stripe`` library — create a Checkout Session, create
a refund — the way Stripe does, and records each request. For browser tests
it also serves a test payment page at the session's URL: "Pay" sends the
signed ``checkout.session.completed`` webhook to the shop, as Stripe would,
then returns the shopper to the session's success URL.
"""
import hashlib
import hmac
import json
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

WEBHOOK_SECRET = "whsec_test_secret"


def signed(payload: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[bytes, str]:
    """Sign *payload* the way Stripe does: t=<time>,v1=HMAC-SHA256(secret, "<time>.<body>")."""
    body = json.dumps(payload).encode()
    timestamp = timestamp or int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={timestamp},v1={signature}"


class StripeStandIn:
    def __init__(self, *, webhook_url: str | None = None):
        self.requests = []
        self.sessions = {}
        self.webhook_url = webhook_url
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status, body: bytes, content_type="application/json", location=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                if location:
                    self.send_header("Location", location)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                session = stand_in.sessions.get(self.path.rsplit("/", 1)[-1])
                if not self.path.startswith("/pay/") or session is None:
                    return self._send(404, b"{}")
                page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test payment</title>'
                        f'<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>'
                        f'<h1>Test payment (Stripe stand-in)</h1><p>{session["amount"] / 100:.2f} {session["currency"].upper()}</p>'
                        f'<form method="post" action="/pay/{session["id"]}"><button type="submit">Pay</button></form>'
                        f'</main></body></html>')
                self._send(200, page.encode(), "text/html; charset=utf-8")

            def do_POST(self):
                body = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
                stand_in.requests.append((self.path, body, self.headers.get("Idempotency-Key")))
                if self.path == "/v1/checkout/sessions":
                    session_id = f"cs_test_{uuid.uuid4().hex[:12]}"
                    lines = {key.split("]")[0] for key in body if key.startswith("line_items[")}
                    amount = sum(int(body[f"{line}][price_data][unit_amount]"][0]) * int(body[f"{line}][quantity]"][0])
                                 for line in lines)
                    stand_in.sessions[session_id] = {
                        "id": session_id, "amount": amount, "currency": body["line_items[0][price_data][currency]"][0],
                        "order_id": body["metadata[order_id]"][0], "success_url": body["success_url"][0]}
                    host = self.headers.get("Host")
                    answer = {"id": session_id, "object": "checkout.session", "url": f"http://{host}/pay/{session_id}"}
                    return self._send(200, json.dumps(answer).encode())
                if self.path == "/v1/refunds":
                    answer = {"id": f"re_{len(stand_in.requests)}", "object": "refund", "status": "succeeded"}
                    return self._send(200, json.dumps(answer).encode())
                if self.path.startswith("/pay/") and self.path[5:] in stand_in.sessions:
                    session = stand_in.sessions[self.path[5:]]
                    stand_in.deliver_completed(session)
                    return self._send(303, b"", "text/plain", location=session["success_url"])
                return self._send(404, b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def calls(self, path):
        return [request for request in self.requests if request[0] == path]

    def deliver_completed(self, session) -> int:
        """Send the shop a signed checkout.session.completed for *session*, as Stripe does after a payment."""
        payload = {"id": f"evt_{uuid.uuid4().hex[:16]}", "object": "event", "type": "checkout.session.completed",
                   "created": int(time.time()), "data": {"object": {
                       "id": session["id"], "object": "checkout.session", "payment_status": "paid",
                       "client_reference_id": session["order_id"], "payment_intent": f"pi_{session['id']}",
                       "metadata": {"order_id": session["order_id"]}}}}
        body, signature = signed(payload)
        request = urllib.request.Request(self.webhook_url, data=body, method="POST", headers={
            "Content-Type": "application/json", "Stripe-Signature": signature})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status

    def close(self):
        self.server.shutdown()
        self.server.server_close()
