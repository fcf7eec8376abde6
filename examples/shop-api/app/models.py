from datetime import datetime, timezone
from enum import Enum

from beanie import Document, Indexed
from pydantic import BaseModel, Field


class OrderStatus(str, Enum):
    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    FAILED = "failed"


class Product(Document):
    sku: Indexed(str, unique=True)
    name: str
    category: Indexed(str)
    description: str = ""
    price_cents: int = Field(ge=0)
    currency: str = "EUR"
    weight_grams: int = Field(gt=0)
    active: bool = True

    class Settings:
        name = "products"


class StoreSettings(Document):
    """Checkout switches that the back office edits; one document per store."""

    store: Indexed(str, unique=True)
    accepting_orders: bool = True
    currency: str = "EUR"
    max_items_per_order: int = 20

    class Settings:
        name = "store_settings"


class Customer(Document):
    """A customer account, keyed by the id the storefront gives it (`cust-20931`)."""

    id: str
    name: str
    email: str
    tier: str = "standard"

    class Settings:
        name = "customers"


class Address(BaseModel):
    name: str
    street: str
    postal_code: str
    city: str
    country: str = Field(min_length=2, max_length=2)


class OrderLine(BaseModel):
    sku: str
    quantity: int = Field(gt=0)
    unit_price_cents: int


class Order(Document):
    customer_id: str
    lines: list[OrderLine]
    shipping_address: Address
    status: OrderStatus = OrderStatus.PENDING
    payment_id: str | None = None
    tracking_number: str | None = None
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))

    class Settings:
        name = "orders"

    @property
    def total_cents(self) -> int:
        return sum(line.quantity * line.unit_price_cents for line in self.lines)


class CartItem(BaseModel):
    sku: str
    quantity: int = Field(gt=0, le=100)


class OrderCreate(BaseModel):
    customer_id: str
    items: list[CartItem] = Field(min_length=1)
    shipping_address: Address
    card_token: str


class StockLevel(BaseModel):
    sku: str
    warehouse: str
    available: int


class RestockItem(BaseModel):
    sku: str
    quantity: int = Field(gt=0)
    supplier_ref: str


class ProductDetail(BaseModel):
    sku: str
    name: str
    category: str
    description: str
    price_cents: int
    currency: str
    available: int


class CategorySummary(BaseModel):
    category: str
    products: int
    from_price_cents: int


class ShippingRate(BaseModel):
    carrier: str
    service: str
    price_cents: int
    currency: str
    delivery_days: int
