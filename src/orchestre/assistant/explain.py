"""A period's results explained in words: what worked, what did not, what to try next.

The text stands on the period's fact table (`explain_facts.gather`, the analytics
queries' own figures). The offline assistant writes it by fixed rules, in the report's
language, citing each figure with the number of posts behind it and saying when there are
too few posts to compare. With a provider switched on, the model gets the fact table only
(JSON) and answers in JSON; every number of its text is then checked against the facts
(`explain_check`): a figure no fact supports sends the text back once (the gateway's
retry), naming the figure, and a second miss falls back to the offline text. Every result
is a draft that says which provider and prompt wrote it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from orchestre.analytics import kpis as k
from orchestre.analytics import query
from orchestre.analytics.periods import Period
from orchestre.assistant import gateway
from orchestre.assistant.explain_check import unmatched
from orchestre.assistant.explain_facts import (
    MIN_CHANGE,
    MIN_POSTS,
    Comparison,
    Facts,
    GroupFacts,
    KpiFacts,
    Writer,
    gather,
)
from orchestre.assistant.gateway import OFFLINE, Drafted, Message
from orchestre.workspaces.permissions import Actor, Permission

_ = k._
FEATURE = "explain.results"
PROMPT_ID = "explain.results/1"
SECTIONS = ("worked", "did_not_work", "try_next")
MAX_SENTENCES = 6
MAX_SENTENCE = 400
SECTION_TITLES = {
    "worked": _("What worked"),
    "did_not_work": _("What did not work"),
    "try_next": _("What to try next"),
}


@dataclass(frozen=True)
class Explanation:
    """Sentences under the three headings."""

    worked: tuple[str, ...] = ()
    did_not_work: tuple[str, ...] = ()
    try_next: tuple[str, ...] = ()

    def section(self, name: str) -> tuple[str, ...]:
        found: tuple[str, ...] = getattr(self, name)
        return found

    @property
    def text(self) -> str:
        return "\n".join(s for name in SECTIONS for s in self.section(name))


@dataclass(frozen=True)
class Explained:
    facts: Facts
    drafted: Drafted[Explanation]

    @property
    def explanation(self) -> Explanation:
        return self.drafted.value


# --- the offline assistant ---------------------------------------------------------------------


def _moved(facts: Facts, good: bool) -> list[KpiFacts]:
    """KPIs that moved by MIN_CHANGE or more, for the better (good) or the worse."""
    found = [
        kpi
        for kpi in facts.kpis
        if kpi.change is not None
        and kpi.previous is not None
        and abs(kpi.change.value) >= MIN_CHANGE
        and ((kpi.change.value > 0) == kpi.higher_is_better) == good
    ]
    return sorted(found, key=lambda kpi: -abs(kpi.change.value if kpi.change else 0.0))[:3]


def _kpi_sentence(w: Writer, kpi: KpiFacts) -> str:
    assert kpi.change is not None
    assert kpi.previous is not None
    return w.t(_("%(kpi)s: %(value)s, %(change)s against the previous period (%(previous)s).")) % {
        "kpi": kpi.label,
        "value": kpi.current.display,
        "change": kpi.change.display,
        "previous": kpi.previous.display,
    }


BEST = {
    "format": _("%(group)s posts did best: %(kpi)s of %(value)s over %(posts)s posts."),
    "pillar": _("The %(group)s pillar did best: %(kpi)s of %(value)s over %(posts)s posts."),
    "channel": _("%(group)s was the strongest channel: %(kpi)s of %(value)s over %(posts)s posts."),
}
WORST = {
    "format": _("%(group)s posts did worst: %(kpi)s of %(value)s over %(posts)s posts."),
    "pillar": _("The %(group)s pillar did worst: %(kpi)s of %(value)s over %(posts)s posts."),
    "channel": _("%(group)s was the weakest channel: %(kpi)s of %(value)s over %(posts)s posts."),
}
NEXT = {
    "format": _(
        "%(better)s posts had %(times)s the %(kpi)s of %(worse)s posts "
        "(%(better_posts)s and %(worse_posts)s posts): plan more %(better)s posts."
    ),
    "pillar": _(
        "The %(better)s pillar had %(times)s the %(kpi)s of the %(worse)s pillar "
        "(%(better_posts)s and %(worse_posts)s posts): give it more room in the calendar."
    ),
    "channel": _(
        "%(better)s had %(times)s the %(kpi)s of %(worse)s "
        "(%(better_posts)s and %(worse_posts)s posts): adapt what works there to the other."
    ),
}


def _group_sentence(w: Writer, facts: Facts, template: str, group: GroupFacts) -> str:
    assert group.rate is not None
    return w.t(template) % {
        "group": group.label,
        "kpi": facts.basis_phrase,
        "value": group.rate.display,
        "posts": group.posts.display,
    }


def _next_sentence(w: Writer, facts: Facts, c: Comparison) -> str:
    return w.t(NEXT[c.dimension]) % {
        "better": c.better.label,
        "worse": c.worse.label,
        "times": c.times.display,
        "kpi": facts.basis_phrase,
        "better_posts": c.better.posts.display,
        "worse_posts": c.worse.posts.display,
    }


def _goal_sentences(w: Writer, facts: Facts, statuses: tuple[str, ...]) -> list[str]:
    words = {
        "met": _("Goal met — %(kpi)s: %(current)s for a target of %(target)s."),
        "on_track": _("Goal on track — %(kpi)s: %(current)s for a target of %(target)s."),
        "at_risk": _("Goal at risk — %(kpi)s: %(current)s for a target of %(target)s."),
        "off_track": _("Goal off track — %(kpi)s: %(current)s for a target of %(target)s."),
    }
    return [
        w.t(words[g.status])
        % {"kpi": g.label, "current": g.current.display, "target": g.target.display}
        for g in facts.goals
        if g.status in statuses and g.current is not None
    ]


def _worked(w: Writer, facts: Facts, compared: dict[str, Comparison]) -> list[str]:
    found = [_kpi_sentence(w, kpi) for kpi in _moved(facts, good=True)]
    for dimension, c in compared.items():
        found.append(_group_sentence(w, facts, BEST[dimension], c.better))
    best = [p for p in facts.posts_ranked if p.which == "best"]
    if best:
        found.append(
            w.t(_("Best post: %(post)s, with %(kpi)s of %(value)s."))
            % {"post": best[0].label, "kpi": facts.basis_phrase, "value": best[0].rate.display}
        )
    found += _goal_sentences(w, facts, ("met", "on_track"))
    return found or [w.t(_("No figure improved markedly against the previous period."))]


def _did_not_work(w: Writer, facts: Facts, compared: dict[str, Comparison]) -> list[str]:
    found = [_kpi_sentence(w, kpi) for kpi in _moved(facts, good=False)]
    for dimension, c in compared.items():
        found.append(_group_sentence(w, facts, WORST[dimension], c.worse))
    worst = [p for p in facts.posts_ranked if p.which == "worst"]
    if worst:
        found.append(
            w.t(_("Weakest post: %(post)s, with %(kpi)s of %(value)s."))
            % {"post": worst[0].label, "kpi": facts.basis_phrase, "value": worst[0].rate.display}
        )
    found += _goal_sentences(w, facts, ("at_risk", "off_track"))
    return found or [w.t(_("No figure fell markedly against the previous period."))]


def _thin(facts: Facts) -> bool:
    """Whether a format or pillar comparison was left out for want of posts: two or more
    groups were used, but fewer than two had MIN_POSTS measured posts."""
    for dimension in ("format", "pillar"):
        measured = [g for g in facts.groups.get(dimension, []) if g.rate is not None]
        enough = [g for g in measured if g.posts.value >= MIN_POSTS]
        if len(measured) >= 2 and len(enough) < 2:
            return True
    return facts.posts.value < MIN_POSTS


def _try_next(w: Writer, facts: Facts, compared: dict[str, Comparison]) -> list[str]:
    found = [_next_sentence(w, facts, c) for c in compared.values()]
    if facts.slot is not None:
        s = facts.slot
        found.append(
            w.t(
                _(
                    "%(weekday)s at %(hour)s was the best time to post (%(kpi)s of %(value)s "
                    "over %(posts)s posts): schedule more posts then."
                )
            )
            % {
                "weekday": s.weekday,
                "hour": s.hour.display,
                "kpi": facts.basis_phrase,
                "value": s.rate.display,
                "posts": s.posts.display,
            }
        )
    if _thin(facts):
        found.append(
            w.t(
                _(
                    "Formats and pillars with fewer than %(min)s measured posts are not compared: "
                    "with %(posts)s posts in this period, publish and measure more before drawing "
                    "conclusions about them."
                )
            )
            % {"min": facts.min_posts.display, "posts": facts.posts.display}
        )
    return found or [
        w.t(
            _(
                "Try another format or pillar on a few posts: with %(min)s measured posts or "
                "more each, the next explanation can compare them."
            )
        )
        % {"min": facts.min_posts.display}
    ]


def offline(facts: Facts) -> Explanation:
    """The offline assistant's explanation: fixed rules over the facts, every figure one
    of them (tests/assistant/test_explain.py runs the checker over it)."""
    w = Writer(facts.language)
    if not facts.posts.value:
        return Explanation(
            worked=(),
            did_not_work=(
                w.t(_("No post was published in this period: there is nothing to explain yet.")),
            ),
            try_next=(w.t(_("Publish posts and let their metrics be collected, then ask again.")),),
        )
    compared = {c.dimension: c for c in facts.comparisons if c.dimension in NEXT}
    return Explanation(
        worked=_first(_worked(w, facts, compared)),
        did_not_work=_first(_did_not_work(w, facts, compared)),
        try_next=_first(_try_next(w, facts, compared)),
    )


def _first(sentences: list[str]) -> tuple[str, ...]:
    """The first MAX_SENTENCES, each starting with a capital ("mardi à 18:00…")."""
    return tuple(s[:1].upper() + s[1:] for s in sentences[:MAX_SENTENCES])


# --- the provider --------------------------------------------------------------------------------

SYSTEM = """You explain a social media period's results to the person who runs the accounts.
You receive the period's facts as JSON: each figure has an id, a unit, its value and its
display, the way the reader's language writes it. Answer with one JSON object and nothing
else: {"worked": [...], "did_not_work": [...], "try_next": [...]}, each a list of one to
five short sentences in the language given. Rules:
- Cite figures only as they are written in the facts' "display" fields; do not compute,
  round differently, add, subtract or invent any number, and write no dates.
