# PO104: `from subprocess import call, check_call` used in an async service function
# that renders thumbnails with ImageMagick.
from subprocess import DEVNULL, call, check_call

from fastapi import APIRouter

router = APIRouter(prefix="/media")

THUMB_SIZES = ("64x64", "256x256")


async def render_thumbnails(source: str, dest_prefix: str) -> list[str]:
    if call(["identify", source], stdout=DEVNULL, stderr=DEVNULL) != 0:
        return []
    created = []
    for size in THUMB_SIZES:
        target = f"{dest_prefix}-{size}.webp"
        check_call(["convert", source, "-resize", size, target], timeout=30)
        created.append(target)
    return created


@router.post("/{media_id}/thumbnails")
async def make_thumbnails(media_id: str):
    source = await router.media.local_path(media_id)
    thumbs = await render_thumbnails(source, f"/var/cache/thumbs/{media_id}")
    return {"media_id": media_id, "thumbnails": thumbs}
