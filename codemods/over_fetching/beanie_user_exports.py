from datetime import datetime
from typing import Optional

from beanie import Document, Indexed, Link
from fastapi import APIRouter
from pydantic import BaseModel, Field

router = APIRouter()


class Team(Document):
    title: str


class User(Document):
    name: str
    email: Indexed(str, unique=True)
    city: str = "Berlin"
    bio: Optional[str] = None
    tags: list[str] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=datetime.utcnow)
    team: Optional[Link[Team]] = None

    class Settings:
        name = "users"


class UserCity(BaseModel):
    city: str


@router.get("/users/names")
async def user_names():
    return [u.name for u in await User.find_all().to_list()]


@router.get("/users/export")
async def export_emails(active_only: bool = True):
    users = await User.find(User.bio != None).sort(+User.name).to_list()  # noqa: E711
    if not users:
        return {"count": 0, "lines": []}
    return {
        "count": len(users),
        "lines": [f"{u.name} <{u.email}>" for u in users],
    }


@router.get("/users/directory")
async def directory(city: str):
    entries = []
    async for user in User.find(User.city == city).limit(500):
        entries.append({"id": str(user.id), "name": user.name})
    return entries


@router.get("/users/cities")
async def cities():
    # the projection model exists already: reused
    counts: dict[str, int] = {}
    for u in await User.find_all().to_list():
        counts[u.city] = counts.get(u.city, 0) + 1
    return counts


@router.get("/users/sorted-names")
async def sorted_names():
    # the same fields as /users/names: the same projection model
    names = await User.find(User.city == "Paris").to_list()
    return sorted(person.name for person in names)


@router.get("/users/teams")
async def team_links():
    # a link: reported, projected by hand
    return [str(u.team) for u in await User.find_all().to_list()]
