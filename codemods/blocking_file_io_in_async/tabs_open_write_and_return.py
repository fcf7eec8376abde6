# PO103: tab-indented `with open(...)` blocks: a write (`json.dump`) and a `return f.read()`,
# each moved into a local function run in a thread.
import json

from fastapi import FastAPI

app = FastAPI()

STATE_FILE = "/var/lib/shop/feature-state.json"


@app.put("/features/{name}")
async def set_feature(name: str, enabled: bool):
	state = await app.state.features.snapshot()
	state[name] = enabled
	with open(STATE_FILE, "w", encoding="utf-8") as fh:
		# Persist for the next restart; the in-memory copy stays authoritative.
		json.dump(state, fh, indent=2)
	return {"name": name, "enabled": enabled}


@app.get("/features/raw")
async def raw_features():
	await app.state.features.touch()
	with open(STATE_FILE, encoding="utf-8") as fh:
		return fh.read()
