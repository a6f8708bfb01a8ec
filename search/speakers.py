"""Who said it: each quotation's speaker, resolved to a person or organisation the article names.

Two passes over the narrative (the text outside quotation marks):

1. *Registry*: every capitalised name sequence becomes a mention of an `Entity`; short forms
   (`Lu`, `Dr. Li`) are linked to the fullest form the article gives, and roles, titles, gender and
   evidence of being a person are gathered from the words around each mention.
2. *Attribution*: for each quotation the attribution clause next to it (`…,” the minister said`,
   `X said: “…`, `according to X`) is parsed into a reference, a name, pronoun, role noun or
   organisation noun, and resolved against the registry and the mentions seen so far. A quotation
   with no clause of its own continues the speaker before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from search.lexicon import (
    FEMALE_NOUNS,
    FUNCTION_TITLES,
    FUNCTION_WORDS,
    GENERIC_ORGANISATION_NOUNS,
    HONORIFICS,
    MALE_NOUNS,
    NOT_AGENT_NOUNS,
    ORGANISATION_HEADS,
    ORGANISATION_NOUNS,
    PRONOUN_GENDERS,
    RELATION_NOUNS,
    ROLE_HEADS,
    ROLE_SYNONYMS,
    SPEECH_VERBS,
    SPOKESPERSON_NOUNS,
    TITLE_GENDERS,
    words,
)
from search.quotes import BLANK, CLOSE, OPEN, QuoteSpan, Sentence, is_non_statement

# Words (keeping an abbreviation's full stop), numbers, one token per blanked quotation, marks.
_TOKEN = re.compile(rf"[^\W\d_](?:[\w’'\-]*\w)?\.?|\d[\d,.:]*\w*|{BLANK}+|[^\w\s{BLANK}]")
_PARTICLES = words("van von der den de del della di da du la le bin ibn al el ter ten dos das")
_CONNECTORS = words("of for to the")
_MONTHS_AND_DAYS = words(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
    saturday sunday"""
)
_DETERMINERS = words("the a an one his her its their our this that")
_RELATIVE_WORDS = words("who which whose where when whom")
_SKIPPABLE_BEFORE_VERB = words(
    """later also then again once previously earlier recently has had have would will could
    was is had first last further finally simply quickly repeatedly flatly never often himself
    herself itself themselves"""
)
_NP_STOPS_AFTER_VERB = words(
    """who which whose where when while in at on during after before as to from with about via
    that because adding noting and told saying"""
)
# `R-Texas`, `D-Calif.`: a US politician's party and state, not part of a name.
_PARTY_AND_STATE = re.compile(r"[DRI]-[A-Z]")
_AUXILIARIES = words("is was has had did does will would could should can may might must")
# Participles that still describe a role (`newly elected mayor`), unlike verbs (`blamed minister`).
_ROLE_PARTICIPLES = words(
    """elected appointed designated retired acting managing leading ranking presiding founding
    governing reigning outgoing incoming serving sitting"""
)
_PRONOUNS = {"he": "m", "she": "f", "it": "it", "they": "they"}


