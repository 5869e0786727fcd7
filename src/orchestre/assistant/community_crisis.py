"""A summary of a crisis alert's evidence, in the reader's language: what happened (the
measure against its baseline), what stands out (terms, hashtags), where (channels), and a
few of the messages.

Offline, it is written from the evidence with fixed phrases. With a provider, the
evidence is given as JSON and the summary is checked: every number it cites must be one of
the evidence's figures (rounded, or as a percentage) or appear in its terms and sample
messages, and it must be in the reader's language; otherwise the offline summary is shown.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from orchestre.assistant import gateway
from orchestre.assistant.community_summary import DraftedSummary, Quote, Summary
from orchestre.assistant.community_text import (
    LANGUAGES,
    allowed_numbers,
    json_points,
    language_of,
    unknown_numbers,
)
from orchestre.assistant.gateway import Message
from orchestre.models.moderation import CrisisAlert
from orchestre.moderation import crisis
from orchestre.workspaces.permissions import Actor, Permission

FEATURE = "community.crisis_summary"
PROMPT_ID = "community.crisis_summary/1"
SAMPLES = 3
TERMS = 5

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "volume": "{observed} messages in the latest window, against {expected} expected "
        "(about {ratio} times the usual level).",
        "negative_share": "{observed} % of the messages are negative, against {expected} % "
        "usually.",
        "toxic_share": "{observed} % of the messages are toxic, against {expected} % usually.",
        "where_all": "Across all channels.",
        "where_channel": "On {channels}.",
        "where_topic": "About #{topic}.",
        "where_mentions": "In the brand's mentions found by listening.",
        "terms": "What stands out: {terms}.",
        "severity": "Severity: {severity}; {messages} messages in the alert's window.",
        "peak": "The highest figure so far: {observed}.",
        "severities": "low|medium|high",
    },
    "fr": {
        "volume": "{observed} messages sur la dernière période, pour {expected} attendus "
        "(environ {ratio} fois le niveau habituel).",
        "negative_share": "{observed} % des messages sont négatifs, contre {expected} % "
        "d’habitude.",
        "toxic_share": "{observed} % des messages sont toxiques, contre {expected} % d’habitude.",
        "where_all": "Sur tous les canaux.",
        "where_channel": "Sur {channels}.",
        "where_topic": "Au sujet de #{topic}.",
        "where_mentions": "Dans les mentions de la marque trouvées par la veille.",
        "terms": "Ce qui ressort : {terms}.",
        "severity": "Gravité : {severity} ; {messages} messages dans la fenêtre de l’alerte.",
        "peak": "Le plus haut niveau atteint : {observed}.",
        "severities": "faible|moyenne|élevée",
    },
}
LANGUAGE_NAMES = {"en": "English", "fr": "French"}


def summarize_alert(
    session: Session, actor: Actor, alert_id: uuid.UUID, *, language: str = "en"
) -> DraftedSummary:
    """A summary of the alert's evidence in `language` (the reader's), as a draft."""
    actor.require(Permission.INBOX_VIEW)
    actor.require(Permission.ASSISTANT_USE)
    language = language if language in LANGUAGES else "en"
    alert = crisis.get_alert(session, actor, alert_id)
    evidence = dict(alert.evidence or {})
    drafted = gateway.draft(
        session,
        actor,
        feature=FEATURE,
        prompt_id=PROMPT_ID,
        messages=_prompt(alert, evidence, language),
        parse=lambda text: Summary(points=json_points(text), quotes=_quotes(evidence)),
        offline=lambda: offline_summary(alert, evidence, language),
        check=lambda value: _check(value, alert, evidence, language),
        max_tokens=500,
        json_mode=True,
    )
    return DraftedSummary(
        summary=drafted.value,
        language=language,
        source=drafted.source,
        prompt_id=drafted.prompt_id,
        fell_back=drafted.fell_back,
        call_id=drafted.call_id,
    )


def _number(value: Any, language: str, digits: int = 1) -> str:
    """A figure as the reader writes it (a decimal comma in French), without useless zeros."""
    number = round(float(value or 0), digits)
    text = f"{number:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{number:.0f}"
    return text.replace(".", ",") if language == "fr" else text


def _measure(alert: CrisisAlert, evidence: dict[str, Any], language: str) -> str:
    words = PHRASES[language]
    observed = float(evidence.get("observed") or 0)
    expected = float(evidence.get("expected") or 0)
    if alert.kind == "volume":
        ratio = observed / expected if expected > 0 else 0.0
        return words["volume"].format(
            observed=_number(observed, language, 0),
            expected=_number(expected, language),
            ratio=_number(ratio, language),
        )
    template = words.get(alert.kind, words["negative_share"])
    return template.format(
        observed=_number(observed * 100, language, 0), expected=_number(expected * 100, language, 0)
    )


def _where(alert: CrisisAlert, evidence: dict[str, Any], language: str) -> str:
    words = PHRASES[language]
    if alert.key.startswith("topic:"):
        return words["where_topic"].format(topic=alert.key.removeprefix("topic:"))
    if alert.key.startswith("mentions"):
        return words["where_mentions"]
    channels = [
        f"{c.get('handle', '')} ({c.get('network', '')})" for c in evidence.get("channels", [])
    ]
    if channels:
        return words["where_channel"].format(channels=", ".join(channels))
    return words["where_all"]


def offline_summary(alert: CrisisAlert, evidence: dict[str, Any], language: str) -> Summary:
    """The evidence in a few sentences, and the first sample messages as quotes."""
    words = PHRASES[language]
    points = [_measure(alert, evidence, language), _where(alert, evidence, language)]
    terms = [str(t.get("term", "")) for t in evidence.get("top_terms", [])][:TERMS]
    terms += ["#" + str(t.get("term", "")) for t in evidence.get("top_hashtags", [])][:TERMS]
    if terms:
        points.append(words["terms"].format(terms=", ".join(t for t in terms if t.strip("#"))))
    severities = dict(zip(("low", "medium", "high"), words["severities"].split("|"), strict=True))
    points.append(
        words["severity"].format(
            severity=severities.get(alert.severity, alert.severity),
            messages=int(evidence.get("messages") or 0),
        )
    )
    return Summary(points=points, quotes=_quotes(evidence))


def _quotes(evidence: dict[str, Any]) -> list[Quote]:
    found: list[Quote] = []
    for sample in evidence.get("samples", [])[:SAMPLES]:
        try:
            at = datetime.fromisoformat(str(sample.get("received_at")))
        except ValueError:
            continue
        text = " ".join(str(sample.get("text") or "").split())
        if text:
            found.append(Quote("", at, text))
    return found


# --- provider -------------------------------------------------------------------------------


def _facts(alert: CrisisAlert, evidence: dict[str, Any]) -> dict[str, Any]:
    """What the model is given: the evidence without ids and the long series."""
    return {
        "kind": alert.kind,
        "where": alert.key,
        "severity": alert.severity,
        "observed": evidence.get("observed"),
        "expected": evidence.get("expected"),
        "score": evidence.get("score"),
        "messages": evidence.get("messages"),
        "top_terms": [t.get("term") for t in evidence.get("top_terms", [])][:TERMS],
        "top_hashtags": [t.get("term") for t in evidence.get("top_hashtags", [])][:TERMS],
        "channels": [
            {"handle": c.get("handle"), "network": c.get("network")}
            for c in evidence.get("channels", [])
        ],
        "samples": [str(s.get("text") or "") for s in evidence.get("samples", [])][: SAMPLES + 2],
    }


def _prompt(alert: CrisisAlert, evidence: dict[str, Any], language: str) -> list[Message]:
    system = (
        "You explain a crisis alert of a brand's social media monitoring to its community "
        f"manager, in {LANGUAGE_NAMES[language]}. Say what happened (the measure against its "
        "usual level), what the messages are about, where, and how serious it looks. Volume "
        "figures are message counts; share figures are fractions (0.4 is 40 %). Cite only "
        "numbers present in the evidence. Three to five short points. Answer with JSON only: "
        '{"points": ["...", "..."]}.'
    )
    user = "Evidence:\n" + json.dumps(_facts(alert, evidence), ensure_ascii=False, indent=1)
    return [Message("system", system), Message("user", user)]


def _check(
    value: Summary, alert: CrisisAlert, evidence: dict[str, Any], language: str
) -> str | None:
    text = " ".join(value.points)
    facts = _facts(alert, evidence)
    figures = [
        float(v)
        for v in (facts["observed"], facts["expected"], facts["score"], facts["messages"])
        if isinstance(v, int | float)
    ]
    observed, expected = float(facts["observed"] or 0), float(facts["expected"] or 0)
    if alert.kind == "volume" and expected > 0:
        figures.append(observed / expected)
    written = [json.dumps(facts, ensure_ascii=False)]
    numbers = unknown_numbers(text, allowed_numbers(figures, written))
    if numbers:
        return "numbers not in the evidence: " + ", ".join(numbers)
    found = language_of(text)
    if found is not None and found != language:
        return f"written in {found}, not in {language}"
    return None
