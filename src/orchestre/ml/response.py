"""Whether a message needs an answer from the brand: a question, a complaint or a request.

There is no labelled data for this, so it is rules, in French and English: cue phrases for
each kind, weighed, with the sentiment model's negative probability making a complaint more
likely. Spam never needs an answer. Measured on a small set labelled by hand
(data/needs_response_eval.csv, see docs/models.md).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from orchestre.ml.decision import Decision

KINDS = ("question", "complaint", "request")


def _fold(text: str) -> str:
    """Lower case, accents removed, apostrophes made plain."""
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c))


def _cues(*phrases: str) -> re.Pattern[str]:
    # Longest first, so "do you" wins over "do".
    ordered = sorted((_fold(p) for p in phrases), key=len, reverse=True)
    alternatives = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in ordered)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


# Words that open a question (English, French), at the start of the message or a sentence.
_QUESTION_OPENERS = _cues(
    "how",
    "is",
    "are",
    "do",
    "can",
    "could",
    "would",
    "should",
    "have you",
    "has",
    "vous",
    "tu",
    "what",
    "when",
    "where",
    "why",
    "who",
    "which",
    "can i",
    "can you",
    "could you",
    "do you",
    "does",
    "did",
    "is it",
    "is there",
    "are you",
    "are there",
    "will you",
    "will there",
    "any update",
    "anyone know",
    "comment",
    "pourquoi",
    "quand",
    "ou est",
    "ou sont",
    "qui",
    "quel",
    "quelle",
    "quels",
    "quelles",
    "combien",
    "est-ce que",
    "est ce que",
    "pouvez-vous",
    "pouvez vous",
    "avez-vous",
    "avez vous",
    "y a-t-il",
    "y a t il",
    "c'est quand",
    "c'est ou",
    "savez-vous",
    "peut-on",
    "on peut",
)
_GREETING = r"(?:(?:hi|hello|hey|bonjour|bonsoir|salut)\W*\s*)?"
# Where a question word counts: opening the message (after mentions and a greeting), or
# opening a later sentence.
_MESSAGE_START = re.compile(rf"^\s*(?:@\w+\s+)*{_GREETING}$")
_QUESTION_START = re.compile(rf"(?:^|[.!?\n]\s*)(?:@\w+\s+)*{_GREETING}$")
_COMPLAINT = _cues(
    "not working",
    "doesn't work",
    "does not work",
    "don't work",
    "stopped working",
    "broken",
    "refund",
    "still waiting",
    "still no",
    "never received",
    "never arrived",
    "not received",
    "haven't received",
    "worst",
    "terrible",
    "awful",
    "disappointed",
    "disappointing",
    "unacceptable",
    "ridiculous",
    "scam",
    "rip off",
    "ripoff",
    "no answer",
    "no response",
    "nobody answers",
    "customer service",
    "charged twice",
    "overcharged",
    "cancel my",
    "fix this",
    "fix it",
    "bug",
    "crash",
    "crashes",
    "down again",
    "waste of money",
    "poor service",
    "late",
    "delayed",
    "hasn't arrived",
    "has not arrived",
    "didn't arrive",
    "not arrived",
    "damaged",
    "wrong item",
    "no reply",
    "plante",
    "bloque",
    "abime",
    "abimee",
    "casse",
    "cassee",
    "pas arrive",
    "pas arrivee",
    "rien ne marche",
    "j'attends",
    "en attente",
    "aucun retour",
    "ne marche pas",
    "marche pas",
    "ne fonctionne pas",
    "fonctionne pas",
    "en panne",
    "panne",
    "rembourse",
    "remboursement",
    "toujours pas",
    "toujours rien",
    "jamais recu",
    "pas recu",
    "decu",
    "decue",
    "decevant",
    "inadmissible",
    "inacceptable",
    "honteux",
    "honte",
    "arnaque",
    "scandaleux",
    "service client",
    "aucune reponse",
    "pas de reponse",
    "personne ne repond",
    "preleve deux fois",
    "nul",
    "lamentable",
    "en retard",
    "retard",
    "annule",
    "plainte",
)
_REQUEST = _cues(
    "please",
    "pls",
    "plz",
    "can you",
    "could you",
    "would you",
    "i need",
    "we need",
    "i want",
    "i'd like",
    "i would like",
    "help me",
    "help us",
    "need help",
    "dm me",
    "dm us",
    "contact me",
    "call me",
    "send me",
    "let me know",
    "get back to me",
    "looking for",
    "svp",
    "stp",
    "s'il vous plait",
    "s'il te plait",
    "merci de",
    "pouvez-vous",
    "pouvez vous",
    "pourriez-vous",
    "pourriez vous",
    "j'aimerais",
    "je voudrais",
    "nous voudrions",
    "j'ai besoin",
    "besoin d'aide",
    "aidez-moi",
    "aidez moi",
    "contactez-moi",
    "contactez moi",
    "rappelez-moi",
    "envoyez-moi",
    "envoyez moi",
    "tenez-moi au courant",
    "mp",
    "en mp",
    "je cherche",
)
# Phrases that ask wherever they stand in the message.
_INLINE_QUESTIONS = _cues(
    "what time",
    "how much",
    "how long",
    "how many",
    "is it possible",
    "any news",
    "a quelle heure",
    "quelle heure",
    "combien de temps",
    "c'est possible",
    "est-il possible",
    "des nouvelles",
)
_RETWEET = re.compile(r"^\s*rt\s+@")
_WEIGHTS = {"question": 0.35, "complaint": 0.55, "request": 0.5}
_OPENING = 0.3  # a question word opening the message
_SENTENCE = 0.2  # a question word opening a later sentence
_INLINE = 0.5  # a phrase that asks
THRESHOLD = 0.5


@dataclass(frozen=True)
class _Evidence:
    kind: str
    strength: float
    cues: tuple[str, ...]


def _question(folded: str) -> _Evidence:
    """A question mark alone is weak (tweets ask rhetorical questions all day); with a
    question word opening a sentence, or a phrase that asks, it is a question."""
    cues: list[str] = []
    strength = 0.0
    if "?" in folded:
        cues.append("?")
        strength += _WEIGHTS["question"]
    for match in _QUESTION_OPENERS.finditer(folded):
        before = folded[: match.start()]
        if _QUESTION_START.search(before):
            cues.append(match.group(0))
            opening = _MESSAGE_START.search(before) is not None
            strength += _OPENING if opening else _SENTENCE
            if opening and " " in match.group(0):
                strength += 0.25  # "do you", "est-ce que": little doubt left
    for match in _INLINE_QUESTIONS.finditer(folded):
        cues.append(match.group(0))
        strength += _INLINE
    return _Evidence("question", strength, tuple(dict.fromkeys(cues)))


def _phrases(kind: str, pattern: re.Pattern[str], folded: str) -> _Evidence:
    cues = tuple(dict.fromkeys(m.group(0) for m in pattern.finditer(folded)))
    return _Evidence(kind, _WEIGHTS[kind] * len(cues), cues)


def needs_response(text: str, negative: float, spam: float, toxic: float = 0.0) -> Decision:
    """Decide from the message text, the sentiment's negative probability, the spam and
    toxicity probabilities. When "yes", the first driver is the kind of response needed."""
    folded = _fold(text)
    evidence = [
        _question(folded),
        _phrases("complaint", _COMPLAINT, folded),
        _phrases("request", _REQUEST, folded),
    ]
    complaint = evidence[1]
    # A complaint cue weighs more in a negative message, and a very negative message is a
    # complaint more often than not even without one.
    evidence[1] = _Evidence(
        "complaint", complaint.strength * (0.7 + 0.6 * negative) + 0.3 * negative, complaint.cues
    )
    best = max(evidence, key=lambda e: e.strength)
    raw = sum(e.strength for e in evidence)
    # Spam needs no answer; insults and retweets seldom ask the brand anything.
    yes = (1.0 - spam) * (1.0 - 0.5 * toxic) * min(1.0, raw)
    if _RETWEET.search(folded):
        yes *= 0.3
    yes = round(float(yes), 4)
    if yes < THRESHOLD:
        weak = tuple((cue, 0.0) for e in evidence for cue in e.cues)[:8]
        return Decision("no", round(1.0 - yes, 4), {"yes": yes, "no": round(1.0 - yes, 4)}, weak)
    ranked = sorted(evidence, key=lambda e: e.strength, reverse=True)
    drivers: list[tuple[str, float]] = [(best.kind, round(best.strength, 4))]
    drivers += [(cue, round(e.strength, 4)) for e in ranked for cue in e.cues if e.strength > 0]
    return Decision("yes", yes, {"yes": yes, "no": round(1.0 - yes, 4)}, tuple(drivers[:8]))
