# PO106: a blank or a line continuation between `append` and its parenthesis is still an append
# of each awaited result (the text test that picks the statements to parse must see it too).
import httpx


async def fetch_pages(client: httpx.AsyncClient, urls: list[str]) -> list[str]:
    pages = []
    for url in urls:
        pages.append (await client.get(url))
    return pages


async def fetch_sizes(client: httpx.AsyncClient, urls: list[str]) -> list[int]:
    sizes = []
    for url in urls:
        sizes.append \
            (await client.head(url))
    return sizes
