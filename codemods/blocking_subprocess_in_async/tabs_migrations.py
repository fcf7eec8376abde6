# PO104: tab-indented module; `subprocess.run` inside a `for`/`if` in an async function.
import subprocess

from fastapi import FastAPI

app = FastAPI()

MIGRATION_DIRS = ("core", "billing")


@app.post("/admin/migrate")
async def migrate(dry_run: bool = False):
	applied = []
	for name in MIGRATION_DIRS:
		if await app.state.migrations.is_locked(name):
			continue
		args = ["alembic", "-n", name, "upgrade", "head"]
		if dry_run:
			args.append("--sql")
		result = subprocess.run(args, capture_output=True, text=True, timeout=300)
		applied.append({"name": name, "code": result.returncode})
	return {"applied": applied}
