"""Who the article names: tokens, names, roles and titles, gathered into a registry.

Every capitalised name sequence of the narrative becomes a mention of an `Entity`; short forms
(`Lu`, `Dr. Li`, `De Wit`) are linked to the fullest form the article gives, and roles, titles,
gender and evidence of being a person or an organisation are read from the words around each
mention. `search.extract.clauses` and `search.extract.speakers` build on these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from search.extract.forenames import gender_of_first_name
from search.extract.lexicon import (
    CAMPAIGN_OFFICES,
    FEMALE_NOUNS,
    FUNCTION_TITLES,
    FUNCTION_WORDS,
    HONORIFICS,
    MALE_NOUNS,
    NOT_AGENT_NOUNS,
    ORGANISATION_HEADS,
    ORGANISATION_NOUNS,
    PARTY_NOUNS,
    PERSONAL_ORGANISATION_NOUNS,
    PRONOUN_GENDERS,
    RELATION_NOUNS,
    ROLE_HEADS,
    SPEECH_VERBS,
    SPOKESPERSON_NOUNS,
    TITLE_ABBREVIATIONS,
    TITLE_GENDERS,
    TITLE_MODIFIERS,
    words,
)
from search.extract.quotes import BLANK, Sentence

# Words (keeping an abbreviation’s full stop), numbers (without a trailing comma: `Pike, 68,`),
# one token per blanked quotation, marks.
_TOKEN = re.compile(rf"[^\W\d_](?:[\w’'\-]*\w)?\.?|\d(?:[\d,.:]*\d)?\w*|{BLANK}+|[^\w\s{BLANK}]")
_PARTICLES = words("van von der den de del della di da du la le bin ibn al el ter ten dos das")
_CONNECTORS = words("of for to the")
_MONTHS_AND_DAYS = words(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
    saturday sunday"""
)
# The AP's abbreviations of US states (`of Fenwick, Md.`): a place, never a name.
_STATE_ABBREVIATIONS = words(
    """ala ariz ark calif colo conn del fla ga ill ind kan ky la md mass mich minn miss mo mont
    neb nev okla ore pa tenn vt va wash wis wyo"""
)
DETERMINERS = words("the a an one his her its their our this that")
PREPOSITIONS = words("to of for at with from by in on near behind")
# `A senior official said`: a speaker the article does not name.
INDEFINITES = words("a an one another")
RELATIVE_WORDS = words("who which whose where when whom")
SKIPPABLE_BEFORE_VERB = words(
    """later also then again once previously earlier recently has had have would will could
    was is had first last further finally simply quickly repeatedly flatly never often himself
    herself itself themselves"""
)
NP_STOPS_AFTER_VERB = words(
    """who which whose where when while in at on during after before as to from with about via
    that because adding noting and told saying"""
)
# `al-Kuwari`, `el-Amin`, `d’Almeida`: a lower-case particle joined to a capitalised name.
_PREFIXED_NAME = re.compile(r"(?:al|el|ad|ar|as|ash|at|az|an|bin|ibn|abu|bint|d|l)[-‐’'][A-Z]")
# `R-Texas`, `D-Calif.`: a US politician's party and state, not part of a name.
_PARTY_AND_STATE = re.compile(r"[DRI]-[A-Z]")
_AUXILIARIES = words("is was has had did does will would could should can may might must")
# Participles that still describe a role (`newly elected mayor`), unlike verbs (`blamed minister`).
_ROLE_PARTICIPLES = words(
    """elected appointed designated retired acting managing leading ranking presiding founding
    governing reigning outgoing incoming serving sitting"""
)
PRONOUNS = {"he": "m", "she": "f", "it": "it", "they": "they"}
# Function words that are also common acronyms (`the US`, `the WHO`, `IT staff`).
_ACRONYMS_LIKE_WORDS = words("us who it")
# Prepositions opening the complement of a role (`nurse from Carrow`, `analyst at Keswick`).
_COMPLEMENT_PREPOSITIONS = words("of for at in with from")
# Nouns naming a place before `of` (`the town of Carrow`).
_PLACE_NOUNS = words(
    """town city village county state province region district borough suburb island port
    neighbourhood neighborhood capital"""
)
# Auxiliaries after which a reported `it` is the subject acting (`said it would cut`).
_ACTING_AUXILIARIES = words("would will had has plans planned expects expected intends could")


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


def is_word(token: Token) -> bool:
    return token.text[:1].isalpha()


def is_role_head(token: Token) -> bool:
    return token.lower in ROLE_HEADS or token.lower in FUNCTION_TITLES or token.lower in PARTY_NOUNS


def is_adverb(token: Token) -> bool:
    """`later`, `formally`: an -ly word, unless capitalised like a name (`Kelly`, `Reilly`)."""
    return token.lower.endswith("ly") and not token.capitalised


