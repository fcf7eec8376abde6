# PO301: an SQLAlchemy read route on an app without start-up code gets a new lifespan.
from fastapi import Depends, FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_session
from app.models import Country

# The public reference-data API.
app = FastAPI(title='reference data', version='2.1.0')


@app.get('/countries/{code}')
async def get_country(code: str, session: AsyncSession = Depends(get_session)):
    result = await session.execute(select(Country).where(Country.code == code.upper()))
    return result.scalar_one()


@app.get('/countries')
async def list_countries(region: str | None = None, session: AsyncSession = Depends(get_session)):
    query = select(Country).order_by(Country.name)
    if region:
        query = query.where(Country.region == region)
    return (await session.scalars(query)).all()
