# PO105 ok: a handler that never awaits and only mentions blocking calls in strings,
# a docstring and comments.
from fastapi import APIRouter

router = APIRouter(prefix="/guides")

GUIDE = {
    "http": "requests.get(url) blocks; use await client.get(url)",
    "sleep": "time.sleep(1) blocks; use await asyncio.sleep(1)",
    "proc": "subprocess.run(cmd) blocks; use asyncio.to_thread",
}


@router.get("/{topic}")
async def guide(topic: str):
    """Explains why `requests.get(...)` and `time.sleep(...)` block the loop."""
    # Do not call requests.get(url) or open(path) here.
    text = GUIDE.get(topic, "unknown topic")
    return {"topic": topic, "text": text, "example": 'open("data.csv").read()'}
