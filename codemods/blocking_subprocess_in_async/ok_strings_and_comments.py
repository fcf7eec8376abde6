# PO104 ok: `subprocess.run(` and `os.system(` only in strings, a docstring and comments.
import asyncio

from fastapi import APIRouter

router = APIRouter(prefix="/lint")

ADVICE = "subprocess.run(cmd) blocks; use await asyncio.create_subprocess_exec(*cmd)."


@router.get("/hints/subprocess")
async def subprocess_hint():
    """Explains why `os.system("...")` in a coroutine stalls the worker."""
    # before: subprocess.check_output(["git", "status"])
    await asyncio.sleep(0)
    return {
        "advice": ADVICE,
        "bad": 'os.system("nginx -s reload")',
        "good": "await asyncio.to_thread(subprocess.run, cmd)",
    }
