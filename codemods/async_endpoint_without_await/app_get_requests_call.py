# PO105: `@app.get` handler declared `async def` that never awaits and only calls
# `requests.get` (plain `import requests`).
import requests
from fastapi import FastAPI, HTTPException

app = FastAPI()

CURRENCY_API = "https://fx.internal.example.com/latest"


@app.get("/fx/{base}")
async def exchange_rates(base: str = "EUR"):
    resp = requests.get(CURRENCY_API, params={"base": base}, timeout=3)
    if resp.status_code != 200:
        raise HTTPException(status_code=502, detail="rates unavailable")
    rates = resp.json()["rates"]
    return {
        "base": base,
        "usd": rates.get("USD"),
        "gbp": rates.get("GBP"),
        "count": len(rates),
    }
