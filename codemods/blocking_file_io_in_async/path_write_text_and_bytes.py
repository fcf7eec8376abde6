# PO103: `write_text` and `write_bytes` on Paths built with `/` from a module-level base
# directory, in an async upload handler.
from pathlib import Path

from fastapi import FastAPI, UploadFile

app = FastAPI()

UPLOAD_ROOT = Path("/var/lib/shop/uploads")


@app.post("/products/{sku}/image")
async def upload_product_image(sku: str, image: UploadFile):
    data = await image.read()
    target_dir = UPLOAD_ROOT / sku
    (target_dir / "original.bin").write_bytes(data)
    (target_dir / "meta.txt").write_text(
        f"filename={image.filename}\ncontent_type={image.content_type}\nsize={len(data)}\n",
        encoding="utf-8",
    )
    await app.state.catalog.set_image(sku, str(target_dir / "original.bin"))
    return {"sku": sku, "stored_bytes": len(data)}