def _is_role_noun(token: Token) -> bool:
    """A role head from the lexicon, or an agent noun by its ending (`glaciologist`, `modeller`)."""
    if is_role_head(token):
        return True
    word = token.lower
    return (
        not token.capitalised  # `MERCER`, `Baker`: a name, not an agent noun
        and len(word) >= 6
        and word.isalpha()
        and word.endswith(("ist", "ian", "er", "or"))
        and word not in NOT_AGENT_NOUNS
        and word not in FUNCTION_WORDS
    )


def is_acronym(token: Token) -> bool:
    """`NATO`, `BBC`, `WHO`; not a word merely set in capitals (`FOR`, `THE`)."""
    return (
        len(token.word) > 1
        and token.word.isupper()
        and (token.lower not in FUNCTION_WORDS or token.lower in _ACRONYMS_LIKE_WORDS)
    )


def is_initial(token: Token) -> bool:
    """`B.` in `Harold B. Denning`."""
    return len(token.text) == 2 and token.text[0].isupper() and token.text[1] == "."


def is_name_word(token: Token) -> bool:
    if not token.capitalised:
        joined = "-" in token.text[1:5] or "’" in token.text[1:3] or "'" in token.text[1:3]
        return joined and bool(_PREFIXED_NAME.match(token.text))
    return (
        token.capitalised
        and not _PARTY_AND_STATE.match(token.text)
        and is_word(token)
        and token.lower not in FUNCTION_WORDS
        and token.lower not in _MONTHS_AND_DAYS
        and not is_acronym(token)
        and not (token.text.endswith(".") and token.lower.rstrip(".") in _STATE_ABBREVIATIONS)
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
    # `sister`, `colleague`, `Democrat`: a role only when nothing better is given
    relation: str | None = None
    gender: str | None = None
    forms: set[str] = field(default_factory=set)
    gender_votes: dict[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return " ".join(self.tokens)

    @property
    def key(self) -> tuple[str, ...]:
        return name_key(self.tokens)

    @property
    def role_words(self) -> set[str]:
        text = f"{self.role or ''} {self.title or ''} {self.relation or ''}"
        words = text.lower().replace("’s", " ").split()
        return {word.strip(".,’'") for word in words}

    def vote_gender(self, gender: str, weight: int = 1) -> None:
        self.gender_votes[gender] = self.gender_votes.get(gender, 0) + weight
        self.gender = max(self.gender_votes, key=self.gender_votes.__getitem__)


@lru_cache(maxsize=4096)  # names repeat within and across articles; matching is hot
def name_key(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """A name's form for matching: `De Wit` opening a sentence is `de Wit` elsewhere."""
    return tuple(
        token.lower() if token.lower() in _PARTICLES else _lower_prefix(token) for token in tokens
    )


def _initials(name: tuple[str, ...]) -> str:
    """`IMF` for `International Monetary Fund`, `FBI` for `Federal Bureau of Investigation`."""
    words = [word for word in name if word.lower() not in _CONNECTORS | {"and", "&"}]
    return "".join(word[0] for word in words) if len(words) > 1 else ""


def _lower_prefix(token: str) -> str:
    return (
        token[0].lower() + token[1:]
        if _PREFIXED_NAME.match(token[0].lower() + token[1:])
        else token
    )


class Mention(NamedTuple):
    """An entity named (or referred to) at `key` = (paragraph, offset)."""

    entity: Entity
    key: tuple[int, int]
    gender: str | None = None  # of the mention itself (`a spokeswoman for X`), when not X's
    sentence: int = -1
    subject: bool = False  # the subject of its clause, the likeliest antecedent of a pronoun


# --- registry ---------------------------------------------------------------------------------


@dataclass
class Registry:
    """Entities of one article and every place they are mentioned, in text order."""

    entities: list[Entity] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    # Unnamed people opening a sentence (`A senior official, who …`): role noun and place.
    unnamed: list[tuple[str, tuple[int, int]]] = field(default_factory=list)

    def link(
        self, tokens: tuple[str, ...], key: tuple[int, int], sentence: int, title: str = ""
    ) -> Entity:
        """The entity a name refers to, creating it when the article has not named it before."""
        entity = self.find(tokens, key, title)
        if entity is None:
            entity = Entity(tokens, sentence)
            self.entities.append(entity)
        elif len(tokens) > len(entity.tokens) and set(entity.key) <= set(name_key(tokens)):
            entity.forms.add(entity.name)
            entity.tokens = tokens
        entity.forms.add(" ".join(tokens))
        return entity

    def find(self, tokens: tuple[str, ...], key: tuple[int, int], title: str = "") -> Entity | None:
        """Exact name first; else the most recently mentioned entity whose name holds this form.

        A surname that several people share (`Beckwith` for a husband and wife) means the one
        introduced first, as news style names the others in full or by first name, unless
        another was named in full just before (`Maria Lund said … Lund added`); a `title`
        (`Mrs.`) picks by gender and always means the one introduced first."""
        form = name_key(tokens)
        keys = [(entity, entity.key) for entity in self.entities]
        for entity, known in keys:
            if known == form:
                return entity
        if len(form) == 1 and form[0].isupper():
            # `the IMF` after `the International Monetary Fund`: the name its letters stand for.
            spelled = [entity for entity, known in keys if _initials(known) == form[0]]
            if spelled:
                return spelled[0]
        wanted = set(form)
        candidates = [
            (entity, known)
            for entity, known in keys
            if (wanted < set(known) or (set(known) < wanted and len(form) > 1))
            and _named_after_person(known) == _named_after_person(form)
        ]
        if len(form) > 1:
            candidates = [
                (entity, known)
                for entity, known in candidates
                if set(known) < wanted or known[-1] == form[-1]
            ]
        if len(form) == 1 and any(not entity.organisation for entity, _ in candidates):
            # `Boyd` is the candidate, not `Boyd for Congress`.
            candidates = [
                (entity, known) for entity, known in candidates if not entity.organisation
            ]
        people = [entity for entity, known in candidates if len(known) > 1 and known[-1] == form[0]]
        if len(form) == 1 and len(people) > 1:
            return self._shared_surname(people, key, title)
        if len(form) == 1 and people:
            return people[0]  # `Trump` is `Donald Trump`, not `Trump Tower` or `Trump Train`
        return self.most_recent([entity for entity, _ in candidates], key)

    def _shared_surname(self, people: list[Entity], key: tuple[int, int], title: str) -> Entity:
        if not title:
            recent = self.most_recent(people, key)
            named = [m.key for m in self.mentions if m.entity is recent and m.key <= key]
            if recent is not None and named and max(named)[0] >= key[0] - 1:
                return recent
        gender = HONORIFICS.get(title) or TITLE_GENDERS.get(title)
        fitting = [entity for entity in people if gender in (None, entity.gender)]
        return (fitting or people)[0]

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
                and short.key[0] in (entity.key[0], entity.key[-1])
                and not _named_after_person(entity.key)
            ]
            if not fuller:
                continue
            surnamed = [entity for entity in fuller if entity.key[-1] == short.key[0]]
            target = self.most_recent(surnamed or fuller, (10**9, 0))
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


def find_runs(tokens: list[Token]) -> list[_Run]:
    """Capitalised sequences, allowing particles (`van der`) and connectors inside role and
    organisation names (`Ambassador to France`, `Ministry of Health`)."""
    runs: list[_Run] = []
    index = 0
    while index < len(tokens):
        if not is_name_word(tokens[index]):
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
            if is_name_word(token) and tokens[end - 1].end >= token.start - 1:
                end += 1
                continue
            if is_initial(token) and end + 1 < len(tokens) and is_name_word(tokens[end + 1]):
                end += 2  # `Harold B. Denning`: a middle initial stays inside the name
                continue
            if (
                token.text in "’'"
                and token.start == tokens[end - 1].end
                and tokens[end - 1].lower.endswith("s")
                and end + 1 < len(tokens)
                and is_name_word(tokens[end + 1])
            ):
                end += 2  # `Rail Workers’ Union`
                continue
            # `Minister of Water and Energy`: `and` joins only inside an `of` complement.
            joiners = _CONNECTORS | {"&"}
            if any(tokens[i].lower in ("of", "on") for i in range(first, end)):
                joiners = joiners | {"and"}
            if tokens[end - 1].lower in ORGANISATION_HEADS:
                joiners = joiners | {"on"}  # `Council on Foreign Relations`
            joined = end
            while joined < len(tokens) and (
                tokens[joined].lower in _PARTICLES or tokens[joined].lower in joiners
            ):
                joined += 1
            connecting = any(tokens[i].lower in joiners - {"&"} for i in range(end, joined))
            head_before = _complement_follows_head(tokens, first, end) or _campaign_committee(
                tokens, end, joined
            )
            if (
                joined > end
                and joined < len(tokens)
                and is_name_word(tokens[joined])
                and (not connecting or head_before)
            ):
                end = joined + 1
                continue
            break
        runs.append(_split_run(tokens, first, end))
        index = end
    return runs


def _complement_follows_head(tokens: list[Token], first: int, end: int) -> bool:
    """May a connector after `first:end` open the complement of a role or organisation head
    (`Ministry of Health`, `Secretary of State for Trade`)? Not once a personal name has followed
    the head: in `Sen. Ada Voss of Iowa` the `of` phrase says where she is from."""
    heads = [
        i
        for i in range(first, end)
        if is_role_head(tokens[i]) or tokens[i].lower in ORGANISATION_HEADS
    ]
    if not heads:
        return False
    after = range(heads[-1] + 1, end)
    return not after or any(tokens[i].lower in _CONNECTORS for i in after)


def _campaign_committee(tokens: list[Token], end: int, joined: int) -> bool:
    """`Boyd for Congress`: a candidate's campaign committee, an organisation of its own."""
    return (
        joined == end + 1
        and tokens[end].lower == "for"
        and joined < len(tokens)
        and tokens[joined].capitalised
        and tokens[joined].lower in CAMPAIGN_OFFICES
    )


def _is_surname(tokens: list[Token], first: int, index: int) -> bool:
    """A title word that is a family name: after an honorific (`Mr. King`, `Ms. Bishop`), or
    at the end of a name that opens with a common first name (`Larry King`, `Billie Jean
    King`, `Matthew Prince`)."""
    if index == first:
        return False
    if tokens[index - 1].lower in HONORIFICS:
        return True
    opening = tokens[first]
    return (index == len(tokens) - 1 or not tokens[index + 1].capitalised) and gender_of_first_name(
        opening.word
    ) is not None


def _split_run(tokens: list[Token], first: int, end: int) -> _Run:
    """Separate leading titles and role words from the name (`Chinese Ambassador to France` |
    `Lu Shaye`), and recognise organisation names."""
    if any(_campaign_committee(tokens, i, i + 1) for i in range(first + 1, end - 1)):
        return _Run(first, first, end, None, True)
    last_role = None
    for index in range(first, end):
        token = tokens[index]
        surname = _is_surname(tokens, first, index)
        if token.lower in HONORIFICS or (is_role_head(token) and not surname):
            last_role = index
    following = tokens[end] if end < len(tokens) else None
    name_first = first if last_role is None else last_role + 1
    # `Secretary of State Mike Pompeo`, `Minister of Water and Energy Ali bin Said al-Amin`: the
    # object of the role's preposition is not the name.
    object_joiners = _CONNECTORS | {"and"}
    if name_first < end and tokens[name_first].lower in _CONNECTORS:
        while name_first < end and tokens[name_first].lower in object_joiners:
            while name_first < end and tokens[name_first].lower in object_joiners:
                name_first += 1
            name_first += 1
        while sum(t.lower not in _PARTICLES for t in tokens[name_first:end]) > 3:
            name_first += 1
    organisation = any(tokens[i].lower in ORGANISATION_HEADS for i in range(name_first, end)) or (
        following is not None
        and following.lower in ORGANISATION_NOUNS
        and not tokens[end - 1].possessive  # `Clinton’s campaign` is not named Clinton
    )
    if (
        following is not None
        and following.lower in PERSONAL_ORGANISATION_NOUNS
        and not following.capitalised
        and not tokens[end - 1].possessive
        and not any(tokens[i].lower in ORGANISATION_HEADS for i in range(name_first, end))
    ):
        # `the Clinton campaign`, `the Trump administration`: an organisation named after a
        # person, who is not that organisation (nor made one by it).
        return _Run(first, name_first, end + 1, None, True)
    if last_role is None or organisation:
        return _Run(first, first, end, None, organisation)
    role_first = None
    for index in range(first, last_role + 1):
        if tokens[index].lower not in HONORIFICS:
            role_first = index
            break
    return _Run(first, min(name_first, end), end, role_first, False)


def name_tokens(tokens: list[Token], run: _Run) -> tuple[str, ...]:
    words: list[str] = []
    for token in tokens[run.name_first : run.end]:
        if token.text in "’'" and words:
            words[-1] += token.text
        else:
            words.append(token.word)
    return tuple(words)


def is_past_verb(token: Token) -> bool:
    """`granted`, `sent`-like -ed words that end a subject (not `retired`, `elected`)."""
    return (
        not token.capitalised
        and token.lower.endswith("ed")
        and token.lower not in _ROLE_PARTICIPLES
        and token.lower not in NOT_AGENT_NOUNS
    )


def _is_role_modifier(token: Token) -> bool:
    """Can this word sit inside a role phrase before its head (`union`, `Residents’`)?"""
    if not is_word(token):
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
            # A bare title is no role, unless qualified: `state Sen.`, `former Gov.`.
            while start > 0 and tokens[start - 1].lower in TITLE_MODIFIERS:
                start -= 1
            return (start, end) if start < run.role_first else None
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


_ABBREVIATED_TITLE = re.compile(
    r"\b(" + "|".join(sorted(TITLE_ABBREVIATIONS, key=len, reverse=True)) + r")\b\.?",
    re.IGNORECASE,
)


def expand_titles(text: str) -> str:
    """`Lt. Gov` → `Lieutenant Governor`: a role reads, and matches `the governor`, in full."""
    return _ABBREVIATED_TITLE.sub(_written_out, text)


def _written_out(match: re.Match[str]) -> str:
    word = match.group(1)
    if word.islower() and not match.group().endswith("."):
        return word  # a lower-case word without its full stop is no abbreviation
    full = TITLE_ABBREVIATIONS[word.lower()]
    return full if word[0].isupper() else full.lower()


def _appositive_roles(tokens: list[Token], run: _Run) -> list[tuple[int, int]]:
    """`The club’s architect, Idris Kamara,` or `Idris Kamara, the club’s architect,`; an
    appositive of two conjuncts (`X’s sister and the station’s manager`) gives two roles."""
    spans: list[tuple[int, int]] = []
    if run.first >= 2 and tokens[run.first - 1].text == ",":
        end = run.first - 1
        start = end
        while start > 0 and tokens[start - 1].text not in ",;:—–(“”" and end - start < 8:
            start -= 1
        phrase = tail_noun_phrase(tokens[start:end])
        if phrase and (span := _role_span(tokens, end - len(phrase), end)):
            spans.append(span)
    if run.end + 1 < len(tokens) and tokens[run.end].text == ",":
        start = run.end + 1
        if _PARTY_AND_STATE.match(tokens[start].text) and start + 2 < len(tokens):
            start += 2  # `Nancy Pelosi, D-Calif., the House minority leader`
        end = start
        while end < len(tokens) and end - start < 12:
            token = tokens[end]
            if (
                token.text in ",;:—–()“”."
                or token.lower in SPEECH_VERBS
                or token.lower in RELATIVE_WORDS  # `a nurse who bought one`: role ends at `who`
            ):
                break
            end += 1
            abbreviation = token.lower in HONORIFICS or token.lower in TITLE_ABBREVIATIONS
            if token.text.endswith(".") and token.word == token.text[:-1] and not abbreviation:
                break  # a sentence's full stop; `spokesman for Mrs. Vance` goes on
        if end < len(tokens) and tokens[end].lower in SPEECH_VERBS:
            return spans  # `sent to the Legislature, the governor said`: a subject, no appositive
        conjunct = start
        for index in range(start, end + 1):
            if index == end or (tokens[index].lower == "and" and not _inside_name(tokens, index)):
                if span := _role_span(tokens, conjunct, index):
                    spans.append(span)
                conjunct = index + 1
    return spans


def _inside_name(tokens: list[Token], index: int) -> bool:
    """Does the `and` at `index` join the words of one name (`Ways and Means Committee`, `Center
    for Strategic and International Studies`) rather than two phrases?"""
    return (
        0 < index < len(tokens) - 1
        and tokens[index - 1].capitalised
        and tokens[index + 1].capitalised
        and tokens[index + 1].lower not in DETERMINERS
    )


def _role_span(tokens: list[Token], start: int, end: int) -> tuple[int, int] | None:
    """A role phrase `start:end`, without its determiner, if it is one: its head word (before any
    `of`/`at` complement) must be a role noun."""
    while start < end and tokens[start].lower in DETERMINERS:
        start += 1
    if start >= end or tokens[start].lower in RELATIVE_WORDS or not is_word(tokens[start]):
        return None
    head_end = start
    while head_end < end and tokens[head_end].lower not in _COMPLEMENT_PREPOSITIONS:
        head_end += 1
    head = tokens[head_end - 1]
    if not _is_role_noun(head):
        return None
    if head_end < end and tokens[head_end].lower == "from":
        end = head_end  # `a nurse from Carrow`: where she comes from is no part of the role
    while end > head_end and (
        tokens[end - 1].lower in _COMPLEMENT_PREPOSITIONS or tokens[end - 1].lower in DETERMINERS
    ):
        end -= 1  # `author of “…”`: the title was a quotation, blanked; the role is `author`
    if any(not _is_role_modifier(token) for token in tokens[start : head_end - 1]):
        return None
    if any(is_name_word(token) for token in tokens[start:head_end]) and not any(
        is_role_head(token) or token.possessive for token in tokens[start : head_end - 1]
    ):
        names = [token for token in tokens[start:head_end] if is_name_word(token)]
        if len(names) > 1 and not is_role_head(names[-1]):
            return None
    return start, end


def gender_of_words(words: list[str]) -> str | None:
    for word in words:
        if word in FEMALE_NOUNS:
            return "f"
        if word in MALE_NOUNS:
            return "m"
    return None


@dataclass
class SentenceView:
    sentence: Sentence
    tokens: list[Token]


def build_registry(views: list[SentenceView]) -> Registry:
    """Entities and their mentions in narrative text, with roles, titles, gender and kind."""
    registry = Registry()
    for view in views:
        tokens, sentence = view.tokens, view.sentence
        if _is_headline(tokens):
            continue  # `Ted Cruz Hints Trump Will Lose`: capitals no longer mark the names
        for run in find_runs(tokens):
            _register_run(registry, tokens, run, sentence)
        _register_spokespeople(registry, tokens, sentence)
        _register_unnamed(registry, tokens, sentence)
        _vote_pronoun_genders(registry, view)
    registry.merge_short_forms()
    return registry


# A line of at least this many content words, every one capitalised, is a headline.
_HEADLINE_WORDS = 4


def _is_headline(tokens: list[Token]) -> bool:
    """A subheading in title case (live blogs, section heads), with no closing full stop."""
    content = [t for t in tokens if is_word(t) and t.lower not in FUNCTION_WORDS]
    return (
        len(content) >= _HEADLINE_WORDS
        and all(t.capitalised for t in content)
        and tokens[-1].text not in ".?!"
    )


# Endings of adjectives of party and nation (`Democratic`, `Republican`, `British`, `Chinese`).
_ADJECTIVE_ENDINGS = ("ic", "ican", "ish", "ese", "ian")


def _is_adjective_before_role(tokens: list[Token], run: _Run) -> bool:
    """A lone capitalised adjective before a lower-case role (`Republican senator`)."""
    following = tokens[run.end] if run.end < len(tokens) else None
    return (
        run.end - run.first == 1
        and tokens[run.first].lower.endswith(_ADJECTIVE_ENDINGS)
        and following is not None
        and not following.capitalised
        and (is_role_head(following) or _is_role_modifier(following))
        and following.lower not in FUNCTION_WORDS
    )


def _register_run(registry: Registry, tokens: list[Token], run: _Run, sentence: Sentence) -> None:
    name = name_tokens(tokens, run)
    if not name:
        return
    at_sentence_start = run.name_first == 0 or tokens[run.name_first - 1].text in "“”‘’"
    if at_sentence_start and len(name) == 1 and registry.find(name, (10**9, 0)) is None:
        # A lone capitalised word opening a sentence is as likely an ordinary word (`Critics`).
        return
    if _names_a_place(tokens, run):
        return  # `the town of Carrow, who …`: never a speaker, and the `who` is someone else
    if _is_adjective_before_role(tokens, run):
        return  # `Democratic presidential nominee Ada Voss`: the party describes her role
    key = (sentence.paragraph, tokens[run.name_first].start)
    title = tokens[run.name_first - 1].lower if run.name_first > run.first else ""
    entity = registry.link(name, key, sentence.index, title)
    subject = _is_subject(tokens, run)
    registry.mentions.append(Mention(entity, key, None, sentence.index, subject))
    if run.organisation:
        entity.organisation = not entity.person
        return
    _read_title(entity, tokens, run)
    if len(name) >= 2 and (gender := gender_of_first_name(name[0])):
        entity.vote_gender(gender, 2)
        entity.person = True  # `Tina Houchins`: a first name is evidence of a person
    for span in (_role_before(tokens, run), *_appositive_roles(tokens, run)):
        if span is None:
            continue
        entity.person = True
        entity.organisation = False
        role = expand_titles(_text_of(tokens, *span, sentence))
        if _head_of(tokens, *span) in RELATION_NOUNS | PARTY_NOUNS:
            entity.relation = entity.relation or role
        elif entity.role is None:
            entity.role = role
        if gender := gender_of_words([token.lower for token in tokens[span[0] : span[1]]]):
            entity.vote_gender(gender, 3)
    after = tokens[run.end : run.end + 3]
    if (
        len(after) > 1
        and after[0].text == ","
        and (after[1].lower == "who" or after[1].text[:1].isdigit())
    ):
        entity.person = True
    if not entity.person and (_followed_by_its(tokens, run) or _employer(tokens, run)):
        entity.organisation = True
        return
    following = tokens[run.end] if run.end < len(tokens) else None
    follows = following.lower if following else ""
    precedes = tokens[run.first - 1].lower if run.first > 0 else ""
    # `said Tobias Reinholt,` names a speaker; `said Hanbit hoped` names the subject of a report.
    inverted = following is None or not (is_word(following) and not following.capitalised)
    speaks = (subject and follows in SPEECH_VERBS) or (
        precedes in SPEECH_VERBS and not precedes.endswith("ing") and inverted
    )
    if speaks and not follows.endswith("ing"):
        entity.person = entity.person or not entity.organisation


def _is_subject(tokens: list[Token], run: _Run) -> bool:
    """Is the name followed by a verb (`Clinton said`, `Talbot did not`) or an appositive
    (`Hale, who chairs …`), rather than being an object (`accused Clinton of`) or a possessive
    (`McGovern’s running mate said`: the mate is the subject)?"""
    if tokens[run.end - 1].possessive or (
        run.end < len(tokens) and tokens[run.end].text in ("’", "'", "’s", "'s")
    ):
        return False
    index = run.end
    while index < len(tokens):
        if tokens[index].lower in SKIPPABLE_BEFORE_VERB or is_adverb(tokens[index]):
            index += 1
        elif (
            tokens[index].lower == "on"
            and index + 1 < len(tokens)
            and tokens[index + 1].lower in _MONTHS_AND_DAYS
        ):
            index += 2  # `Axelrod on Wednesday called …`
        else:
            break
    if index >= len(tokens):
        return False
    token = tokens[index]
    if token.text == ",":
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        in_appositive = run.first > 0 and tokens[run.first - 1].text == ","
        return following is not None and (
            following.lower in RELATIVE_WORDS
            or following.lower in DETERMINERS
            or following.text[:1].isdigit()
            or _is_role_noun(following)  # `Ana Ruiz, director of the agency, said`
            or (in_appositive and is_word(following) and following.lower not in FUNCTION_WORDS)
        )
    return (
        is_word(token)
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
        entity.title = entity.title or expand_titles(title.text)
        if gender := TITLE_GENDERS.get(title.lower):
            entity.vote_gender(gender, 3)


def _head_of(tokens: list[Token], start: int, end: int) -> str:
    """The head noun of a role phrase: its last word before any `of`/`at` complement."""
    for index in range(start, end):
        if tokens[index].lower in _COMPLEMENT_PREPOSITIONS and index > start:
            return tokens[index - 1].lower
    return tokens[end - 1].lower


def _followed_by_its(tokens: list[Token], run: _Run) -> bool:
    """`Nordair cancelled flights after a failure in its software`, `Halvorsen said on Thursday
    it would cut jobs`: an organisation. (`Lang said it would be a mistake` proves nothing.)"""
    after = tokens[run.end : run.end + 12]
    for index, token in enumerate(after):
        if is_name_word(token) or token.lower in PRONOUN_GENDERS:
            return False
        if token.lower == "its":
            return True
        if (
            token.lower == "it"
            and any(t.lower in SPEECH_VERBS for t in after[:index])
            and index + 1 < len(after)
            and after[index + 1].lower in _ACTING_AUXILIARIES
            and "be" not in {t.lower for t in after[index + 2 : index + 4]}
        ):
            return True
    return False


def _employer(tokens: list[Token], run: _Run) -> bool:
    """`an analyst at Orrin Capital`: where a role is held is an organisation."""
    return (
        run.first >= 2
        and tokens[run.first - 1].lower == "at"
        and _is_role_noun(tokens[run.first - 2])
    )


def _names_a_place(tokens: list[Token], run: _Run) -> bool:
    """`the town of Carrow`, `a plant in Tarrow`: a place (`Ms. Lang` never is)."""
    if run.first == 0 or tokens[run.end - 1].possessive or run.name_first != run.first:
        return False
    before = tokens[run.first - 1].lower
    if before in ("in", "near"):
        return True
    return before == "of" and run.first >= 2 and tokens[run.first - 2].lower in _PLACE_NOUNS


def _text_of(tokens: list[Token], start: int, end: int, sentence: Sentence) -> str:
    begin = tokens[start].start - sentence.start
    stop = tokens[end - 1].end - sentence.start
    return sentence.text[begin:stop].rstrip(".,")


def _register_unnamed(registry: Registry, tokens: list[Token], sentence: Sentence) -> None:
    """`A senior administration official, who …, said`: someone a later `the official` means."""
    if len(tokens) < 3 or tokens[0].lower not in INDEFINITES:
        return
    for index in range(1, min(len(tokens) - 1, 5)):
        token = tokens[index]
        if _is_role_noun(token) and not _is_role_noun(tokens[index + 1]):
            following = tokens[index + 1]
            if following.text == "," or following.lower in SPEECH_VERBS | PREPOSITIONS:
                registry.unnamed.append((token.lower, (sentence.paragraph, token.start)))
            return
        if not _is_role_modifier(token):
            return


def _register_spokespeople(registry: Registry, tokens: list[Token], sentence: Sentence) -> None:
    """`A spokeswoman for the Civil Aviation Authority`: a gendered mention of the organisation."""
    for index, token in enumerate(tokens):
        if token.lower not in SPOKESPERSON_NOUNS or _describes_a_name(tokens, index):
            continue
        organisation = _spokesperson_organisation(tokens, index, registry, sentence)
        if organisation is not None:
            gender = gender_of_words([token.lower])
            registry.mentions.append(
                Mention(organisation, (sentence.paragraph, token.start), gender)
            )


def _describes_a_name(tokens: list[Token], index: int) -> bool:
    """Is the word at `index` inside an appositive after a person's name (`Ada Voss, a
    developer and spokeswoman for the Harbour Coalition`)? Then `she` is Ada Voss."""
    comma = next(
        (i for i in range(index - 1, max(-1, index - 10), -1) if tokens[i].text in ",;"), None
    )
    if comma is None or tokens[comma].text != "," or comma < 2:
        return False
    return is_name_word(tokens[comma - 1]) and is_name_word(tokens[comma - 2])


def _spokesperson_organisation(
    tokens: list[Token], index: int, registry: Registry, sentence: Sentence
) -> Entity | None:
    key = (sentence.paragraph, tokens[index].start)
    after = index + 1
    if after < len(tokens) and tokens[after].lower in ("for", "of"):
        after += 1
        while after < len(tokens) and tokens[after].lower in DETERMINERS:
            after += 1
        names = []
        while after < len(tokens) and (is_name_word(tokens[after]) or is_acronym(tokens[after])):
            names.append(tokens[after].word)
            after += 1
        if names:
            return registry.find(tuple(names), key) or registry.link(
                tuple(names), key, sentence.index
            )
    before = index - 1
    names = []
    while before >= 0 and (is_name_word(tokens[before]) or is_acronym(tokens[before])):
        names.insert(0, tokens[before].word)
        before -= 1
    if names:
        return registry.find(tuple(names), key)
    return None


def _named_after_person(key: tuple[str, ...]) -> bool:
    """`Clinton campaign`: an organisation, never a fuller form of the person's name."""
    return key[-1] in PERSONAL_ORGANISATION_NOUNS


class NarrativePronoun(NamedTuple):
    key: tuple[int, int]
    gender: str
    sentence: int


def narrative_pronouns(views: list[SentenceView]) -> list[NarrativePronoun]:
    """Every `he` and `she` of the narrative in reading order, except those after a role noun
    in their sentence (`An engineer, who said he …`: the unnamed engineer)."""
    found = []
    for view in views:
        for position, token in enumerate(view.tokens):
            if token.lower in ("he", "she") and not any(
                _is_role_noun(other) for other in view.tokens[:position]
            ):
                key = (view.sentence.paragraph, token.start)
                found.append(NarrativePronoun(key, PRONOUNS[token.lower], view.sentence.index))
    return found


def _vote_pronoun_genders(registry: Registry, view: SentenceView) -> None:
    """`Dvorak said …; he` — a gendered pronoun with a single person just before it."""
    sentence = view.sentence
    persons_here = [
        mention
        for mention in registry.mentions
        if mention.key[0] == sentence.paragraph
        and sentence.start <= mention.key[1] < sentence.end
        and not mention.entity.organisation
    ]
    for position, token in enumerate(view.tokens):
        gender = PRONOUN_GENDERS.get(token.lower)
        if gender is None:
            continue
        if any(_is_role_noun(other) for other in view.tokens[:position]):
            continue  # `An official, who said he …`: the pronoun is the unnamed official
        before = [m for m in persons_here if m.key[1] < token.start and m.gender is None]
        if before:
            candidates = {id(m.entity): m.entity for m in before}
        else:
            previous = [
                m
                for m in registry.mentions
                if m.key < (sentence.paragraph, sentence.start) and m.gender is None
            ]
            # The people of the last sentence that named anyone (`…, said Bruno Havel, an
            # analyst at Orrin Capital. He …`).
            last_sentence = previous[-1].sentence if previous else None
            candidates = {
                id(m.entity): m.entity
                for m in previous
                if m.sentence == last_sentence and not m.entity.organisation
            }
        if len(candidates) == 1:
            next(iter(candidates.values())).vote_gender(gender)


def np_allowed(token: Token) -> bool:
    if not is_word(token):
        return token.text in "’'."
    if token.lower in FUNCTION_WORDS:
        return token.lower in DETERMINERS or token.lower in ("for", "of")
    return token.lower not in SPEECH_VERBS


def _in_compound(tokens: list[Token], index: int) -> bool:
    """Part of a hyphenated compound the tokenizer split (`34` and `-` in `34-year-old`)."""
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    return (
        following is not None
        and tokens[index].end == following.start
        and (tokens[index].text == "-" or following.text == "-")
    )


def joins_names(tokens: list[Token], index: int) -> bool:
    """`and`/`&` between capitalised words: part of a name (`Health and Social Care`)."""
    return (
        tokens[index].lower in ("and", "&")
        and 0 < index < len(tokens) - 1
        and tokens[index - 1].capitalised
        and is_name_word(tokens[index + 1])
    )


def tail_noun_phrase(tokens: list[Token]) -> list[Token]:
    """The noun phrase ending a clause (`…, the diplomat`), scanning back to a boundary."""
    if tokens and tokens[-1].lower in PRONOUNS:
        return tokens[-1:]
    start = len(tokens)
    while start > 0 and (
        np_allowed(tokens[start - 1])
        or joins_names(tokens, start - 1)
        or _in_compound(tokens, start - 1)
    ):
        token = tokens[start - 1]
        if token.lower in DETERMINERS:
            start -= 1
            before = tokens[start - 1] if start > 0 else None
            if before is None or before.lower not in ("for", "of"):
                break
            continue
        if token.lower in ("for", "of") and (
            start - 2 < 0
            or not (
                is_role_head(tokens[start - 2])
                or tokens[start - 2].lower in SPOKESPERSON_NOUNS
                or (tokens[start - 2].capitalised and tokens[start - 2].lower in ORGANISATION_HEADS)
            )
        ):
            break
        start -= 1
    phrase = tokens[start:]
    while phrase and phrase[0].lower in ("for", "of"):
        phrase = phrase[1:]
    return phrase
