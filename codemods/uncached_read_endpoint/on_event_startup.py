# PO301: an app that still uses `on_event("startup")`: the init joins that handler, since a new
# lifespan would stop FastAPI from calling it.
import httpx
from fastapi import FastAPI

from app.settings import settings

app = FastAPI()
client = httpx.AsyncClient(base_url=settings.weather_url, timeout=5.0)


@app.on_event("startup")
async def connect() -> None:
    await client.get("/ping")


@app.on_event("shutdown")
async def disconnect() -> None:
    await client.aclose()


@app.get("/forecast/{city}")
async def forecast(city: str, days: int = 3):
    response = await client.get("/forecast", params={"city": city, "days": days})
    response.raise_for_status()
    return response.json()
