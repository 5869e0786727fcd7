"""Trends: emerging terms, hashtags and key phrases in a stream of posts.

Pure computation, like `orchestre.moderation.detect`: no database, no clock, no network.
The caller feeds posts in time order (`add`, or `add_many` for a batch); each closed
time bucket (an hour by default) is scored at once and gives back its bursts; `trends()`
classifies the tracked terms as new, rising, falling or steady with the figures behind
it.

Tokens (`tokens`): accents and case folded (``Été`` -> ``ete``, ``Œuvre`` ->
``oeuvre``), links and @handles dropped, hashtags kept whole with their ``#``, words of
three letters or more outside a short French + English stop list (and the crisis
detector's), and the bigrams of consecutive kept words (``boston marathon``) as key
phrases. A post counts once per token, however often it repeats it (document frequency),
so one long rant cannot make a trend. The stop words are the commonest function words,
not a full list: Spanish, Italian or Tagalog ones may still rank in a multilingual
stream.

Baselines: each tracked term keeps one small state, its *share* of the bucket's posts as
two EWMAs (a slow one, half-life `baseline_half_life`, the baseline; a fast one,
half-life `recent_half_life`, the recent rate), decayed lazily: an EWMA fed zeros for
`k` buckets is its value times ``(1 - a) ** k``, so a term costs nothing in the buckets
it is absent from (hours without any post decay it too). A share, not a count, so the
day's rhythm and a growing audience move every term alike and do not look like trends; a
term's expected count in a bucket is its baseline share times the bucket's posts, with a
floor of `min_expected` posts (a term never seen has that floor).

Burst test: a term is *bursting* in a bucket when it is seen in at least `min_count`
posts, `min_ratio` times its expected count, and the Poisson upper tail of that count
(`detect.count_tail`) clears `burst_z` raised Bonferroni-fashion over the distinct terms
of the bucket (`detect.bonferroni`), so a bucket with 20,000 distinct terms alarms by
chance no more often than a single test at `burst_z`. Nothing is raised during the first
`warmup` of the stream (six hours: the baselines start at zero and are divided by the
weight they have gathered, so a few hours are enough; docs/models.md compares a day).
Only the few terms past the count and ratio gates reach the tail function, so scoring a
bucket costs one pass over its counter.

Memory bound: the tracked terms are at most `max_terms`. A term enters the table when a
bucket sees it in at least `admit_count` posts (a word seen once is never tracked); when
the table overflows it is cut back to `prune_to` of `max_terms`, keeping the largest
baseline + recent shares (a top-K by decayed share). A pruned term that comes back is
new again. The open bucket's counter is bounded too: when a batch leaves it past
`bucket_max_terms` distinct tokens, those seen once so far are dropped (one that comes
back later in the hour is undercounted by one: a cost paid only in hours that busy).

Topics (`topics`): the bursting terms of an hour that are carried by the same posts (at
least `topic_overlap` of the rarer one's) form one topic, labelled by its most carried key
phrase. The open hour keeps its posts' token sets for this, the first `topic_max_posts`
of them (in a busier hour the grouping sees those). It is co-occurrence, not sentence
embeddings: related posts that share no bursting term are not joined.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from orchestre.kit.text import HASHTAG_WORD
from orchestre.moderation.detect import STOPWORDS as CRISIS_STOPWORDS
from orchestre.moderation.detect import bonferroni, count_tail, tail_z

TrendStatus = Literal["new", "rising", "falling", "steady"]
TokenKind = Literal["hashtag", "phrase", "term"]

# -- tokens ---------------------------------------------------------------------------


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        if base != char and base.isascii() and base.isalpha():
            table[code] = base.lower()
    table.update({ord("œ"): "oe", ord("Œ"): "oe", ord("æ"): "ae", ord("Æ"): "ae"})
    table.update({ord("ß"): "ss", ord("’"): "'", ord("ʼ"): "'"})
    return table


FOLD = _fold_table()
_DROP = re.compile(r"(?:https?://|www\.)\S+|@\w+")
_TOKEN = re.compile(rf"{HASHTAG_WORD}|[^\W\d_]{{3,}}")
# After folding: no accents here ("ete", "deja").
_STOPWORDS = """
    the and for that this with you are was were have has had not but from they them their
    its our your his her all can will just what when who how out about into been more than
    then there here also via amp one get got now new like dont its its some any only over
    off too very would could should did does doing being him she hers mine yours ours
    which while where why because after before again still even much many most other such
    own same each few both may might must shall upon yes let lets say says said make made
    les des une pour que qui dans est pas sur par avec ses aux son sont mais ont plus tout
    nous vous ils elle elles ete etre fait faire comme cette ces leur leurs sans sous chez
    tres bien deja encore donc car quand aussi ici cest quil quelle etait avoir avait sera
    mon ton mes tes notre votre nos vos lui eux moi toi rien tous toutes entre vers
    depuis alors apres avant pendant peu peut tout non oui the rt via http https www com
