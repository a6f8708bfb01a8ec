"""One person under several names across the corpus: `Obama` and `Barack Obama`, `Hillary
Rodham Clinton` and `Hillary Clinton`, `Donald J. Trump` and `Donald Trump`.

Each article names its speakers in the fullest form it gives them; across articles the forms
differ. Two forms are one identity when the shorter one's parts all appear, in order, in the
longer one with the same surname (an initial stands for any part it begins), and when that is
unambiguous in the corpus: `Clinton` stays apart when both `Hillary Clinton` and `Bill Clinton`
are quoted. Forms are name keys (`search.engine.keys.name_key`: lower case, accents folded, words
joined by spaces), so the table needs nothing but the distinct speaker keys and their counts.
A name that is no one's finds the identities nearest it, compared part for part.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

# Generational suffixes follow the surname; they never are one.
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
# How alike a name must be to a known one, part for part (0 to 1), to be offered instead:
# `lavrof` is 0.83 like `lavrov`, `lavrov` 0.25 like `lu shaye`.
CLOSE_ENOUGH = 0.7


@dataclass(frozen=True)
class Identity:
    """The forms of one person's name; `key` is the one to show, the most quoted full name."""

    key: str
    forms: frozenset[str]
    ambiguous: bool = False  # a form several identities could claim, kept apart from all


class Identities:
    """Speaker keys grouped into identities, with lookups both ways.

    A surname's forms are grouped when first asked about: a search with a --speaker needs only
    the surnames it names, out of tens of thousands.
    """

    def __init__(self, counts: Mapping[str, int]) -> None:
        self._counts = counts
        self._parts = {form: parts for form in counts if (parts := _parts(form))}
        self._by_surname: dict[str, list[str]] = {}
        for form, parts in self._parts.items():
            self._by_surname.setdefault(parts[-1], []).append(form)
        self._by_form: dict[str, Identity] = {}
        self._by_word: dict[str, list[str]] | None = None  # `_holding`, built when first asked

    def of(self, form: str) -> Identity:
        """The identity `form` belongs to; a form never seen is an identity of its own."""
        if form not in self._by_form and form in self._parts:
            self._group_surname(self._parts[form][-1])
        return self._by_form.get(form) or Identity(form, frozenset({form}))

    def claimed_by(self, name: str) -> set[str]:
        """Every form of every identity `name` refers to: one whose forms it matches part for
        part (`Lu` matches `Lu Shaye`), and one it would join as a form of its own
        (`Donald J. Trump` joins `Donald Trump`)."""
        wanted, name_parts = name.split(), _parts(name)
        if not wanted:
            return set()
        forms: set[str] = set()
        for form in self._holding(wanted):
            if form not in forms and all(part in form.split() for part in wanted):
                forms |= self.of(form).forms
        for form in self._by_surname.get(name_parts[-1], ()):
            identity = self.of(form)
            if not identity.ambiguous and _within(self._parts[form], name_parts):
                forms |= identity.forms
        return forms

    def _holding(self, words: list[str]) -> list[str]:
        """The forms holding the rarest of `words`, a superset of those holding them all:
        looked up, where going through every form cost a --speaker search milliseconds."""
        if self._by_word is None:
            by_word: dict[str, list[str]] = {}
            for form in self._parts:
                for word in set(form.split()):
                    by_word.setdefault(word, []).append(form)
            self._by_word = by_word  # whole, once built: threads share an Identities
        return min((self._by_word.get(word, []) for word in words), key=len)

    def closest(self, name: str, limit: int = 3) -> list[str]:
        """The keys of the identities nearest `name`, most alike first, compared part for part:
        a misspelt surname alone (`lavrof`) finds `sergey lavrov`, which the whole names,
        compared as strings, are too unlike to show."""
        wanted = name.split()
        if not wanted:
            return []
        scored = []
        for identity in self:
            best = max(_closeness(wanted, form.split()) for form in identity.forms)
            if best >= CLOSE_ENOUGH:
                scored.append((-best, identity.key))
        return [key for _, key in sorted(scored)[:limit]]

    def __iter__(self) -> Iterator[Identity]:
        for surname in self._by_surname:
            yield from self._group_surname(surname)

    def _group_surname(self, surname: str) -> list[Identity]:
        forms = self._by_surname[surname]
        if forms[0] in self._by_form:
            return list({self._by_form[form].key: self._by_form[form] for form in forms}.values())
        identities = _group(forms, self._parts, self._counts)
        # All of a surname's forms at once: a server's threads share one Identities, and one
        # must never see some of the forms grouped and not the others.
        self._by_form.update((form, identity) for identity in identities for form in identity.forms)
        return identities


def _group(
    group: list[str], parts: Mapping[str, tuple[str, ...]], counts: Mapping[str, int]
) -> list[Identity]:
    """Identities among forms sharing a surname: the longest first found clusters, and a
    shorter one joins the one cluster it fits, or stays alone when it fits several."""
    clusters: list[list[str]] = []
    alone: list[str] = []
    for form in sorted(group, key=lambda form: (-len(parts[form]), form)):
        fitting = [cluster for cluster in clusters if _within(parts[form], parts[cluster[0]])]
        if len(fitting) == 1:
            fitting[0].append(form)
        elif fitting:
            alone.append(form)
        else:
            clusters.append([form])
    identities = [
        Identity(_shown(cluster, parts, counts), frozenset(cluster)) for cluster in clusters
    ]
    identities += [Identity(form, frozenset({form}), ambiguous=True) for form in alone]
    return identities


def _shown(
    cluster: list[str], parts: Mapping[str, tuple[str, ...]], counts: Mapping[str, int]
) -> str:
    """The most quoted form with a given name, else the most quoted form (longer on ties)."""
    full = [form for form in cluster if len(parts[form]) > 1] or cluster
    return max(full, key=lambda form: (counts.get(form, 0), len(form), form))


def _parts(form: str) -> tuple[str, ...]:
    """A name key's parts without a generational suffix: the surname is the last."""
    parts = form.split()
    while len(parts) > 1 and parts[-1] in _SUFFIXES:
        parts.pop()
    return tuple(parts)


def _within(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Is `short` a form of `long`: the same surname, and each given name of `short` matching,
    in order, one of `long` (an initial matches any name it begins, either way)?"""
    if not short or not long or short[-1] != long[-1] or len(short) > len(long):
        return False
    remaining = iter(long[:-1])
    return all(any(_same_part(part, other) for other in remaining) for part in short[:-1])


def _same_part(one: str, other: str) -> bool:
    if one == other:
        return True
    return (len(one) == 1 and other.startswith(one)) or (len(other) == 1 and one.startswith(other))


def _closeness(wanted: list[str], parts: list[str]) -> float:
    """How alike each part of `wanted` is to the most similar of `parts`, on average."""
    alike = (max(SequenceMatcher(None, one, other).ratio() for other in parts) for one in wanted)
    return sum(alike) / len(wanted)
