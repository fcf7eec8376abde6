"""Loopback upstream for the PO101 behaviour test.

Run alone with `python upstream.py` (prints the port), or import `start()`.
"""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class _Stats:
    """Counts /slow requests in their sleep at once: a client that waits for each answer before
    sending the next request can never have two there (counting around the whole handler would
    let one request's tail overlap the next one's start)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._in_flight = 0
        self.max_in_flight = 0

    def enter(self):
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def leave(self):
        with self._lock:
            self._in_flight -= 1

    def reset(self):
        with self._lock:
            self.max_in_flight = self._in_flight


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 so keep-alive connection pools (httpx) are exercised as in production.
    protocol_version = "HTTP/1.1"
    stats = _Stats()

    def log_message(self, *args):
        pass

    def _send_json(self, status, payload, headers=()):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _handle(self):
        url = urlsplit(self.path)
        if url.path.startswith("/stats"):
            if url.path == "/stats/reset":
                self.stats.reset()
            self._send_json(200, {"max_in_flight": self.stats.max_in_flight})
            return
        self._route(url)

    def _route(self, url):
        query = parse_qs(url.query, keep_blank_values=True)
        # Always drain the body, or the next request on a kept-alive connection is corrupted.
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        content_type = self.headers.get("Content-Type")
        if url.path == "/echo":
            # JSON bodies are echoed parsed: requests writes `{"a": 1}`, httpx `{"a":1}`,
            # and no JSON upstream can tell the two apart.
            is_json = (content_type or "").startswith("application/json")
            self._send_json(200, {
                "method": self.command,
                "path": url.path,
                "query": query,
                "body": json.loads(raw) if is_json else raw,
                "content_type": content_type,
            })
        elif url.path == "/delay":
            # Echoes the query after `ms` milliseconds (at most one second).
            time.sleep(min(int(query.get("ms", ["0"])[0]), 1000) / 1000)
            self._send_json(200, {"delayed": True, "query": query})
        elif url.path == "/slow":
            self.stats.enter()
            try:
                time.sleep(0.2)
            finally:
                self.stats.leave()
            self._send_json(200, {"slow": True, "query": query})
        elif url.path == "/redirect":
            self._send_json(302, {"redirect": True}, [("Location", "/echo?redirected=1")])
        elif url.path.removeprefix("/status/").isdigit():
            code = int(url.path.removeprefix("/status/"))
            self._send_json(code, {"status": code})
        elif url.path == "/json":
            self._send_json(200, {"service": "inventory", "items": [1, 2, 3], "ok": True})
        else:
            self._send_json(404, {"error": "no such endpoint", "path": url.path})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops SYNs under an 8-way burst, and the retry costs a second.
    request_queue_size = 64


def start():
    """Serve on 127.0.0.1 on a free port from a daemon thread; returns the server."""
    server = _Server(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


if __name__ == "__main__":
    server = start()
    print(server.server_address[1], flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()
