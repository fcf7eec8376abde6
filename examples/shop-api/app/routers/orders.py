import logging
from time import sleep

from beanie import PydanticObjectId
from beanie.operators import In
from fastapi import APIRouter, Depends, HTTPException, Query
from requests import post

from app.config import Settings, get_settings, settings
from app.models import Customer, Order, OrderCreate, OrderLine, OrderStatus, Product, StoreSettings
from app.services import inventory, payments

router = APIRouter(prefix="/orders", tags=["orders"])
logger = logging.getLogger(__name__)


async def get_store_settings() -> StoreSettings:
    store = await StoreSettings.find_one(StoreSettings.store == settings.store_id)
    if store is None:
        raise HTTPException(status_code=503, detail=f"store {settings.store_id!r} is not configured")
    return store


async def _get_order_or_404(order_id: PydanticObjectId) -> Order:
    order = await Order.get(order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="order not found")
    return order


@router.post("", response_model=Order, status_code=201)
async def create_order(payload: OrderCreate, store: StoreSettings = Depends(get_store_settings)):
    if not store.accepting_orders:
        raise HTTPException(status_code=503, detail="checkout is paused, try again in a few minutes")
    if len(payload.items) > store.max_items_per_order:
        raise HTTPException(status_code=422, detail=f"at most {store.max_items_per_order} items per order")

    skus = [item.sku for item in payload.items]
    products = {p.sku: p for p in await Product.find(In(Product.sku, skus), Product.active == True).to_list()}  # noqa: E712
    missing = [sku for sku in skus if sku not in products]
    if missing:
        raise HTTPException(status_code=422, detail=f"unknown products: {', '.join(missing)}")

    order = Order(
        customer_id=payload.customer_id,
        lines=[
            OrderLine(sku=item.sku, quantity=item.quantity, unit_price_cents=products[item.sku].price_cents)
            for item in payload.items
        ],
        shipping_address=payload.shipping_address,
    )
    await order.insert()

    try:
        await inventory.reserve_stock(str(order.id), order.lines)
        order.payment_id = await payments.charge_card(str(order.id), order.total_cents, store.currency, payload.card_token)
    except (inventory.OutOfStock, payments.PaymentError) as exc:
        logger.warning("order %s failed: %s", order.id, exc)
        order.status = OrderStatus.FAILED
        await order.save()
        code = 409 if isinstance(exc, inventory.OutOfStock) else 402
        raise HTTPException(status_code=code, detail=str(exc)) from exc

    order.status = OrderStatus.PAID
    await order.save()
    return order


@router.get("/shipped")
async def shipped_orders(limit: int = Query(default=50, ge=1, le=200)):
    """Dispatch dashboard: the latest shipped orders and who they went to."""
    orders = await Order.find(Order.status == OrderStatus.SHIPPED).sort(-Order.created_at).limit(limit).to_list()
    shipped = []
    for order in orders:
        customer = await Customer.get(order.customer_id)
        shipped.append({
            "order_id": str(order.id),
            "tracking_number": order.tracking_number,
            "customer": customer.name if customer else None,
            "tier": customer.tier if customer else None,
            "total_cents": order.total_cents,
        })
    return shipped


@router.get("/{order_id}/payment")
async def get_order_payment(order_id: PydanticObjectId):
    order = await _get_order_or_404(order_id)
    if order.payment_id is None:
        raise HTTPException(status_code=404, detail="order has no payment")
    return {"payment_id": order.payment_id, "status": await payments.get_payment_status(order.payment_id)}


@router.post("/{order_id}/ship", response_model=Order)
async def ship_order(order_id: PydanticObjectId, settings: Settings = Depends(get_settings)):
    order = await _get_order_or_404(order_id)
    if order.status != OrderStatus.PAID:
        raise HTTPException(status_code=409, detail=f"cannot ship an order that is {order.status.value}")

    label_request = {
        "reference": str(order.id),
        "recipient": order.shipping_address.model_dump(),
        "parcels": [{"sku": line.sku, "quantity": line.quantity} for line in order.lines],
    }
    for attempt in range(settings.max_retries):
        resp = post(f"{settings.shipping_url}/labels", json=label_request, timeout=settings.http_timeout)
        if resp.status_code == 429:
            # ParcelHub rate-limits label creation per account; Retry-After is in seconds.
            sleep(int(resp.headers.get("Retry-After", 2**attempt)))
            continue
        resp.raise_for_status()
        break
    else:
        raise HTTPException(status_code=503, detail="shipping provider is busy, try again later")

    order.tracking_number = resp.json()["tracking_number"]
    order.status = OrderStatus.SHIPPED
    await order.save()
    return order

