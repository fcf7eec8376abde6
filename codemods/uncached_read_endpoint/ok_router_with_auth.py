# PO301 leaves routes alone whose router checks who is calling, and exports.
from fastapi import APIRouter, Depends

from app.auth import require_admin
from app.models import Order, StockLevel

router = APIRouter(prefix="/admin", dependencies=[Depends(require_admin)])
public = APIRouter(prefix="/reports")


@router.get("/stock")
async def stock_snapshot():
    return await StockLevel.find_all().to_list()


@public.get("/orders/export")
async def export_orders():
    return await Order.find_all().to_list()


@public.get("/orders.csv")
async def orders_csv():
    return await Order.find_all().to_list()
