# PO101: `.ok` read straight off the call, without naming the response:
# `requests.get(url).ok` (both the call and the attribute need rewriting).
import requests
from fastapi import APIRouter

router = APIRouter(prefix="/integrations")

WEBHOOK_TARGETS = {
    "slack": "https://hooks.slack.example.com/ping",
    "pagerduty": "https://events.pagerduty.example.com/ping",
}


@router.get("/{name}/reachable")
async def integration_reachable(name: str):
    integration = await router.integrations_repo.get(name)
    url = WEBHOOK_TARGETS[integration.kind]
    reachable = requests.get(url, timeout=3).ok
    await router.integrations_repo.mark_checked(name, reachable)
    return {"name": name, "reachable": reachable}
