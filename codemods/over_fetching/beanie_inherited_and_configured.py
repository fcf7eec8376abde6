from uuid import UUID, uuid4

from beanie import Document
from fastapi import APIRouter
from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

router = APIRouter()


class AuditedDocument(Document):
    created_by: str = "system"


class Invoice(AuditedDocument):
    id: UUID = Field(default_factory=uuid4)
    number: str
    total: float
    lines: list[dict] = []


class Supplier(Document):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    legal_name: str
    vat_number: str


@router.get("/invoices/index")
async def invoice_index():
    # `id` keeps the document's own type; `created_by` comes from the parent class
    return [
        {"id": str(inv.id), "number": inv.number, "by": inv.created_by}
        for inv in await Invoice.find(Invoice.total > 0).to_list()
    ]


@router.get("/suppliers/names")
async def supplier_names():
    # stored under camelCase aliases: a projection model needs the same config
    return [s.legal_name for s in await Supplier.find_all().to_list()]
