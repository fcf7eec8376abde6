from fastapi import FastAPI
from pymongo import AsyncMongoClient

from app.config import settings

app = FastAPI()


@app.get("/reports/daily")
async def daily_report():
	async with AsyncMongoClient(settings.reporting_url) as client:  # the replica
		# counts only: no documents leave the server
		total = await client.reports.orders.count_documents({})

		return {"total": total}


@app.get("/reports/refunds")
async def refunds_report():
	client = AsyncMongoClient(
		settings.reporting_url,  # the replica
		serverSelectionTimeoutMS=2000,
		readPreference="secondaryPreferred",
	)
	try:
		# refunds are rare: a count is enough
		return {"refunds": await client.reports.refunds.count_documents({})}
	finally:
		await client.close()
