"""Attribution clauses: how the narrative next to a quotation names its speaker.

`…,” the minister said`, `X said: “…`, `according to X`: the clause is parsed into a `Reference`
(a name, pronoun, role noun, organisation noun or an unnamed source) for
`search.extract.speakers` to resolve.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from search.extract.lexicon import (
    ASIDE_OPENERS,
    FUNCTION_TITLES,
    FUNCTION_WORDS,
    GENERIC_PERSON_NOUNS,
    HONORIFICS,
    ORGANISATION_HEADS,
    ORGANISATION_NOUNS,
    PARTY_MEMBERS,
    PERSONAL_ORGANISATION_NOUNS,
    ROLE_HEADS,
    SPEECH_VERBS,
    SPOKESPERSON_NOUNS,
    STANCE_VERBS,
    STATEMENT_NOUNS,
    STATEMENT_VERBS,
)
from search.extract.names import (
    DETERMINERS,
    INDEFINITES,
    NP_STOPS_AFTER_VERB,
    PREPOSITIONS,
    PRONOUNS,
    RELATIVE_WORDS,
    SKIPPABLE_BEFORE_VERB,
    Token,
    find_runs,
    gender_of_words,
    is_acronym,
    is_adverb,
    is_initial,
    is_name_word,
    is_past_verb,
    is_role_head,
    is_word,
    joins_names,
    name_tokens,
    np_allowed,
    tail_noun_phrase,
)
from search.extract.quotes import BLANK


@dataclass(frozen=True)
class Reference:
    """How an attribution clause names its speaker, before resolution."""

    kind: str  # "name", "pronoun", "role", "organisation", "anonymous" (`a senior official`)
    key: tuple[int, int]
    words: tuple[str, ...] = ()  # name tokens, or the lower-case words of a role/organisation noun
    gender: str | None = None
    surface: str = ""


_LEAD_IN_VERBS = SPEECH_VERBS | STANCE_VERBS

# --- attribution clauses ----------------------------------------------------------------------


def _strip_before_verb(tokens: list[Token]) -> list[Token]:
    """Drop adverbs and auxiliaries between a subject and its verb (`Hale later said`)."""
    while tokens and (
        tokens[-1].lower in SKIPPABLE_BEFORE_VERB
        or (is_adverb(tokens[-1]) and tokens[-1].lower not in ROLE_HEADS)
    ):
        tokens = tokens[:-1]
    return tokens


def _lead_noun_phrase(tokens: list[Token]) -> list[Token]:
    """The noun phrase opening a clause (`Residents’ association secretary Maud Ferrante put …`),
    cut after its last name or role word."""
    if tokens and tokens[0].lower in PRONOUNS:
        return tokens[:1]
    last_good = -1
    for index, token in enumerate(tokens):
        if not np_allowed(token) or (token.lower in DETERMINERS and index > 0):
            break
        if index > 0 and is_past_verb(token):
            break  # `several groups granted Mr. Voss …`: the subject ends at its verb
        if (
            is_name_word(token)
            or is_role_head(token)
            or token.lower in ORGANISATION_NOUNS
            or token.lower in GENERIC_PERSON_NOUNS
        ):
            last_good = index
    if (
        last_good == 0
        and len(tokens) > 1
        and not tokens[1].capitalised
        and tokens[1].lower not in FUNCTION_WORDS
        and _modifies(tokens[1])
    ):
        # `Small groups of protesters marched`: a capitalised adjective, no name; the phrase
        # runs to its verb, and describes people only if it holds a person noun.
        end = next(
            (i for i, t in enumerate(tokens) if i and (not is_word(t) or not _modifies(t))),
            len(tokens),
        )
        people = any(_is_person_noun(t.lower) for t in tokens[1:end])
        return tokens[:end] if people else []
    return tokens[: last_good + 1]


def _is_person_noun(word: str) -> bool:
    """`protester`, `protesters`, `officials`: a noun for people."""
    singular = word[:-1] if word.endswith("s") else word
    return singular in ROLE_HEADS or bool(GENERIC_PERSON_NOUNS & {word, singular})


def _subject_of(tokens: list[Token]) -> list[Token]:
    """The subject noun phrase just before a verb, seeing past appositives and relative clauses
    (`The club’s architect, Idris Kamara, said`, `Gwen Talbot, who organised it, said`)."""
    tokens = _strip_before_verb(tokens)
    if not tokens:
        return []
    if tokens[-1].text != ",":
        chunk_start = max((i + 1 for i, t in enumerate(tokens) if t.text in ",;:—–("), default=0)
        return _head_of_chunk(tokens[chunk_start:])
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
        and chunk[0].lower not in RELATIVE_WORDS
        and not _is_aside(chunk)
        and not chunk[0].text[:1].isdigit()
        and chunk[0].text != "("
    ][:3]
    # `Tessa Crane, a spokeswoman for the mayor,` or `Leo Burman, director of the Tax Policy
    # Center,`: the name, not the appositive describing it.
    described = [
        chunk
        for chunk in candidates
        if chunk[0].lower not in DETERMINERS and not _names_an_employer(chunk)
    ]
    for chunk in described + candidates:
        phrase = tail_noun_phrase(chunk)
        if phrase and len(phrase) == len(chunk) and any(is_name_word(t) for t in phrase):
            return phrase
    return _head_of_chunk(candidates[0]) if candidates else []


def _names_an_employer(chunk: list[Token]) -> bool:
    """`director of the Tax Policy Center`: the chunk's names follow a preposition."""
    first_name = next((i for i, t in enumerate(chunk) if is_name_word(t)), None)
    return first_name is not None and any(
        t.lower in _COMPLEMENT_PREPOSITIONS for t in chunk[:first_name]
    )