"""


def fold(text: str) -> str:
    """Lower case without accents: ``"Été À Paris"`` -> ``"ete a paris"``."""
    return text.translate(FOLD).lower()


# Ours, plus the crisis detector's (which has a few Spanish and Italian ones), folded.
STOPWORDS = frozenset(_STOPWORDS.split()) | {fold(word) for word in CRISIS_STOPWORDS}


def tokens(text: str, bigrams: bool = True) -> list[str]:
    """The post's hashtags (``#name``) and words in their order, then its bigrams of words."""
    found = _TOKEN.findall(_DROP.sub(" ", text.translate(FOLD).lower()))
    kept = [token for token in found if token not in STOPWORDS]
    if bigrams:
        words = [token for token in kept if token[0] != "#"]
        kept.extend([first + " " + second for first, second in itertools.pairwise(words)])
    return kept


def kind_of(token: str) -> TokenKind:
    return "hashtag" if token[0] == "#" else "phrase" if " " in token else "term"


# -- configuration and results ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrendConfig:
    """Parameters; docs/models.md ("Trends") says why each has its value."""

    bucket: timedelta = timedelta(hours=1)
    warmup: timedelta = timedelta(hours=6)
    baseline_half_life: timedelta = timedelta(hours=72)
    recent_half_life: timedelta = timedelta(hours=3)
    min_expected: float = 0.5
    min_count: int = 5
    min_ratio: float = 3.0
    burst_z: float = 5.0
    admit_count: int = 2
    max_terms: int = 50_000
    prune_to: float = 0.8
    bucket_max_terms: int = 200_000
    topic_overlap: float = 0.5
    topic_max_posts: int = 10_000
    new_within: timedelta = timedelta(hours=24)
    trend_ratio: float = 2.0
    trend_min_count: float = 3.0
    bigrams: bool = True

    @property
    def bucket_seconds(self) -> int:
        return int(self.bucket.total_seconds())

    def buckets(self, span: timedelta) -> int:
        return max(1, round(span.total_seconds() / self.bucket_seconds))


@dataclass(frozen=True, slots=True)
class Burst:
    """A term seen far more than its baseline expects in one bucket."""

    term: str
    kind: TokenKind
    bucket_start: datetime
    observed: int
    expected: float
    ratio: float
    z: float
    bar: float
    new: bool
    topic: str = ""  # the label of the bursting terms carried by the same posts


@dataclass(frozen=True, slots=True)
class Trend:
    """A tracked term's direction, with the figures behind it (posts per bucket)."""

    term: str
    kind: TokenKind
    status: TrendStatus
    recent: float  # posts per bucket lately (fast EWMA of the share times the mean volume)
    baseline: float  # posts per bucket usually (slow EWMA, same scale)
    ratio: float
    last_count: int
    first_seen: datetime
    bursts: int


# The state of one term: [baseline share, recent share, bucket index of the last update,
# first bucket index, last count, bursts].
_BASE, _RECENT, _AT, _FIRST, _LAST, _BURSTS = range(6)


def _keep(half_life: int) -> float:
    """The EWMA's memory per bucket when it halves every `half_life` buckets."""
    return math.pow(0.5, 1.0 / half_life)


