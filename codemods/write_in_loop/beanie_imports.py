# PO204: Beanie documents inserted one by one inside loops.
from beanie import Document
from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(prefix="/imports")


class AuditEntry(Document):
    action: str
    ref: str


class Product(Document):
    sku: str
    name: str
    price: float


class ProductIn(BaseModel):
    sku: str
    name: str
    price: float


# fires: a constructed document inserted per item
@router.post("/audit")
async def record_audit(refs: list[str]):
    for ref in refs:
        await AuditEntry(action="import", ref=ref).insert()
    return {"recorded": len(refs)}


# fires: the document is built in a variable first, over several lines
@router.post("/products")
async def import_products(rows: list[ProductIn]):
    for row in rows:
        product = Product(
            sku=row.sku,
            name=row.name.strip(),
            price=row.price,
        )
        await product.insert()
    return {"imported": len(rows)}


# fires: insert_one on the class
@router.post("/products/bulk")
async def import_products_one_by_one(rows: list[ProductIn]):
    for row in rows:
        await Product.insert_one(Product(**row.model_dump()))
    return {"imported": len(rows)}


# fires, no fix: each insert is isolated by its own try
@router.post("/products/tolerant")
async def import_tolerant(rows: list[ProductIn]):
    failed = []
    for row in rows:
        try:
            await Product(**row.model_dump()).insert()
        except Exception:
            failed.append(row.sku)
    return {"failed": failed}


# fires, no fix: the loop reads each inserted document's id
@router.post("/products/ids")
async def import_with_ids(rows: list[ProductIn]):
    ids = []
    for row in rows:
        product = Product(**row.model_dump())
        await product.insert()
        ids.append(str(product.id))
    return {"ids": ids}


# fires, no fix: the loop variable is read after the loop
@router.post("/products/last")
async def import_and_echo_last(rows: list[ProductIn]):
    for row in rows:
        await Product.insert_one(Product(**row.model_dump()))
    return {"last": row.sku}
