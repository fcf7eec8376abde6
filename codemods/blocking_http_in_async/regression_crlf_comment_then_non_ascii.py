# Service de menu du café: a module whose first statement, right after the header comment,
# starts with a non-ASCII name and comes before the imports (found by the fuzzer: with CRLF
# line endings the new import was placed inside the `É`).
ÉTAT_PAR_DÉFAUT = "ouvert"

import requests


async def menu_du_jour(date: str) -> dict:
    with requests.Session() as s:
        plats = s.get(f"https://cuisine.example.fr/menu/{date}", timeout=5)
    return plats.json()
