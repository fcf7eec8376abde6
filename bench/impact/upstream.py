"""Stand-in for the shop's upstream services (payments, inventory, shipping, supplier, reviews).

A bare ASGI app, served by uvicorn on 127.0.0.1: every answer waits a fixed delay first, like a
remote service would. The payments gateway answers 503 to the first attempt of every Nth new
charge, so the app's retry path (and its `time.sleep` backoff, PO102) is taken.

    python upstream.py --port 8101 --delay-ms 50 --fail-every 10

`GET /_stats` returns counters (requests per route, 503s served) without delay; `POST /_stats`
resets them.
"""
import argparse
import asyncio
import json
from collections import Counter
from urllib.parse import parse_qs

import uvicorn

CARRIERS = [("ParcelHub", "standard", 490, 3), ("ParcelHub", "express", 1290, 1), ("EcoPost", "economy", 390, 5)]


class Upstream:
    def __init__(self, delay_s: float, fail_every: int):
        self.delay_s = delay_s
        self.fail_every = fail_every
        self.requests = Counter()
        self.retryable_503s = 0
        self.charges_seen: set[str] = set()

    async def __call__(self, scope, receive, send):
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        method, path = scope["method"], scope["path"]
        if path == "/_stats":
            if method == "POST":
                self.requests.clear()
                self.retryable_503s = 0
            status, payload = 200, {"requests": dict(self.requests), "retryable_503s": self.retryable_503s}
        else:
            await asyncio.sleep(self.delay_s)
            headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
            query = {key: values[0] for key, values in parse_qs(scope["query_string"].decode()).items()}
            status, payload = self.answer(method, path, query, headers, body)
            self.requests[f"{method} {self.route_name(path)}"] += 1
        encoded = json.dumps(payload).encode()
        await send({
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(encoded)).encode())],
        })
        await send({"type": "http.response.body", "body": encoded})

    @staticmethod
    def route_name(path: str) -> str:
        # /payments/charges/ch_123 counts as /payments/charges/{id}; others by their first two parts.
        parts = path.strip("/").split("/")
        return "/" + "/".join(parts[:2]) + ("/{id}" if len(parts) > 2 else "")

    def answer(self, method, path, query, headers, body):
        if method == "GET" and path == "/inventory/stock":
            sku = query.get("sku", "")
            return 200, {"sku": sku, "warehouse": query.get("warehouse", "main"), "available": len(sku) * 7}
        if method == "POST" and path == "/inventory/reservations":
            return 201, {"reservation": json.loads(body)["order_id"]}
        if method == "POST" and path == "/payments/charges":
            key = headers.get("idempotency-key", "")
            first_attempt = key not in self.charges_seen
            self.charges_seen.add(key)
            if first_attempt and len(self.charges_seen) % self.fail_every == 0:
                self.retryable_503s += 1
                return 503, {"error": "gateway busy"}
            return 201, {"id": f"ch_{len(self.charges_seen)}", "status": "succeeded"}
        if method == "GET" and path.startswith("/payments/charges/"):
            return 200, {"id": path.rsplit("/", 1)[1], "status": "succeeded"}
        if method == "GET" and path == "/shipping/rates":
            return 200, {"rates": [
                {"carrier": carrier, "service": service, "price_cents": price, "currency": "EUR", "delivery_days": days}
                for carrier, service, price, days in CARRIERS
            ]}
        if method == "POST" and path == "/shipping/labels":
            return 201, {"tracking_number": f"PH{abs(hash(body)) % 10**10:010d}"}
        if method == "POST" and path == "/supplier/purchase-orders":
            return 201, {"po_number": f"PO-{self.requests['POST /supplier/purchase-orders'] + 1}"}
        if method == "GET" and path.startswith("/reviews/products/"):
            return 200, {"reviews": []}
        return 404, {"error": f"no route {method} {path}"}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=50)
    parser.add_argument("--fail-every", type=int, default=10, help="503 on the first attempt of every Nth charge")
    args = parser.parse_args()
    app = Upstream(args.delay_ms / 1000, args.fail_every)
    uvicorn.run(app, host="127.0.0.1", port=args.port, lifespan="off", log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
