"""Routes of paid campaigns: plan (objective, budgets), pacing, results CSV import, the
results webhook's secret, and the signed webhook itself (no session, no token)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Header, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from orchestre.apischema import problems
from orchestre.calendar.csv_io import MAX_BYTES as CSV_MAX_BYTES
from orchestre.campaigns import budgets, results_import, results_webhook
from orchestre.campaigns import schemas as s
from orchestre.delivery.webhooks import secret_hint
from orchestre.deps import DB, AppSettings, CurrentActor
from orchestre.kit.clock import utcnow
from orchestre.kit.keys import secret_box

router = APIRouter(tags=["campaigns"])
hook_router = APIRouter(tags=["campaigns"])

CAMPAIGN = "/workspaces/{workspace_id}/campaigns/{campaign_id}"
RESULTS = "/workspaces/{workspace_id}/campaign-results"
# {workspace}, not {workspace_id}: the signature, not a member's token, admits the sender.
HOOK = "/hooks/campaign-results/{workspace}"


def _plan(found: budgets.Plan) -> s.Plan:
    return s.Plan(
        campaign_id=found.campaign.id,
        objective=found.campaign.objective,
        currency=found.campaign.currency,
        budgets=[s.BudgetOut.model_validate(b) for b in found.budgets],
    )


@router.get(CAMPAIGN + "/plan", response_model=s.Plan, responses=problems())
def get_plan(
    workspace_id: uuid.UUID, campaign_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.Plan:
    """The campaign's objective and budgets by channel and flight."""
    return _plan(budgets.get_plan(db, actor, campaign_id))


@router.put(CAMPAIGN + "/plan", response_model=s.Plan, responses=problems(422))
def put_plan(
    workspace_id: uuid.UUID, campaign_id: uuid.UUID, body: s.PlanIn, actor: CurrentActor, db: DB
) -> s.Plan:
    """Set the objective and replace every budget (campaigns.manage)."""
    given = [budgets.BudgetInput(**b.model_dump()) for b in body.budgets]
    return _plan(budgets.set_plan(db, actor, campaign_id, body.objective, given))


@router.get(CAMPAIGN + "/pacing", response_model=s.Pacing, responses=problems())
def get_pacing(
    workspace_id: uuid.UUID, campaign_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.Pacing:
    """Planned against actual spend by local day, pace status and projected spend."""
    return s.Pacing.model_validate(budgets.campaign_pacing(db, actor, campaign_id))


@router.post(RESULTS + "/import", response_model=s.ResultsImport, responses=problems(422))
def import_results(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    file: Annotated[UploadFile, File(description="CSV, UTF-8, comma or semicolon separated")],
) -> s.ResultsImport:
    """One line per campaign, day and channel; good lines recorded, every refused one said."""
    report = results_import.import_results(db, actor, file.file.read(CSV_MAX_BYTES + 1))
    return s.ResultsImport.model_validate(report)


@router.post(RESULTS + "/hook-secret", response_model=s.HookSecret, responses=problems())
def make_hook_secret(
    workspace_id: uuid.UUID, actor: CurrentActor, db: DB, settings: AppSettings
) -> s.HookSecret:
    """A new signing secret for the results webhook, shown once (the old one stops)."""
    secret = results_webhook.make_secret(db, actor, secret_box(settings))
    url = settings.base_url.rstrip("/") + "/api/v1" + HOOK.format(workspace=workspace_id)
    return s.HookSecret(secret=secret, secret_hint=secret_hint(secret), url=url)


@hook_router.post(
    HOOK,
    response_model=s.HookReceived,
    responses=problems(400, 401, 413, 422, in_workspace=False),
)
async def receive_results(
    workspace: uuid.UUID,
    request: Request,
    db: DB,
    settings: AppSettings,
    signature: Annotated[str, Header(alias="Orchestre-Signature")] = "",
) -> s.HookReceived:
    """Revenue and conversions from a shop or analytics tool, signed with the workspace's
    secret (HMAC-SHA256 of "<t>.<body>"); a replay is answered `duplicate` and ignored."""
    # The raw bytes: the signature covers them exactly as sent.
    body = await request.body()
    received = await run_in_threadpool(
        results_webhook.receive,
        db,
        secret_box(settings),
        workspace,
        signature,
        body,
        utcnow().timestamp(),
    )
    recorded = s.RecordSummary.model_validate(received.recorded)
    return s.HookReceived(duplicate=received.duplicate, recorded=recorded)
