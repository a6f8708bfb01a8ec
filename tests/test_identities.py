"""One person under several names across articles is one speaker, unless the corpus makes a
short form ambiguous."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from articles import write_articles

from search.identities import Identities

FULL = """\
Senator Defends Port Bill

“The port bill pays for itself,” said Senator Walter Q. Brennan, the bill's sponsor.

“Nobody here has read the costings,” said Edith Marlow Vance, the opposition leader.
"""

SHORT = """\
Port Bill Passes

“We kept every promise in it,” Brennan said after the vote.

“It is a bad day for the harbour,” said Edith Vance.
"""

# Two people of one family: the bare surname could be either of them.
FAMILY = """\
Two Farrells at the Hearing

“I stand by the figures,” said Nora Farrell.

“So do I,” said Liam Farrell, her brother.
"""

FAMILY_SHORT = """\
Hearing Adjourned

“We will be back next week,” Farrell said.
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_articles(
        tmp_path / "corpus",
        {"full.txt": FULL, "short.txt": SHORT, "family.txt": FAMILY, "later.txt": FAMILY_SHORT},
    )


def _speakers(run) -> dict[str, dict]:
    result = run("speakers", "--format", "json")
    assert result.exit_code == 0, result.output
    return {entry["name"]: entry for entry in json.loads(result.stdout)}


def test_search_speakers_counts_compatible_forms_as_one_person(run) -> None:
    speakers = _speakers(run)
    assert speakers["Walter Q. Brennan"]["quotes"] == 2
    assert "Brennan" in speakers["Walter Q. Brennan"]["aliases"]
    assert speakers["Edith Marlow Vance"]["quotes"] == 2  # as often as Edith Vance, and longer
    assert not {"Brennan", "Edith Vance"} <= set(speakers)


def test_a_surname_two_people_share_stays_apart(run) -> None:
    speakers = _speakers(run)
    assert speakers["Nora Farrell"]["quotes"] == speakers["Liam Farrell"]["quotes"] == 1
    assert speakers["Farrell"]["quotes"] == 1


def test_speaker_filter_finds_every_form_of_the_identity(run) -> None:
    for name in ("Walter Brennan", "Walter Q. Brennan", "W. Q. Brennan", "brennan"):
        result = run("quotes", "--speaker", name, "--format", "json")
        assert result.exit_code == 0, (name, result.output)
        assert len(json.loads(result.stdout)) == 2, name


def test_a_full_name_does_not_take_an_ambiguous_surname(run) -> None:
    result = run("quotes", "--speaker", "Nora Farrell", "--format", "json")
    assert [quote["speaker"] for quote in json.loads(result.stdout)] == ["Nora Farrell"]


def test_speaker_facet_counts_an_identity_once(run) -> None:
    result = run("port", "OR", "promise", "--facet", "speaker", "--format", "json")
    facet = json.loads(result.stdout)["facets"]["speaker"]
    assert facet.get("Walter Q. Brennan") == 2 and "Brennan" not in facet


@pytest.mark.parametrize(
    ("forms", "together", "apart"),
    [
        (["donald trump", "donald j trump", "trump"], ["donald trump", "trump"], []),
        (["hillary rodham clinton", "hillary clinton"], ["hillary clinton"], []),
        (["bill clinton", "hillary clinton", "clinton"], [], ["clinton"]),
        (["martin luther king jr", "martin king"], ["martin king"], []),
        (["john a smith", "john b smith", "john smith"], [], ["john smith"]),
    ],
)
def test_identities_merge_only_unambiguous_forms(
    forms: list[str], together: list[str], apart: list[str]
) -> None:
    identities = Identities({form: 1 for form in forms})
    head = identities.of(forms[0])
    assert all(identities.of(form) == head for form in together)
    assert all(identities.of(form).forms == {form} for form in apart)


def test_the_most_quoted_full_form_names_the_identity() -> None:
    identities = Identities({"hillary rodham clinton": 2, "hillary clinton": 9, "clinton": 20})
    assert identities.of("clinton").key == "hillary clinton"
