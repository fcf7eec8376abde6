# PO301: test functions that each build an app (FastAPI imported inside them): the apps share
# one new module-level lifespan.
from fastapi.testclient import TestClient

from app.catalogue import load_catalogue


def test_lists_the_catalogue():
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/catalogue")
    async def catalogue():
        return await load_catalogue()

    with TestClient(app) as client:
        assert client.get("/catalogue").status_code == 200


def test_catalogue_twice():
    from fastapi import FastAPI

    app = FastAPI(title="twice")

    @app.get("/catalogue")
    async def catalogue():
        return await load_catalogue()

    with TestClient(app) as client:
        assert client.get("/catalogue").json() == client.get("/catalogue").json()
