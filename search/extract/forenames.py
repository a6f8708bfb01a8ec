"""The gender a first name usually has, so that `she said` does not go to a Brian.

The lists are the US Census Bureau's 1990 first names with their frequencies by sex, as the
`names` package ships them (public-domain data, MIT-licensed package, 6,000 names in 150 kB).
A name counts as one gender only where that sex holds it at least nine times as often as the
other, and holds it as at least one person in 20,000 (0.005%): `Jordan` or `Leslie` give no
gender, nor does a rare entry that is more often a family name elsewhere (`Lu`, as in Lu
Shaye), nor a name the lists lack.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

_CLEAR_MAJORITY = 9.0
_COMMON_PERCENT = 0.005


def _frequencies(list_name: str) -> dict[str, float]:
    text = files("names").joinpath(list_name).read_text("ascii")
    table: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            table[parts[0].lower()] = float(parts[1])
    return table


@cache
def _genders() -> dict[str, str]:
    male, female = _frequencies("dist.male.first"), _frequencies("dist.female.first")
    genders: dict[str, str] = {}
    for name in male.keys() | female.keys():
        he, she = male.get(name, 0.0), female.get(name, 0.0)
        if max(he, she) < _COMMON_PERCENT:
            continue
        if he >= _CLEAR_MAJORITY * she:
            genders[name] = "m"
        elif she >= _CLEAR_MAJORITY * he:
            genders[name] = "f"
    return genders


def gender_of_first_name(name: str) -> str | None:
    """`m`, `f`, or None when the name is rare, shared by both sexes, or not a first name."""
    return _genders().get(name.lower())
