# PO105: tab-indented module; an `@app.get` async handler that only calls
# `subprocess.check_output` and never awaits.
import subprocess

from fastapi import FastAPI

app = FastAPI()


@app.get("/admin/load")
async def load_average(detailed: bool = False):
	out = subprocess.check_output(["cat", "/proc/loadavg"], text=True, timeout=2)
	one, five, fifteen = out.split()[:3]
	if detailed:
		return {"1m": float(one), "5m": float(five), "15m": float(fifteen)}
	return {"load": float(one)}
