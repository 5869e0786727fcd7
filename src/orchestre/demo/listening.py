"""The demo's listening: queries following the brand, its two rivals and a topic, a month
of what people said about them, and last week's digest made from it.

The queries go through the listening service. The sandbox network only searches the demo's
own posts and its accounts' mentions, so the month of public posts is written here, as the
analytics history is: a seeded generator picks who said what and when, each post is kept
by every query whose matcher accepts it (as `listening.collect` keeps what a search found),
collected fifteen minutes after it was published (the collector's cadence, so the crisis
watch, which reads mentions by when they were collected, sees a steady flow), and classified
by the shipped classifier through `listening.collect.classify`. One rival opens a new shop
in the digest's week and its hashtag rises; a local paper's article lifts the brand's
mentions that week. The digest is then made at its Monday instant by the digest service.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from orchestre.connectors.sandbox.refusals import BASE_URL
from orchestre.demo.competitors import RIVALS
from orchestre.demo.story import PARIS, Cast, TimeMachine
from orchestre.kit.text import HASHTAG
from orchestre.listening import digest, digest_service, service
from orchestre.listening.collect import EVERY, classify
from orchestre.listening.query import CompiledQuery, matches, parse
from orchestre.models.listening import ListeningQuery, Mention

DAYS = 30
SEED = 1789
NETWORK = "sandbox"
BRAND, PORT, HALLES, TOPIC = "brand", "port", "halles", "topic"
# (name, query, about) per stream; the rivals are those of demo/competitors.py.
QUERIES = {
    BRAND: ("Maison Lumière", '"maison lumière" OR @lumiere OR #MaisonLumiere', "brand"),
    PORT: (RIVALS[0][0], f'"boulangerie du port" OR @{RIVALS[0][1]} OR #BoulangerieDuPort',
           "competitor"),
    HALLES: (RIVALS[1][0], f'"fournil des halles" OR @{RIVALS[1][1]} OR #FournilDesHalles',
             "competitor"),
    TOPIC: ("Croissants et baguettes", "croissant OR croissants OR baguette OR baguettes",
            "topic"),
}  # fmt: skip
# Posts a day, (fewest, most), on an ordinary day.
PER_DAY = {BRAND: (2, 6), PORT: (1, 4), HALLES: (1, 4), TOPIC: (1, 3)}
# (handle, followers): the neighbourhood, food lovers and a few larger accounts.
AUTHORS = (
    ("claire.dlr", 412), ("paulo_b", 1_280), ("ines.moreau", 230), ("julien_runs", 96),
    ("foodie.paname", 18_400), ("lena.eats", 5_730), ("marc.dupuis", 310), ("nadia.k", 845),
    ("tom_in_paris", 2_160), ("sophie.lvl", 150), ("le_petit_mangeur", 9_870),
    ("emma.w", 640), ("quartier.vivant", 3_420), ("bakerylover", 1_050), ("rachid.m", 205),
    ("anne_cuisine", 7_300), ("hugo.velo", 88), ("marta", 530),
)  # fmt: skip
# What people say, by stream: (text, language). French mostly, as in the shop.
SAID: dict[str, tuple[tuple[str, str], ...]] = {
    BRAND: (
        ("Le pain au levain de Maison Lumière, toujours aussi bon 😍", "fr"),
        ("Petit déjeuner du dimanche grâce à @lumiere : croissants encore tièdes.", "fr"),
        ("Quelqu'un sait si Maison Lumière ouvre le lundi ?", "fr"),
        ("La tarte aux fruits de #MaisonLumiere, un bonheur.", "fr"),
        ("Merci @lumiere pour le gâteau d'anniversaire, les enfants ont adoré !", "fr"),
        ("Attente de vingt minutes chez Maison Lumière ce matin, service vraiment décevant.", "fr"),
        ("Déçue : plus de baguettes tradition à 18 h chez Maison Lumière.", "fr"),
        ("Vous faites des galettes sans amandes, @lumiere ? Ma fille est allergique.", "fr"),
        ("Best sourdough in the neighbourhood, hands down. #MaisonLumiere", "en"),
        ("Does Maison Lumière take orders for office breakfasts?", "en"),
        ("The croissants at Maison Lumière are worth the queue.", "en"),
        ("Prix en hausse chez Maison Lumière, c'est devenu trop cher, dommage.", "fr"),
        ("Bravo à #MaisonLumiere pour l'atelier pain avec l'école, super idée !", "fr"),
    ),
    PORT: (
        ("Les éclairs de la Boulangerie du Port sont énormes !", "fr"),
        ("Boulangerie du Port fermée pour travaux jusqu'à jeudi, dommage.", "fr"),
        ("Pain de campagne correct à la Boulangerie du Port, sans plus.", "fr"),
        ("Merci @boulangerie_du_port pour la fougasse aux olives.", "fr"),
        ("Service très lent à la Boulangerie du Port ce midi.", "fr"),
        ("Lovely seaside-style bakery, Boulangerie du Port. #BoulangerieDuPort", "en"),
    ),
    HALLES: (
        ("Le Fournil des Halles a une nouvelle brioche feuilletée, délicieuse.", "fr"),
        ("Queue immense au Fournil des Halles, comme chaque samedi.", "fr"),
        ("Baguette trop cuite au Fournil des Halles aujourd'hui.", "fr"),
        ("Leurs pains spéciaux valent le détour. #FournilDesHalles", "fr"),
        ("Great rye bread at Fournil des Halles.", "en"),
    ),
    TOPIC: (
        ("Le vrai croissant, c'est au beurre AOP ou rien.", "fr"),
        ("Débat du jour : baguette tradition ou baguette classique ?", "fr"),
        ("Croissant ou pain au chocolat au petit déjeuner ? Croissant, évidemment.", "fr"),
        ("Prix de la baguette : encore dix centimes de plus dans mon quartier.", "fr"),
        ("Paris has the best croissants in the world, I will not discuss it.", "en"),
        ("Recette maison : des croissants en trois jours, ça se mérite.", "fr"),
    ),
}
# A rival's new shop: teased the week before the digest, then opened in its week.
OPENING_TAG = "#FournilRiveGauche"
TEASED = (
    ("Bientôt un deuxième Fournil des Halles rive gauche ? #FournilRiveGauche", "fr"),
    ("Les travaux avancent rue du Bac : le Fournil des Halles arrive. #FournilRiveGauche", "fr"),
)
OPENED = (
    ("Ouverture du nouveau Fournil des Halles ! Croissant offert ce matin. #FournilRiveGauche",
     "fr"),
    ("File d'attente jusqu'au coin de la rue pour le Fournil des Halles #FournilRiveGauche",
     "fr"),
    ("Fournil des Halles just opened a second shop, free coffee today #FournilRiveGauche",
     "en"),
    ("Déjà fan du nouveau @fournil.des.halles, la brioche est folle #FournilRiveGauche", "fr"),
    ("Le Fournil des Halles rive gauche est trop cher pour le quartier. #FournilRiveGauche",
     "fr"),
)  # fmt: skip
# The brand in the local paper that week.
PRESS = (
    ("Maison Lumière dans Le Parisien ce matin, bravo à toute l'équipe !", "fr"),
    ("Vu l'article sur Maison Lumière : leur levain a 40 ans, fascinant.", "fr"),
    ("Read the piece on Maison Lumière in Le Parisien, going there Saturday. #MaisonLumiere",
     "en"),
)  # fmt: skip


@dataclass(frozen=True)
class _Said:
    at: datetime
    author: str
    followers: int
    text: str
    language: str
    likes: int
    reposts: int
    comments: int


def fill_listening(session: Session, cast: Cast) -> int:
    """Create the queries, keep a month of mentions, make last week's digest; returns how
    many mentions were kept."""
    assert cast.now is not None
    rng = random.Random(SEED)
    digest_end, week = _digest_instant(cast.now)
    with TimeMachine(cast.now, DAYS):
        queries = _queries(session, cast)
    said = sorted(_month(rng, cast.now, digest_end), key=lambda s: s.at)
    kept = _keep(session, queries, said, cast.now)
    with TimeMachine(digest_end, 0):
        digest_service.make_digest(session, cast.workspace.id, week, digest_end)
    return kept


def _digest_instant(now: datetime) -> tuple[datetime, date]:
    """The instant the latest weekly digest was due (default settings: Monday 08:00 in
    the demo's zone), and its week's Monday."""
    weekday, hour = digest_service.DEFAULT_WEEKDAY, digest_service.DEFAULT_HOUR
    week = digest.due_week(now, weekday, hour, PARIS)
    if week is None:  # before this week's instant: last week's
        local = now.astimezone(PARIS).date()
        week = local - timedelta(days=local.weekday() + 7)
    return digest.scheduled_instant(week, weekday, hour, PARIS), week


def _queries(session: Session, cast: Cast) -> dict[str, ListeningQuery]:
    listener = cast.by_role["community_manager"]
    return {
        key: service.create_query(session, listener, service.QueryInput(name, text, about=about))
        for key, (name, text, about) in QUERIES.items()
    }


def _month(rng: random.Random, now: datetime, digest_end: datetime) -> list[_Said]:
    """Every stream's posts, day by day, with the digest week's opening and article."""
    said: list[_Said] = []
    today = now.astimezone(PARIS).date()
    for days_ago in range(DAYS - 1, -1, -1):
        day = today - timedelta(days=days_ago)
        for stream, (fewest, most) in PER_DAY.items():
            for _ in range(rng.randint(fewest, most)):
                said.append(_one(rng, day, rng.choice(SAID[stream])))
    week_start = digest_end - timedelta(days=7)
    said += _during(rng, week_start - timedelta(days=7), TEASED, 2)
    said += _during(rng, week_start, OPENED, 9)
    said += _during(rng, digest_end, OPENED, 3)  # still talked about this week
    said += _during(rng, week_start, PRESS, 7)
    return [s for s in said if s.at < now - EVERY]


def _during(
    rng: random.Random, start: datetime, texts: tuple[tuple[str, str], ...], count: int
) -> list[_Said]:
    """`count` posts in the seven days from `start`, a day apart or so."""
    first = start.astimezone(PARIS).date()
    days = [first + timedelta(days=1 + i * 6 // count) for i in range(count)]
    return [_one(rng, day, rng.choice(texts), 2) for day in days]


def _one(rng: random.Random, day: date, said: tuple[str, str], lift: int = 1) -> _Said:
    """A post on `day` between 7:00 and 22:00 in Paris; `lift` multiplies its engagement."""
    author, followers = rng.choice(AUTHORS)
    at = datetime.combine(day, time(rng.randint(7, 21), rng.randint(0, 59)), PARIS)
    reach = 1 + followers // 2_000
    return _Said(
        at=at.astimezone(UTC),
        author=author,
        followers=followers,
        text=said[0],
        language=said[1],
        likes=rng.randint(0, 12) * reach * lift,
        reposts=rng.randint(0, 3) * lift,
        comments=rng.randint(0, 4) * lift,
    )


def _keep(
    session: Session, queries: dict[str, ListeningQuery], said: list[_Said], now: datetime
) -> int:
    """One mention per post and query that accepts it, classified; returns how many."""
    compiled: list[tuple[ListeningQuery, CompiledQuery]] = [
        (q, parse(q.query)) for q in queries.values()
    ]
    rows = [
        _mention(q, i, s)
        for i, s in enumerate(said)
        for q, parsed in compiled
        if matches(parsed, s.text, (), s.author)
    ]
    classify(rows, None)
    session.add_all(rows)
    for q in queries.values():
        q.last_collected_at = now
    session.flush()
    return len(rows)


def _mention(q: ListeningQuery, index: int, s: _Said) -> Mention:
    external_id = f"listen-{index:05d}"
    return Mention(
        workspace_id=q.workspace_id,
        query_id=q.id,
        network=NETWORK,
        external_id=external_id,
        url=f"{BASE_URL}/@{s.author}/{external_id}",
        author_handle=s.author,
        author_followers=s.followers,
        text=s.text,
        language=s.language,
        hashtags=list(dict.fromkeys(HASHTAG.findall(s.text))),
        engagement=s.likes + s.reposts + s.comments,
        published_at=s.at,
        collected_at=s.at + EVERY,
    )
