"""The fact table an explanation of a period's results stands on.

Every figure comes from the analytics queries the dashboard and the reports show
(`orchestre.analytics.query`, `goals`): the KPIs against the previous period, the goals
whose days meet the period, the best and weakest posts, the engagement rate by format,
pillar, channel and network, the best hour of the week, and how many times one format
outdid another. Each fact has an id, its value, its unit and how the report's language
writes it (Babel: "4.6%" in English, "4,6 %" in French); the explanation may cite no
other number (`explain_check`).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from babel import Locale
from babel.dates import format_timedelta, get_day_names
from babel.numbers import format_decimal, format_percent
from sqlalchemy.orm import Session

from orchestre.analytics import goals, query
from orchestre.analytics import kpis as k
from orchestre.analytics.periods import Period
from orchestre.delivery.email import NETWORK_NAMES, translations
from orchestre.workspaces.permissions import Actor, Permission

_ = k._
# A format, pillar, channel or hour needs this many measured posts to be compared.
MIN_POSTS = 5
MIN_SLOT_POSTS = 3
# A change smaller than this share of the previous value is not worth a sentence.
MIN_CHANGE = 0.10
# One group "outdid" another when its rate is at least this many times the other's.
MIN_TIMES = 1.3
KPIS = (
    "reach",
    "impressions",
    "engagement",
    "clicks",
    "ctr",
    "posts",
    "video_views",
    "follower_growth",
    "response_rate",
    "median_first_response",
    "sentiment_negative",
)
DIMENSIONS = ("format", "pillar", "channel", "network")
FORMAT_LABELS = {
    "short_video": _("Short video"),
    "video": _("Video"),
    "image": _("Image"),
    "carousel": _("Carousel"),
    "text": _("Text"),
}


@dataclass(frozen=True)
class Fact:
    """One figure the explanation may cite: its value in its unit (a ratio as 0.046) and
    how the report's language writes it."""

    id: str
    value: float
    unit: str  # ratio | change | count | currency | seconds | times | hour
    display: str


@dataclass(frozen=True)
class KpiFacts:
    name: str
    label: str
    higher_is_better: bool
    current: Fact
    previous: Fact | None
    change: Fact | None  # relative change, when the previous value is not 0


@dataclass(frozen=True)
class GroupFacts:
    dimension: str  # format, pillar, channel or network
    key: str
    label: str
    rate: Fact | None  # the engagement rate of the basis, None when not measurable
    posts: Fact


@dataclass(frozen=True)
class PostFacts:
    which: str  # best or worst
    label: str  # "Video on Mastodon (Education)"
    rate: Fact


@dataclass(frozen=True)
class SlotFacts:
    weekday: str
    hour: Fact
    rate: Fact
    posts: Fact


@dataclass(frozen=True)
class GoalFacts:
    label: str
    status: str  # goals.STATUSES
    current: Fact | None
    target: Fact


@dataclass(frozen=True)
class Comparison:
    dimension: str
    better: GroupFacts
    worse: GroupFacts
    times: Fact


@dataclass
class Facts:
    language: str
    period: Period
    basis: str  # the engagement rate KPI the comparisons use
    basis_label: str

    posts: Fact  # posts published in the period
    min_posts: Fact  # MIN_POSTS, cited when data is too thin
    kpis: list[KpiFacts] = field(default_factory=list)
    groups: dict[str, list[GroupFacts]] = field(default_factory=dict)
    posts_ranked: list[PostFacts] = field(default_factory=list)
    slot: SlotFacts | None = None
    goals: list[GoalFacts] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # labels the text may quote (not figures)

    def all(self) -> list[Fact]:
        found = [self.posts, self.min_posts]
        for kpi in self.kpis:
            found += [f for f in (kpi.current, kpi.previous, kpi.change) if f is not None]
        for groups_of in self.groups.values():
            for g in groups_of:
                found += [f for f in (g.rate, g.posts) if f is not None]
        found += [p.rate for p in self.posts_ranked]
        if self.slot is not None:
            found += [self.slot.hour, self.slot.rate, self.slot.posts]
        for goal in self.goals:
            found += [f for f in (goal.current, goal.target) if f is not None]
        found += [c.times for c in self.comparisons]
        return list({f.id: f for f in found}.values())

    @property
    def basis_phrase(self) -> str:
        """The engagement rate's name inside a sentence ("engagement rate (by reach)")."""
        return self.basis_label[:1].lower() + self.basis_label[1:]

    def context(self) -> dict[str, Any]:
        """What each fact id is about, in the reader's language (labels, not figures)."""
        return {
            "kpis": {kpi.current.id: kpi.label for kpi in self.kpis},
            "groups": {
                dimension: {g.key: g.label for g in found}
                for dimension, found in self.groups.items()
            },
            "posts": {p.rate.id: p.label for p in self.posts_ranked},
            "best_time": None if self.slot is None else self.slot.weekday,
            "goals": {g.target.id: f"{g.label} ({g.status})" for g in self.goals},
            "comparisons": {
                c.times.id: f"{c.better.label} / {c.worse.label}" for c in self.comparisons
            },
            "min_posts_to_compare": self.min_posts.id,
        }

    def table(self) -> list[dict[str, Any]]:
        """The facts as the model reads them (JSON): id, what it is, value, display."""
        return [
            {"id": f.id, "unit": f.unit, "value": round(f.value, 6), "display": f.display}
            for f in self.all()
        ]


