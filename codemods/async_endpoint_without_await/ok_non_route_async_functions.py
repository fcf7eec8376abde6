# PO105 ok: async functions that never await and call blocking code, but are not route
# handlers: a helper, a startup hook and an exception handler.
import logging
import time

import requests
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

log = logging.getLogger(__name__)
app = FastAPI()


async def fetch_config() -> dict:
    return requests.get("https://config.internal.example.com/shop", timeout=5).json()


@app.on_event("startup")
async def load_settings():
    time.sleep(0.2)
    app.state.settings = requests.get("https://config.internal.example.com/shop", timeout=5).json()


@app.exception_handler(ValueError)
async def value_error_handler(request: Request, exc: ValueError):
    requests.post("https://errors.internal.example.com/report", json={"error": str(exc)}, timeout=2)
    return JSONResponse(status_code=400, content={"detail": str(exc)})


@app.get("/config")
async def config():
    return await fetch_config()
