# PO101: `if r:` relies on requests' falsy error responses (an httpx response is always true):
# reported without a fix.
import requests
from fastapi import APIRouter

router = APIRouter(prefix="/weather")

WEATHER_API = "https://weather.internal.example.com/v1/current"


@router.get("/{city}")
async def current_weather(city: str):
    fallback = await router.cache.get_weather(city)
    r = requests.get(WEATHER_API, params={"city": city}, timeout=2)
    if r:
        data = r.json()
        return {"city": city, "temp_c": data["temp_c"], "stale": False}
    if fallback is not None:
        return {"city": city, "temp_c": fallback["temp_c"], "stale": True}
    return {"city": city, "temp_c": None, "stale": True}
