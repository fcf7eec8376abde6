# PO105: `@router.post` handler on an `APIRouter()` that runs `sp.run` (via
# `import subprocess as sp`) and never awaits.
import subprocess as sp

from fastapi import APIRouter, HTTPException

router = APIRouter(prefix="/admin/cache")


@router.post("/flush")
async def flush_cache(namespace: str = "default"):
    result = sp.run(
        ["redis-cli", "--scan", "--pattern", f"{namespace}:*"],
        capture_output=True,
        text=True,
        timeout=10,
    )
    if result.returncode != 0:
        raise HTTPException(status_code=500, detail=result.stderr.strip())
    keys = [k for k in result.stdout.splitlines() if k]
    return {"namespace": namespace, "matched": len(keys)}
