# PO104: `os.system(...)` inside an async admin handler that reloads the reverse proxy.
import os

from fastapi import APIRouter, HTTPException

router = APIRouter(prefix="/admin/proxy")


@router.post("/reload")
async def reload_proxy():
    await router.audit.write("proxy-reload")
    status = os.system("nginx -t -q && nginx -s reload")
    if status != 0:
        raise HTTPException(status_code=500, detail=f"nginx reload failed ({status})")
    return {
        "reloaded": True,
        "pid_file": os.environ.get("NGINX_PID_FILE", "/run/nginx.pid"),
    }
