"""What the demo says: Maison Lumière, a French-English bakery, its line, pillars and posts."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

WORKSPACE_NAME = "Maison Lumière"
TIMEZONE = "Europe/Paris"
OWNER_EMAIL = "demo@orchestre.local"

# (email, name, language, role): one account per role, so each screen can be seen as it.
ACCOUNTS = (
    (OWNER_EMAIL, "Camille Dubois", "fr", "owner"),
    ("hugo@orchestre.local", "Hugo Martin", "fr", "social_media_manager"),
    ("lea@orchestre.local", "Léa Bernard", "fr", "content_creator"),
    ("olivia@orchestre.local", "Olivia Turner", "en", "reviewer"),
    ("sam@orchestre.local", "Sam Okafor", "en", "community_manager"),
    ("noah@orchestre.local", "Noah Petit", "fr", "analyst"),
)

# Sandbox accounts standing for an Instagram-like, a LinkedIn-like and a Mastodon-like one.
PHOTO, PRO, FEDI = "photo", "pro", "fedi"
CHANNELS = {
    PHOTO: ("demo-photo", "@maison.lumiere", "Maison Lumière · Photos"),
    PRO: ("demo-pro", "maison-lumiere-boulangerie", "Maison Lumière · Pro"),
    FEDI: ("demo-fedi", "@lumiere@sandbox.social", "Maison Lumière · Fédivers"),
}

TONE_NOTES = (
    "FR : chaleureux, gourmand, précis. On tutoie sur Photos et Fédivers, on vouvoie sur Pro. "
    "Le français d'abord, l'anglais ensuite.\n"
    "EN: warm, tasty, precise. French first, then English. One exclamation mark at most; "
    "we never sell on price."
)
BANNED_WORDS = ["industriel", "cheap"]
REQUIRED_HASHTAGS = ["#MaisonLumiere"]

CRAFT, SEASONS, COMMUNITY = "Savoir-faire · Craft", "Saisons · Seasons", "Communauté · Community"
PILLARS = (
    (
        CRAFT,
        "Le geste du boulanger, les farines, le levain. / The baker's hands, flour, sourdough.",
        40,
        "#b45309",
    ),
    (
        SEASONS,
        "Ce que la saison met en vitrine. / What the season puts in the window.",
        35,
        "#15803d",
    ),
    (
        COMMUNITY,
        "Le quartier, les clients, l'équipe. / The neighbourhood, our customers, the team.",
        25,
        "#7c3aed",
    ),
)

SPRING, MOTHERS_DAY = "Printemps gourmand · Spring treats", "Fête des mères · Mother's Day"
# (name, description, start and end in days from today, budget in euros)
CAMPAIGNS = (
    (
        SPRING,
        "Fraises, rhubarbe et pistache en vitrine. / Strawberry, rhubarb and pistachio season.",
        -14,
        30,
        1200.0,
    ),
    (MOTHERS_DAY, "Précommandes du fraisier. / Pre-orders of the strawberry cake.", 10, 40, 800.0),
)

STEPS = (
    ("Validation marque · Brand review", "reviewer"),
    ("Validation finale · Final check", "social_media_manager"),
)


class Fate(Enum):
    """Where the story leaves a post, so that every state shows up somewhere."""

    PUBLISHED = "published"
    FAILED = "failed"
    SCHEDULED = "scheduled"
    APPROVED = "approved"
    AWAITING_BRAND = "awaiting_brand_review"
    AWAITING_FINAL = "awaiting_final_check"
    CHANGES_REQUESTED = "changes_requested"
    DRAFT = "draft"


@dataclass(frozen=True)
class Story:
    """One post of the demo and what happens to it."""

    fate: Fate
    author: str  # a role of ACCOUNTS
    title: str
    text: str
    channels: tuple[str, ...]
    pillar: str
    campaign: str | None = None
    tags: tuple[str, ...] = ()
    per_channel: dict[str, str] = field(default_factory=dict)
    days: int = 0  # for history: days ago it went out; for the calendar: day of next week
    hour: str = "09:00"
    comment: str = ""  # a decision or discussion comment that belongs to its story
    notes: str = ""


STORIES = (
    Story(
        Fate.PUBLISHED,
        "content_creator",
        "Le feuilletage du croissant",
        "Trois jours pour un croissant : détrempe, tourage, repos. 🥐\n"
        "Three days for one croissant: dough, folds, rest.\n#MaisonLumiere #Croissant",
        (PHOTO, FEDI),
        CRAFT,
        tags=("croissant", "savoir-faire"),
        days=9,
        hour="08:00",
        comment="Superbe photo du tourage. / Lovely lamination shot.",
    ),
    Story(
        Fate.PUBLISHED,
        "community_manager",
        "Merci pour la fête du pain",
        "Vous étiez 300 samedi à la fête du pain de la rue des Martyrs. Merci ✨\n"
        "Three hundred of you came to Saturday's bread fair. Thank you.\n#MaisonLumiere",
        (PHOTO, PRO, FEDI),
        COMMUNITY,
        tags=("quartier",),
        days=6,
        hour="18:30",
        per_channel={
            PRO: "Samedi, 300 visiteurs à la fête du pain de la rue des Martyrs : merci "
            "à nos clients et à nos équipes.\nThank you to the 300 visitors of "
            "Saturday's bread fair.\n#MaisonLumiere"
        },
    ),
    Story(
        Fate.FAILED,
        "content_creator",
        "Tarte aux fraises",
        "Première tarte aux fraises de la saison, crème vanille de Madagascar.\n"
        "First strawberry tart of the season, Madagascar vanilla cream.\n#MaisonLumiere",
        (PHOTO,),
        SEASONS,
        SPRING,
        tags=("fraise",),
        days=3,
        hour="11:00",
        notes="Photo à refaire avec la lumière du matin.",
    ),
    Story(
        Fate.SCHEDULED,
        "content_creator",
        "Le retour de la gariguette",
        "Les premières gariguettes arrivent : tartelettes fraise-pistache en vitrine dès 8 h.\n"
        "The first Gariguette strawberries are here: strawberry-pistachio tartlets from 8 am.\n"
        "#MaisonLumiere #Printemps",
        (PHOTO, FEDI),
        SEASONS,
        SPRING,
        tags=("fraise", "printemps"),
        days=1,
        hour="08:30",
    ),
    Story(
        Fate.SCHEDULED,
        "community_manager",
        "Nous recrutons",
        "Maison Lumière recrute un·e boulanger·ère de nuit (CDI, Paris 9e) : levain, farines "
        "bio, une équipe de six.\nWe're hiring a night baker (permanent, Paris 9th): "
        "sourdough, organic flour, a team of six.\n#MaisonLumiere #Recrutement",
        (PRO,),
        COMMUNITY,
        tags=("recrutement",),
        days=3,
        hour="12:15",
    ),
    Story(
        Fate.APPROVED,
        "content_creator",
        "Précommandes Fête des mères",
        "Précommandez votre fraisier de la Fête des mères avant jeudi.\n"
        "Pre-order your Mother's Day strawberry cake before Thursday.\n#MaisonLumiere",
        (PHOTO, PRO, FEDI),
        SEASONS,
        MOTHERS_DAY,
        tags=("précommande",),
        notes="À programmer quand la date de fin des précommandes est confirmée.",
    ),
    Story(
        Fate.AWAITING_BRAND,
        "community_manager",
        "Asperges et pain de campagne",
        "Asperges vertes, beurre demi-sel et notre pain de campagne : le déjeuner parfait.\n"
        "Green asparagus, salted butter and our country loaf: the perfect lunch.\n"
        "#MaisonLumiere",
        (PHOTO, FEDI),
        SEASONS,
        SPRING,
        tags=("printemps",),
        comment="@lea@orchestre.local tu aurais une photo avec la lumière de midi ? / "
        "Do you have a photo in the midday light?",
    ),
    Story(
        Fate.AWAITING_FINAL,
        "content_creator",
        "Notre levain a douze ans",
        "Notre levain a douze ans et il se nourrit deux fois par jour.\n"
        "Our sourdough starter is twelve years old and fed twice a day.\n"
        "#MaisonLumiere #Levain",
        (PHOTO, PRO),
        CRAFT,
        tags=("levain",),
        comment="Très bien, ton juste. / Lovely, right on tone.",
    ),
    Story(
        Fate.CHANGES_REQUESTED,
        "community_manager",
        "Concours brunch",
        "Concours : gagnez un brunch pour deux ! Abonnez-vous et taguez un ami.\n"
        "Contest: win a brunch for two! Follow us and tag a friend.\n#MaisonLumiere",
        (PHOTO, FEDI),
        COMMUNITY,
        tags=("concours",),
        comment="Il manque le règlement et la date de fin. / Please add the contest rules and "
        "the closing date.",
    ),
    Story(
        Fate.DRAFT,
        "content_creator",
        "Pourquoi notre pain n'est pas industriel",
        "Pourquoi notre pain n'est pas industriel : 48 h de fermentation, zéro additif.\n"
        "Why our bread takes 48 hours: long fermentation, no additives.",
        (PRO,),
        CRAFT,
        tags=("pain",),
        notes="La ligne éditoriale refuse « industriel » : à reformuler avant la relecture.",
    ),
    Story(
        Fate.DRAFT,
        "social_media_manager",
        "Idées pour l'été",
        "Glaces artisanales et citronnade maison : l'été arrive chez Maison Lumière.\n"
        "Craft ice cream and homemade lemonade: summer is coming to Maison Lumière.\n"
        "#MaisonLumiere #Été",
        (PHOTO, FEDI),
        SEASONS,
        tags=("été",),
        notes="Brouillon : attendre les photos du glacier.",
    ),
)
