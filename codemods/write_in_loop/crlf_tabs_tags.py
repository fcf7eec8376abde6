# PO204 in a file written with CRLF line endings, tabs and single quotes.
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

app = FastAPI()


class Base(DeclarativeBase):
	pass


class Tag(Base):
	__tablename__ = 'tags'

	id: Mapped[int] = mapped_column(primary_key=True)
	label: Mapped[str]


# fires: one commit per tag
@app.post('/tags')
async def create_tags(labels: list[str], session: AsyncSession):
	for label in labels:
		session.add(Tag(label=label))
		await session.commit()
	return {'created': len(labels)}
