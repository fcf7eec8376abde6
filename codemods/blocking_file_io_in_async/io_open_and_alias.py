# PO103: `io.open(...)` and `from pathlib import Path as P` alias in an async function.
import io
from pathlib import Path as P

from fastapi import FastAPI

app = FastAPI()

TEMPLATE_DIR = P("/srv/app/templates/email")


async def render_email(template: str, **context: str) -> str:
    body = (TEMPLATE_DIR / f"{template}.txt").read_text(encoding="utf-8")
    footer = io.open("/srv/app/templates/footer.txt", encoding="utf-8").read()
    return body.format(**context) + "\n" + footer


@app.post("/emails/preview")
async def preview_email(template: str, name: str):
    user = await app.state.users.by_name(name)
    return {"text": await render_email(template, name=user.display_name)}