def _is_aside(chunk: list[Token]) -> bool:
    """`for his part`, `in a statement`, `however`: an aside between a subject and its verb."""
    return chunk[0].lower in ASIDE_OPENERS and not any(is_name_word(t) for t in chunk[:1])


def _head_of_chunk(chunk: list[Token]) -> list[Token]:
    """The noun phrase a subject chunk ends with, unless that is the object of a preposition:
    in `A senior aide to Speaker Lowe` the subject is the aide."""
    phrase = tail_noun_phrase(chunk)
    before = len(chunk) - len(phrase) - 1
    if phrase and before > 0 and chunk[before].lower in PREPOSITIONS:
        head = chunk[:before]
        while head and head[0].lower in FUNCTION_WORDS - DETERMINERS:
            head = head[1:]  # `When a man in the back`: the man
        return _lead_noun_phrase(head) or phrase
    return phrase


def _noun_phrase_after_verb(tokens: list[Token]) -> list[Token]:
    """The subject of an inverted clause (`said chairman Viktor Salo, …`); none when the verb
    opens a clause of its own (`Asked whether he …`)."""
    if tokens and tokens[0].lower in FUNCTION_WORDS - DETERMINERS - PRONOUNS.keys():
        return []
    if len(tokens) > 1 and tokens[0].lower in PRONOUNS and is_word(tokens[1]):
        return []  # `said he would go`: the subject of the reported clause
    phrase: list[Token] = []
    for token in tokens:
        if token.text in ",;:—–(“”" or token.lower in NP_STOPS_AFTER_VERB or token.text == BLANK:
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
    if len(phrase) == 1 and phrase[0].lower in PRONOUNS:
        return Reference("pronoun", key, gender=PRONOUNS[phrase[0].lower])
    lowers = [token.lower for token in phrase]
    spokesperson = next((i for i, word in enumerate(lowers) if word in SPOKESPERSON_NOUNS), None)
    named = spokesperson is not None and any(
        is_name_word(t) for t in phrase[spokesperson + 1 : spokesperson + 2]
    )
    if spokesperson is not None and not named:
        rest = (
            phrase[spokesperson + 1 :] if spokesperson + 1 < len(phrase) else phrase[:spokesperson]
        )
        names = tuple(t.word for t in rest if is_name_word(t) or is_acronym(t))
        nouns = tuple(t.lower for t in rest if t.lower in ORGANISATION_NOUNS)
        if names and nouns and nouns[-1] in PERSONAL_ORGANISATION_NOUNS:
            names = (*names, nouns[-1])  # `a Clinton campaign spokesman`: the campaign's
        gender = gender_of_words([lowers[spokesperson]])
        return Reference("organisation", key, names or nouns, gender, surface)
    if lowers[0] in INDEFINITES and len(phrase) > 1 and not phrase[-1].capitalised:
        # `one Liberal source`, `a City Hall official`: described, not named.
        return Reference("anonymous", key, (lowers[-1],), None, surface)
    if _describes_people(phrase):
        # `Small groups of protesters`, `Trump supporters`: people the article does not name.
        return Reference("anonymous", key, (lowers[-1],), None, surface)
    if len(phrase) == 1 and _is_group_plural(phrase[0]):
        # `Protesters chanted`, `Mexicans say`: many people, none of them named.
        return Reference("anonymous", key, (lowers[0],), None, surface)
    if (
        len(phrase) == 1
        and is_name_word(phrase[0])
        and is_role_head(phrase[0])
        and phrase[0].lower not in FUNCTION_TITLES
    ):
        # `Dean, a former party chairman, …`: a capitalised role word alone is a surname.
        return Reference("name", key, (phrase[0].word,), None, surface)
    runs = [run for run in find_runs(phrase) if name_tokens(phrase, run)]
    if runs and any(is_role_head(token) for token in phrase[runs[-1].end :]):
        runs = []  # `the Russian foreign minister`: a capitalised modifier, not a name
    if runs:
        run = runs[_head_run(phrase, runs)]
        if run.end - run.name_first == 1 and phrase[run.name_first].lower in PARTY_MEMBERS:
            return Reference("anonymous", key, (phrase[run.name_first].lower,), None, surface)
        kind = "organisation" if run.organisation else "name"
        return Reference(
            kind, (0, phrase[run.name_first].start), name_tokens(phrase, run), None, surface
        )
    acronyms = tuple(t.word for t in phrase if is_acronym(t))
    if acronyms:
        return Reference("organisation", key, acronyms, None, surface)
    words = tuple(t.lower for t in phrase if t.lower not in DETERMINERS and is_word(t))
    if not words:
        return None
    if words[-1] in ORGANISATION_NOUNS or words[-1] in ORGANISATION_HEADS:
        return Reference("organisation", key, (words[-1],), None, surface)
    if lowers[0] in INDEFINITES:
        return Reference("anonymous", key, words[-1:], None, surface)
    return Reference("role", key, words, gender_of_words(list(words)), surface)


