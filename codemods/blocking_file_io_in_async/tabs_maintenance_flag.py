# PO103: tab-indented module; `Path.write_text` inside an `if` in an async handler.
from pathlib import Path

from fastapi import FastAPI

app = FastAPI()

MAINTENANCE_FLAG = Path("/run/shop/maintenance")


@app.post("/admin/maintenance")
async def set_maintenance(enabled: bool, message: str = "back soon"):
	await app.state.audit.write("maintenance", enabled=enabled)
	if enabled:
		MAINTENANCE_FLAG.write_text(message, encoding="utf-8")
	elif MAINTENANCE_FLAG.exists():
		MAINTENANCE_FLAG.unlink()
	return {"maintenance": enabled}
