# PO105: async handlers that read and write files through `Path` methods and `open`, never
# awaiting anything.
import json
from pathlib import Path

from fastapi import APIRouter

router = APIRouter(prefix="/feature-flags")

FLAGS_FILE = Path("/etc/shop/flags.json")


@router.get("")
async def list_flags():
    flags = json.loads(FLAGS_FILE.read_text(encoding="utf-8"))
    return {"flags": sorted(name for name, on in flags.items() if on)}


@router.put("/{name}")
async def set_flag(name: str, enabled: bool):
    with open(FLAGS_FILE, encoding="utf-8") as fh:
        flags = json.load(fh)
    flags[name] = enabled
    FLAGS_FILE.write_text(json.dumps(flags, indent=2), encoding="utf-8")
    return {"name": name, "enabled": enabled}
