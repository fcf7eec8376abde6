# PO105 ok: `.get`/`.post` decorators on objects that are not FastAPI apps or routers
# (an in-house RPC registry), so these are not route handlers.
import time

import requests
from fastapi import FastAPI


class RpcRegistry:
    def __init__(self) -> None:
        self.handlers: dict[str, object] = {}

    def get(self, name: str):
        def register(fn):
            self.handlers[name] = fn
            return fn

        return register

    post = get


rpc = RpcRegistry()
app = FastAPI()


@rpc.get("inventory.count")
async def inventory_count(sku: str):
    return requests.get(f"https://wh.internal.example.com/stock/{sku}", timeout=3).json()


@rpc.post("inventory.settle")
async def inventory_settle():
    time.sleep(0.1)
    return {"settled": True}
