# PO102: `from time import sleep` used to throttle a bulk export loop in an async
# background job function (not a route); `import time` is otherwise unused.
import logging
from time import sleep

from fastapi import BackgroundTasks, FastAPI

log = logging.getLogger("exports")
app = FastAPI()

BATCH_SIZE = 500


async def export_customers(tenant_id: str) -> None:
    offset = 0
    while True:
        rows = await app.state.db.fetch_customers(tenant_id, limit=BATCH_SIZE, offset=offset)
        if not rows:
            break
        await app.state.warehouse.push(tenant_id, rows)
        offset += len(rows)
        log.info("exported %d customers for %s", offset, tenant_id)
        sleep(1)


@app.post("/tenants/{tenant_id}/export")
async def start_export(tenant_id: str, tasks: BackgroundTasks):
    tasks.add_task(export_customers, tenant_id)
    return {"scheduled": True}