# The speech verb after a closing mark comes within this many words (a name and its appositive).
_LONGEST_SUBJECT = 30
# `“…” ― Ada M. Brennock Ruiz`: a name of up to this many words signs the quotation.
_LONGEST_SIGNATURE = 5
# `Rosa Ilves of Harrow Capital`, `Ned Talvin of Ostmark`, `Ivo Sarrat for Lantern Polling`:
# the name after one of these is the person's employer or home, not the speaker.
_COMPLEMENT_PREPOSITIONS = frozenset({"of", "for", "at", "from", "with", "in"})


def _describes_people(phrase: list[Token]) -> bool:
    """A capitalised word modifying a plain noun phrase about people, with no name after it
    (`Small groups of protesters`, `Trump supporters`, `Clinton aides`)."""
    return (
        len(phrase) > 1
        and is_name_word(phrase[0])
        and not phrase[0].possessive  # `Obama’s former strategist`: one known person
        and is_word(phrase[1])
        and not phrase[1].capitalised
        and phrase[1].lower not in FUNCTION_WORDS
        and _modifies(phrase[1])
        and not any(is_name_word(t) for t in phrase[1:])
        and _is_person_noun(phrase[-1].lower)
    )


def _is_group_plural(token: Token) -> bool:
    """A capitalised plural of people at large: `Protesters`, `Officials`, `Mexicans`."""
    return token.lower.endswith("s") and (
        _is_person_noun(token.lower)
        or token.lower in PARTY_MEMBERS
        or token.lower[:-1].endswith(_DEMONYM_ENDINGS)
    )


# Endings of nationality and home-state nouns (`Mexican`, `Canadian`, `Korean`).
_DEMONYM_ENDINGS = ("ican", "ian", "ean")


def _head_run(phrase: list[Token], runs: list) -> int:
    """Which of the phrase's name runs it is about: the last one, unless that only follows a
    preposition after a person's name (then the person)."""
    for number, (run, following) in enumerate(pairwise(runs)):
        between = phrase[run.end : following.first]
        if (
            not run.organisation
            and run.end - run.name_first >= 2
            and between
            and between[0].lower in _COMPLEMENT_PREPOSITIONS
            and all(t.lower in _COMPLEMENT_PREPOSITIONS | DETERMINERS for t in between)
        ):
            return number
    return len(runs) - 1


