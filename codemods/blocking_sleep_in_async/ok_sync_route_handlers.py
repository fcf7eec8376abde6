# PO102 ok: plain `def` route handlers with `time.sleep`; FastAPI runs them in its
# threadpool, so the event loop is not blocked.
import time
from time import sleep

from fastapi import FastAPI

app = FastAPI()


@app.post("/legacy/printer/{printer_id}/job")
def submit_print_job(printer_id: str, pages: int = 1):
    app.state.printers.open(printer_id)
    time.sleep(0.5)
    job_id = app.state.printers.submit(printer_id, pages)
    return {"job_id": job_id}


@app.get("/legacy/printer/{printer_id}/status")
def printer_status(printer_id: str):
    for _ in range(3):
        status = app.state.printers.status(printer_id)
        if status != "warming-up":
            return {"status": status}
        sleep(1)
    return {"status": "warming-up"}
