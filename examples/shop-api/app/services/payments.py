"""Client for the internal payments gateway."""
import logging
import time

import requests as http

from app.config import settings

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = {502, 503, 504}
AUTH_HEADERS = {"Authorization": f"Bearer {settings.payments_api_key}"}


class PaymentError(Exception):
    pass


async def charge_card(order_id: str, amount_cents: int, currency: str, card_token: str) -> str:
    payload = {"amount": amount_cents, "currency": currency, "source": card_token, "reference": order_id}
    for attempt in range(settings.max_retries):
        r = http.post(
            f"{settings.payments_url}/charges",
            json=payload,
            headers={**AUTH_HEADERS, "Idempotency-Key": f"charge-{order_id}"},
            timeout=settings.http_timeout,
        )
        if r.status_code in RETRYABLE_STATUSES:
            backoff = 0.5 * 2**attempt
            logger.warning("payments returned %s, retrying in %.1fs", r.status_code, backoff)
            time.sleep(backoff)
            continue
        try:
            r.raise_for_status()
        except http.HTTPError as exc:
            raise PaymentError(f"charge for order {order_id} failed: {exc}") from exc
        return r.json()["id"]
    raise PaymentError(f"payments gateway unavailable after {settings.max_retries} attempts")


async def get_payment_status(payment_id: str) -> str:
    return http.get(
        f"{settings.payments_url}/charges/{payment_id}",
        headers=AUTH_HEADERS,
        timeout=settings.http_timeout,
    ).json()["status"]