class Token(NamedTuple):
    """A word or punctuation mark with its offsets in the paragraph."""

    text: str
    start: int
    end: int
    word: str  # without a closing full stop (kept for initials) and possessive ’s
    lower: str
    capitalised: bool
    possessive: bool


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Words and punctuation of `text`, offsets shifted by `offset` (the sentence's start)."""
    tokens = []
    make = Token._make
    for match in _TOKEN.finditer(text):
        raw = match.group()
        start = match.start() + offset
        if not raw[0].isalpha():
            tokens.append(make((raw, start, start + len(raw), raw, raw, False, False)))
            continue
        word = raw[:-1] if raw[-1] == "." and len(raw) > 2 else raw
        possessive = len(word) > 2 and word[-1] == "s" and word[-2] in "’'"
        if possessive:
            word = word[:-2]
        lower = word.lower().rstrip(".")
        tokens.append(
            make((raw, start, start + len(raw), word, lower, word[0].isupper(), possessive))
        )
    return tokens


def without_parentheticals(tokens: list[Token]) -> list[Token]:
    """Tokens minus bracketed asides (`Sen. Hollis (D-Ore.) said`), which only interrupt."""
    kept: list[Token] = []
    depth = 0
    for token in tokens:
        if token.text in "([":
            depth += 1
        elif token.text in ")]" and depth:
            depth -= 1
        elif not depth:
            kept.append(token)
    return kept


def _is_word(token: Token) -> bool:
    return token.text[:1].isalpha()


def _is_role_head(token: Token) -> bool:
    return token.lower in ROLE_HEADS or token.lower in FUNCTION_TITLES


def _is_role_noun(token: Token) -> bool:
    """A role head from the lexicon, or an agent noun by its ending (`glaciologist`, `modeller`)."""
    if _is_role_head(token):
        return True
    word = token.lower
    return (
        len(word) >= 6
        and word.isalpha()
        and word.endswith(("ist", "ian", "er", "or"))
        and word not in NOT_AGENT_NOUNS
        and word not in FUNCTION_WORDS
    )


def _is_acronym(token: Token) -> bool:
    return len(token.word) > 1 and token.word.isupper()


def _is_name_word(token: Token) -> bool:
    return (
        token.capitalised
        and not _PARTY_AND_STATE.match(token.text)
        and _is_word(token)
        and token.lower not in FUNCTION_WORDS
        and token.lower not in _MONTHS_AND_DAYS
        and not _is_acronym(token)
    )


@dataclass(eq=False)
class Entity:
    """A person or organisation the article names; `name` is the fullest form seen."""

    tokens: tuple[str, ...]
    first_sentence: int
    organisation: bool = False
    person: bool = False  # the text shows it is a person (title, role, `who`, age, speech)
    role: str | None = None
    title: str | None = None
    relation: str | None = None  # `sister`, `colleague`: a role only when nothing better is given
    gender: str | None = None
    forms: set[str] = field(default_factory=set)
    gender_votes: dict[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return " ".join(self.tokens)

    @property
    def role_words(self) -> set[str]:
        words = f"{self.role or ''} {self.title or ''}".lower().replace("’s", " ").split()
        return {word.strip(".,’'") for word in words}

    def vote_gender(self, gender: str, weight: int = 1) -> None:
        self.gender_votes[gender] = self.gender_votes.get(gender, 0) + weight
        self.gender = max(self.gender_votes, key=self.gender_votes.__getitem__)


class Mention(NamedTuple):
    """An entity named (or referred to) at `key` = (paragraph, offset)."""

    entity: Entity
    key: tuple[int, int]
    gender: str | None = None  # of the mention itself (`a spokeswoman for X`), when not X's
    sentence: int = -1
    subject: bool = False  # the subject of its clause, the likeliest antecedent of a pronoun


@dataclass(frozen=True)
class Reference:
    """How an attribution clause names its speaker, before resolution."""

    kind: str  # "name", "pronoun", "role", "organisation"
    key: tuple[int, int]
    words: tuple[str, ...] = ()  # name tokens, or the lower-case words of a role/organisation noun
    gender: str | None = None
    surface: str = ""


@dataclass(frozen=True)
class Attribution:
    """The resolved speaker of one quotation and the sentences its attribution was read from."""

    speaker: Entity | None
    sentences: tuple[int, ...]
    continues: int | None = None  # index of the quotation whose speaker this one continues


# --- registry ---------------------------------------------------------------------------------


@dataclass
class Registry:
    """Entities of one article and every place they are mentioned, in text order."""

    entities: list[Entity] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)

    def link(self, tokens: tuple[str, ...], key: tuple[int, int], sentence: int) -> Entity:
        """The entity a name refers to, creating it when the article has not named it before."""
        entity = self.find(tokens, key)
        if entity is None:
            entity = Entity(tokens, sentence)
            self.entities.append(entity)
        elif len(tokens) > len(entity.tokens) and set(entity.tokens) <= set(tokens):
            entity.forms.add(entity.name)
            entity.tokens = tokens
        entity.forms.add(" ".join(tokens))
        return entity

    def find(self, tokens: tuple[str, ...], key: tuple[int, int]) -> Entity | None:
        """Exact name first; else the most recently mentioned entity whose name holds this form."""
        for entity in self.entities:
            if entity.tokens == tokens:
                return entity
        wanted = set(tokens)
        candidates = [
            entity
            for entity in self.entities
            if wanted < set(entity.tokens) or (set(entity.tokens) < wanted and len(tokens) > 1)
        ]
        if len(tokens) > 1:
            candidates = [
                entity
                for entity in candidates
                if set(entity.tokens) < wanted or entity.tokens[-1] == tokens[-1]
            ]
        return self.most_recent(candidates, key)

    def most_recent(self, candidates: list[Entity], key: tuple[int, int]) -> Entity | None:
        if not candidates:
            return None
        last_seen = {id(entity): (-1, -1) for entity in candidates}
        for mention in self.mentions:
            if id(mention.entity) in last_seen and mention.key <= key:
                last_seen[id(mention.entity)] = max(last_seen[id(mention.entity)], mention.key)
        return max(candidates, key=lambda entity: last_seen[id(entity)])

    def merge_short_forms(self) -> None:
        """Fold entities known only by one word into the full name holding it (`Lavrov`)."""
        for short in [entity for entity in self.entities if len(entity.tokens) == 1]:
            fuller = [
                entity
                for entity in self.entities
                if entity is not short
                and len(entity.tokens) > 1
                and short.tokens[0] in (entity.tokens[0], entity.tokens[-1])
            ]
            if not fuller:
                continue
            target = self.most_recent(fuller, (10**9, 0))
            assert target is not None
            self._merge(short, target)

    def _merge(self, source: Entity, target: Entity) -> None:
        target.forms |= source.forms
        target.person |= source.person
        target.organisation |= source.organisation and not target.person
        target.role = target.role or source.role
        target.title = target.title or source.title
        target.relation = target.relation or source.relation
        target.first_sentence = min(target.first_sentence, source.first_sentence)
        for gender, votes in source.gender_votes.items():
            target.vote_gender(gender, votes)
        self.mentions = [
            mention._replace(entity=target) if mention.entity is source else mention
            for mention in self.mentions
        ]
        self.entities.remove(source)


class _Run(NamedTuple):
    """A capitalised word sequence split into its role part and its name part."""

    first: int  # token index where the role (or name) starts
    name_first: int
    end: int  # token index after the run
    role_first: int | None  # token index of the first role word inside the run
    organisation: bool


def _find_runs(tokens: list[Token]) -> list[_Run]:
    """Capitalised sequences, allowing particles (`van der`) and connectors inside role and
    organisation names (`Ambassador to France`, `Ministry of Health`)."""
    runs: list[_Run] = []
    index = 0
    while index < len(tokens):
        if not _is_name_word(tokens[index]):
            index += 1
            continue
        first = index
        end = index + 1
        while (
            first > 0
            and tokens[first - 1].lower in _PARTICLES
            and not tokens[first - 1].capitalised
        ):
            first -= 1  # `van der Berg said`
        while end < len(tokens) and not tokens[end - 1].possessive:
            token = tokens[end]
            if _is_name_word(token) and tokens[end - 1].end >= token.start - 1:
                end += 1
                continue
            if (
                token.text in "’'"
                and token.start == tokens[end - 1].end
                and tokens[end - 1].lower.endswith("s")
                and end + 1 < len(tokens)
                and _is_name_word(tokens[end + 1])
            ):
                end += 2  # `Rail Workers’ Union`
                continue
            joined = end
            while joined < len(tokens) and (
                tokens[joined].lower in _PARTICLES or tokens[joined].lower in _CONNECTORS
            ):
                joined += 1
            connecting = any(tokens[i].lower in _CONNECTORS for i in range(end, joined))
            head_before = any(
                _is_role_head(tokens[i]) or tokens[i].lower in ORGANISATION_HEADS
                for i in range(first, end)
            )
            if (
                joined > end
                and joined < len(tokens)
                and _is_name_word(tokens[joined])
                and (not connecting or head_before)
            ):
                end = joined + 1
                continue
            break
        runs.append(_split_run(tokens, first, end))
        index = end
    return runs


def _split_run(tokens: list[Token], first: int, end: int) -> _Run:
    """Separate leading titles and role words from the name (`Chinese Ambassador to France` |
    `Lu Shaye`), and recognise organisation names."""
    last_role = None
    for index in range(first, end):
        token = tokens[index]
        if _is_role_head(token) or token.lower in HONORIFICS:
            last_role = index
    following = tokens[end] if end < len(tokens) else None
    name_first = first if last_role is None else last_role + 1
    if name_first < end and tokens[name_first].lower in _CONNECTORS:
        # `Secretary of State Mike Pompeo`: the object of the role's preposition is not the name.
        while name_first < end and tokens[name_first].lower in _CONNECTORS:
            name_first += 1
        name_first += 1
        while end - name_first > 3:
            name_first += 1
    organisation = any(tokens[i].lower in ORGANISATION_HEADS for i in range(name_first, end)) or (
        following is not None
        and following.lower in ORGANISATION_NOUNS
        and not tokens[end - 1].possessive  # `Clinton’s campaign` is not named Clinton
    )
    if last_role is None or organisation:
        return _Run(first, first, end, None, organisation)
    role_first = None
    for index in range(first, last_role + 1):
        if tokens[index].lower not in HONORIFICS:
            role_first = index
            break
    return _Run(first, min(name_first, end), end, role_first, False)


def _name_tokens(tokens: list[Token], run: _Run) -> tuple[str, ...]:
    words: list[str] = []
    for token in tokens[run.name_first : run.end]:
        if token.text in "’'" and words:
            words[-1] += token.text
        else:
            words.append(token.word)
    return tuple(words)


def _is_role_modifier(token: Token) -> bool:
    """Can this word sit inside a role phrase before its head (`union`, `Residents’`)?"""
    if not _is_word(token):
        return token.text in "’'"
    if token.lower in FUNCTION_WORDS or token.lower in SPEECH_VERBS:
        return False
    if token.lower.endswith(("ed", "ing")) and token.lower not in _ROLE_PARTICIPLES:
        return token.lower in ROLE_HEADS
    return True


def _role_before(tokens: list[Token], run: _Run) -> tuple[int, int] | None:
    """Token range of the role phrase in front of a name: inside the run or lower-case words
    just before it (`said chairman Viktor Salo`, `union president Beatriz Almeida`)."""
    if run.role_first is not None:
        start = run.role_first
        end = run.name_first
        if end - start == 1 and tokens[start].lower in FUNCTION_TITLES:
            return None
    else:
        previous = run.first - 1
        if previous < 0 or not _is_role_noun(tokens[previous]):
            return None
        if tokens[previous].lower in FUNCTION_WORDS or tokens[previous].lower in SPEECH_VERBS:
            return None
        start = previous
        end = run.first
    while start > 0 and end - start < 6 and _is_role_modifier(tokens[start - 1]):
        start -= 1
    while start < end and tokens[start].text in "’'":
        start += 1
    return (start, end) if start < end else None


def _appositive_roles(tokens: list[Token], run: _Run) -> list[tuple[int, int]]:
    """`The club’s architect, Idris Kamara,` or `Idris Kamara, the club’s architect,`; an
    appositive of two conjuncts (`X’s sister and the station’s manager`) gives two roles."""
    spans: list[tuple[int, int]] = []
    if run.first >= 2 and tokens[run.first - 1].text == ",":
        end = run.first - 1
        start = end
        while start > 0 and tokens[start - 1].text not in ",;:—–(“”" and end - start < 8:
            start -= 1
        phrase = _tail_noun_phrase(tokens[start:end])
        if phrase and (span := _role_span(tokens, end - len(phrase), end)):
            spans.append(span)
    if run.end + 1 < len(tokens) and tokens[run.end].text == ",":
        start = run.end + 1
        if _PARTY_AND_STATE.match(tokens[start].text) and start + 2 < len(tokens):
            start += 2  # `Nancy Pelosi, D-Calif., the House minority leader`
        end = start
        while end < len(tokens) and end - start < 12:
            token = tokens[end]
            if token.text in ",;:—–()“”." or token.lower in SPEECH_VERBS:
                break
            end += 1
            if token.text.endswith(".") and token.word == token.text[:-1]:
                break
        conjunct = start
        for index in range(start, end + 1):
            if index == end or tokens[index].lower == "and":
                if span := _role_span(tokens, conjunct, index):
                    spans.append(span)
                conjunct = index + 1
    return spans


def _role_span(tokens: list[Token], start: int, end: int) -> tuple[int, int] | None:
    """A role phrase `start:end`, without its determiner, if it is one: its head word (before any
    `of`/`at` complement) must be a role noun."""
    while start < end and tokens[start].lower in _DETERMINERS:
        start += 1
    if start >= end or tokens[start].lower in _RELATIVE_WORDS or not _is_word(tokens[start]):
        return None
    head_end = start
    while head_end < end and tokens[head_end].lower not in ("of", "for", "at", "in", "with"):
        head_end += 1
    head = tokens[head_end - 1]
    if not _is_role_noun(head):
        return None
    if any(not _is_role_modifier(token) for token in tokens[start : head_end - 1]):
        return None
    if any(_is_name_word(token) for token in tokens[start:head_end]) and not any(
        _is_role_head(token) or token.possessive for token in tokens[start : head_end - 1]
    ):
        names = [token for token in tokens[start:head_end] if _is_name_word(token)]
        if len(names) > 1 and not _is_role_head(names[-1]):
            return None
    return start, end


def _gender_of_words(words: list[str]) -> str | None:
    for word in words:
        if word in FEMALE_NOUNS:
            return "f"
        if word in MALE_NOUNS:
            return "m"
    return None


@dataclass
class _SentenceView:
    sentence: Sentence
    tokens: list[Token]


def build_registry(views: list[_SentenceView]) -> Registry:
    """Entities and their mentions in narrative text, with roles, titles, gender and kind."""
    registry = Registry()
    for view in views:
        tokens, sentence = view.tokens, view.sentence
        for run in _find_runs(tokens):
            _register_run(registry, tokens, run, sentence)
        _register_spokespeople(registry, tokens, sentence)
        _vote_pronoun_genders(registry, view)
    registry.merge_short_forms()
    return registry


def _register_run(registry: Registry, tokens: list[Token], run: _Run, sentence: Sentence) -> None:
    name = _name_tokens(tokens, run)
    if not name:
        return
    at_sentence_start = run.name_first == 0 or tokens[run.name_first - 1].text in "“”‘’"
    if at_sentence_start and len(name) == 1 and registry.find(name, (10**9, 0)) is None:
        # A lone capitalised word opening a sentence is as likely an ordinary word (`Critics`).
        return
    key = (sentence.paragraph, tokens[run.name_first].start)
    entity = registry.link(name, key, sentence.index)
    subject = _is_subject(tokens, run)
    registry.mentions.append(Mention(entity, key, None, sentence.index, subject))
    if run.organisation:
        entity.organisation = not entity.person
        return
    _read_title(entity, tokens, run)
    for span in (_role_before(tokens, run), *_appositive_roles(tokens, run)):
        if span is None:
            continue
        entity.person = True
        entity.organisation = False
        role = _text_of(tokens, *span, sentence)
        if _head_of(tokens, *span) in RELATION_NOUNS:
            entity.relation = entity.relation or role
        elif entity.role is None:
            entity.role = role
        if gender := _gender_of_words([token.lower for token in tokens[span[0] : span[1]]]):
            entity.vote_gender(gender, 3)
    after = tokens[run.end : run.end + 3]
    if (
        len(after) > 1
        and after[0].text == ","
        and (after[1].lower == "who" or after[1].text[:1].isdigit())
    ):
        entity.person = True
    if not entity.person and _followed_by_its(tokens, run):
        entity.organisation = True
        return
    follows = tokens[run.end].lower if run.end < len(tokens) else ""
    precedes = tokens[run.first - 1].lower if run.first > 0 else ""
    speaks = (subject and follows in SPEECH_VERBS) or (
        precedes in SPEECH_VERBS and not precedes.endswith("ing")
    )
    if speaks and not follows.endswith("ing"):
        entity.person = entity.person or not entity.organisation


def _is_subject(tokens: list[Token], run: _Run) -> bool:
    """Is the name followed by a verb (`Clinton said`, `Talbot did not`) or an appositive
    (`Hale, who chairs …`), rather than being an object (`accused Clinton of`)?"""
    index = run.end
    while index < len(tokens) and (
        tokens[index].lower in _SKIPPABLE_BEFORE_VERB or tokens[index].lower.endswith("ly")
    ):
        index += 1
    if index >= len(tokens):
        return False
    token = tokens[index]
    if token.text == ",":
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        in_appositive = run.first > 0 and tokens[run.first - 1].text == ","
        return following is not None and (
            following.lower in _RELATIVE_WORDS
            or following.lower in _DETERMINERS
            or following.text[:1].isdigit()
            or (in_appositive and _is_word(following) and following.lower not in FUNCTION_WORDS)
        )
    return (
        _is_word(token)
        and not token.capitalised
        and (token.lower not in FUNCTION_WORDS or token.lower in _AUXILIARIES)
    )


def _read_title(entity: Entity, tokens: list[Token], run: _Run) -> None:
    """A title right before the name: `Mr.` tells gender, `Dr.` or `Governor` is also a role."""
    if run.name_first == run.first:
        return
    title = tokens[run.name_first - 1]
    if title.lower in HONORIFICS:
        entity.person = True
        if gender := HONORIFICS[title.lower]:
            entity.vote_gender(gender, 3)
    elif title.lower in FUNCTION_TITLES:
        entity.person = True
        entity.title = entity.title or title.text
        if gender := TITLE_GENDERS.get(title.lower):
            entity.vote_gender(gender, 3)


def _head_of(tokens: list[Token], start: int, end: int) -> str:
    """The head noun of a role phrase: its last word before any `of`/`at` complement."""
    for index in range(start, end):
        if tokens[index].lower in ("of", "for", "at", "in", "with") and index > start:
            return tokens[index - 1].lower
    return tokens[end - 1].lower


def _followed_by_its(tokens: list[Token], run: _Run) -> bool:
    """`Nordair cancelled flights after a failure in its software`: an organisation."""
    for token in tokens[run.end : run.end + 12]:
        if _is_name_word(token) or token.lower in PRONOUN_GENDERS:
            return False
        if token.lower == "its":
            return True
    return False


def _text_of(tokens: list[Token], start: int, end: int, sentence: Sentence) -> str:
    begin = tokens[start].start - sentence.start
    stop = tokens[end - 1].end - sentence.start
    return sentence.text[begin:stop].rstrip(".,")


def _register_spokespeople(registry: Registry, tokens: list[Token], sentence: Sentence) -> None:
    """`A spokeswoman for the Civil Aviation Authority`: a gendered mention of the organisation."""
    for index, token in enumerate(tokens):
        if token.lower not in SPOKESPERSON_NOUNS:
            continue
        organisation = _spokesperson_organisation(tokens, index, registry, sentence)
        if organisation is not None:
            gender = _gender_of_words([token.lower])
            registry.mentions.append(
                Mention(organisation, (sentence.paragraph, token.start), gender)
            )


def _spokesperson_organisation(
    tokens: list[Token], index: int, registry: Registry, sentence: Sentence
) -> Entity | None:
    key = (sentence.paragraph, tokens[index].start)
    after = index + 1
    if after < len(tokens) and tokens[after].lower in ("for", "of"):
        after += 1
        while after < len(tokens) and tokens[after].lower in _DETERMINERS:
            after += 1
        names = []
        while after < len(tokens) and (_is_name_word(tokens[after]) or _is_acronym(tokens[after])):
            names.append(tokens[after].word)
            after += 1
        if names:
            return registry.find(tuple(names), key) or registry.link(
                tuple(names), key, sentence.index
            )
    before = index - 1
    names = []
    while before >= 0 and (_is_name_word(tokens[before]) or _is_acronym(tokens[before])):
        names.insert(0, tokens[before].word)
        before -= 1
    if names:
        return registry.find(tuple(names), key)
    return None


def _vote_pronoun_genders(registry: Registry, view: _SentenceView) -> None:
    """`Dvorak said …; he` — a gendered pronoun with a single person just before it."""
    sentence = view.sentence
    persons_here = [
        mention
        for mention in registry.mentions
        if mention.key[0] == sentence.paragraph
        and sentence.start <= mention.key[1] < sentence.end
        and not mention.entity.organisation
    ]
    for token in view.tokens:
        gender = PRONOUN_GENDERS.get(token.lower)
        if gender is None:
            continue
        before = [m for m in persons_here if m.key[1] < token.start and m.gender is None]
        if before:
            candidates = {id(m.entity): m.entity for m in before}
        else:
            previous = [
                m
                for m in registry.mentions
                if m.key < (sentence.paragraph, sentence.start) and m.gender is None
            ]
            last_sentence = {m.entity.first_sentence for m in previous[-1:]}
            candidates = {
                id(m.entity): m.entity
                for m in previous[-3:]
                if not m.entity.organisation and last_sentence
            }
        if len(candidates) == 1:
            next(iter(candidates.values())).vote_gender(gender)


# --- attribution clauses ----------------------------------------------------------------------


def _strip_before_verb(tokens: list[Token]) -> list[Token]:
    """Drop adverbs and auxiliaries between a subject and its verb (`Hale later said`)."""
    while tokens and (
        tokens[-1].lower in _SKIPPABLE_BEFORE_VERB
        or (tokens[-1].lower.endswith("ly") and tokens[-1].lower not in ROLE_HEADS)
    ):
        tokens = tokens[:-1]
    return tokens


def _np_allowed(token: Token) -> bool:
    if not _is_word(token):
        return token.text in "’'."
    if token.lower in FUNCTION_WORDS:
        return token.lower in _DETERMINERS or token.lower in ("for", "of")
    return token.lower not in SPEECH_VERBS


def _tail_noun_phrase(tokens: list[Token]) -> list[Token]:
    """The noun phrase ending a clause (`…, the diplomat`), scanning back to a boundary."""
    if tokens and tokens[-1].lower in _PRONOUNS:
        return tokens[-1:]
    start = len(tokens)
    while start > 0 and _np_allowed(tokens[start - 1]):
        token = tokens[start - 1]
        if token.lower in _DETERMINERS:
            start -= 1
            before = tokens[start - 1] if start > 0 else None
            if before is None or before.lower not in ("for", "of"):
                break
            continue
        if token.lower in ("for", "of") and (
            start - 2 < 0
            or not (
                _is_role_head(tokens[start - 2]) or tokens[start - 2].lower in SPOKESPERSON_NOUNS
            )
        ):
            break
        start -= 1
    phrase = tokens[start:]
    while phrase and phrase[0].lower in ("for", "of"):
        phrase = phrase[1:]
    return phrase


def _lead_noun_phrase(tokens: list[Token]) -> list[Token]:
    """The noun phrase opening a clause (`Residents’ association secretary Maud Ferrante put …`),
    cut after its last name or role word."""
    if tokens and tokens[0].lower in _PRONOUNS:
        return tokens[:1]
    last_good = -1
    for index, token in enumerate(tokens):
        if not _np_allowed(token) or (token.lower in _DETERMINERS and index > 0):
            break
        if _is_name_word(token) or _is_role_head(token) or token.lower in ORGANISATION_NOUNS:
            last_good = index
    return tokens[: last_good + 1]


def _subject_of(tokens: list[Token]) -> list[Token]:
    """The subject noun phrase just before a verb, seeing past appositives and relative clauses
    (`The club’s architect, Idris Kamara, said`, `Gwen Talbot, who organised it, said`)."""
    tokens = _strip_before_verb(tokens)
    if not tokens:
        return []
    if tokens[-1].text != ",":
        chunk_start = max((i + 1 for i, t in enumerate(tokens) if t.text in ",;:—–("), default=0)
        return _tail_noun_phrase(tokens[chunk_start:])
    chunks: list[list[Token]] = [[]]
    for token in tokens:
        if token.text in ",;:—–":
            chunks.append([])
        else:
            chunks[-1].append(token)
    candidates = [
        chunk
        for chunk in reversed(chunks)
        if chunk
        and chunk[0].lower not in _RELATIVE_WORDS
        and not chunk[0].text[:1].isdigit()
        and chunk[0].text != "("
    ][:3]
    for chunk in candidates:
        phrase = _tail_noun_phrase(chunk)
        if phrase and len(phrase) == len(chunk) and any(_is_name_word(t) for t in phrase):
            return phrase
    return _tail_noun_phrase(candidates[0]) if candidates else []


def _noun_phrase_after_verb(tokens: list[Token]) -> list[Token]:
    """The subject of an inverted clause (`said chairman Viktor Salo, …`)."""
    phrase: list[Token] = []
    for token in tokens:
        if token.text in ",;:—–(“”" or token.lower in _NP_STOPS_AFTER_VERB or token.text == BLANK:
            break
        phrase.append(token)
        if (
            token.text.endswith(".")
            and token.word == token.text[:-1]
            and token.lower not in (HONORIFICS.keys() | FUNCTION_TITLES)
        ):
            break
    return phrase


def _reference(phrase: list[Token], surface: str) -> Reference | None:
    """Classify a speaker noun phrase: pronoun, name, organisation or role noun."""
    if not phrase:
        return None
    key_token = phrase[0]
    key = (0, key_token.start)  # paragraph filled in by the caller
    if len(phrase) == 1 and phrase[0].lower in _PRONOUNS:
        return Reference("pronoun", key, gender=_PRONOUNS[phrase[0].lower])
    lowers = [token.lower for token in phrase]
    spokesperson = next((i for i, word in enumerate(lowers) if word in SPOKESPERSON_NOUNS), None)
    named = spokesperson is not None and any(
        _is_name_word(t) for t in phrase[spokesperson + 1 : spokesperson + 2]
    )
    if spokesperson is not None and not named:
        rest = (
            phrase[spokesperson + 1 :] if spokesperson + 1 < len(phrase) else phrase[:spokesperson]
        )
        names = tuple(t.word for t in rest if _is_name_word(t) or _is_acronym(t))
        nouns = tuple(t.lower for t in rest if t.lower in ORGANISATION_NOUNS)
        gender = _gender_of_words([lowers[spokesperson]])
        return Reference("organisation", key, names or nouns, gender, surface)
    runs = [run for run in _find_runs(phrase) if _name_tokens(phrase, run)]
    if runs and any(_is_role_head(token) for token in phrase[runs[-1].end :]):
        runs = []  # `the Russian foreign minister`: a capitalised modifier, not a name
    if runs:
        run = runs[-1]
        kind = "organisation" if run.organisation else "name"
        return Reference(
            kind, (0, phrase[run.name_first].start), _name_tokens(phrase, run), None, surface
        )
    acronyms = tuple(t.word for t in phrase if _is_acronym(t))
    if acronyms:
        return Reference("organisation", key, acronyms, None, surface)
    words = tuple(t.lower for t in phrase if t.lower not in _DETERMINERS and _is_word(t))
    if not words:
        return None
    if words[-1] in ORGANISATION_NOUNS:
        return Reference("organisation", key, (words[-1],), None, surface)
    return Reference("role", key, words, _gender_of_words(list(words)), surface)


def parse_after(tokens: list[Token]) -> Reference | None:
    """Speaker from the words after a closing mark: `said X`, `X said`, `according to X`."""
    while tokens and tokens[0].text in ",;—–-":
        tokens = tokens[1:]
    if not tokens:
        return None
    if len(tokens) > 2 and tokens[0].lower == "according" and tokens[1].lower == "to":
        return _according_to(tokens[2:])
    if tokens[0].lower in SPEECH_VERBS:
        phrase = _noun_phrase_after_verb(tokens[1:])
        return _reference(phrase, _surface(phrase))
    for index, token in enumerate(tokens[:12]):
        if token.lower in SPEECH_VERBS:
            subject = _strip_before_verb(tokens[:index])
            is_pronoun = len(subject) == 1 and subject[0].lower in _PRONOUNS
            if not is_pronoun and any(
                t.lower in FUNCTION_WORDS and t.lower not in _DETERMINERS | {"for", "of"}
                for t in subject
            ):
                return None
            phrase = _subject_of(tokens[:index])
            return _reference(phrase, _surface(phrase))
        if token.text in ".;:“" or token.lower in _RELATIVE_WORDS:
            return None
    return None


def _according_to(tokens: list[Token]) -> Reference | None:
    """`according to the city treasurer, Paul Osei,`: the name in an appositive wins."""
    phrase = _noun_phrase_after_verb(tokens)
    rest = tokens[len(phrase) :]
    if phrase and not any(_is_name_word(t) for t in phrase) and rest and rest[0].text == ",":
        appositive = _noun_phrase_after_verb(rest[1:])
        if any(_is_name_word(t) for t in appositive):
            phrase = appositive
    return _reference(phrase, _surface(phrase))


def parse_lead_in(tokens: list[Token]) -> Reference | None:
    """Speaker from the words before an opening mark: `X said:`, `X said that`, `said X,`,
    `According to X,`, or any clause ending in a colon (`X put it differently:`)."""
    for index, token in enumerate(tokens):
        if (
            token.lower == "according"
            and index + 1 < len(tokens)
            and tokens[index + 1].lower == "to"
        ):
            return _according_to(tokens[index + 2 :])
    verbs = [i for i, token in enumerate(tokens) if token.lower in SPEECH_VERBS]
    for index in reversed(verbs):
        phrase = _subject_of(tokens[:index])
        if not phrase:
            phrase = _noun_phrase_after_verb(tokens[index + 1 :])
        reference = _reference(phrase, _surface(phrase))
        if reference is not None:
            return reference
    stripped = [token for token in tokens if token.text.strip()]
    if stripped and stripped[-1].text == ":":
        clause = stripped[:-1]
        start = max((i + 1 for i, t in enumerate(clause) if t.text in ",;—–"), default=0)
        phrase = _lead_noun_phrase(clause[start:])
        return _reference(phrase, _surface(phrase))
    return None


def _surface(phrase: list[Token]) -> str:
    words = [token.text for token in phrase]
    if words and words[0].lower() in _DETERMINERS:
        words[0] = words[0].lower()
    return " ".join(words).replace(" ’", "’").rstrip(".,")


# --- resolution -------------------------------------------------------------------------------


class Resolver:
    """Resolves references in reading order, remembering who was mentioned most recently."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.history: list[Mention] = list(registry.mentions)

    def resolve(self, reference: Reference) -> Entity | None:
        entity = {
            "name": self._name,
            "pronoun": self._pronoun,
            "role": self._role,
            "organisation": self._organisation,
        }[reference.kind](reference)
        if entity is not None:
            self.history.append(Mention(entity, reference.key, reference.gender, subject=True))
            if reference.kind in ("role", "organisation") and reference.surface:
                entity.forms.add(reference.surface)
        return entity

    def _recent(self, key: tuple[int, int]) -> list[Mention]:
        return sorted((m for m in self.history if m.key < key), key=lambda m: m.key, reverse=True)

    def _name(self, reference: Reference) -> Entity | None:
        entity = self.registry.find(reference.words, reference.key)
        if entity is None:
            entity = self.registry.link(reference.words, reference.key, -1)
        entity.person = entity.person or not entity.organisation
        return entity

    def _pronoun(self, reference: Reference) -> Entity | None:
        """The latest compatible mention, preferring the subject of its sentence: first among
        mentions shown to be people, then among any full names."""
        if reference.gender == "they":
            return None
        recent = self._recent(reference.key)
        if reference.gender == "it":
            return next((m.entity for m in recent if m.entity.organisation and not m.gender), None)
        for strict in (True, False):
            compatible = [m for m in recent if self._fits(m, reference.gender, strict)]
            if not compatible:
                continue
            chosen = compatible[0]
            if chosen.sentence >= 0 and not chosen.subject:
                chosen = next(
                    (m for m in compatible if m.sentence == chosen.sentence and m.subject), chosen
                )
            entity = chosen.entity
            if chosen.gender is None and entity.gender is None and reference.gender:
                entity.vote_gender(reference.gender)
            entity.person = entity.person or chosen.gender is None
            return entity
        return None

    @staticmethod
    def _fits(mention: Mention, gender: str | None, strict: bool) -> bool:
        """Can a personal pronoun of `gender` refer to this mention?"""
        entity = mention.entity
        if mention.gender is None and entity.organisation:
            return False
        if strict and mention.gender is None and not entity.person:
            return False
        if not strict and len(entity.tokens) < 2:
            return False
        known = mention.gender or entity.gender
        return known is None or known == gender

    def _role(self, reference: Reference) -> Entity | None:
        head, modifiers = reference.words[-1], set(reference.words[:-1])
        accepted = {head} | ROLE_SYNONYMS.get(head, frozenset())
        best: list[tuple[int, Entity]] = []
        for entity in self.registry.entities:
            words = entity.role_words
            if entity.organisation or not words & accepted:
                continue
            best.append((len(words & modifiers), entity))
        if not best:
            return None
        top = max(score for score, _ in best)
        candidates = [entity for score, entity in best if score == top]
        return self._latest(candidates, reference.key)

    def _organisation(self, reference: Reference) -> Entity | None:
        words = reference.words
        if not words:
            mentions = [m for m in self._recent(reference.key) if m.entity.organisation]
            return mentions[0].entity if mentions else None
        if words[0][:1].isupper():
            entity = self.registry.find(words, reference.key)
            if entity is None:
                entity = self.registry.link(words, reference.key, -1)
            entity.organisation = not entity.person
            return entity
        noun = words[-1]
        signals = ORGANISATION_NOUNS.get(noun, frozenset()) | {noun}
        scored: list[tuple[int, Entity]] = []
        for entity in self.registry.entities:
            if not entity.organisation:
                continue
            name_words = {token.lower() for token in entity.tokens}
            if name_words & signals:
                scored.append((2, entity))
            elif noun in GENERIC_ORGANISATION_NOUNS or not name_words & ORGANISATION_HEADS:
                scored.append((1, entity))
        if not scored:
            return None
        top = max(score for score, _ in scored)
        return self._latest([entity for score, entity in scored if score == top], reference.key)

    def _latest(self, candidates: list[Entity], key: tuple[int, int]) -> Entity | None:
        """The candidate mentioned last before `key`, else the first one mentioned after it."""
        for mention in self._recent(key):
            if any(mention.entity is candidate for candidate in candidates):
                return mention.entity
        return candidates[0] if candidates else None


# --- the whole article ------------------------------------------------------------------------


def attribute(
    blanked: list[str], sentences: list[Sentence], spans: list[QuoteSpan]
) -> list[Attribution]:
    """The speaker of every quotation in `spans` (None for scare quotes and quoted titles)."""
    views = [_SentenceView(s, without_parentheticals(tokenize(s.text, s.start))) for s in sentences]
    registry = build_registry(views)
    resolver = Resolver(registry)
    results: list[Attribution] = []
    previous_statement: int | None = None
    for index, span in enumerate(spans):
        opening = _sentence_at(sentences, span.paragraph, span.open_at)
        closing_offset = (
            span.close_at if span.close_at is not None else len(blanked[span.close_paragraph]) - 1
        )
        closing = _sentence_at(sentences, span.close_paragraph, closing_offset)
        lead_in_text = _lead_in(blanked, opening, span)
        used = {opening.index, closing.index}
        reference = None
        if span.close_at is not None:
            after_tokens = _after_tokens(blanked, views, closing, span)
            reference = parse_after(after_tokens[0])
            if reference is not None:
                reference = _placed(reference, span.close_paragraph)
                used.add(after_tokens[1])
        if reference is None:
            lead_tokens = without_parentheticals(
                tokenize(lead_in_text, span.open_at - len(lead_in_text))
            )
            reference = parse_lead_in(lead_tokens)
            if reference is not None:
                reference = _placed(reference, span.paragraph)
        speaker = resolver.resolve(reference) if reference is not None else None
        if is_non_statement(span, lead_in_text, speaker is not None):
            results.append(Attribution(None, tuple(sorted(used))))
            continue
        continues = None
        if reference is None:
            speaker, continues = _continuation(
                spans, results, previous_statement, span, views, sentences, opening, resolver
            )
            if speaker is not None:
                resolver.history.append(
                    Mention(speaker, (span.paragraph, span.open_at), subject=True)
                )
        results.append(Attribution(speaker, tuple(sorted(used)), continues))
        previous_statement = index
    return results


def _placed(reference: Reference, paragraph: int) -> Reference:
    return Reference(
        reference.kind,
        (paragraph, reference.key[1]),
        reference.words,
        reference.gender,
        reference.surface,
    )


def _sentence_at(sentences: list[Sentence], paragraph: int, offset: int) -> Sentence:
    for sentence in sentences:
        if sentence.paragraph == paragraph and sentence.start <= offset < max(
            sentence.end, sentence.start + 1
        ):
            return sentence
    return next(s for s in reversed(sentences) if s.paragraph == paragraph)


def _lead_in(blanked: list[str], sentence: Sentence, span: QuoteSpan) -> str:
    """Narrative from the sentence start (or the previous closing mark) to the opening mark."""
    text = blanked[span.paragraph][sentence.start : span.open_at]
    return text[text.rfind(CLOSE) + 1 :]


def _after_tokens(
    blanked: list[str], views: list[_SentenceView], sentence: Sentence, span: QuoteSpan
) -> tuple[list[Token], int]:
    """Tokens after the closing mark up to the next opening mark or the sentence end.

    When the quotation ends its sentence, a short next sentence may be its attribution
    (`“Why?” Lu asked.`)."""
    assert span.close_at is not None
    text = blanked[span.close_paragraph]
    stop = text.find(OPEN, span.close_at + 1, sentence.end)
    stop = sentence.end if stop < 0 else stop
    tokens = without_parentheticals(tokenize(text[span.close_at + 1 : stop], span.close_at + 1))
    if any(_is_word(token) for token in tokens) or sentence.index + 1 >= len(views):
        return tokens, sentence.index
    following = views[sentence.index + 1]
    words = [token for token in following.tokens if _is_word(token)]
    if (
        following.sentence.paragraph != sentence.paragraph
        or len(words) > 8
        or OPEN in following.sentence.text
    ):
        return tokens, sentence.index
    return following.tokens, following.sentence.index


def _continuation(
    spans: list[QuoteSpan],
    results: list[Attribution],
    previous_statement: int | None,
    span: QuoteSpan,
    views: list[_SentenceView],
    sentences: list[Sentence],
    opening: Sentence,
    resolver: Resolver,
) -> tuple[Entity | None, int | None]:
    """Speaker of a quotation with no attribution of its own: the previous quotation's speaker in
    the same paragraph, else the subject of a speech verb in the sentence just before, else the
    previous quotation's speaker."""
    same_paragraph = (
        previous_statement is not None
        and spans[previous_statement].close_paragraph == span.paragraph
    )
    if same_paragraph and previous_statement is not None:
        return results[previous_statement].speaker, previous_statement
    if opening.index > 0:
        before = views[opening.index - 1]
        if OPEN not in before.sentence.text and before.sentence.paragraph >= span.paragraph - 1:
            reference = parse_lead_in(before.tokens)
            if reference is not None:
                reference = _placed(reference, before.sentence.paragraph)
                entity = resolver.resolve(reference)
                if entity is not None:
                    return entity, None
    if previous_statement is not None:
        return results[previous_statement].speaker, previous_statement
    return None, None
