"""A rule's conditions: their JSON shape (validated on save) and their compiled, fast form.

A condition document is a group, `{"all": [...]}` or `{"any": [...]}`, whose items are
leaf tests (a `type` each) or nested groups. Compiling turns it once into a predicate over
`MessageFacts`; the predicate also says which leaves matched, which the log keeps as
evidence. Keywords and regular expressions see the text folded (accents removed, case
ignored) so "ARNAQUE", "arnaque" and "arnaqué" read the same; regular expressions run
with a time limit so a pathological pattern cannot stall the ingest.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Annotated, Any, Literal

import regex
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationInfo,
    field_validator,
    model_validator,
)

from orchestre.kit.text import fold, strip_accents

# A regular expression gets this long per message before it counts as "no match".
REGEX_TIMEOUT_S = 0.05
MAX_PATTERN = 500
MAX_KEYWORDS = 200
MAX_DEPTH = 4

Classifier = Literal["sentiment", "toxicity", "spam", "needs_response", "response_kind", "language"]
# The labels each classifier can give (spam and needs_response read as yes/no).
LABELS: dict[str, frozenset[str]] = {
    "sentiment": frozenset({"negative", "neutral", "positive"}),
    "toxicity": frozenset({"hate", "offensive", "clean"}),
    "spam": frozenset({"spam", "ham"}),
    "needs_response": frozenset({"yes", "no"}),
    "response_kind": frozenset({"question", "complaint", "request"}),
}


@dataclass
class MessageFacts:
    """What a rule may look at for one message, gathered once per message."""

    text: str
    network: str
    channel_id: uuid.UUID
    local_time: datetime  # the message's instant in the workspace's time zone
    language: str | None = None
    labels: dict[str, str | None] = field(default_factory=dict)
    scores: dict[str, float | None] = field(default_factory=dict)
    author_tags: frozenset[str] = frozenset()
    first_time_author: bool = False
    _folded: str | None = None
    _stripped: str | None = None

    @property
    def folded(self) -> str:
        if self._folded is None:
            self._folded = fold(self.text)
        return self._folded

    @property
    def stripped(self) -> str:
        if self._stripped is None:
            self._stripped = strip_accents(self.text)
        return self._stripped


class _Leaf(BaseModel):
    model_config = ConfigDict(extra="forbid")

    negate: bool = False


class LabelCondition(_Leaf):
    """A classifier's label is one of `labels`, with at least `min_score` when given."""

    type: Literal["label"]
    classifier: Classifier
    labels: list[str] = Field(min_length=1, max_length=20)
    min_score: float | None = Field(default=None, ge=0.0, le=1.0)

    @field_validator("labels")
    @classmethod
    def _known_labels(cls, labels: list[str], info: ValidationInfo) -> list[str]:
        classifier = info.data.get("classifier")
        known = LABELS.get(classifier) if isinstance(classifier, str) else None
        if known is not None:
            unknown = sorted(set(labels) - known)
            if unknown:
                raise ValueError(
                    f"unknown label(s) {', '.join(unknown)} for {classifier}; "
                    f"known: {', '.join(sorted(known))}"
                )
        return labels


class KeywordsCondition(_Leaf):
    """One of the words or phrases appears (whole words, accents and case folded)."""

    type: Literal["keywords"]
    words: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        min_length=1, max_length=MAX_KEYWORDS
    )


class RegexCondition(_Leaf):
    """The regular expression matches the text (accents stripped, case ignored)."""

    type: Literal["regex"]
    pattern: str = Field(min_length=1, max_length=MAX_PATTERN)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            regex.compile(strip_accents(value), regex.IGNORECASE | regex.V0)
        except regex.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value


class AuthorTagCondition(_Leaf):
    """The author carries one of these tags (customer, vip, influencer, troll...)."""

    type: Literal["author_tag"]
    tags: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(
        min_length=1, max_length=50
    )


class NetworkCondition(_Leaf):
    type: Literal["network"]
    networks: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        min_length=1, max_length=30
    )


