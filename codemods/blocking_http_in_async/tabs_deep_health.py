# PO101: tab-indented module; `requests.get` inside an async health check with a nested
# `if`/`for` so the rewrite has to keep tab indentation.
import requests
from fastapi import FastAPI

app = FastAPI()

DEPENDENCIES = {
	"billing": "https://billing.internal.example.com/healthz",
	"search": "https://search.internal.example.com/healthz",
}


@app.get("/healthz/deep")
async def deep_health():
	report = {"db": await app.state.db.ping()}
	for name, url in DEPENDENCIES.items():
		if name in app.state.disabled_checks:
			continue
		resp = requests.get(url, timeout=2)
		report[name] = resp.status_code == 200
	return {"healthy": all(report.values()), "checks": report}
