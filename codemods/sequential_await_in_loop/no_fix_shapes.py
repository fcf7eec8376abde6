# PO106: loops that look parallelisable but are reported without a fix: a shared database
# session, a call that reads the results so far, the loop variable used afterwards, and a
# loop with a comment the rewrite would drop.
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Order
from app.pricing import price_with_history


async def order_totals(db_session: AsyncSession, ids: list[int]) -> list[Order | None]:
    orders = []
    for order_id in ids:
        orders.append(await db_session.get(Order, order_id))
    return orders


async def running_prices(skus: list[str]) -> list[float]:
    prices = []
    for sku in skus:
        prices.append(await price_with_history(sku, prices))
    return prices


async def last_checked(skus: list[str]) -> str:
    checked = []
    for sku in skus:
        checked.append(await price_with_history(sku, None))
    return sku


async def annotated(skus: list[str]) -> list[float]:
    prices = []
    for sku in skus:
        # Each call is cheap; see PRICING-142 before parallelising.
        prices.append(await price_with_history(sku, None))
    return prices
