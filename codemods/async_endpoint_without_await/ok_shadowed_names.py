# PO105 ok: names that look blocking but are not: a local `urlopen` reading an in-memory
# fixture map, `sleep` rebound to a no-op, a local `run`.
from time import sleep

from fastapi import FastAPI

app = FastAPI()

FIXTURES = {"welcome": b"Hello!", "goodbye": b"Bye!"}


def urlopen(name: str) -> bytes:
    return FIXTURES[name]


def _no_sleep(seconds: float) -> None:
    return None


sleep = _no_sleep


def run(command: list[str]) -> str:
    return " ".join(command)


@app.get("/fixtures/{name}")
async def fixture(name: str):
    sleep(0.5)
    body = urlopen(name)
    return {"name": name, "size": len(body), "cmd": run(["echo", name])}
