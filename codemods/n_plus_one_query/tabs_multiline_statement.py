# PO201: a tab-indented module, the per-item query spread over lines.
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

app = FastAPI()


class Base(DeclarativeBase):
	pass


class Post(Base):
	__tablename__ = "posts"
	id: Mapped[int] = mapped_column(primary_key=True)
	author_id: Mapped[int]


class Comment(Base):
	__tablename__ = "comments"
	id: Mapped[int] = mapped_column(primary_key=True)
	post_id: Mapped[int]
	body: Mapped[str]


# fires: comments per post, the statement over several lines
@app.get("/posts")
async def posts(session: AsyncSession):
	posts = (await session.scalars(select(Post).order_by(Post.id))).all()
	pages = []
	for post in posts:
		if post.id:
			pass
		comments = (
			await session.scalars(
				select(Comment)
				.where(Comment.post_id == post.id)  # newest first
				.order_by(Comment.id.desc())
			)
		).all()
		pages.append({"post": post.id, "comments": [c.body for c in comments]})
	return pages
