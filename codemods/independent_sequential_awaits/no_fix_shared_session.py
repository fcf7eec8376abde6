# PO107: two independent queries on one AsyncSession: reported without a fix, since a session
# must not run operations concurrently.
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Order, Product


async def dashboard_counts(db_session: AsyncSession) -> dict:
    orders = await db_session.scalar(select(func.count()).select_from(Order))
    products = await db_session.scalar(select(func.count()).select_from(Product))
    return {"orders": orders, "products": products}
