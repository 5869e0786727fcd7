"""Revenue and conversions pushed by a shop or an analytics tool: a signed webhook per
workspace, `POST /api/v1/hooks/campaign-results/{workspace_id}`.

The body is JSON, `{"rows": [{"date": "2030-03-01", "campaign": "<id or utm_campaign>",
"revenue": 120.5, "conversions": 3}, ...]}` (also accepted per row: channel_id, spend,
clicks, impressions, currency (default: the campaign's) and attribution: the window the
tool counted conversions with, e.g. "30d_click"). It is signed like Orchestre's own outgoing
webhooks (delivery/webhooks.py): header `Orchestre-Signature: t=<unix seconds>,v1=<hex>`,
the HMAC-SHA256 of `"<t>.<raw body>"` keyed with the workspace's secret. A signature more
than 5 minutes (delivery.webhooks.TOLERANCE_SECONDS) away from our clock is refused, and a
signed body already taken is answered `duplicate` and ignored (a captured request cannot
be replayed). Rows go through record_results() with source "webhook": sending a day
again replaces that day's figures.
The secret is stored Fernet-encrypted; it is shown once, when made or rotated.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from orchestre.audit.service import record
from orchestre.campaigns import repository
from orchestre.campaigns.results import FIGURES, RecordSummary, ResultRow, record_results
from orchestre.delivery.webhooks import new_secret, secret_hint, verify
from orchestre.errors import FieldError, Invalid, TooLarge, Unauthenticated
from orchestre.kit.clock import utcnow
from orchestre.kit.crypto import SecretBox
from orchestre.models import CampaignHookSecret
from orchestre.workspaces.permissions import Actor, Permission

SOURCE = "webhook"
MAX_BYTES = 1_000_000
MAX_ROWS = 5000


@dataclass(frozen=True)
class Received:
    duplicate: bool
    recorded: RecordSummary


def make_secret(session: Session, actor: Actor, box: SecretBox) -> str:
    """A new signing secret for the workspace, returned once; an older one stops working."""
    actor.require(Permission.CAMPAIGNS_MANAGE)
    secret = new_secret()
    row = repository.hook_secret(session, actor.workspace_id)
    if row is None:
        row = CampaignHookSecret(workspace_id=actor.workspace_id, secret_encrypted=b"")
        session.add(row)
    row.secret_encrypted = box.encrypt(secret.encode())
    row.secret_hint = secret_hint(secret)
    row.created_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        "campaign.results_hook_secret",
        "workspace",
        actor.workspace_id,
        after={"secret_hint": row.secret_hint},
    )
    return secret


def secret_hint_of(session: Session, actor: Actor) -> str | None:
    """The start of the current secret (to tell which one a sender holds), or None."""
    actor.require(Permission.CAMPAIGNS_MANAGE)
    row = repository.hook_secret(session, actor.workspace_id)
    return row.secret_hint if row is not None else None


def receive(
    session: Session,
    box: SecretBox,
    workspace_id: uuid.UUID,
    signature: str,
    body: bytes,
    now: float,
) -> Received:
    """Check the signature, refuse a replay, then record the rows (all or nothing)."""
    if len(body) > MAX_BYTES:
        raise TooLarge("The body is larger than 1 MB; send fewer rows at once.", code="too_large")
    row = repository.hook_secret(session, workspace_id)
    secret = box.decrypt(row.secret_encrypted).decode() if row is not None else None
    if secret is None or not verify(secret, signature, body, now=now):
        # No secret and a bad signature look the same to the sender.
        raise Unauthenticated(
            "The Orchestre-Signature header does not sign this body with this workspace's "
            "secret, or is more than 5 minutes old.",
            code="bad_signature",
        )
    stamp = signature.partition("t=")[2].partition(",")[0]
    digest = hashlib.sha256(stamp.encode() + b"." + body).hexdigest()
    rows = _rows(session, workspace_id, body)
    if not repository.take_receipt(session, workspace_id, digest):
        return Received(True, RecordSummary())
    return Received(False, record_results(session, workspace_id, rows, SOURCE))


def _invalid(field: str, rule: str, message: str) -> Invalid:
    return Invalid(message, code="campaign_results", errors=[FieldError(field, rule, message)])


def _rows(session: Session, workspace_id: uuid.UUID, body: bytes) -> list[ResultRow]:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _invalid("body", "json", "The body is not JSON.") from exc
    items = payload.get("rows") if isinstance(payload, dict) else None
    if not isinstance(items, list) or len(items) > MAX_ROWS:
        raise _invalid("rows", "list", f"The body holds `rows`, a list of at most {MAX_ROWS}.")
    tags, currencies = repository.campaign_keys(session, workspace_id)
    errors: list[FieldError] = []
    rows = [_row(i, item, tags, currencies, errors) for i, item in enumerate(items)]
    if errors:
        raise Invalid("Some campaign results are refused.", code="campaign_results", errors=errors)
    return [r for r in rows if r is not None]


def _row(
    i: int,
    item: Any,
    tags: dict[str, uuid.UUID],
    currencies: dict[uuid.UUID, str],
    errors: list[FieldError],
) -> ResultRow | None:
    where = f"rows[{i}]"
    if not isinstance(item, dict):
        errors.append(FieldError(where, "object", "Each row is a JSON object."))
        return None
    size = len(errors)
    try:
        day = date.fromisoformat(str(item.get("date")))
    except ValueError:
        errors.append(FieldError(f"{where}.date", "date", "A date is YYYY-MM-DD."))
    # An unknown campaign is left to record_results, which names it like a foreign one.
    campaign_id = tags.get(str(item.get("campaign", item.get("campaign_id", ""))), uuid.uuid4())
    channel_id = None
    if item.get("channel_id") is not None:
        try:
            channel_id = uuid.UUID(str(item["channel_id"]))
        except ValueError:
            errors.append(FieldError(f"{where}.channel_id", "uuid", "Not a channel id."))
    figures: dict[str, float | None] = {}
    for name in FIGURES:
        value = item.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            errors.append(FieldError(f"{where}.{name}", "number", "Not a number."))
        else:
            figures[name] = None if value is None else float(value)
    currency = item.get("currency") or currencies.get(campaign_id, "EUR")
    if len(errors) > size:
        return None
    return ResultRow(
        campaign_id,
        day,
        channel_id,
        spend=figures.get("spend"),
        revenue=figures.get("revenue"),
        conversions=figures.get("conversions"),
        clicks=figures.get("clicks"),
        impressions=figures.get("impressions"),
        currency=str(currency),
        attribution=str(item.get("attribution", "")),
    )
