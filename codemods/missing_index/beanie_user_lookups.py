from datetime import datetime
from typing import Annotated, Optional

from beanie import Document, Indexed
from fastapi import APIRouter
from pydantic import Field

router = APIRouter()


class User(Document):
    email: str
    name: str = Field(max_length=80)
    department: str = "sales"
    created_at: datetime = Field(default_factory=datetime.utcnow)
    nickname: Optional[str] = None
    username: Indexed(str, unique=True)
    tags: Annotated[list[str], Field(max_length=5)] = []

    class Settings:
        name = "users"


@router.get("/users/by-email")
async def by_email(email: str):
    return await User.find_one(User.email == email)


@router.get("/users/login")
async def login(email: str):
    # the same field again: still one finding
    return await User.find_one({"email": email})


@router.get("/users")
async def list_users(department: str):
    return await User.find(User.department == department).sort(-User.created_at).to_list()


@router.get("/users/nick")
async def by_nickname(nickname: str):
    return await User.find_one(User.nickname == nickname)


@router.get("/users/nick-exact")
async def by_username(username: str, nickname: str):
    # narrowed by the unique username index: the nickname needs none here
    return await User.find_one(User.username == username, User.nickname == nickname)


@router.get("/users/tagged")
async def tagged(tag: str):
    return await User.find({"tags": tag}).to_list()
