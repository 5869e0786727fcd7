"""The ad platforms in the interface: a campaign's links to platform campaigns with "Sync
now", a channel's ad secrets (write-only), and the boost of a published post.

Each part is a fragment the page it sits on loads with htmx (the campaign page, the
channels page, a post's page), so those pages stay the work of their own views. Every rule
and permission is checked by `orchestre.campaigns` (ad_sync, boosts, ad_credentials); the
forms only say the refusals in the reader's language, under the field they concern.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.dates import format_datetime
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from orchestre.campaigns import ad_credentials, ad_sync, boosts
from orchestre.campaigns.ad_credentials import AdOpener
from orchestre.channels.apps import access_for
from orchestre.connectors.base import BudgetKind, Capability
from orchestre.deps import AppSettings
from orchestre.errors import FieldError, RateLimited
from orchestre.kit.keys import secret_box
from orchestre.models import Channel, Publication
from orchestre.posts import campaigns as campaign_service
from orchestre.web import i18n
from orchestre.web.forms import Form, attempt, text, texts
from orchestre.web.i18n import gettext as _
from orchestre.web.i18n import ngettext
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import list_channels
from orchestre.workspaces.permissions import Permission

router = APIRouter(prefix="/w/{workspace_id}")
CAMPAIGN = "/campaigns/{campaign_id}/ads"
SECRETS = "/channels/ad-secrets"
BOOSTS = "/posts/{post_id}/boosts"
# The `ads_*` names each platform reads (docs/networks.md, "Ad platforms"); a person may
# give others in the free row.
SECRET_NAMES: dict[str, tuple[str, ...]] = {
    "facebook": ("ads_access_token",),
    "x": ("ads_consumer_key", "ads_consumer_secret", "ads_token", "ads_token_secret"),
    "tiktok": ("ads_access_token",),
    "youtube": ("ads_developer_token", "ads_login_customer_id", "ads_access_token"),
}


def _opener(request: Request, settings: AppSettings) -> AdOpener:
    return AdOpener(access_for(settings, request.app.state))


def _able(opener: AdOpener, channels: list[Channel], capability: Capability) -> list[Channel]:
    return [c for c in channels if capability in ad_sync.capabilities_of(opener, c.network)]


def _base(view: WorkspaceView) -> dict[str, Any]:
    return {
        "base": view.base,
        "csrf_token": view.viewer.csrf_token,
        "can": view.can,
        "P": Permission,
        "network_name": boosts.network_name,
    }


def _toast(message: str, kind: str = "success") -> dict[str, str]:
    return {"HX-Trigger": json.dumps({"toast": {"message": message, "kind": kind}})}


def _in_zone(view: WorkspaceView, moment: datetime | None) -> str:
    """A time in the workspace's zone, named, whoever reads it."""
    if moment is None:
        return ""
    zone = view.workspace.timezone or "UTC"
    shown = format_datetime(moment, "medium", tzinfo=i18n.zone(zone), locale=i18n.current().locale)
    return f"{shown} ({zone})"


# --- a campaign's links -----------------------------------------------------------------------


@dataclass(frozen=True)
class SyncOutcome:
    synced: int
    rows: int
    postponed: int
    failed: int


def sync_message(outcome: SyncOutcome) -> str:
    read = ngettext(
        "%(num)d platform campaign read", "%(num)d platform campaigns read", outcome.synced
    ) % {"num": outcome.synced}
    rows = ngettext(
        "%(num)d day of results written or changed",
        "%(num)d days of results written or changed",
        outcome.rows,
    ) % {"num": outcome.rows}
    parts = [read, rows]
    if outcome.postponed:
        parts.append(
            ngettext("%(num)d waits after a failure", "%(num)d wait after a failure",
                     outcome.postponed) % {"num": outcome.postponed}
        )  # fmt: skip
    return _("Synced: %(parts)s.") % {"parts": ", ".join(parts)}


def _outcome(request: Request) -> SyncOutcome | None:
    raw = request.query_params.get("ad_sync") or ""
    try:
        values = [int(v) for v in raw.split("-")]
    except ValueError:
        return None
    return SyncOutcome(*values) if len(values) == 4 else None


