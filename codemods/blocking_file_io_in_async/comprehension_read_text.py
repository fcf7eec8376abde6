# PO103: `read_text()` inside a dict comprehension in an async handler, loading every
# locale file of a translation bundle.
from pathlib import Path

from fastapi import APIRouter

router = APIRouter(prefix="/i18n")

LOCALES_DIR = Path("/srv/app/locales")
SUPPORTED = ("en", "de", "fr", "nl")


@router.get("/bundle")
async def translation_bundle(namespace: str = "common"):
    version = await router.releases.current_version()
    bundle = {
        locale: (LOCALES_DIR / locale / f"{namespace}.json").read_text(encoding="utf-8")
        for locale in SUPPORTED
    }
    sizes = [len((LOCALES_DIR / loc / "meta.txt").read_bytes()) for loc in SUPPORTED]
    return {"version": version, "bundle": bundle, "meta_bytes": sum(sizes)}