class ChannelCondition(_Leaf):
    type: Literal["channel"]
    channel_ids: list[uuid.UUID] = Field(min_length=1, max_length=200)


class LanguageCondition(_Leaf):
    type: Literal["language"]
    languages: list[Annotated[str, Field(min_length=2, max_length=8)]] = Field(
        min_length=1, max_length=30
    )


class TimeOfDayCondition(_Leaf):
    """The message arrived between `start` and `end` on the workspace's clock.

    `end` before `start` spans midnight (22:00-07:00). `days` are ISO weekdays, 1 = Monday."""

    type: Literal["time_of_day"]
    start: time
    end: time
    days: list[Annotated[int, Field(ge=1, le=7)]] | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> TimeOfDayCondition:
        if self.start == self.end:
            raise ValueError("start and end are the same time; the window would be empty")
        return self


class FirstTimeAuthorCondition(_Leaf):
    """The author's first message to the workspace."""

    type: Literal["first_time_author"]


Leaf = Annotated[
    LabelCondition
    | KeywordsCondition
    | RegexCondition
    | AuthorTagCondition
    | NetworkCondition
    | ChannelCondition
    | LanguageCondition
    | TimeOfDayCondition
    | FirstTimeAuthorCondition,
    Field(discriminator="type"),
]


def _item_kind(value: Any) -> str:
    # A test has a "type"; a nested group has none: pick the model without trying both,
    # so an error names one path instead of one per branch.
    if isinstance(value, dict):
        return "leaf" if "type" in value else "group"
    return "group" if isinstance(value, Group) else "leaf"


class Group(BaseModel):
    """`all` (every item holds) or `any` (at least one holds); exactly one of the two."""

    model_config = ConfigDict(extra="forbid")

    all: list[Item] | None = None
    any: list[Item] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Group:
        if (self.all is None) == (self.any is None):
            raise ValueError("a group has exactly one of 'all' or 'any'")
        items = self.all if self.all is not None else self.any
        if not items:
            raise ValueError("a group needs at least one condition")
        if len(items) > 50:
            raise ValueError("a group holds at most 50 conditions")
        return self

    @property
    def items(self) -> list[Leaf | Group]:
        return list(self.all if self.all is not None else self.any or [])


Item = Annotated[
    Annotated[Leaf, Tag("leaf")] | Annotated[Group, Tag("group")], Discriminator(_item_kind)
]
Group.model_rebuild()


_GROUP = TypeAdapter(Group)


def parse(document: dict[str, Any]) -> Group:
    """The validated group; pydantic's ValidationError names the bad field."""
    group = _GROUP.validate_python(document)
    if _depth(group) > MAX_DEPTH:
        raise ValueError(f"groups nest at most {MAX_DEPTH} deep")
    return group


def _depth(group: Group) -> int:
    return 1 + max((_depth(i) for i in group.items if isinstance(i, Group)), default=0)


# A compiled test: facts -> (matched?, the descriptions of the leaves that matched).
Predicate = Callable[[MessageFacts], tuple[bool, list[str]]]


def compile_group(group: Group, path: str = "conditions") -> Predicate:
    kind = "all" if group.all is not None else "any"
    parts = [
        compile_group(item, f"{path}.{kind}[{i}]")
        if isinstance(item, Group)
        else _compile_leaf(item, f"{path}.{kind}[{i}]")
        for i, item in enumerate(group.items)
    ]

    if kind == "all":

        def every(facts: MessageFacts) -> tuple[bool, list[str]]:
            seen: list[str] = []
            for part in parts:
                ok, why = part(facts)
                if not ok:
                    return False, []
                seen.extend(why)
            return True, seen

        return every

    def some_checked(facts: MessageFacts) -> tuple[bool, list[str]]:
        matched = False
        seen: list[str] = []
        for part in parts:
            ok, why = part(facts)
            if ok:
                matched = True
                seen.extend(why)
        return matched, seen

    return some_checked


