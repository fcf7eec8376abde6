"""Inventory service client and supplier (EDI) integration."""
import asyncio
import logging

import requests

from app.config import settings
from app.models import OrderLine, RestockItem, StockLevel

logger = logging.getLogger(__name__)


class InventoryError(Exception):
    pass


class OutOfStock(InventoryError):
    pass


async def get_stock_level(sku: str, warehouse: str = "main") -> StockLevel:
    r = requests.get(
        f"{settings.inventory_url}/stock",
        params={"sku": sku, "warehouse": warehouse},
        timeout=settings.http_timeout,
    )
    if r.ok:
        return StockLevel(**r.json())
    raise InventoryError(f"stock lookup for {sku} failed with HTTP {r.status_code}")


async def reserve_stock(order_id: str, lines: list[OrderLine]) -> None:
    r = requests.post(
        f"{settings.inventory_url}/reservations",
        json={"order_id": order_id, "items": [line.model_dump(include={"sku", "quantity"}) for line in lines]},
        timeout=settings.http_timeout,
    )
    try:
        r.raise_for_status()
    except requests.HTTPError as exc:
        if r.status_code == 409:
            raise OutOfStock(f"insufficient stock for {r.json().get('sku', 'unknown')}") from exc
        raise InventoryError(f"reservation for order {order_id} failed: {exc}") from exc


async def restock_from_supplier(items: list[RestockItem]) -> list[str]:
    confirmed: list[str] = []
    with requests.Session() as session:
        session.headers.update({"X-Supplier-Account": settings.supplier_account})
        for item in items:
            resp = session.post(
                f"{settings.supplier_url}/purchase-orders",
                json=item.model_dump(),
                timeout=settings.http_timeout,
            )
            if resp.status_code == 201:
                confirmed.append(resp.json()["po_number"])
            else:
                logger.warning("supplier rejected %s: %s", item.sku, resp.text)
    return confirmed


async def warehouse_snapshot() -> list[StockLevel]:
    # The snapshot endpoint takes several seconds to build the export.
    def _download() -> list[dict]:
        resp = requests.get(f"{settings.inventory_url}/snapshot", timeout=60)
        resp.raise_for_status()
        return resp.json()["items"]

    rows = await asyncio.to_thread(_download)
    return [StockLevel(**row) for row in rows]
