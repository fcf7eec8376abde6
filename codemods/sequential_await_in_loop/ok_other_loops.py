# OK for PO106: loops that are not "await one independent call per item and collect":
# early exits, several statements, pacing with asyncio.sleep, `async for`, and gather already.
import asyncio

from app.clients import notify, probe, stream_events


async def first_healthy(urls: list[str]) -> str | None:
    for url in urls:
        if await probe(url):
            return url
    return None


async def notify_all(users: list[str]) -> int:
    sent = 0
    for user in users:
        await notify(user)
        sent += 1
    return sent


async def paced(urls: list[str]) -> list[bool]:
    results = []
    for url in urls:
        results.append(await probe(url))
        await asyncio.sleep(0.1)
    return results


async def drain() -> list[dict]:
    events = []
    async for event in stream_events():
        events.append(event)
    return events


async def all_at_once(urls: list[str]) -> list[bool]:
    return await asyncio.gather(*(probe(url) for url in urls))
