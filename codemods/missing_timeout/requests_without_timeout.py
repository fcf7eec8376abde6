# PO306: requests calls with no timeout, in a sync route (FastAPI runs it in a threadpool, where
# a hung upstream still holds one of its 40 threads for ever) and in a session.
import requests
from fastapi import APIRouter

router = APIRouter(prefix="/shipping")

CARRIER_API = "https://api.carrier.example.com/v2"


@router.get("/quote")
def quote(weight_kg: float, country: str):
    resp = requests.get(f"{CARRIER_API}/rates", params={"kg": weight_kg, "to": country})
    resp.raise_for_status()
    return resp.json()


def track_all(numbers: list[str]) -> list[dict]:
    with requests.Session() as session:
        session.headers["Authorization"] = "Bearer carrier-token"
        return [session.get(f"{CARRIER_API}/track/{n}").json() for n in numbers]


def cancel(label_id: str) -> int:
    return requests.request("DELETE", f"{CARRIER_API}/labels/{label_id}", timeout=None).status_code
