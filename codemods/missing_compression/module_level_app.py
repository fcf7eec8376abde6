# PO304: the app serves large JSON listings and is given CORS but no compression middleware.
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.routers import catalog, orders

app = FastAPI(title="shop-api", version="2.3.0")  # served directly to browsers and mobile apps
app.add_middleware(CORSMiddleware, allow_origins=["https://shop.example.com"], allow_methods=["*"])
app.include_router(catalog.router)
app.include_router(orders.router)


@app.get("/healthz")
async def healthz():
    return {"ok": True}
