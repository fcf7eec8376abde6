# PO304: an app factory (the shape used with `uvicorn --factory` and in tests).
import fastapi

from app.config import Settings
from app.routers import reports


def create_app(settings: Settings) -> fastapi.FastAPI:
    application = fastapi.FastAPI(
        title="reporting",
        docs_url=None if settings.production else "/docs",
    )
    application.include_router(reports.router, prefix="/reports")
    return application
