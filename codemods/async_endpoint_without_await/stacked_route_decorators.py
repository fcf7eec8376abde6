# PO105: one handler registered for GET and HEAD with two stacked route decorators on the
# same router; both decorators are FastAPI routes, and the handler never awaits.
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

router = APIRouter()

ROBOTS_FILE = Path("/srv/app/static/robots.txt")


@router.get("/robots.txt", response_class=PlainTextResponse)
@router.head("/robots.txt", response_class=PlainTextResponse)
async def robots_txt():
    return ROBOTS_FILE.read_text(encoding="utf-8")


@router.get("/humans.txt", response_class=PlainTextResponse)
async def humans_txt():
    return Path("/srv/app/static/humans.txt").read_text(encoding="utf-8")
