# PO103 ok: reading an `UploadFile` (awaited), a dict `.get` and string methods are not
# blocking file I/O.
import hashlib

from fastapi import APIRouter, UploadFile

router = APIRouter(prefix="/attachments")

LIMITS = {"image/png": 5_000_000, "application/pdf": 20_000_000}


@router.post("")
async def upload_attachment(file: UploadFile):
    data = await file.read()
    limit = LIMITS.get(file.content_type or "", 1_000_000)
    if len(data) > limit:
        return {"accepted": False, "reason": f"larger than {limit} bytes"}
    digest = hashlib.sha256(data).hexdigest()
    await router.blobs.put(digest, data)
    name = (file.filename or "unnamed").strip().lower()
    return {"accepted": True, "sha256": digest, "name": name}
