# PO103 ok: `open(` and `.read_text()` only in strings, a docstring and comments.
import asyncio

from fastapi import APIRouter

router = APIRouter(prefix="/lint")

ADVICE = "Replace Path(p).read_text() with await asyncio.to_thread(Path(p).read_text)."


@router.get("/hints/files")
async def file_hints():
    """`open(path)` and `Path(path).write_bytes(data)` block the event loop."""
    # bad: data = open("/etc/hosts").read()
    await asyncio.sleep(0)
    return {
        "advice": ADVICE,
        "bad": 'with open("report.csv", "w") as fh: ...',
        "good": "await anyio.Path(p).read_text()",
    }
