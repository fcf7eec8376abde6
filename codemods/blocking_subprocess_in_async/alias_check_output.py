# PO104: `import subprocess as sp` alias with `sp.check_output(...)` used in an
# expression (`.decode().split()`).
import subprocess as sp

from fastapi import FastAPI

app = FastAPI()


@app.get("/admin/disk")
async def disk_usage(mount: str = "/var/lib/shop"):
    warn_at = await app.state.settings.get_int("disk_warn_percent")
    fields = sp.check_output(["df", "--output=pcent,avail", mount], timeout=5).decode().split()
    used_percent = int(fields[2].rstrip("%"))
    return {
        "mount": mount,
        "used_percent": used_percent,
        "available_kb": int(fields[3]),
        "warning": used_percent >= warn_at,
    }
