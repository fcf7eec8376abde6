# PO208: synchronous database and cache drivers used inside async route handlers.
import sqlite3

import psycopg2
import redis
from fastapi import Depends, FastAPI
from pymongo import MongoClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session, sessionmaker

app = FastAPI()
mongo = MongoClient("mongodb://localhost:27017")
users = mongo.shop["users"]
cache = redis.Redis(host="localhost", port=6379)
engine = create_engine("postgresql://app@localhost/shop")
SessionLocal = sessionmaker(bind=engine)


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


# fires: a collection of a module-level MongoClient; dropping async is possible here
@app.get("/users/{user_id}")
async def get_user(user_id: str):
    return users.find_one({"_id": user_id})


# fires: sqlite3 connection opened and used in the handler (one finding for the driver)
@app.get("/notes")
async def list_notes():
    conn = sqlite3.connect("notes.db")
    rows = conn.execute("SELECT id, body FROM notes").fetchall()
    conn.close()
    return [{"id": r[0], "body": r[1]} for r in rows]


# fires twice: sync redis and psycopg2 in one handler that also awaits
@app.get("/reports/{day}")
async def report(day: str, request_id: str = ""):
    cached = cache.get(f"report:{day}")
    if cached is not None:
        return {"report": cached.decode()}
    with psycopg2.connect("dbname=shop") as pg:
        with pg.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM orders WHERE day = %s", (day,))
            total = cursor.fetchone()[0]
    await app.state.audit(request_id)
    return {"report": total}


# fires: a sync Session injected by Depends
@app.get("/products")
async def products(db: Session = Depends(get_db)):
    return db.execute(text("SELECT name FROM products")).scalars().all()


# fires: the sync sessionmaker's session in a helper coroutine (not a route)
async def count_products():
    with SessionLocal() as session:
        return len(session.execute(select(text("1"))).all())