def parse_after(tokens: list[Token]) -> Reference | None:
    """Speaker from the words after a closing mark: `said X`, `X said`, `according to X`, and
    a signed comment or epigraph, `“…” ― X` with nothing but the name after the dash."""
    signed = bool(tokens) and tokens[0].text in "―—–"
    while tokens and tokens[0].text in ",;―—–-":
        tokens = tokens[1:]
    if not tokens:
        return None
    if signed:
        name = tokens[:-1] if tokens[-1].text == "." else tokens
        if len(name) <= _LONGEST_SIGNATURE and all(is_name_word(t) or is_initial(t) for t in name):
            return _reference(name, _surface(name))
    if len(tokens) > 2 and tokens[0].lower == "according" and tokens[1].lower == "to":
        return _according_to(tokens[2:])
    if tokens[0].lower in SPEECH_VERBS:
        phrase = _noun_phrase_after_verb(tokens[1:])
        return _reference(phrase, _surface(phrase))
    named = _leading_name(tokens)
    for index, token in enumerate(tokens[:_LONGEST_SUBJECT]):
        if token.lower in SPEECH_VERBS and named and index > len(named):
            # `Ada Voss, who leads the union, said`, `Nate Silver, the guru who founded it,
            # tweeted`: the name the appositive describes.
            return _reference(named, _surface(named))
        if token.lower in SPEECH_VERBS:
            subject = _strip_before_verb(tokens[:index])
            is_pronoun = len(subject) == 1 and subject[0].lower in PRONOUNS
            if not is_pronoun and any(
                t.lower in FUNCTION_WORDS
                and t.lower not in DETERMINERS | {"for", "of"}
                and not joins_names(subject, i)
                for i, t in _outside_appositives(subject)
            ):
                return None
            if any(
                is_name_word(before) and not t.capitalised and t.lower.endswith("ed")
                for before, t in pairwise(subject)
            ):
                return None  # `…,” Voss thanked the crowd, said …`: another clause's subject
            phrase = _subject_of(tokens[:index])
            return _reference(phrase, _surface(phrase))
        if token.text in ".;:“" or (token.lower in RELATIVE_WORDS and not named):
            return None
    return None


def _leading_name(tokens: list[Token]) -> list[Token]:
    """A person's name the words open with, set off by a comma (`Ada M. Voss,`)."""
    comma = next((i for i, t in enumerate(tokens[:6]) if t.text == ","), None)
    name = tokens[:comma] if comma else []
    if len(name) < 2 or not all(is_name_word(t) or is_initial(t) for t in name):
        return []
    runs = find_runs(name)
    return name if len(runs) == 1 and not runs[0].organisation else []


def _outside_appositives(subject: list[Token]) -> list[tuple[int, Token]]:
    """The subject's words but those of an appositive set off by commas after a name (`Leo
    Burman, director of the center and a professor at Syracuse, said`), by index."""
    commas = [i for i, t in enumerate(subject) if t.text == ","]
    if len(commas) < 2 or not any(is_name_word(t) for t in subject[: commas[0]]):
        return list(enumerate(subject))
    return [(i, t) for i, t in enumerate(subject) if i < commas[0] or i > commas[-1]]


def _according_to(tokens: list[Token]) -> Reference | None:
    """`according to the city treasurer, Paul Osei,`: the name in an appositive wins."""
    phrase = _noun_phrase_after_verb(tokens)
    rest = tokens[len(phrase) :]
    if phrase and not any(is_name_word(t) for t in phrase) and rest and rest[0].text == ",":
        appositive = _noun_phrase_after_verb(rest[1:])
        if any(is_name_word(t) for t in appositive):
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
    verbs = [
        i
        for i, token in enumerate(tokens)
        if token.lower in _LEAD_IN_VERBS and not _is_passive(tokens, i)
    ]
    found: Reference | None = None
    for index in reversed(verbs):
        reference = _verb_subject(tokens, index)
        if reference is None:
            continue
        if found is None:
            found = reference
            if found.kind != "pronoun" or found.gender not in ("m", "f"):
                return found
        elif reference.kind != "pronoun":
            # `The governor said he would set up what he called a “…”`: one subject throughout.
            return reference if reference.gender in (None, found.gender) else found
    if found is not None:
        return found
    stripped = [token for token in tokens if token.text.strip()]
    if stripped and stripped[-1].text == ":":
        clause = stripped[:-1]
        start = max((i + 1 for i, t in enumerate(clause) if t.text in ",;—–-"), default=0)
        phrase = _lead_noun_phrase(clause[start:])
        return _reference(phrase, _surface(phrase))
    return None


# `was formally called`, `had been told`: a verb after these has no speaker for its subject.
_PASSIVE_AUXILIARIES = frozenset({"was", "were", "is", "are", "be", "been", "being"})


def _is_passive(tokens: list[Token], index: int) -> bool:
    """Is the verb at `index` passive (`before the race was formally called`)?"""
    before = index - 1
    while before >= 0 and is_adverb(tokens[before]):
        before -= 1
    return before >= 0 and tokens[before].lower in _PASSIVE_AUXILIARIES


