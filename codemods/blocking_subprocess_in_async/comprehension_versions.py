# PO104: `subprocess.check_output` in a dict comprehension inside an async handler that
# reports tool versions.
import subprocess

from fastapi import FastAPI

app = FastAPI()

TOOLS = ("ffmpeg", "convert", "pg_dump")


@app.get("/admin/tools")
async def tool_versions():
    uptime = await app.state.metrics.uptime_seconds()
    versions = {
        tool: subprocess.check_output([tool, "-version"], text=True, timeout=5).splitlines()[0]
        for tool in TOOLS
    }
    return {"uptime_s": uptime, "versions": versions}
