# PO108: httpx imported only inside the function (an optional dependency): reported, but not
# fixed, since a module-level SSL context would need httpx at import time.
import logging

log = logging.getLogger(__name__)


async def notify_webhook(url: str, payload: dict) -> None:
    import httpx

    async with httpx.AsyncClient(timeout=5) as client:
        resp = await client.post(url, json=payload)
        log.info("webhook %s answered %s", url, resp.status_code)
