# PO101: `requests.request("PATCH", ...)`, `requests.patch` and `requests.delete` in a
# non-route async service method.
import requests

CMS_API = "https://cms.internal.example.com/api"


class ArticleService:
    def __init__(self, token: str, repo) -> None:
        self.token = token
        self.repo = repo

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"}

    async def publish(self, slug: str) -> None:
        await self.repo.mark_publishing(slug)
        requests.request(
            "PATCH",
            f"{CMS_API}/articles/{slug}",
            json={"status": "published"},
            headers=self._headers(),
            timeout=10,
        )

    async def rename(self, slug: str, title: str) -> None:
        requests.patch(f"{CMS_API}/articles/{slug}", json={"title": title}, headers=self._headers(), timeout=10)
        await self.repo.touch(slug)

    async def delete(self, slug: str) -> None:
        requests.delete(f"{CMS_API}/articles/{slug}", headers=self._headers(), timeout=10)
        await self.repo.forget(slug)