class TrendCounter:
    """Streaming counter of terms per bucket with per-term baselines and burst tests."""

    def __init__(self, config: TrendConfig | None = None) -> None:
        self.config = config or TrendConfig()
        c = self.config
        self._seconds = c.bucket_seconds
        self._keep_base = _keep(c.buckets(c.baseline_half_life))
        self._keep_recent = _keep(c.buckets(c.recent_half_life))
        self._warmup = c.buckets(c.warmup)
        self._terms: dict[str, list[float]] = {}
        self._bucket: int | None = None
        self._first: int | None = None
        self._counts: Counter[str] = Counter()
        self._posts = 0
        self._sets: list[set[str]] = []  # the open bucket's posts, for topics
        self._volume = 0.0  # slow EWMA of posts per bucket
        self._closed: int | None = None  # the last closed bucket
        self.posts_seen = 0
        self.pruned = 0

    # -- feeding ---------------------------------------------------------------------

    def add(self, at: datetime | float, text: str) -> list[Burst]:
        """Count one post; returns the bursts of the buckets this post closed."""
        return self.add_many([at.timestamp() if isinstance(at, datetime) else at], [text])

    def add_many(self, stamps: Sequence[float], texts: Sequence[str]) -> list[Burst]:
        """Count posts in time order (POSIX seconds); returns the closed buckets' bursts."""
        bursts: list[Burst] = []
        seconds = self._seconds
        bigrams = self.config.bigrams
        update = self._counts.update
        sets, keep = self._sets, self.config.topic_max_posts
        bucket = self._bucket
        posts = self._posts
        for stamp, text in zip(stamps, texts, strict=True):
            index = int(stamp // seconds)
            if index != bucket:
                if bucket is not None:
                    if index < bucket:
                        self._posts = posts
                        raise ValueError("posts must come in time order")
                    self._posts = posts
                    bursts.extend(self._close())
                    update, sets = self._counts.update, self._sets
                    posts = 0
                self._bucket = bucket = index
                if self._first is None:
                    self._first = index
            found = set(tokens(text, bigrams))
            update(found)
            if posts < keep:
                sets.append(found)
            posts += 1
        self._posts = posts
        self.posts_seen += len(texts)
        if len(self._counts) > self.config.bucket_max_terms:
            self._counts = Counter({t: n for t, n in self._counts.items() if n > 1})
        return bursts

    def flush(self) -> list[Burst]:
        """Close the open bucket (end of a replay): its bursts."""
        if self._bucket is None or not self._posts:
            return []
        bursts = self._close()
        self._bucket = None
        return bursts

    # -- scoring ---------------------------------------------------------------------

    def _close(self) -> list[Burst]:
        c = self.config
        index = self._bucket
        assert index is not None
        assert self._first is not None
        posts = self._posts
        counts, kept = self._counts, self._sets
        self._counts, self._sets = Counter(), []
        self._posts = 0
        if not posts:
            return []
        age = index - self._first
        armed = age >= self._warmup
        # EWMAs start at zero: divide by the weight they have gathered so far (a term's
        # share before it was admitted counts as zero).
        correct = 1.0 / (1.0 - self._keep_base ** max(age, 1))
        terms = self._terms
        keep_base, keep_recent = self._keep_base, self._keep_recent
        floor, min_count, min_ratio = c.min_expected, c.min_count, c.min_ratio
        candidates: list[tuple[str, int, float, list[float] | None]] = []
        admit = c.admit_count
        for term, count in counts.items():
            state = terms.get(term)
            if state is None:
                if count < admit:
                    continue
                expected = floor
            else:
                gap = index - state[_AT]
                expected = state[_BASE] * keep_base**gap * correct * posts
                if expected < floor:
                    expected = floor
            if count >= min_count and count >= min_ratio * expected:
                candidates.append((term, count, expected, state))
        bursts: list[Burst] = []
        if armed and candidates:
            bar = bonferroni(c.burst_z, max(len(counts), 1))
            start = datetime.fromtimestamp(index * self._seconds, UTC)
            for term, count, expected, state in candidates:
                z = tail_z(count_tail(count, expected))
                if z >= bar:
                    new = state is None or index - state[_FIRST] < c.buckets(c.new_within)
                    bursts.append(
                        Burst(
                            term,
                            kind_of(term),
                            start,
                            count,
                            round(expected, 2),
                            round(count / expected, 1),
                            round(z, 2),
                            round(bar, 2),
                            new,
                        )
                    )
        burst_terms = {burst.term for burst in bursts}
        # Learn: every counted term that is tracked or admitted moves its two EWMAs.
        a_base, a_recent = 1.0 - keep_base, 1.0 - keep_recent
        for term, count in counts.items():
            state = terms.get(term)
            share = count / posts
            if state is None:
                if count < admit:
                    continue
                terms[term] = [
                    a_base * share,
                    a_recent * share,
                    index,
                    index,
                    count,
                    1 if term in burst_terms else 0,
                ]
                continue
            gap = index - state[_AT]
            state[_BASE] = state[_BASE] * keep_base**gap + a_base * share
            state[_RECENT] = state[_RECENT] * keep_recent**gap + a_recent * share
            state[_AT] = index
            state[_LAST] = count
            if term in burst_terms:
                state[_BURSTS] += 1
        self._volume = self._volume * keep_base + (1.0 - keep_base) * posts
        self._closed = index
        if len(terms) > c.max_terms:
            self._prune(index)
        bursts.sort(key=lambda burst: (-burst.z, burst.term))
        return topics(bursts, kept, c.topic_overlap) if bursts else bursts

    def _prune(self, index: int) -> None:
        limit = int(self.config.max_terms * self.config.prune_to)
        kb, kr = self._keep_base, self._keep_recent
        ranked = sorted(
            self._terms.items(),
            key=lambda item: (
                -(
                    item[1][_BASE] * kb ** (index - item[1][_AT])
                    + item[1][_RECENT] * kr ** (index - item[1][_AT])
                )
            ),
        )
        self.pruned += len(ranked) - limit
        self._terms = dict(ranked[:limit])

    # -- reading ---------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._terms)

    def trends(self, top_n: int = 20, statuses: Iterable[TrendStatus] | None = None) -> list[Trend]:
        """Tracked terms classified, as of the last closed bucket, strongest change first.

        new: first tracked within `new_within` and seen at least `trend_min_count` times
        lately; rising / falling: the recent rate at least `trend_ratio` times the baseline
        (or at most its inverse), with `trend_min_count` posts per bucket on the larger
        side; steady: the rest."""
        c = self.config
        wanted = set(statuses) if statuses is not None else None
        index = self._closed
        if index is None or self._first is None:
            return []
        age = index - self._first + 1
        correct_base = 1.0 / (1.0 - self._keep_base**age)
        correct_recent = 1.0 / (1.0 - self._keep_recent**age)
        volume = max(self._volume * correct_base, 1.0)
        new_within = c.buckets(c.new_within)
        found: list[tuple[float, Trend]] = []
        for term, state in self._terms.items():
            gap = index - state[_AT]
            base = state[_BASE] * self._keep_base**gap * correct_base * volume
            recent = state[_RECENT] * self._keep_recent**gap * correct_recent * volume
            ratio = (recent + c.min_expected) / (base + c.min_expected)
            status: TrendStatus
            if index - state[_FIRST] < new_within and recent >= c.trend_min_count:
                status = "new"
            elif ratio >= c.trend_ratio and recent >= c.trend_min_count:
                status = "rising"
            elif ratio <= 1.0 / c.trend_ratio and base >= c.trend_min_count:
                status = "falling"
            else:
                status = "steady"
            if wanted is not None and status not in wanted:
                continue
            strength = abs(math.log(ratio)) * math.sqrt(max(recent, base))
            found.append(
                (
                    strength,
                    Trend(
                        term,
                        kind_of(term),
                        status,
                        round(recent, 2),
                        round(base, 2),
                        round(ratio, 2),
                        int(state[_LAST]),
                        datetime.fromtimestamp(state[_FIRST] * self._seconds, UTC),
                        int(state[_BURSTS]),
                    ),
                )
            )
        found.sort(key=lambda item: (item[1].status == "steady", -item[0], item[1].term))
        return [trend for _, trend in found[:top_n]]


def topics(bursts: list[Burst], posts: Sequence[set[str]], overlap: float) -> list[Burst]:
    """The bursts with their topic: bursting terms that share at least `overlap` of the
    posts of the rarer one are one topic (transitively), labelled by its most carried key
    phrase, or its most carried term when it has no phrase (`#lax`, `#laxshooting`,
    `airport` and `lax shooting` make one topic, "lax shooting")."""
    wanted = {burst.term for burst in bursts}
    carriers: dict[str, set[int]] = {term: set() for term in wanted}
    for i, found in enumerate(posts):
        for term in found & wanted:
            carriers[term].add(i)
    parent = {term: term for term in wanted}

    def root(term: str) -> str:
        while parent[term] != term:
            term = parent[term]
        return term

    ordered = sorted(wanted)
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            a, b = carriers[first], carriers[second]
            if a and b and len(a & b) >= overlap * min(len(a), len(b)):
                parent[root(second)] = root(first)
    groups: dict[str, list[str]] = defaultdict(list)
    for term in ordered:
        groups[root(term)].append(term)
    labels: dict[str, str] = {}
    for members in groups.values():
        label = max(members, key=lambda t: (" " in t, len(carriers[t]), t))
        labels.update(dict.fromkeys(members, label))
    return [replace(burst, topic=labels[burst.term]) for burst in bursts]
