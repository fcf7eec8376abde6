# PO107: a profile endpoint that loads the user, their recent orders and their loyalty points
# one after another, although none of the calls needs another's result; then a dependent call.
from fastapi import APIRouter

from app.clients import loyalty, orders_api, recommendations, users

router = APIRouter(prefix="/profile")


@router.get("/{user_id}")
async def profile(user_id: str):
    user = await users.get(user_id)
    recent = await orders_api.recent(user_id, limit=5)
    points = await loyalty.balance(
        user_id,
        include_pending=True,
    )
    picks = await recommendations.for_user(user["segment"])
    return {"user": user, "orders": recent, "points": points, "picks": picks}
