# PO208 must stay quiet: async drivers, sync drivers in plain def handlers or threads.
import asyncio
import sqlite3

import aiosqlite
import redis.asyncio as aioredis
from fastapi import FastAPI
from motor.motor_asyncio import AsyncIOMotorClient
from pymongo import AsyncMongoClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

app = FastAPI()
mongo = AsyncMongoClient("mongodb://localhost:27017")
motor = AsyncIOMotorClient("mongodb://localhost:27017")
cache = aioredis.Redis(host="localhost")
engine = create_async_engine("sqlite+aiosqlite:///shop.db")
SessionLocal = async_sessionmaker(engine)
LegacyAsyncSession = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


# quiet: PyMongo's async client and Motor
@app.get("/users/{user_id}")
async def get_user(user_id: str):
    user = await mongo.shop.users.find_one({"_id": user_id})
    legacy = await motor.shop.users.find_one({"_id": user_id})
    return user or legacy


# quiet: redis.asyncio and an AsyncSession
@app.get("/products")
async def products():
    cached = await cache.get("products")
    async with SessionLocal() as session:
        rows = (await session.execute(text("SELECT name FROM products"))).scalars().all()
    return cached or rows


# quiet: the pre-2.0 spelling of an async session factory
@app.get("/legacy-products")
async def legacy_products():
    async with LegacyAsyncSession() as session:
        return (await session.execute(text("SELECT name FROM products"))).scalars().all()


# quiet: aiosqlite
@app.get("/notes")
async def notes():
    async with aiosqlite.connect("notes.db") as db:
        async with db.execute("SELECT body FROM notes") as cursor:
            return [row[0] async for row in cursor]


# quiet: sqlite3 in a plain def handler (FastAPI runs it in a thread)
@app.get("/legacy-notes")
def legacy_notes():
    conn = sqlite3.connect("notes.db")
    return conn.execute("SELECT body FROM notes").fetchall()


def read_notes_sync():
    with sqlite3.connect("notes.db") as conn:
        return conn.execute("SELECT body FROM notes").fetchall()


# quiet: the sync driver runs in a worker thread
@app.get("/threaded-notes")
async def threaded_notes():
    return await asyncio.to_thread(read_notes_sync)


# quiet: a local name shadows nothing driver-like
@app.get("/local")
async def local(session: AsyncSession):
    conn = {"execute": None}
    return conn.get("execute")
