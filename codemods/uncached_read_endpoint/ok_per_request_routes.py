# PO301 must not cache what depends on the caller, writes, or returns a Response object.
import random
from typing import Annotated

from fastapi import Cookie, Depends, FastAPI, Header, Request, Response
from fastapi.responses import JSONResponse, ORJSONResponse

from app.auth import get_current_user, verify_token
from app.models import Cart, Order, Product, User

app = FastAPI()
VIEWS: dict[str, int] = {}


@app.get("/me/orders")
async def my_orders(user: User = Depends(get_current_user)):
    return await Order.find(Order.user_id == user.id).to_list()


@app.get("/cart")
async def cart(session_id: Annotated[str | None, Cookie()] = None):
    return await Cart.find_one(Cart.session_id == session_id)


@app.get("/greeting")
async def greeting(accept_language: str = Header(default="en")):
    return await Product.find_one(Product.locale == accept_language)


@app.get("/client")
async def client_info(request: Request):
    return {"ip": request.client.host, "products": await Product.count()}


@app.get("/products/{sku}/raw")
async def raw_product(sku: str):
    product = await Product.find_one(Product.sku == sku)
    return JSONResponse(product.model_dump(), headers={"X-Source": "db"})


@app.get("/products/{sku}/fast", response_class=ORJSONResponse)
async def fast_product(sku: str):
    return await Product.find_one(Product.sku == sku)


@app.get("/admin/products", dependencies=[Depends(verify_token)])
async def admin_products():
    return await Product.find_all().to_list()


@app.get("/products/{sku}/seen")
async def seen(sku: str):
    VIEWS[sku] = VIEWS.get(sku, 0) + 1
    return await Product.find_one(Product.sku == sku)


@app.get("/headers")
async def with_headers(response: Response):
    response.headers["X-Shard"] = "3"
    return await Product.count()


@app.get("/lucky")
def lucky():
    return {"number": random.randint(1, 100)}


@app.get("/static-info")
async def static_info():
    return {"version": "1.0"}
