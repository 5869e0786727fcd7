"""The listening query language: parse once, match many posts fast, and say what to search.

A query is terms, "quoted phrases", #hashtags and @accounts joined by AND (written or
implicit), OR and NOT (or a leading minus), grouped with parentheses. Operators are
written in capitals (``AND``, ``OR``, ``NOT``) so that the words "and", "or", "not" stay
searchable. Matching folds accents and case (``élection`` = ``ELECTION``) and respects
word boundaries (``car`` does not match ``carton``).

Networks' search syntax is poorer than ours, so collection searches broad
(`search_terms`: a small set of positive atoms whose results cover every match) and
`matches` filters locally.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from orchestre.errors import FieldError, Invalid
from orchestre.kit.text import HASHTAG

MAX_QUERY_CHARS = 500
FIELD = "query"
_WORD = re.compile(r"\w+")
_MENTION = re.compile(r"@([\w.\-]+(?:@[\w.\-]+)?)")
_TOKEN = re.compile(r'\s*(?:(\()|(\))|("[^"]*"?)|([^\s()"]+))')
_OPERATORS = frozenset({"AND", "OR", "NOT"})


def fold(text: str) -> str:
    """Accents and case out: NFKD, drop combining marks, casefold."""
    return _strip_accents(text).casefold()


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(text)))


# The tree --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """A term or a phrase: consecutive folded words; `source` is what the user wrote."""

    words: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Hashtag:
    tag: str
    source: str


@dataclass(frozen=True)
class Account:
    handle: str
    source: str


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class All:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Any_:
    children: tuple[Node, ...]


Node = Words | Hashtag | Account | Not | All | Any_


@dataclass(frozen=True)
class CompiledQuery:
    """A parsed query: match with `matches`, collect with `search_terms`."""

    text: str
    root: Node


# Parsing ---------------------------------------------------------------------------------------


def _(message: str) -> str:
    """Marks a message for the catalogs; pages translate it when they show the error."""
    return message


def _error(rule: str, message: str, *, limit: object = None, actual: object = None) -> Invalid:
    return Invalid(message, errors=[FieldError(FIELD, rule, message, limit, actual)])


def _tokenize(text: str) -> list[str]:
    lexemes: list[str] = []
    pos = 0
    while pos < len(text):
        found = _TOKEN.match(text, pos)
        if found is None or found.end() == pos:
            break
        lexeme = next(g for g in found.groups() if g is not None)
        if lexeme.startswith('"') and (len(lexeme) == 1 or not lexeme.endswith('"')):
            raise _error(
                "unclosed_quote", _("A quotation mark opens a phrase that is never closed.")
            )
        lexemes.append(lexeme)
        pos = found.end()
    return lexemes


class _Parser:
    def __init__(self, lexemes: list[str]) -> None:
        self.lexemes = lexemes
        self.pos = 0

    def peek(self) -> str | None:
        return self.lexemes[self.pos] if self.pos < len(self.lexemes) else None

    def take(self) -> str:
        lexeme = self.lexemes[self.pos]
        self.pos += 1
        return lexeme

    def parse(self) -> Node:
        node = self.any_()
        if self.peek() is not None:  # only a stray ")" stops the top level early
            raise _error("unbalanced_parenthesis", _("A closing parenthesis has no opening one."))
        return node

    def any_(self) -> Node:
        children = [self.all_()]
        while self.peek() == "OR":
            self.take()
            children.append(self.all_("OR"))
        return children[0] if len(children) == 1 else Any_(tuple(children))

    def all_(self, after: str | None = None) -> Node:
        children = [self.unary(after)]
        while (lexeme := self.peek()) is not None and lexeme not in (")", "OR"):
            if lexeme == "AND":
                self.take()
                children.append(self.unary("AND"))
            else:
                children.append(self.unary())
        return children[0] if len(children) == 1 else All(tuple(children))

    def unary(self, after: str | None = None) -> Node:
        lexeme = self.peek()
        if lexeme is None or lexeme in (")", "OR", "AND"):
            operator = after or lexeme or "NOT"
            raise _error(
                "missing_operand",
                _("AND, OR and NOT need a term on each side."),
                actual=operator,
            )
        if lexeme == "NOT":
            self.take()
            return Not(self.unary("NOT"))
        if lexeme.startswith("-") and len(lexeme) > 1:
            self.lexemes[self.pos] = lexeme[1:]
            return Not(self.unary("NOT"))
        if lexeme == "(":
            self.take()
            if self.peek() == ")":
                raise _error("empty_group", _("A pair of parentheses holds nothing."))
            node = self.any_()
            if self.peek() != ")":
                raise _error("unbalanced_parenthesis", _("An opening parenthesis is never closed."))
            self.take()
            return node
        return _atom(self.take())


def _atom(lexeme: str) -> Node:
    if lexeme.startswith('"'):
        words = _words(lexeme[1:-1])
        if not words:
            raise _error("empty_phrase", _("A quoted phrase holds no word."))
        return Words(words, lexeme)
    if lexeme.startswith("#") and len(lexeme) > 1:
        tag = "".join(_words(lexeme[1:]))
        if tag:
            return Hashtag(tag, lexeme)
    if lexeme.startswith("@") and len(lexeme) > 1:
        return Account(fold(lexeme[1:]), lexeme)
    words = _words(lexeme)
    if not words:
        raise _error("no_word", _("A word holds no letter or digit to look for."), actual=lexeme)
    return Words(words, lexeme)


def parse(text: str) -> CompiledQuery:
    """Parse and check a query; `Invalid` names the broken rule (field "query")."""
    stripped = text.strip()
    if not stripped:
        raise _error("required", _("Write at least one term, phrase, #hashtag or @account."))
    if len(stripped) > MAX_QUERY_CHARS:
        raise _error(
            "max_length",
            _("A query holds at most 500 characters."),
            limit=MAX_QUERY_CHARS,
            actual=len(stripped),
        )
    root = _Parser(_tokenize(stripped)).parse()
    if _cover(root) is None:
        raise _error(
            "no_positive_term",
            _("The query only excludes: say what to look for, then what to leave out."),
        )
    return CompiledQuery(stripped, root)


# Matching --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Document:
    joined: str  # " w1 w2 ... " so a phrase is a substring with word boundaries
    hashtags: frozenset[str]
    accounts: frozenset[str]


def _document(text: str, hashtags: Iterable[str], author: str | None) -> _Document:
    words = _words(text)
    tags = {"".join(_words(h.lstrip("#"))) for h in hashtags}
    tags.update("".join(_words(t)) for t in HASHTAG.findall(text))
    accounts = {fold(m) for m in _MENTION.findall(text)}
    if author:
        handle = fold(author.lstrip("@"))
        accounts.add(handle)
        accounts.add(handle.split("@", 1)[0])  # user@instance is also "user"
    return _Document(f" {' '.join(words)} ", frozenset(tags), frozenset(accounts))


def _eval(node: Node, doc: _Document) -> bool:
    if isinstance(node, Words):
        return f" {' '.join(node.words)} " in doc.joined
    if isinstance(node, Hashtag):
        return node.tag in doc.hashtags
    if isinstance(node, Account):
        return node.handle in doc.accounts
    if isinstance(node, Not):
        return not _eval(node.child, doc)
    if isinstance(node, All):
        return all(_eval(c, doc) for c in node.children)
    return any(_eval(c, doc) for c in node.children)


def matches(
    compiled: CompiledQuery, text: str, hashtags: Iterable[str] = (), author: str | None = None
) -> bool:
    """Whether a post (its text, its hashtags, its author's handle) satisfies the query."""
    return _eval(compiled.root, _document(text, hashtags, author))


def document(text: str, hashtags: Iterable[str] = (), author: str | None = None) -> _Document:
    """A post folded and split once, to be matched against many queries (`matches_document`)."""
    return _document(text, hashtags, author)


def matches_document(compiled: CompiledQuery, doc: _Document) -> bool:
    """`matches` on a post already folded by `document`."""
    return _eval(compiled.root, doc)


# What to ask the networks ------------------------------------------------------------------------


def _search_text(node: Words | Hashtag | Account) -> str:
    if isinstance(node, Words):
        return node.source.strip('"') if node.source.startswith('"') else node.source
    return node.source


def _cover(node: Node) -> list[str] | None:
    """Search strings whose results hold every match, or None when none can (pure NOT)."""
    if isinstance(node, Words | Hashtag | Account):
        text = _search_text(node)
        bare = _strip_accents(text)
        # Not every network folds accents: ask for both spellings.
        return [text] if bare == text else [text, bare]
    if isinstance(node, Not):
        return None
    if isinstance(node, Any_):
        out: list[str] = []
        for child in node.children:
            cover = _cover(child)
            if cover is None:
                return None
            out.extend(c for c in cover if c not in out)
        return out
    # AND: any one positive child's cover holds every match; take the smallest.
    covers = [c for c in (_cover(child) for child in node.children) if c is not None]
    return min(covers, key=len) if covers else None


def search_terms(compiled: CompiledQuery) -> list[str]:
    """What to send to a network's search: broad, matched locally afterwards."""
    return _cover(compiled.root) or []
