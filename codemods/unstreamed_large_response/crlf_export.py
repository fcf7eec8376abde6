# PO305: a CRLF file from a Windows checkout; the fix keeps its line endings.
from beanie import Document
from fastapi import FastAPI

app = FastAPI()


class AuditEvent(Document):
    actor: str
    action: str


@app.get("/audit/export")
async def export_audit_events():
    events = await AuditEvent.find_all().to_list()  # every event, oldest first
    return events
