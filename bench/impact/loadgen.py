"""A small closed-loop HTTP load generator, for when `oha` is not at hand (CI smoke tests).

    python loadgen.py --url URL --concurrency 16 --duration 5 [--method POST --body JSON] [--header 'K: V']

CONCURRENCY workers each send one request, wait for its answer and send the next, over
keep-alive connections, until DURATION seconds have passed; requests in flight then are waited
for (as `oha -w` does). Every request has a 30 s timeout. Prints one JSON object: requests,
status codes, transport errors, elapsed seconds, requests/s, P50 and P99 latency in ms.
Being Python, it costs more CPU per request than oha, on the same cores as the server.
"""
import argparse
import asyncio
import json
import time

import httpx

TIMEOUT_S = 30


async def run(url, method, body, headers, concurrency, duration_s):
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    transport_errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=TIMEOUT_S, headers=headers) as client:
        started = time.perf_counter()
        deadline = started + duration_s

        async def worker():
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                try:
                    resp = await client.request(method, url, content=body)
                    await resp.aread()
                except httpx.HTTPError as exc:
                    name = type(exc).__name__
                    transport_errors[name] = transport_errors.get(name, 0) + 1
                    continue
                latencies.append(time.perf_counter() - sent)
                statuses[str(resp.status_code)] = statuses.get(str(resp.status_code), 0) + 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def percentile(q):
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else None

    answered = sum(statuses.values())
    return {
        "requests": answered + sum(transport_errors.values()),
        "status_codes": statuses,
        "transport_errors": transport_errors,
        "elapsed_s": elapsed,
        "rps": answered / elapsed,
        "p50_ms": percentile(0.50),
        "p99_ms": percentile(0.99),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", default=None, help="request body (sent as given)")
    parser.add_argument("--header", action="append", default=[], help="'Name: value', repeatable")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds")
    args = parser.parse_args()
    headers = dict(h.split(": ", 1) for h in args.header)
    body = args.body.encode() if args.body is not None else None
    print(json.dumps(asyncio.run(run(args.url, args.method, body, headers, args.concurrency, args.duration))))


if __name__ == "__main__":
    main()
