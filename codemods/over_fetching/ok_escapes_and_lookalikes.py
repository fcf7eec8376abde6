import polars as pl
from beanie import Document
from bs4 import BeautifulSoup
from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter()


class User(Document):
    name: str
    email: str
    visits: int = 0

    @property
    def display(self) -> str:
        return f"{self.name} <{self.email}>"


class UserName(BaseModel):
    name: str


def audit(user: User) -> None:
    print(user.email)


@router.get("/users")
async def list_users():
    # whole documents returned
    return await User.find_all().to_list()


@router.get("/users/returned")
async def returned():
    users = await User.find_all().to_list()
    names = [u.name for u in users]
    return {"names": names, "users": users}


@router.post("/users/visit")
async def visit():
    for u in await User.find_all().to_list():
        u.visits += 1
        await u.save()


@router.get("/users/dumped")
async def dumped():
    return [u.model_dump() for u in await User.find_all().to_list()]


@router.get("/users/audited")
async def audited():
    for u in await User.find_all().to_list():
        audit(u)
        print(u.name)


@router.get("/users/display")
async def display():
    # a property may read any field
    return [u.display for u in await User.find_all().to_list()]


@router.get("/users/numbered")
async def numbered():
    return [f"{i}: {u.name}" for i, u in enumerate(await User.find_all().to_list())]


@router.get("/users/last")
async def last():
    for u in await User.find_all().to_list():
        print(u.name)
    return u  # kept after the loop


@router.get("/users/projected")
async def projected():
    return [u.name for u in await User.find_all().project(UserName).to_list()]


@router.get("/users/written")
async def written():
    for u in await User.find_all().to_list():
        u.name = u.name.title()


@router.get("/users/by-getattr")
async def by_getattr(field: str):
    return [getattr(u, field) for u in await User.find_all().to_list()]


@router.get("/frame")
async def frame():
    df = pl.DataFrame({"name": ["a"]})
    return [n.upper for n in df["name"].to_list()]


@router.get("/soup")
async def soup(html: str):
    return [a.text for a in BeautifulSoup(html, "html.parser").find_all("a")]


@router.get("/dicts")
async def dicts(rows: list[dict]):
    return [r.get("name") for r in rows]
