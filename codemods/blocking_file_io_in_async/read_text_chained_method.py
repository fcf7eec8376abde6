# PO103: the result of `read_text()` is used in a chain (`.splitlines()`, `.strip()`) and
# as a call argument, so the awaited call must be parenthesised.
from pathlib import Path

from fastapi import APIRouter

router = APIRouter(prefix="/security")

BLOCKLIST = Path("/etc/shop/ip-blocklist.txt")
RELEASE_FILE = Path("/srv/app/RELEASE")


@router.get("/blocklist")
async def blocklist(include_release: bool = False):
    entries = [line for line in BLOCKLIST.read_text().splitlines() if line and not line.startswith("#")]
    hits = await router.firewall.hit_counts(entries)
    result = {"entries": entries, "hits": hits}
    if include_release:
        result["release"] = RELEASE_FILE.read_text().strip()
        result["release_len"] = len(RELEASE_FILE.read_bytes())
    return result
