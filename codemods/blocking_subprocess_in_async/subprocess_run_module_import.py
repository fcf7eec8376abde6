# PO104: `subprocess.run(...)` with `capture_output`/`text`/`check` inside an async route
# handler (plain `import subprocess`).
import subprocess

from fastapi import APIRouter, HTTPException

router = APIRouter(prefix="/admin")

REPO_DIR = "/srv/shop-api"


@router.get("/version")
async def version():
    db_version = await router.db.server_version()
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_DIR,
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        )
    except subprocess.CalledProcessError as exc:
        raise HTTPException(status_code=500, detail=exc.stderr.strip()) from exc
    return {"commit": out.stdout.strip(), "db": db_version}
