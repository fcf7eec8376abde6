from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOP_", env_file=".env")

    mongo_url: str = "mongodb://localhost:27017"
    mongo_db: str = "shop"
    store_id: str = "web"
    admin_token: str = "change-me"
    cors_origins: list[str] = ["https://shop.example.com"]

    payments_url: str = "https://payments.internal.example.com/v2"
    payments_api_key: str = ""
    inventory_url: str = "https://inventory.internal.example.com"
    shipping_url: str = "https://api.parcelhub.example.com/v1"
    reviews_url: str = "https://reviews.internal.example.com"
    supplier_url: str = "https://edi.supplier.example.com"
    supplier_account: str = ""

    http_timeout: float = 5.0
    max_retries: int = 3

    price_list_path: str = "data/price_list.json"
    catalog_seed_path: str = "data/catalog.json"
    export_dir: str = "/var/lib/shop/exports"
    backup_dir: str = "/var/backups/shop"


# Module-level instance for code that runs outside a request (services, startup).
settings = Settings()


@lru_cache
async def get_settings() -> Settings:
    return Settings()
