# PO105 ok: the only blocking call is in a default argument, evaluated once at import,
# not when the handler runs.
import requests
from fastapi import APIRouter

router = APIRouter(prefix="/regions")

DEFAULT_REGIONS = ["eu-west", "us-east"]


@router.get("")
async def list_regions(
    include_beta: bool = False,
    catalogue: str = requests.get("https://regions.internal.example.com/version", timeout=5).text,
):
    regions = list(DEFAULT_REGIONS)
    if include_beta:
        regions.append("ap-south")
    return {"catalogue": catalogue, "regions": regions}
