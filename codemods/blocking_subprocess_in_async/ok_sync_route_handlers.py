# PO104 ok: plain `def` handlers running subprocesses; FastAPI runs them in its threadpool.
import os
import subprocess

from fastapi import APIRouter

router = APIRouter(prefix="/admin")


@router.get("/version")
def version():
    out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True)
    return {"commit": out.stdout.strip()}


@router.post("/proxy/reload")
def reload_proxy():
    status = os.system("nginx -s reload")
    return {"reloaded": status == 0}


@router.get("/uptime")
def uptime():
    return {"uptime": subprocess.check_output(["uptime", "-p"], text=True).strip()}
