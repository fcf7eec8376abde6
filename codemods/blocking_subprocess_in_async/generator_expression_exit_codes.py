# PO104: `subprocess.call` inside a generator expression consumed by `all()` in an async
# handler (a generator expression, not a list comprehension).
import subprocess

from fastapi import APIRouter

router = APIRouter(prefix="/admin")

CHECK_SCRIPTS = ("/opt/checks/db.sh", "/opt/checks/queue.sh", "/opt/checks/cache.sh")


@router.get("/selfcheck")
async def self_check():
    node = await router.cluster.node_name()
    healthy = all(subprocess.call([script], timeout=10) == 0 for script in CHECK_SCRIPTS)
    return {"node": node, "healthy": healthy}
