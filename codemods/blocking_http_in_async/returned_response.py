# PO101: the response object itself leaves the function (returned to the caller), so the
# rewrite is unsafe: callers may rely on `requests.Response` attributes.
import requests
from fastapi import APIRouter

router = APIRouter()

AVATAR_SERVICE = "https://avatars.internal.example.com"


async def fetch_avatar(user_id: int, size: int = 128):
    return requests.get(
        f"{AVATAR_SERVICE}/u/{user_id}",
        params={"s": size},
        timeout=5,
    )


async def fetch_profile(user_id: int):
    resp = requests.get(f"{AVATAR_SERVICE}/profiles/{user_id}", timeout=5)
    return resp


@router.get("/users/{user_id}/card")
async def user_card(user_id: int):
    avatar = await fetch_avatar(user_id)
    profile = await fetch_profile(user_id)
    return {
        "user_id": user_id,
        "avatar_bytes": len(avatar.content),
        "display_name": profile.json()["display_name"],
    }
