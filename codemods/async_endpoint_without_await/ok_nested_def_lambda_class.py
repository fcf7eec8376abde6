# PO105 ok: handlers that never await and whose blocking calls sit only in a nested
# plain `def`, a `lambda` or a class body (not called on the loop by the handler itself).
import time

import requests
from fastapi import FastAPI, BackgroundTasks

app = FastAPI()


@app.post("/reports/{report_id}/schedule")
async def schedule_report(report_id: str, tasks: BackgroundTasks):
    def build() -> None:
        time.sleep(1)
        requests.post(f"https://reports.internal.example.com/build/{report_id}", timeout=60)

    tasks.add_task(build)
    return {"scheduled": report_id}


@app.post("/hooks/{hook_id}/register")
async def register_hook(hook_id: str, tasks: BackgroundTasks):
    tasks.add_task(lambda: requests.post(f"https://hooks.internal.example.com/{hook_id}", timeout=5))

    class Receipt:
        issued_at = time.time()
        cooldown = time.sleep(0) or 0

    return {"hook": hook_id, "issued_at": Receipt.issued_at}
