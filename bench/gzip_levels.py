"""CPU cost and size of gzip at each level on a JSON list response, as GZipMiddleware compresses it.

Run: python3 bench/gzip_levels.py [--kb 258] [--repeats 30]
Prints a Markdown table: level, CPU ms per response (median), compressed size, ratio.
The payload is a generated product listing (ids, names, prices, tags, descriptions), the shape
of the list endpoints perfopt's PO304 targets. CPU time, not wall time: the figures are ratios
from one run on a shared machine.
"""

import argparse
import gzip
import io
import json
import random
import statistics
import time


def payload(target_kb: int) -> bytes:
    rng = random.Random(20261128)
    words = ["steel", "oak", "linen", "blue", "travel", "compact", "pro", "eco", "classic", "mini",
             "kettle", "lamp", "chair", "mug", "backpack", "jacket", "table", "shelf", "bottle"]
    items = []
    while True:
        items.append({
            "id": f"sku-{len(items):06d}",
            "name": " ".join(rng.choice(words) for _ in range(3)).title(),
            "price_cents": rng.randrange(199, 99999),
            "currency": "EUR",
            "in_stock": rng.random() > 0.2,
            "tags": rng.sample(words, 3),
            "description": " ".join(rng.choice(words) for _ in range(18)),
        })
        body = json.dumps(items, separators=(",", ":")).encode()
        if len(body) >= target_kb * 1000:
            return body


def compress(body: bytes, level: int) -> bytes:
    # Starlette's GZipMiddleware writes through a GzipFile with the configured compresslevel.
    buffer = io.BytesIO()
    with gzip.GzipFile(mode="wb", fileobj=buffer, compresslevel=level) as f:
        f.write(body)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kb", type=int, default=258)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    body = payload(args.kb)
    print(f"payload: {len(body):,} bytes of JSON; median of {args.repeats} runs, process CPU time\n")
    print("| level | CPU ms per response | compressed bytes | smaller by |")
    print("|---:|---:|---:|---:|")
    for level in (1, 3, 5, 6, 9):
        times = []
        for _ in range(args.repeats):
            start = time.process_time()
            out = compress(body, level)
            times.append((time.process_time() - start) * 1000)
        print(f"| {level} | {statistics.median(times):.2f} | {len(out):,} | {len(body) / len(out):.1f}x |")


if __name__ == "__main__":
    main()
