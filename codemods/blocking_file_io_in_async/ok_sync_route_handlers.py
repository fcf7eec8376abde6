# PO103 ok: plain `def` handlers doing file I/O; FastAPI runs them in its threadpool.
import json
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter(prefix="/files")

STORE = Path("/var/lib/shop/files")


@router.get("/{name}")
def download(name: str):
    return Response(content=(STORE / name).read_bytes(), media_type="application/octet-stream")


@router.put("/{name}/meta")
def save_meta(name: str, meta: dict):
    (STORE / f"{name}.meta.json").write_text(json.dumps(meta))
    with open(STORE / "index.log", "a", encoding="utf-8") as fh:
        fh.write(f"{name}\n")
    return {"saved": True}
