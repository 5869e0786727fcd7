"""JSON routes of the community assistant: reply suggestions for a conversation, and
summaries of a conversation and of a crisis alert. Each answer is a draft: suggestions
are never sent from here (a person sends through the inbox's reply)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from orchestre.apischema import problems
from orchestre.assistant import community, community_crisis, community_summary
from orchestre.assistant import community_schemas as s
from orchestre.deps import DB, CurrentActor

router = APIRouter(tags=["assistant"])

CONVERSATION = "/workspaces/{workspace_id}/inbox/conversations/{conversation_id}"
ALERT = "/workspaces/{workspace_id}/crisis/alerts/{alert_id}"


def _summary(found: community_summary.DraftedSummary) -> s.Summary:
    return s.Summary(
        source=found.source,
        prompt_id=found.prompt_id,
        fell_back=found.fell_back,
        call_id=found.call_id,
        language=found.language,
        points=found.summary.points,
        quotes=[s.Quote.model_validate(q) for q in found.summary.quotes],
    )


@router.post(
    CONVERSATION + "/reply-suggestions",
    response_model=s.ReplySuggestions,
    responses=problems(422),
)
def suggest_replies(
    workspace_id: uuid.UUID,
    conversation_id: uuid.UUID,
    body: s.ReplySuggestionsCreate,
    actor: CurrentActor,
    db: DB,
) -> s.ReplySuggestions:
    """Up to three reply drafts in the author's language, grounded in the saved replies and
    past answers, each checked (editorial line, the network's length, no unfilled variable)."""
    found = community.suggest_replies(db, actor, conversation_id, message_id=body.message_id)
    return s.ReplySuggestions.model_validate(found)


@router.post(CONVERSATION + "/summary", response_model=s.Summary, responses=problems(422))
def summarize_conversation(
    workspace_id: uuid.UUID,
    conversation_id: uuid.UUID,
    body: s.SummaryCreate,
    actor: CurrentActor,
    db: DB,
) -> s.Summary:
    """A summary of the conversation in the reader's language (a draft)."""
    found = community_summary.summarize_conversation(
        db, actor, conversation_id, language=body.language
    )
    return _summary(found)


@router.post(ALERT + "/summary", response_model=s.Summary, responses=problems(422))
def summarize_alert(
    workspace_id: uuid.UUID,
    alert_id: uuid.UUID,
    body: s.SummaryCreate,
    actor: CurrentActor,
    db: DB,
) -> s.Summary:
    """What the alert's evidence says, in the reader's language (a draft)."""
    found = community_crisis.summarize_alert(db, actor, alert_id, language=body.language)
    return _summary(found)
