# PO301: an app factory that includes a router of the same module; two cached routes share one
# key builder.
from fastapi import APIRouter, FastAPI

from app.clients import rates_client

router = APIRouter(prefix="/rates")


@router.get("/{currency}")
async def rate(currency: str):
    response = await rates_client.get(f"/latest/{currency}")
    return response.json()


@router.get("/{currency}/history")
async def rate_history(currency: str, days: int = 30):
    response = await rates_client.get(f"/history/{currency}", params={"days": days})
    return response.json()["points"]


def create_app() -> FastAPI:
    application = FastAPI(title="rates")
    application.include_router(router)
    return application