class Writer:
    """Figures written in one language, like the reports write them."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.gt = translations(language)
        plain = Locale.parse(language).percent_formats[None].pattern
        self.percent = re.sub(r"0(?=[^0#]*%)", "0.0", plain, count=1)

    def t(self, message: str) -> str:
        return self.gt.gettext(message)

    def fact(self, id: str, value: float, unit: str) -> Fact:
        return Fact(id, value, unit, self.write(value, unit))

    def write(self, value: float, unit: str) -> str:
        lang = self.language
        if unit == "ratio":
            return format_percent(value, self.percent, locale=lang)
        if unit == "change":
            return format_percent(value, f"+{self.percent};-{self.percent}", locale=lang)
        if unit == "percent":
            return format_decimal(value, "#,##0.0", locale=lang) + " %"
        if unit == "currency":
            return format_decimal(value, "#,##0.00", locale=lang)
        if unit == "seconds":
            return format_timedelta(timedelta(seconds=value), locale=lang)
        if unit == "times":
            return format_decimal(value, "#,##0.0", locale=lang) + "×"
        if unit == "hour":
            return f"{int(value):02d}:00"
        return format_decimal(value, "#,##0.##", locale=lang)

    def kpi_fact(self, id: str, name: str, value: float) -> Fact:
        unit = k.CATALOGUE[name].unit
        return self.fact(id, value, "count" if unit is k.Unit.COUNT else str(unit))


def _kpi_facts(w: Writer, table: query.KpiTable) -> list[KpiFacts]:
    found = []
    for v in table.total.values:
        if not v.available or v.value is None:
            continue
        kpi = k.CATALOGUE[v.kpi]
        previous = (
            None if v.previous is None else w.kpi_fact(f"kpi.{v.kpi}.previous", v.kpi, v.previous)
        )
        change = None
        if v.change.relative is not None:
            change = w.fact(f"kpi.{v.kpi}.change", v.change.relative, "change")
        found.append(
            KpiFacts(
                v.kpi,
                w.t(kpi.label),
                kpi.higher_is_better,
                w.kpi_fact(f"kpi.{v.kpi}", v.kpi, v.value),
                previous,
                change,
            )
        )
    return found


def _label(w: Writer, dimension: str, group: query.KpiGroup) -> str:
    if dimension == "format":
        return w.t(FORMAT_LABELS.get(group.label, group.label))
    if dimension == "network":
        return NETWORK_NAMES.get(group.label, group.label)
    return group.label


def _groups(w: Writer, table: query.KpiTable, dimension: str, basis: str) -> list[GroupFacts]:
    found = []
    for g in table.groups:
        key = str(g.key)
        rate = g.value(basis).value
        posts = g.value("posts").value or 0.0
        found.append(
            GroupFacts(
                dimension,
                key,
                _label(w, dimension, g),
                None if rate is None else w.fact(f"{dimension}.{key}.rate", rate, "ratio"),
                w.fact(f"{dimension}.{key}.posts", posts, "count"),
            )
        )
    return found


def _comparison(w: Writer, dimension: str, groups: list[GroupFacts]) -> Comparison | None:
    """The best and the weakest group with enough posts, when one outdid the other."""
    ranked = [
        g for g in groups if g.rate is not None and g.rate.value > 0 and g.posts.value >= MIN_POSTS
    ]
    if len(ranked) < 2:
        return None
    ranked.sort(key=lambda g: g.rate.value if g.rate else 0.0, reverse=True)
    better, worse = ranked[0], ranked[-1]
    assert better.rate is not None
    assert worse.rate is not None
    times = better.rate.value / worse.rate.value
    if times < MIN_TIMES:
        return None
    fact = w.fact(f"{dimension}.{better.key}.vs.{worse.key}", times, "times")
    return Comparison(dimension, better, worse, fact)


def _ranked_posts(
    w: Writer, session: Session, actor: Actor, period: Period, filters: query.Filters, basis: str
) -> list[PostFacts]:
    found = []
    best: uuid.UUID | None = None
    for which, order in (("best", "top"), ("worst", "bottom")):
        rows = query.top_posts(
            session, actor, kpi=basis, period=period, filters=filters, order=order, limit=1
        ).posts
        if not rows or rows[0].publication_id == best:
            continue
        row = rows[0]
        best = best or row.publication_id
        label = w.t(_("%(format)s on %(network)s")) % {
            "format": w.t(FORMAT_LABELS.get(row.format, row.format)),
            "network": NETWORK_NAMES.get(row.network, row.network),
        }
        found.append(PostFacts(which, label, w.fact(f"post.{which}.rate", row.value, "ratio")))
    return found


def _slot(
    w: Writer, session: Session, actor: Actor, period: Period, filters: query.Filters, basis: str
) -> SlotFacts | None:
    if basis not in query.HEATMAP_KPIS:
        return None
    heat = query.heatmap(session, actor, kpi=basis, period=period, filters=filters)
    cells = [c for c in heat.cells if c.value is not None and c.coverage >= MIN_SLOT_POSTS]
    if not cells:
        return None
    best = max(cells, key=lambda c: (c.value or 0.0, c.coverage))
    names = get_day_names("wide", locale=w.language)
    return SlotFacts(
        names[best.weekday],
        w.fact("slot.best.hour", best.hour, "hour"),
        w.fact("slot.best.rate", best.value or 0.0, "ratio"),
        w.fact("slot.best.posts", best.coverage, "count"),
    )


def _goals(
    w: Writer, session: Session, actor: Actor, period: Period, now: datetime
) -> list[GoalFacts]:
    found = []
    for p in goals.all_progress(session, actor, now=now):
        if p.goal.period_end < period.first or p.goal.period_start > period.last:
            continue
        gid = str(p.goal.id)
        name = p.kpi.name
        current = None if p.current is None else w.kpi_fact(f"goal.{gid}.current", name, p.current)
        found.append(
            GoalFacts(
                w.t(p.kpi.label),
                p.status,
                current,
                w.kpi_fact(f"goal.{gid}.target", name, p.target),
            )
        )
    return found


def gather(
    session: Session,
    actor: Actor,
    *,
    period: Period,
    filters: query.Filters | None = None,
    basis: str = "engagement_rate_reach",
    language: str = "en",
    now: datetime,
) -> Facts:
    """The period's facts over the selection (the dashboard's filters), in `language`."""
    actor.require(Permission.ANALYTICS_VIEW)
    f = filters or query.Filters()
    w = Writer(language)
    table = query.kpi_table(session, actor, kpis=(basis, *KPIS), period=period, filters=f)
    posts = table.total.value("posts").value or 0.0
    facts = Facts(
        language,
        period,
        basis,
        w.t(k.CATALOGUE[basis].label),
        w.fact("posts", posts, "count"),
        w.fact("rule.min_posts", MIN_POSTS, "count"),
        kpis=_kpi_facts(w, table),
    )
    if posts:
        for dimension in DIMENSIONS:
            grouped = query.kpi_table(
                session,
                actor,
                kpis=(basis, "posts"),
                period=period,
                filters=f,
                group_by=dimension,
            )
            facts.groups[dimension] = _groups(w, grouped, dimension, basis)
            compared = _comparison(w, dimension, facts.groups[dimension])
            if compared is not None:
                facts.comparisons.append(compared)
        facts.posts_ranked = _ranked_posts(w, session, actor, period, f, basis)
        facts.slot = _slot(w, session, actor, period, f, basis)
    facts.goals = _goals(w, session, actor, period, now)
    facts.names = _names(facts)
    return facts


def _names(facts: Facts) -> set[str]:
    names = {facts.basis_label, *(kpi.label for kpi in facts.kpis)}
    for groups_of in facts.groups.values():
        names |= {g.label for g in groups_of}
    names |= {p.label for p in facts.posts_ranked}
    names |= {g.label for g in facts.goals}
    return {n for n in names if n}
