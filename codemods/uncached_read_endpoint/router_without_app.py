# PO301: a router module checked on its own: the app that includes the router is not among the
# checked files, so perfopt cannot make sure the cache is initialised and offers no fix.
from fastapi import APIRouter

from app.models import Warehouse

router = APIRouter(prefix="/warehouses", tags=["warehouses"])


@router.get("/{code}")
async def get_warehouse(code: str):
    return await Warehouse.find_one(Warehouse.code == code)
