#!/usr/bin/env python3
"""A webhook receiver that verifies Herald's deliveries with the independent
`standardwebhooks` package from PyPI (pip install standardwebhooks).

Usage: standard_webhooks_receiver.py SECRET [SECRET ...]

Listens on 127.0.0.1 on a free port and prints `PORT <n>` on its first line. Each POST is
verified with every known secret separately; the receiver answers 204 when at least one
verifies and 400 otherwise. Control endpoints for the test driving it:

- POST /_secrets with a `whsec_` secret as the body adds a secret;
- GET /_log answers a JSON list of {"id", "type", "data", "verified_with": [secret index, ...]}
  (`type` and `data` only from a delivery that verified).
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

SECRETS = list(sys.argv[1:])
LOG = []
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self, status, body=b"", content_type="application/json"):
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != "/_log":
            return self._answer(404)
        with LOCK:
            body = json.dumps(LOG).encode()
        self._answer(200, body)

    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        if self.path == "/_secrets":
            with LOCK:
                SECRETS.append(body.decode().strip())
            return self._answer(204)

        headers = {k.lower(): v for k, v in self.headers.items()}
        verified = []
        payload = None
        for index, secret in enumerate(list(SECRETS)):
            try:
                payload = Webhook(secret).verify(body, headers)
                verified.append(index)
            except WebhookVerificationError:
                pass
        entry = {
            "id": headers.get("webhook-id"),
            "type": payload.get("type") if isinstance(payload, dict) else None,
            "data": payload.get("data") if isinstance(payload, dict) else None,
            "verified_with": verified,
        }
        with LOCK:
            LOG.append(entry)
        self._answer(204 if verified else 400)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
