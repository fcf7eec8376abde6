# PO108: clients that configure TLS themselves (a CA bundle path, a client certificate) are
# reported without a fix, and so is an aiohttp session per call.
import aiohttp
import httpx


async def bank_balance(account: str) -> dict:
    async with httpx.AsyncClient(verify="/etc/ssl/bank-ca.pem", cert=("/etc/ssl/me.pem", "/etc/ssl/me.key")) as client:
        return (await client.get(f"https://bank.example.com/accounts/{account}")).json()


async def weather(city: str) -> dict:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"https://weather.example.com/{city}") as resp:
            return await resp.json()
