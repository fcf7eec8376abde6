# OK for PO107: each await needs the previous result, or is not an assignment of one call.
import asyncio

from app.clients import carts, payments, users


async def checkout(user_id: str) -> dict:
    user = await users.get(user_id)
    cart = await carts.for_user(user["id"])
    receipt = await payments.charge(user["card"], cart["total"])
    return {"receipt": receipt}


async def settle(order_id: str) -> None:
    await payments.capture(order_id)
    await asyncio.sleep(0.1)
    status = await payments.status(order_id)
    print(status)
