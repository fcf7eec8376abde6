# PO103 ok: `open` is rebound by an import of the project's async object-store helper,
# and `read_text` is a method of an in-memory template class, not of a Path.
from dataclasses import dataclass

from fastapi import FastAPI

from app.storage import open

app = FastAPI()


@dataclass
class Template:
    body: str

    def read_text(self) -> str:
        return self.body


WELCOME = Template(body="Welcome, {name}!")


@app.get("/welcome/{name}")
async def welcome(name: str):
    async with open(f"avatars/{name}.png") as blob:
        avatar_size = await blob.size()
    return {"text": WELCOME.read_text().format(name=name), "avatar_bytes": avatar_size}