def parse_statement_intro(tokens: list[Token]) -> Reference | None:
    """Who gives the statement a sentence announces (`The press secretary, Ida Lorne, read a
    prepared statement.`), for a quotation that follows it without an attribution of its own."""
    for index, token in enumerate(tokens):
        if token.lower in STATEMENT_VERBS and any(
            t.lower in STATEMENT_NOUNS for t in tokens[index + 1 : index + 5]
        ):
            phrase = _subject_of(tokens[:index])
            return _reference(phrase, _surface(phrase))
    return None


def _verb_subject(tokens: list[Token], index: int) -> Reference | None:
    """Who does the verb at `index`: its subject, or the inverted one after it (`said X,`); a
    participle (`…, accusing her opponent of …`) has the sentence's opening noun phrase. After a
    stance verb or a participle comes its object (`accused Lund of`, `asking the crowd to`),
    never an inverted subject."""
    phrase: list[Token] = []
    before = _strip_before_verb(tokens[:index])
    if tokens[index].lower.endswith("ing") and before and is_name_word(before[-1]):
        # `…, with Ivo Brandt reportedly yelling`: the participle's own subject.
        phrase = _subject_of(tokens[:index])
    elif tokens[index].lower.endswith("ing"):
        # The clause's opening noun phrase, past an opening adverbial (`On Friday, she …`).
        starts = [0, *(i + 1 for i, token in enumerate(tokens[:index]) if token.text == ",")]
        start = next(
            (i for i in starts if _lead_noun_phrase(tokens[i:index]) and not _dates(tokens, i)),
            0,
        )
        phrase = _lead_noun_phrase(tokens[start:index])
        lone = len(phrase) == 1 and phrase[0].lower not in PRONOUNS
        following = tokens[start + 1] if index > start + 1 else None
        if lone and following is not None and _modifies(following):
            phrase = []  # `Local papers have taken to calling it`: a capitalised word, no name
    if not phrase:
        phrase = _subject_of(tokens[:index])
    participle = tokens[index].lower.endswith("ing")  # `asking the crowd`: its object
    if participle and not _may_speak(phrase):
        return None  # `…” at the time, adding that “…`: the time says nothing
    if not phrase and tokens[index].lower not in STANCE_VERBS and not participle:
        phrase = _noun_phrase_after_verb(tokens[index + 1 :])
    return _reference(phrase, _surface(phrase))


def _may_speak(phrase: list[Token]) -> bool:
    """Can this noun phrase be someone who speaks: a name, a pronoun, a person's or an
    organisation's noun, a document?"""
    return any(
        is_name_word(t)
        or is_acronym(t)
        or t.lower in PRONOUNS
        or is_role_head(t)
        or _is_person_noun(t.lower)
        or t.lower in ORGANISATION_NOUNS
        or t.lower in ORGANISATION_HEADS
        or t.lower in STATEMENT_NOUNS
        for t in phrase
    )


def _dates(tokens: list[Token], start: int) -> bool:
    """Does the clause at `start` open with a time adverbial (`Hours later,`, `Days ago,`)?"""
    return start + 1 < len(tokens) and tokens[start + 1].lower in _TIME_ADVERBS


# Words that make the noun before them a time adverbial, not a subject (`Hours later`).
_TIME_ADVERBS = frozenset({"later", "earlier", "ago", "before", "after"})


def _modifies(following: Token) -> bool:
    """Does a lone capitalised word modify the word after it (`Local papers`), rather than
    being a subject that a verb follows (`Brandvold ended`, `Brandvold later asked`, `Weaver
    didn’t`, `Trump shot back`)?"""
    return (
        following.text != ","
        and not following.lower.endswith(("ed", "n’t", "n't"))
        and following.lower not in SKIPPABLE_BEFORE_VERB
        and following.lower not in _LEAD_IN_VERBS
        and following.lower not in _IRREGULAR_PAST
    )


# Past tenses without -ed that follow a subject in news copy (`Trump shot back`).
_IRREGULAR_PAST = frozenset(
    """shot took gave made went came got ran won lost left sent kept held brought thought felt
    met saw stood spoke broke chose drove fought led paid sat set hit cut let sold bought fell
    began became knew grew threw wore struck hung rose""".split()
)


def _surface(phrase: list[Token]) -> str:
    words = [token.text for token in phrase]
    if words and words[0].lower() in DETERMINERS:
        words[0] = words[0].lower()
    return " ".join(words).replace(" ’", "’").rstrip(".,")
