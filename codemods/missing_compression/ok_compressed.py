# OK for PO304: apps that compress already (added later in the file, or in the constructor),
# and a router (only apps take middleware).
from fastapi import APIRouter, FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from starlette.middleware import Middleware

api = FastAPI(title="public-api")
admin = FastAPI(title="admin", middleware=[Middleware(GZipMiddleware, minimum_size=500)])
router = APIRouter(prefix="/v1")

api.include_router(router)
api.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=5)
api.mount("/admin", admin)
