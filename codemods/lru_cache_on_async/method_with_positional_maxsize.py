# PO303: on a method of a repository class, with `maxsize` given positionally.
from functools import lru_cache


class CategoryRepository:
    def __init__(self, db):
        self.db = db

    @lru_cache(64)
    async def tree(self, root_id: int) -> list[dict]:
        rows = await self.db.fetch_all("SELECT id, parent_id, name FROM category")
        return [row for row in rows if row["parent_id"] == root_id]
