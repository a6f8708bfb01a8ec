"""Who said it: each quotation's speaker, resolved to a person or organisation the article names.

Two passes over the narrative (the text outside quotation marks):

1. *Registry* (`search.extract.names`): every name, with its roles, titles, gender and kind.
2. *Attribution*: for each quotation the attribution clause next to it is parsed into a reference
   (`search.extract.clauses`) and resolved here against the registry and the mentions seen so far: a
   name, a pronoun, a role noun, an organisation noun or an unnamed source (no speaker). A
   quotation with no clause of its own continues the speaker before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.extract.clauses import (
    Reference,
    parse_after,
    parse_lead_in,
    parse_statement_intro,
)
from search.extract.lexicon import (
    ANONYMITY_CUES,
    DEPUTY_WORDS,
    DOCUMENT_NOUNS,
    GENERIC_ORGANISATION_NOUNS,
    GENERIC_PERSON_NOUNS,
    ORGANISATION_HEADS,
    ORGANISATION_NOUNS,
    PARTY_NOUNS,
    ROLE_HEADS,
    ROLE_SYNONYMS,
    SPEECH_VERBS,
    STANCE_VERBS,
)
from search.extract.names import (
    Entity,
    Mention,
    NarrativePronoun,
    Registry,
    SentenceView,
    Token,
    build_registry,
    is_word,
    narrative_pronouns,
    tokenize,
    without_parentheticals,
)
from search.extract.quotes import CLOSE, OPEN, QuoteSpan, Sentence, is_non_statement


@dataclass(frozen=True)
class Attribution:
    """The resolved speaker of one quotation and the sentences its attribution was read from."""

    speaker: Entity | None
    sentences: tuple[int, ...]
    continues: int | None = None  # index of the quotation whose speaker this one continues
    # The sentence just before the quotation that named the speaker a pronoun refers to.
    antecedent: int | None = None
    # How the speaker was found: the kind of the attribution's reference (`name`, `pronoun`,
    # `role`, `organisation`), or `continuation` of the quotation before.
    method: str = "continuation"
    # `a ferry company spokesman`: the article's words for a source it does not name (speaker None).
    described_as: str | None = None
    # False for a scare quote, a quoted name or a title: words in quote marks that nobody says.
    statement: bool = True


# --- resolution -------------------------------------------------------------------------------


class Resolver:
    """Resolves references in reading order, remembering who was mentioned most recently."""

    def __init__(self, registry: Registry, views: list[SentenceView]) -> None:
        self.registry = registry
        self.views = views
        # Words the article writes in lower case: `Hours` or `Others` opening a sentence is one.
        self.common_words = {t.lower for v in views for t in v.tokens if not t.capitalised}
        self.history: list[Mention] = list(registry.mentions)
        self.antecedent = -1  # sentence of the mention the last pronoun was resolved to
        self.unnamed = list(registry.unnamed)  # unnamed people: role noun and place
        # What the registry made of each name where it stands, titles and all (`Mrs. Lund`).
        self.named_at = {mention.key: mention.entity for mention in registry.mentions}
        # `he` and `she` of the narrative, by position: each continues the chain it refers to.
        self.narrative_pronouns: list[NarrativePronoun] = []

    def read_narrative_up_to(self, key: tuple[int, int]) -> None:
        """Resolve the narrative's `he` and `she` before `key`, so that a later pronoun finds
        the person the text kept talking about (`he said, replacing Clinton would … Joe Biden.
        That’s why, he argued, …` keeps to the first `he`), not the last name in passing."""
        while self.narrative_pronouns and self.narrative_pronouns[0][0] <= key:
            at, gender, sentence = self.narrative_pronouns.pop(0)
            if at == key:
                continue  # the attribution's own pronoun, resolved by the caller
            if entity := self._pronoun(Reference("pronoun", at, gender=gender), vote=False):
                self.history.append(Mention(entity, at, gender, sentence, subject=True))
        self.antecedent = -1

    def names_someone(self, reference: Reference | None) -> Reference | None:
        """The reference, but a lone capitalised word that the article names nobody by and
        writes elsewhere in lower case (`Others shouted`) describes people it does not name."""
        if (
            reference is not None
            and reference.kind == "name"
            and len(reference.words) == 1
            and reference.words[0].lower() in self.common_words
            and self.registry.find(reference.words, (10**9, 0)) is None
        ):
            word = reference.words[0].lower()
            return Reference("anonymous", reference.key, (word,), None, reference.surface)
        return reference

    def resolve(self, reference: Reference) -> Entity | None:
        self.antecedent = -1
        entity = {
            "name": self._name,
            "pronoun": self._pronoun,
            "role": self._role,
            "organisation": self._organisation,
            "anonymous": self._anonymous,
        }[reference.kind](reference)
        if entity is not None:
            self.history.append(Mention(entity, reference.key, reference.gender, subject=True))
            if reference.kind in ("role", "organisation") and reference.surface:
                entity.forms.add(reference.surface)
        return entity

    def _recent(self, key: tuple[int, int]) -> list[Mention]:
        return sorted((m for m in self.history if m.key < key), key=lambda m: m.key, reverse=True)

    def _name(self, reference: Reference) -> Entity | None:
        entity = self.named_at.get(reference.key) or self.registry.find(
            reference.words, reference.key
        )
        if entity is None:
            entity = self.registry.link(reference.words, reference.key, -1)
        entity.person = entity.person or not entity.organisation
        return entity

    def _pronoun(self, reference: Reference, vote: bool = True) -> Entity | None:
        """The latest compatible mention, preferring the subject of its sentence: first among
        mentions shown to be people, then among any full names. A pronoun that attributes a
        quotation also `vote`s its gender to an entity whose gender was unknown."""
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
            if reference.gender and self._gender_of(chosen) is None:
                # `she` after `Barack Obama … Tina Houchins`: a close mention known to agree
                # beats a closer one whose gender nothing shows.
                chosen = next(
                    (
                        m
                        for m in compatible[1:]
                        if m.sentence >= chosen.sentence - 1
                        and self._gender_of(m) == reference.gender
                    ),
                    chosen,
                )
            if chosen.sentence >= 0 and not chosen.subject:
                chosen = next(
                    (m for m in compatible if m.sentence == chosen.sentence and m.subject), chosen
                )
            entity = chosen.entity
            self.antecedent = chosen.sentence
            if vote and chosen.gender is None and entity.gender is None and reference.gender:
                entity.vote_gender(reference.gender)
            entity.person = entity.person or chosen.gender is None
            return entity
        return None

    @staticmethod
    def _gender_of(mention: Mention) -> str | None:
        return mention.gender or mention.entity.gender

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
        return known is None or gender is None or known == gender

    def _anonymous(self, reference: Reference) -> None:
        """Nobody the article names; a later `the official` may still mean this one."""
        self.unnamed.append((reference.words[-1], reference.key))

    def _role(self, reference: Reference) -> Entity | None:
        """The person introduced with this role; for a document (`the report`), whoever issued
        it; else, for a definite description of a person nobody holds (`the Darnford Democrat`),
        the person last spoken of, as for a pronoun."""
        surname = reference.surface
        if surname[:1].isupper() and " " not in surname:
            # `King says …` after `Billie Jean King`: a title word that is someone's surname.
            named = self.registry.find((surname,), reference.key)
            if named is not None and not named.organisation:
                return named
        words = reference.words
        if "of" in words[1:]:
            words = words[: words.index("of", 1)]  # `the mother of three`: the mother
        head, modifiers = words[-1], set(words[:-1])
        accepted = {head} | ROLE_SYNONYMS.get(head, frozenset())
        best: list[tuple[int, Entity]] = []
        for entity in self.registry.entities:
            words = entity.role_words
            if entity.organisation or not words & accepted:
                continue
            # A `lieutenant governor` is not `the governor`.
            best.append((len(words & modifiers) - len(words & DEPUTY_WORDS - modifiers), entity))
        unnamed = max(
            (key for noun, key in self.unnamed if noun == head and key < reference.key),
            default=(-1, -1),
        )
        if not best and head in DOCUMENT_NOUNS:
            introduced, issuer = self._issuer(head, reference.key)
            if introduced:
                return issuer  # None: a document from someone the article does not name
        if not best:
            if (
                unnamed > (-1, -1)
                or not _DEFINITE.match(reference.surface)
                or head in GENERIC_PERSON_NOUNS  # `the person said`: nobody the article names
                # `the crowd`, `the announcer`: no description of a person or their document.
                or not (head in ROLE_HEADS or head in PARTY_NOUNS or head in DOCUMENT_NOUNS)
            ):
                return None
            return self._pronoun(Reference("pronoun", reference.key, gender=reference.gender))
        top = max(score for score, _ in best)
        candidates = [entity for score, entity in best if score == top]
        entity = self._latest(candidates, reference.key)
        last_named = max(
            (m.key for m in self.history if m.entity is entity and m.key < reference.key),
            default=(-1, -1),
        )
        return None if unnamed > last_named else entity

    def _issuer(self, noun: str, key: tuple[int, int]) -> tuple[bool, Entity | None]:
        """Who issued the document `noun` names (`the report said`): in the latest sentence
        before `key` that mentions such a document, the name just before the noun (`the
        Sixth Circuit’s ruling`, `a Clinton ad`), else the one after `by` or `from` (`a report by
        the Tax Fund`), else the sentence's named subject. The first value says whether a
        sentence introduced the document at all (`a group of parents sent a letter`: yes, but
        from nobody the article names)."""
        earlier = [v for v in self.views if (v.sentence.paragraph, v.sentence.start) <= key]
        for view in reversed(earlier[-_ISSUER_REACH:]):
            tokens = view.tokens
            nouns = [
                i
                for i, t in enumerate(tokens)
                if t.lower in (noun, noun + "s") and (view.sentence.paragraph, t.start) < key
            ]
            if not nouns:
                continue
            mentions = [m for m in self.registry.mentions if m.sentence == view.sentence.index]
            at = tokens[nouns[-1]]
            before = [m for m in mentions if m.key[1] < at.start]
            after = [m for m in mentions if m.key[1] > at.start]
            gap = tokens[max(0, nouns[-1] - 3) : nouns[-1]]
            if before and any(t.start >= before[-1].key[1] for t in gap):
                return True, before[-1].entity  # named just before the noun
            reach = range(nouns[-1] + 1, min(len(tokens), nouns[-1] + _BY_REACH))
            by = next((tokens[i] for i in reach if tokens[i].lower in ("by", "from")), None)
            issued_by = [m for m in after if by is not None and m.key[1] > by.start]
            if issued_by:
                return True, issued_by[0].entity  # `a memo sent on Monday by Nadia Fell`
            subjects = [m for m in before if m.subject]
            return True, subjects[0].entity if subjects else None
        return False, None

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
        candidates = [entity for score, entity in scored if score == top]
        # `the company said`: the company that acts in the text, not one merely cited.
        acting = [
            m.entity
            for m in self._recent(reference.key)
            if m.subject and any(m.entity is entity for entity in candidates)
        ]
        return acting[0] if acting else self._latest(candidates, reference.key)

    def _latest(self, candidates: list[Entity], key: tuple[int, int]) -> Entity | None:
        """The candidate mentioned last before `key`, else the first one mentioned after it."""
        for mention in self._recent(key):
            if any(mention.entity is candidate for candidate in candidates):
                return mention.entity
        return candidates[0] if candidates else None


# How many sentences back a document's issuer is looked for (`A report by … found …`).
_ISSUER_REACH = 6
# How many words after the document's noun its `by` may come (`a memo sent on Monday by …`).
_BY_REACH = 8

# A definite description: `the Darnford Democrat`, `Obama’s former campaign strategist`.
_DEFINITE = re.compile(r"(?:the|[A-Z][\w.-]*[’']s)\s")

# How often each way of finding a speaker gave the right one on real news (PolNeAR's dev split,
# rounded down): a name in the attribution clause is nearly always right; a pronoun, a
# continued speaker or a role or organisation noun each needs the right antecedent as well.
_CONFIDENCE_BY_METHOD = {
    "name": 0.92,
    "continuation": 0.75,
    "pronoun": 0.7,
    "organisation": 0.55,
    "role": 0.45,
}


def confidence(attribution: Attribution) -> float:
    """How likely the speaker is right (0 to 1), from how the attribution was read."""
    return _CONFIDENCE_BY_METHOD[attribution.method]


# --- the whole article ------------------------------------------------------------------------


def attribute(
    blanked: list[str], sentences: list[Sentence], spans: list[QuoteSpan]
) -> list[Attribution]:
    """The speaker of every quotation in `spans` (None for scare quotes and quoted titles)."""
    if _all_capitals(blanked):
        # Capitals hide which words are names (`FOR THREE YEARS THE PARTY`) and which quoted
        # words are titles: no guessing.
        return [Attribution(None, (), statement=False) for _ in spans]
    views = [SentenceView(s, without_parentheticals(tokenize(s.text, s.start))) for s in sentences]
    registry = build_registry(views)
    resolver = Resolver(registry, views)
    resolver.narrative_pronouns = narrative_pronouns(views)
    subjects: dict[int, list[Entity]] = {}  # who each sentence names as a subject
    for mention in registry.mentions:
        if mention.subject:
            subjects.setdefault(mention.sentence, []).append(mention.entity)
    results: list[Attribution] = []
    previous_statement: int | None = None
    for index, span in enumerate(spans):
        opening = _sentence_at(sentences, span.paragraph, span.open_at)
        closing_offset = (
            span.close_at if span.close_at is not None else len(blanked[span.close_paragraph]) - 1
        )
        closing = _sentence_at(sentences, span.close_paragraph, closing_offset)
        lead_in_text = _lead_in(blanked, opening, span)
        lead_start = span.open_at - len(lead_in_text)
        lead_tokens = [
            t for t in views[opening.index].tokens if lead_start <= t.start < span.open_at
        ]
        used = {opening.index, closing.index}
        reference = None
        resolver.antecedent = -1
        if span.close_at is not None:
            opens_sentence = not lead_in_text.strip(" “”‘’—–-")
            after_tokens = _after_tokens(blanked, views, closing, span, opens_sentence)
            reference = resolver.names_someone(parse_after(after_tokens[0]))
            if reference is not None:
                reference = _placed(reference, span.close_paragraph)
                used.add(after_tokens[1])
        if reference is None:
            reference = resolver.names_someone(parse_lead_in(lead_tokens))
            if reference is not None:
                reference = _placed(reference, span.paragraph)
        resolver.read_narrative_up_to(
            reference.key if reference is not None else (span.paragraph, span.open_at)
        )
        speaker = resolver.resolve(reference) if reference is not None else None
        described_as = None
        if reference is not None and speaker is None and reference.kind != "pronoun":
            # `a spokesman`, `officials`, `the company` that names no one in the article.
            described_as = reference.surface or None
        if (
            speaker is not None
            and reference is not None
            and reference.kind in ("role", "pronoun")
            and _unnamed_source(registry, sentences, {*used, opening.index - 1}, speaker)
        ):
            speaker = None
            described_as = reference.surface or None
        continues = None
        attributed = speaker is not None or described_as is not None
        if reference is None:
            speaker, continues = _continuation(
                spans, results, previous_statement, span, views, sentences, opening, resolver
            )
            # `X said … and accused Y of “…”`: a verb in the lead-in shares X as its subject.
            attributed = speaker is not None and any(
                t.lower in SPEECH_VERBS or t.lower in STANCE_VERBS for t in lead_tokens
            )
        if is_non_statement(span, lead_in_text, attributed):
            results.append(Attribution(None, tuple(sorted(used)), statement=False))
            continue
        if reference is None and speaker is not None:
            resolver.history.append(Mention(speaker, (span.paragraph, span.open_at), subject=True))
        antecedent = resolver.antecedent if resolver.antecedent == opening.index - 1 else None
        if (
            antecedent is None
            and speaker is not None
            and speaker in subjects.get(opening.index - 1, ())
        ):
            antecedent = opening.index - 1  # `X spoke on Wednesday. “…,” the governor said.`
        method = reference.kind if reference is not None else "continuation"
        results.append(
            Attribution(speaker, tuple(sorted(used)), continues, antecedent, method, described_as)
        )
        previous_statement = index
    return results


_LOWER_CASE = re.compile(r"[^\W\d_A-Z\u00c0-\u00de]")
_UPPER_CASE = re.compile(r"[A-Z\u00c0-\u00de]")


def _all_capitals(blanked: list[str]) -> bool:
    """Narrative set all in capitals (old wire copy, headlines): at least 40 letters, 90% upper."""
    text = " ".join(blanked)[:2000]  # a sample is enough to tell, and keeps this cheap
    lower = len(_LOWER_CASE.findall(text))
    upper = len(_UPPER_CASE.findall(text))
    return lower + upper >= 40 and upper >= 9 * lower


def _unnamed_source(
    registry: Registry, sentences: list[Sentence], indices: set[int], speaker: Entity
) -> bool:
    """`…,” the official said, speaking on condition of anonymity`: a source kept unnamed, so a
    role noun or pronoun near it is not whoever the article last named (unless named beside the
    cue: `Lund, who spoke on condition of anonymity`)."""
    named_in = {m.sentence for m in registry.mentions if m.entity is speaker}
    return any(
        0 <= i < len(sentences)
        and i not in named_in
        and any(cue in sentences[i].text for cue in ANONYMITY_CUES)
        for i in indices
    )


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
    blanked: list[str],
    views: list[SentenceView],
    sentence: Sentence,
    span: QuoteSpan,
    opens_sentence: bool,
) -> tuple[list[Token], int]:
    """Tokens after the closing mark up to the next opening mark or the sentence end.

    When the quotation ends its sentence, the next sentence may be its attribution: a short one
    (`“Why?” Lu asked.`), or, for a quotation that opens its sentence too, one whose speech verb
    comes within its first words (`“Why?” Lu asked reporters at a news conference last month.`)."""
    assert span.close_at is not None
    text = blanked[span.close_paragraph]
    stop = text.find(OPEN, span.close_at + 1, sentence.end)
    stop = sentence.end if stop < 0 else stop
    tokens = [t for t in views[sentence.index].tokens if span.close_at < t.start < stop]
    if any(is_word(token) for token in tokens) or sentence.index + 1 >= len(views):
        return tokens, sentence.index
    following = views[sentence.index + 1]
    words = [token for token in following.tokens if is_word(token)]
    if (
        following.sentence.paragraph != sentence.paragraph
        or (
            len(words) > 8
            and not (opens_sentence and any(t.lower in SPEECH_VERBS for t in words[:4]))
        )
        or OPEN in following.sentence.text
    ):
        return tokens, sentence.index
    return following.tokens, following.sentence.index


def _continuation(
    spans: list[QuoteSpan],
    results: list[Attribution],
    previous_statement: int | None,
    span: QuoteSpan,
    views: list[SentenceView],
    sentences: list[Sentence],
    opening: Sentence,
    resolver: Resolver,
) -> tuple[Entity | None, int | None]:
    """Speaker of a quotation with no attribution of its own: the previous quotation's speaker in
    the same paragraph, else the subject of a speech verb in the sentence just before (or, for a
    quotation opening its paragraph, of `read a statement`), else the previous quotation's
    speaker."""
    same_paragraph = (
        previous_statement is not None
        and spans[previous_statement].close_paragraph == span.paragraph
    )
    if same_paragraph and previous_statement is not None:
        return results[previous_statement].speaker, previous_statement
    if opening.index > 0:
        before = views[opening.index - 1]
        if OPEN not in before.sentence.text and before.sentence.paragraph >= span.paragraph - 1:
            reference = resolver.names_someone(parse_lead_in(before.tokens))
            if reference is None and span.open_at == 0:
                reference = parse_statement_intro(before.tokens)
            if reference is not None:
                reference = _placed(reference, before.sentence.paragraph)
                entity = resolver.resolve(reference)
                if entity is not None:
                    resolver.antecedent = before.sentence.index
                    return entity, None
    if previous_statement is not None:
        return results[previous_statement].speaker, previous_statement
    return None, None