def _compile_leaf(leaf: Any, path: str) -> Predicate:
    test, label = _LEAVES[leaf.type](leaf)
    described = f"{path}: {'not ' if leaf.negate else ''}{label}"

    if leaf.negate:

        def negated(facts: MessageFacts) -> tuple[bool, list[str]]:
            return (False, []) if test(facts) else (True, [described])

        return negated

    def plain(facts: MessageFacts) -> tuple[bool, list[str]]:
        return (True, [described]) if test(facts) else (False, [])

    return plain


Test = Callable[[MessageFacts], bool]


def _label(leaf: LabelCondition) -> tuple[Test, str]:
    wanted = frozenset(leaf.labels)
    name, minimum = leaf.classifier, leaf.min_score

    def test(facts: MessageFacts) -> bool:
        value = facts.language if name == "language" else facts.labels.get(name)
        if value not in wanted:
            return False
        if minimum is None:
            return True
        score = facts.scores.get(name)
        return score is not None and score >= minimum

    at_least = f" (score >= {minimum})" if minimum is not None else ""
    return test, f"{name} in {sorted(wanted)}{at_least}"


def _keywords(leaf: KeywordsCondition) -> tuple[Test, str]:
    folded = sorted({fold(w.strip()) for w in leaf.words if w.strip()})
    # One alternation, longest first, bounded by non-word characters: fast and linear.
    alternation = "|".join(regex.escape(w) for w in sorted(folded, key=len, reverse=True))
    pattern = regex.compile(rf"(?<!\w)(?:{alternation})(?!\w)")

    def test(facts: MessageFacts) -> bool:
        return pattern.search(facts.folded) is not None

    return test, f"keywords {folded[:10]}"


def _regex(leaf: RegexCondition) -> tuple[Test, str]:
    pattern = regex.compile(strip_accents(leaf.pattern), regex.IGNORECASE | regex.V0)

    def test(facts: MessageFacts) -> bool:
        try:
            return pattern.search(facts.stripped, timeout=REGEX_TIMEOUT_S) is not None
        except TimeoutError:
            return False

    return test, f"regex /{leaf.pattern}/"


def _author_tag(leaf: AuthorTagCondition) -> tuple[Test, str]:
    wanted = frozenset(t.casefold() for t in leaf.tags)
    return (lambda facts: bool(wanted & facts.author_tags)), f"author tag in {sorted(wanted)}"


def _network(leaf: NetworkCondition) -> tuple[Test, str]:
    wanted = frozenset(n.casefold() for n in leaf.networks)
    return (lambda facts: facts.network.casefold() in wanted), f"network in {sorted(wanted)}"


def _channel(leaf: ChannelCondition) -> tuple[Test, str]:
    wanted = frozenset(leaf.channel_ids)
    return (lambda facts: facts.channel_id in wanted), "channel in the list"


def _language(leaf: LanguageCondition) -> tuple[Test, str]:
    wanted = frozenset(lang.casefold() for lang in leaf.languages)
    return (
        lambda facts: (facts.language or "").casefold() in wanted
    ), f"language in {sorted(wanted)}"


def _time_of_day(leaf: TimeOfDayCondition) -> tuple[Test, str]:
    start, end = leaf.start, leaf.end
    days = frozenset(leaf.days) if leaf.days else None

    def test(facts: MessageFacts) -> bool:
        local = facts.local_time
        now = local.time().replace(tzinfo=None)
        if start < end:
            inside = start <= now < end
            day = local.isoweekday()
        else:  # spans midnight: the early hours belong to the evening before
            inside = now >= start or now < end
            day = local.isoweekday() if now >= start else (local.isoweekday() - 2) % 7 + 1
        return inside and (days is None or day in days)

    return test, f"time between {start:%H:%M} and {end:%H:%M}"


def _first_time(leaf: FirstTimeAuthorCondition) -> tuple[Test, str]:
    return (lambda facts: facts.first_time_author), "first message from this author"


_LEAVES: dict[str, Callable[[Any], tuple[Test, str]]] = {
    "label": _label,
    "keywords": _keywords,
    "regex": _regex,
    "author_tag": _author_tag,
    "network": _network,
    "channel": _channel,
    "language": _language,
    "time_of_day": _time_of_day,
    "first_time_author": _first_time,
}
