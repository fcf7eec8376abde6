"""Behaviour app for PO204 (write-in-loop) and PO206 (unbounded-count): SQLAlchemy's async ORM
on aiosqlite and Beanie on mongomock-motor (an in-memory MongoDB), an order import that commits
per row, an audit log inserted one document at a time, and counts that load every row. The
driver (`run_db_writes_behaviour.py`) runs it before and after `perfopt fix`."""
import os

from beanie import Document, init_beanie
from mongomock_motor import AsyncMongoMockClient
from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine(os.environ["DB_WRITES_URL"])
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    total: Mapped[float]


class AuditEntry(Document):
    action: str
    ref: str


async def create_tables():
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    await init_beanie(database=AsyncMongoMockClient()["audit"], document_models=[AuditEntry])


async def import_orders(lines):
    async with SessionLocal() as session:
        for line in lines:
            session.add(Order(customer=line["customer"], status=line["status"], total=line["total"]))
            await session.commit()
    return len(lines)


async def count_by_status(status):
    async with SessionLocal() as session:
        return len((await session.execute(select(Order).where(Order.status == status))).scalars().all())


async def count_for_customer(customer):
    async with SessionLocal() as session:
        orders = (await session.scalars(select(Order).filter_by(customer=customer).order_by(Order.id))).all()
        return len(orders)


async def count_all():
    async with SessionLocal() as session:
        return len((await session.execute(select(Order))).all())


async def all_orders():
    async with SessionLocal() as session:
        rows = (await session.scalars(select(Order).order_by(Order.id))).all()
        return [(o.id, o.customer, o.status, o.total) for o in rows]


async def record_audit(refs):
    for ref in refs:
        await AuditEntry(action="import", ref=ref).insert()
    return len(refs)


async def count_audit(ref):
    return len(await AuditEntry.find(AuditEntry.ref == ref).to_list())


async def all_audit():
    return [(e.action, e.ref) for e in await AuditEntry.find_all().sort(+AuditEntry.ref).to_list()]
