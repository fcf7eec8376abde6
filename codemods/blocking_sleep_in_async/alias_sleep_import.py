# PO102: aliased imports: `import time as clock` and `from time import sleep as pause`.
import time as clock
from time import sleep as pause

from fastapi import FastAPI, Request

app = FastAPI()

LOGIN_PENALTY_S = 0.8


@app.post("/auth/login")
async def login(request: Request):
    form = await request.form()
    user = await app.state.users.verify(form.get("username"), form.get("password"))
    if user is None:
        pause(LOGIN_PENALTY_S)
        return {"ok": False}
    return {"ok": True, "user_id": user.id}


@app.post("/auth/otp")
async def verify_otp(request: Request):
    body = await request.json()
    valid = await app.state.otp.check(body["user_id"], body["code"])
    if not valid:
        clock.sleep(LOGIN_PENALTY_S * 2)
    return {"ok": valid}
