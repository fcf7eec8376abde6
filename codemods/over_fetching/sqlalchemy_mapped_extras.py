from typing import ClassVar

from fastapi import APIRouter, Depends
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.associationproxy import association_proxy
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    column_property,
    mapped_column,
    relationship,
)

router = APIRouter()


class Base(DeclarativeBase):
    pass


class Keyword(Base):
    __tablename__ = "keywords"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    word: Mapped[str] = mapped_column(String(40))


class Author(Base):
    __tablename__ = "authors"
    MAX_BIO: ClassVar[int] = 2000
    id: Mapped[int] = mapped_column(primary_key=True)
    first: Mapped[str] = mapped_column(String(60))
    last: Mapped[str] = mapped_column(String(60))
    bio: Mapped[str] = mapped_column(String(2000), default="")
    full_name = column_property(first + " " + last)
    keywords: Mapped[list[Keyword]] = relationship()
    words = association_proxy("keywords", "word")

    @hybrid_property
    def initials(self) -> str:
        return self.first[:1] + self.last[:1]


def get_session() -> Session:
    raise NotImplementedError


@router.get("/authors/names")
def author_names(session: Session = Depends(get_session)):
    # a column_property is loaded by `load_only` like a column
    return [a.full_name for a in session.scalars(select(Author).order_by(Author.last))]


@router.get("/authors/words")
def author_words(session: Session = Depends(get_session)):
    # an association proxy reads a relationship: `load_only` refuses it
    return {a.first: list(a.words) for a in session.scalars(select(Author)).all()}


@router.get("/authors/limits")
def author_limits(session: Session = Depends(get_session)):
    # a ClassVar is no column
    return [a.MAX_BIO - len(a.bio) for a in session.scalars(select(Author)).all()]


@router.get("/authors/initials")
def author_initials(session: Session = Depends(get_session)):
    # a hybrid property may read any column
    return [a.initials for a in session.scalars(select(Author)).all()]
