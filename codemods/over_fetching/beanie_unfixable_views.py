from enum import Enum
from typing import Annotated, Optional

from beanie import Document
from fastapi import APIRouter
from pydantic import BaseModel, Field, constr

router = APIRouter()


class Member(Document):  # noqa: PO203 -- no projection models here
    name: str
    email: str
    bio: Optional[str] = None


class Account(Document):
    owner_name: str
    iban: str = Field(alias="IBAN")

    class Config:
        # Pydantic v1 style: stored as camelCase
        alias_generator = lambda field: "".join(
            part.title() if i else part for i, part in enumerate(field.split("_"))
        )
        populate_by_name = True


class Badge(Document):
    label: str
    color: str = "grey"


class BadgeLabel(BaseModel):
    # an API schema of the same name: not the projection model
    label: constr(max_length=12)


class Ticket(Document):
    class Priority(str, Enum):
        LOW = "low"
        HIGH = "high"

    DEFAULT_QUEUE = "support"

    title: str
    priority: Priority = Priority.LOW
    queue: str = DEFAULT_QUEUE


CouponCode = Annotated[str, Field(min_length=6)]


class Coupon(Document):
    code: CouponCode
    percent: int


@router.get("/members/names")
async def member_names():
    # the projection model would be defined by the suppressed finding on `Member`
    return [m.name for m in await Member.find_all().to_list()]


@router.get("/accounts/owners")
async def account_owners():
    # `class Config` is `model_config`: the projection model would need it too
    return [a.owner_name async for a in Account.find(Account.iban != "")]


@router.get("/badges/labels")
async def badge_labels():
    return [b.label for b in await Badge.find_all().to_list()]


@router.get("/tickets/board")
async def ticket_board():
    # `Priority` and `DEFAULT_QUEUE` exist only inside `Ticket`
    return [f"{t.title} [{t.priority.value}] {t.queue}" for t in await Ticket.find_all().to_list()]


@router.get("/coupons/codes")
async def coupon_codes():
    # `CouponCode` is a type alias already: the projection model needs another name
    return [c.code for c in await Coupon.find(Coupon.percent > 10).to_list()]