- Say how many posts a comparison rests on (the facts give them), and when the facts say
  there are too few posts, say so instead of drawing a conclusion.
- "try_next" gives concrete actions drawn from the facts (a format, pillar, channel or
  posting time that did better)."""


def _prompt(facts: Facts) -> list[Message]:
    body = {
        "language": facts.language,
        "period": {
            "first_day": facts.period.first.isoformat(),
            "last_day": facts.period.last.isoformat(),
        },
        "engagement_rate": facts.basis_phrase,
        "facts": facts.table(),
        "context": facts.context(),
    }
    return [
        Message("system", SYSTEM),
        Message("user", json.dumps(body, ensure_ascii=False)),
    ]


def parse(text: str) -> Explanation:
    """The model's JSON answer; ValueError on anything else."""
    body = text.strip()
    if body.startswith("```"):
        body = body.strip("`").removeprefix("json").strip()
    found = json.loads(body)
    if not isinstance(found, dict):
        raise ValueError("not an object")
    sections: dict[str, tuple[str, ...]] = {}
    for name in SECTIONS:
        items = found.get(name, [])
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ValueError(f"{name} is not a list of sentences")
        sections[name] = tuple(i.strip()[:MAX_SENTENCE] for i in items if i.strip())[:MAX_SENTENCES]
    return Explanation(**sections)