def _links_card(
    request: Request,
    view: WorkspaceView,
    settings: AppSettings,
    campaign_id: uuid.UUID,
    *,
    errors: list[FieldError] | None = None,
    form: FormData | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    campaign = campaign_service.get_campaign(view.db, view.actor, campaign_id)
    links = ad_sync.list_links(view.db, view.actor, campaign.id)
    opener = _opener(request, settings)
    names = {c.id: c.display_name for c in list_channels(view)}
    outcome = _outcome(request)
    if outcome is not None and headers is None:
        headers = _toast(sync_message(outcome), "error" if outcome.failed else "success")
    context = _base(view) | {
        "campaign": campaign,
        "links": links,
        "synced_at": {link.id: _in_zone(view, link.last_synced_at) for link in links},
        "channel_names": names,
        "channels": _able(opener, list_channels(view), Capability.AD_REPORTING),
        "outcome": sync_message(outcome) if outcome else None,
        "errors": errors or [],
        "form": form or {},
    }
    status = 422 if errors else 200
    return render(request, "campaigns/_ads.html", context, status_code=status, headers=headers)


@router.get(CAMPAIGN, response_class=HTMLResponse)
def campaign_ads(
    request: Request, view: CurrentWorkspace, settings: AppSettings, campaign_id: uuid.UUID
) -> Response:
    """The "From the ad platforms" card of the campaign page."""
    return _links_card(request, view, settings, campaign_id)


@router.post(CAMPAIGN + "/links", response_class=HTMLResponse)
def link_ads(
    request: Request,
    view: WorkspaceWrite,
    settings: AppSettings,
    form: Form,
    campaign_id: uuid.UUID,
) -> Response:
    errors: list[FieldError] = []
    try:
        channel_id = uuid.UUID(text(form, "channel_id"))
    except ValueError:
        errors = [FieldError("channel_id", "required", _("Choose a channel."))]
    if not errors:
        data = ad_sync.LinkInput(
            channel_id, text(form, "ad_account_id"), text(form, "external_campaign_id")
        )
        with attempt(view.db) as errors:
            ad_sync.link_campaign(
                view.db, view.actor, campaign_id, data, _opener(request, settings)
            )
    if errors:
        return _links_card(request, view, settings, campaign_id, errors=errors, form=form)
    done = _toast(_("Linked: its results are read at the next sync."))
    return _links_card(request, view, settings, campaign_id, headers=done)


@router.post(CAMPAIGN + "/links/{ad_link_id}/delete", response_class=HTMLResponse)
def unlink_ads(
    request: Request,
    view: WorkspaceWrite,
    settings: AppSettings,
    campaign_id: uuid.UUID,
    ad_link_id: uuid.UUID,
) -> Response:
    ad_sync.unlink_campaign(view.db, view.actor, campaign_id, ad_link_id)
    done = _toast(_("Unlinked; the results already recorded stay."))
    return _links_card(request, view, settings, campaign_id, headers=done)


@router.post(CAMPAIGN + "/sync")
def sync_ads(
    request: Request, view: WorkspaceWrite, settings: AppSettings, campaign_id: uuid.UUID
) -> Response:
    """Read the linked platform campaigns now, then the campaign page with fresh figures;
    the card says how many days of results were written."""
    report = ad_sync.sync_campaign_now(view.db, view.actor, campaign_id, _opener(request, settings))
    failed = report.needs_reconnection + len(report.errors)
    outcome = f"{report.synced}-{report.rows}-{report.postponed}-{failed}"
    url = f"{view.base}/campaigns/{campaign_id}?ad_sync={outcome}#ad-platforms"
    return Response(status_code=303, headers={"Location": url})


# --- a channel's ad secrets -------------------------------------------------------------------


def _secrets_card(
    request: Request,
    view: WorkspaceView,
    settings: AppSettings,
    *,
    errors: list[FieldError] | None = None,
    failed: uuid.UUID | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    channels = _able(_opener(request, settings), list_channels(view), Capability.AD_REPORTING)
    held = {c.id: ad_credentials.secret_names(view.db, view.actor, c.id).names for c in channels}
    context = _base(view) | {
        "channels": channels,
        "held": held,
        "suggested": {c.id: SECRET_NAMES.get(c.network, ("ads_access_token",)) for c in channels},
        "errors": errors or [],
        "failed": failed,
    }
    status = 422 if errors else 200
    return render(request, "campaigns/_ads_secrets.html", context, status, headers)


@router.get(SECRETS, response_class=HTMLResponse)
def ad_secrets(request: Request, view: CurrentWorkspace, settings: AppSettings) -> Response:
    """The channels that read ad results, the names of the secrets each holds, and (for
    channel managers) a form to replace them."""
    return _secrets_card(request, view, settings)


def _secret_values(form: FormData) -> dict[str, str]:
    """The named fields and the free rows; an empty value leaves its name out."""
    pairs = zip(texts(form, "name"), texts(form, "value"), strict=False)
    return {name.strip(): value.strip() for name, value in pairs if name.strip() and value.strip()}


@router.post("/channels/{channel_id}/ad-secrets", response_class=HTMLResponse)
def set_ad_secrets(
    request: Request,
    view: WorkspaceWrite,
    settings: AppSettings,
    form: Form,
    channel_id: uuid.UUID,
) -> Response:
    values = {} if text(form, "clear") else _secret_values(form)
    with attempt(view.db) as errors:
        ad_credentials.set_secrets(view.db, view.actor, secret_box(settings), channel_id, values)
    if errors:
        return _secrets_card(request, view, settings, errors=errors, failed=channel_id)
    done = _toast(_("Ad secrets saved.") if values else _("Ad secrets removed."))
    return _secrets_card(request, view, settings, headers=done)


# --- boosting a published post ----------------------------------------------------------------


@dataclass(frozen=True)
class BoostRow:
    publication: Publication
    channel: Channel
    refusal: str | None  # why it cannot be boosted, in words; None where it can
    # TikTok boosts are Spark Ads: the creator's authorization code for the post.
    asks_code: bool = False
    # LinkedIn takes an objective and an existing campaign group (the boost's `options`).
    offers_options: bool = False


# Field name in the form -> the option's name in `BoostInput.options`.
BOOST_OPTIONS = {"option_objective": "objective", "option_campaign_group": "campaign_group"}


def objective_labels() -> list[tuple[str, str]]:
    """LinkedIn's objectives for sponsored content from an existing post."""
    return [
        ("ENGAGEMENT", _("Engagement")),
        ("BRAND_AWARENESS", _("Brand awareness")),
        ("VIDEO_VIEWS", _("Video views")),
        ("WEBSITE_VISITS", _("Website visits")),
    ]


def _boost_card(
    request: Request,
    view: WorkspaceView,
    settings: AppSettings,
    post_id: uuid.UUID,
    *,
    errors: list[FieldError] | None = None,
    failed: uuid.UUID | None = None,
    form: FormData | None = None,
    made: boosts.Boosted | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    opener = _opener(request, settings)
    rows = []
    for publication, channel in boosts.boostable_of(view.db, view.actor, post_id):
        able = Capability.BOOST_POST in ad_sync.capabilities_of(opener, channel.network)
        refusal = (
            None
            if able
            else _("Boosting is not available on %(network)s.")
            % {"network": boosts.network_name(channel.network)}
        )
        network = channel.network
        rows.append(
            BoostRow(publication, channel, refusal, network == "tiktok", network == "linkedin")
        )
    may = view.can(Permission.CAMPAIGNS_MANAGE)
    campaigns = campaign_service.list_campaigns(view.db, view.actor, limit=200).items if may else []
    context = _base(view) | {
        "post_id": post_id,
        "rows": rows,
        "campaigns": campaigns,
        "errors": errors or [],
        "failed": failed,
        "form": form or {},
        "made": made,
        "made_ends": _in_zone(view, made.ref.ends_at) if made and made.ref else "",
        "zone": view.workspace.timezone or "UTC",
        "objectives": objective_labels(),
        "uncertain": any(e.rule in {"confirm", "boost_uncertain"} for e in errors or []),
    }
    status = 422 if errors else 200
    return render(request, "campaigns/_ads_boost.html", context, status, headers)


@router.get(BOOSTS, response_class=HTMLResponse)
def boost_panel(
    request: Request, view: CurrentWorkspace, settings: AppSettings, post_id: uuid.UUID
) -> Response:
    """The post's published publications, each with a boost form where its network allows."""
    return _boost_card(request, view, settings, post_id)


def _boost_input(form: FormData, errors: list[FieldError]) -> boosts.BoostInput | None:
    try:
        budget = Decimal(text(form, "budget").strip().replace(" ", "").replace(",", "."))
    except InvalidOperation:
        errors.append(FieldError("budget", "number", _("Not a number.")))
    days: int | None = None
    if text(form, "days").strip():
        try:
            days = int(text(form, "days").strip())
        except ValueError:
            errors.append(FieldError("days", "number", _("Not a number.")))
    start, end = _wall_time(form, "start", errors), _wall_time(form, "end", errors)
    kind = text(form, "budget_kind") or BudgetKind.LIFETIME.value
    if kind not in {k.value for k in BudgetKind}:
        errors.append(
            FieldError("budget_kind", "one_of", _("Choose per day or for the whole boost."))
        )
    campaign = text(form, "campaign_id").strip()
    try:
        campaign_id = uuid.UUID(campaign) if campaign else None
    except ValueError:
        errors.append(FieldError("campaign_id", "exists", _("No such campaign here.")))
    if errors:
        return None
    countries = text(form, "countries").replace(";", ",").replace(" ", ",").split(",")
    return boosts.BoostInput(
        ad_account_id=text(form, "ad_account_id"),
        budget=budget,
        currency=text(form, "currency").strip().upper(),
        days=days,
        budget_kind=BudgetKind.DAILY
        if text(form, "budget_kind") == "daily"
        else BudgetKind.LIFETIME,
        countries=tuple(c.upper() for c in countries if c),
        activate=text(form, "activate") == "on",
        campaign_id=campaign_id,
        start=start,
        end=end,
        authorization_code=text(form, "authorization_code"),
        after_uncertain=text(form, "after_uncertain") == "on",
        options={
            option: value
            for field_name, option in BOOST_OPTIONS.items()
            if (value := text(form, field_name).strip())
        },
    )


def _wall_time(form: FormData, name: str, errors: list[FieldError]) -> datetime | None:
    """A `datetime-local` field: a wall time in the workspace's zone; empty is none."""
    raw = text(form, name).strip()
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=None)
    except ValueError:
        errors.append(FieldError(name, "datetime", _("Not a date and time.")))
        return None


@router.post(BOOSTS + "/{publication_id}", response_class=HTMLResponse)
def boost(
    request: Request,
    view: WorkspaceWrite,
    settings: AppSettings,
    form: Form,
    post_id: uuid.UUID,
    publication_id: uuid.UUID,
) -> Response:
    errors: list[FieldError] = []
    data = _boost_input(form, errors)
    made = None
    if data is not None:
        try:
            with attempt(view.db) as errors:
                made = boosts.boost_publication(
                    view.db, view.actor, publication_id, data, _opener(request, settings)
                )
        except RateLimited as exc:  # the platform asks to wait: said under the form
            errors = [FieldError("form", exc.code, _(exc.detail))]
    if made is not None and made.unmade is not None:  # recorded: kept, said in words
        network = {"network": boosts.network_name(made.network)}
        if made.unmade.code == "boost_uncertain":
            why = _(
                "%(network)s did not answer in time: the boost may have been made. Look in "
                "the ad account before trying again."
            )
        else:
            why = _(
                "%(network)s refused the channel's access: reconnect the channel in the "
                "Channels page, then boost again."
            )
        errors = [FieldError("form", made.unmade.code, why % network)]
    if errors or made is None:
        return _boost_card(
            request, view, settings, post_id, errors=errors, failed=publication_id, form=form
        )
    done = _toast(_("Boost made on %(network)s.") % {"network": boosts.network_name(made.network)})
    return _boost_card(request, view, settings, post_id, made=made, headers=done)
