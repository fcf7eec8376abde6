# PO204 must stay quiet: writes already batched, adds without a commit per item, look-alikes.
import asyncio

from beanie import Document
from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

app = FastAPI()


class Event(Document):
    kind: str


class EventIn(BaseModel):
    kind: str


class Outbox:
    async def insert(self):
        return None


async def get_session():
    raise NotImplementedError


# quiet: insert_many already
@app.post("/events")
async def create_events(kinds: list[str]):
    await Event.insert_many([Event(kind=k) for k in kinds])


# quiet: add per item, one commit after the loop
@app.post("/rows")
async def create_rows(kinds: list[str], session: AsyncSession = Depends(get_session)):
    for kind in kinds:
        session.add(Event(kind=kind))
    await session.commit()


# quiet: the commit runs once per batch of 100, under a condition
@app.post("/batched")
async def batched(kinds: list[str], session: AsyncSession = Depends(get_session)):
    for index, kind in enumerate(kinds, start=1):
        session.add(Event(kind=kind))
        if index % 100 == 0:
            await session.commit()
    await session.commit()


# quiet: a set's add and no commit; a non-document insert()
@app.post("/seen")
async def seen(kinds: list[str], box: Outbox):
    names = set()
    for kind in kinds:
        names.add(kind)
        await box.insert()
    return sorted(names)


# quiet: a pydantic model is not a document
@app.post("/inputs")
async def inputs(kinds: list[str], repo):
    for kind in kinds:
        await repo.insert_one(EventIn(kind=kind))


# quiet: a shared session in a gather, each task with its own commit, not a loop
@app.post("/gathered")
async def gathered(kinds: list[str], session: AsyncSession = Depends(get_session)):
    async def one(kind: str):
        session.add(Event(kind=kind))
        await session.commit()

    await asyncio.gather(*(one(k) for k in kinds))


# quiet: the commit is in a nested function defined in the loop, not run by it
@app.post("/deferred")
async def deferred(kinds: list[str], session: AsyncSession = Depends(get_session)):
    jobs = []
    for kind in kinds:
        async def job(kind=kind):
            session.add(Event(kind=kind))
            await session.commit()

        jobs.append(job)
    return len(jobs)
