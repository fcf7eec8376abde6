# PO101: blocking calls inside a list comprehension and a dict comprehension that run in the
# body of an async handler (comprehensions are part of the function body).
import requests
from fastapi import APIRouter

router = APIRouter(prefix="/reviews")

REVIEW_SHARDS = [
    "https://reviews-eu.internal.example.com",
    "https://reviews-us.internal.example.com",
    "https://reviews-ap.internal.example.com",
]


@router.get("/{product_id}")
async def product_reviews(product_id: str):
    product = await router.catalog.get(product_id)
    pages = [
        requests.get(f"{shard}/products/{product_id}/reviews", timeout=4).json()
        for shard in REVIEW_SHARDS
    ]
    counts = {
        shard: requests.get(f"{shard}/products/{product_id}/count", timeout=4).json()["n"]
        for shard in REVIEW_SHARDS
    }
    reviews = [review for page in pages for review in page["items"]]
    return {"product": product.name, "reviews": reviews, "counts": counts}