def checker(facts: Facts) -> Callable[[Explanation], str | None]:
    def check(found: Explanation) -> str | None:
        if not found.text.strip():
            return "The explanation is empty."
        wrong = unmatched(found.text, facts.all(), facts.language, facts.names)
        if wrong:
            return "Figures not in the facts: " + ", ".join(f.text for f in wrong)
        return None

    return check


def explain(
    session: Session,
    actor: Actor,
    *,
    period: Period,
    filters: query.Filters | None = None,
    basis: str = "engagement_rate_reach",
    language: str = "en",
    now: datetime,
) -> Explained:
    """The period's explanation by the workspace's provider, checked, or the offline one."""
    actor.require(Permission.ASSISTANT_USE)
    facts = gather(
        session, actor, period=period, filters=filters, basis=basis, language=language, now=now
    )
    drafted = gateway.draft(
        session,
        actor,
        feature=FEATURE,
        prompt_id=PROMPT_ID,
        messages=_prompt(facts),
        parse=parse,
        offline=lambda: offline(facts),
        check=checker(facts),  # the gateway sends a refused text back once, naming why
        max_tokens=900,
        json_mode=True,
    )
    return Explained(facts, drafted)


def explain_offline(
    session: Session,
    actor: Actor,
    *,
    period: Period,
    filters: query.Filters | None = None,
    basis: str = "engagement_rate_reach",
    language: str = "en",
    now: datetime,
) -> Explained:
    """The offline explanation alone, for readers who may not ask the assistant (a share
    link's visitor, a scheduled email): regenerated from the period's own figures."""
    facts = gather(
        session, actor, period=period, filters=filters, basis=basis, language=language, now=now
    )
    return Explained(facts, Drafted(value=offline(facts), source=OFFLINE, prompt_id=PROMPT_ID))
