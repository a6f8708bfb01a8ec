"""General news conventions the attribution rules cover, each on a small invented article."""

from __future__ import annotations

import datetime as dt

from search.corpus import parse_article
from search.extract import extract
from search.model import Extraction


def run(text: str) -> Extraction:
    article = parse_article("test.txt", text)
    assert article is not None
    return extract(article)


def speakers(extraction: Extraction) -> list[str | None]:
    return [quote.speaker for quote in extraction.quotes]


# --- titles and roles -------------------------------------------------------------------------


def test_abbreviated_titles_are_written_out_as_roles() -> None:
    extraction = run(
        "T\n\n“We will fund it,” said Gov. Alma Rusk.\n\n"
        "“Not this year,” said Lt. Gov. Bram Tolliver.\n\n"
        "“We need a vote first,” said state Sen. Odile Varnum.\n\n"
        "“The money is there,” the governor said."
    )
    assert [(q.speaker, q.role) for q in extraction.quotes] == [
        ("Alma Rusk", "Governor"),
        ("Bram Tolliver", "Lieutenant Governor"),
        ("Odile Varnum", "state Senator"),
        ("Alma Rusk", "Governor"),
    ]


def test_appositive_role_stops_before_a_relative_clause() -> None:
    quote = run(
        "T\n\n“Turnout will decide it,” said Ivo Brennecke, a statistician at Corlan College "
        "who runs the survey."
    ).quotes[0]
    assert (quote.speaker, quote.role) == ("Ivo Brennecke", "statistician at Corlan College")


def test_role_phrase_before_a_speech_verb_is_a_subject_not_an_appositive() -> None:
    extraction = run(
        "T\n\nMayor Enzo Ravelli sent the plan to the Assembly on Friday.\n\n"
        "In a letter to the Assembly, the mayor said the plan “will pay for itself.”"
    )
    assert speakers(extraction) == ["Enzo Ravelli"]


def test_party_label_describing_the_last_person_named() -> None:
    extraction = run(
        "T\n\nThe measure’s author, Rep. Wilma Osei, said she would try again. "
        "“We came close,” the Darnford Democrat said."
    )
    assert speakers(extraction) == ["Wilma Osei"]


# --- who the subject is -----------------------------------------------------------------------


def test_name_wins_over_its_appositive_naming_someone_else() -> None:
    extraction = run(
        "T\n\nSenator Hugo Brandvold skipped the vote.\n\n"
        "Pia Lindqvist, a spokeswoman for Brandvold, said he was “reviewing every option.”"
    )
    assert speakers(extraction) == ["Pia Lindqvist"]


def test_unnamed_sources_get_no_speaker() -> None:
    extraction = run(
        "T\n\nMinister Lotte Grauman opened the port on Monday.\n\n"
        "A senior aide to Minister Lotte Grauman, who asked not to be named, said the deal "
        "“is all but done.”\n\n"
        "A harbour official, who was not authorised to speak, said cranes were idle. "
        "“Nothing moves until Friday,” the official said.\n\n"
        "“We are ready,” Grauman said."
    )
    assert speakers(extraction) == [None, None, "Lotte Grauman"]


def test_pronoun_in_a_clause_about_an_unnamed_person_tells_nothing_of_the_named_one() -> None:
    extraction = run(
        "T\n\nDr. Noor al-Sabbagh, head of the Coastal Survey, presented the maps.\n\n"
        "An engineer, who said he had worked on the survey, praised them.\n\n"
        "“The maps are ours,” she said."
    )
    assert speakers(extraction) == ["Noor al-Sabbagh"]


# --- names ------------------------------------------------------------------------------------


def test_particles_match_whatever_their_case() -> None:
    extraction = run(
        "T\n\nThe vote was chaired by Joost van den Broek and Femke de Wit.\n\n"
        "“It passed,” Van den Broek said. “Barely,” De Wit said."
    )
    assert speakers(extraction) == ["Joost van den Broek", "Femke de Wit"]


def test_arabic_names_and_a_role_with_two_objects() -> None:
    extraction = run(
        "T\n\n“Water is life,” Minister of Health and Housing Salim bin Rashid al-Kuwari "
        "said on arrival.\n\n“We will build,” Al-Kuwari said."
    )
    assert [(q.speaker, q.role) for q in extraction.quotes] == [
        ("Salim bin Rashid al-Kuwari", "Minister of Health and Housing"),
        ("Salim bin Rashid al-Kuwari", "Minister of Health and Housing"),
    ]


def test_organisation_names_with_of_and_and() -> None:
    extraction = run(
        "T\n\nThe Tarlow Chamber of Commerce, which represents 400 shops, said it was "
        "“deeply worried.”\n\n"
        "A Department of Roads and Bridges spokesperson said: “Work starts in May.”"
    )
    assert speakers(extraction) == [
        "Tarlow Chamber of Commerce",
        "Department of Roads and Bridges",
    ]


# --- dates ------------------------------------------------------------------------------------


def test_date_of_a_subordinate_event_is_not_when_the_words_were_said() -> None:
    extraction = run(
        "T\n\nKELLMORE, May 8, 2024 — Ines Varga blamed the council for cancelling the fair "
        "on Monday. “It was a mistake,” Varga told reporters."
    )
    assert extraction.quotes[0].date == dt.date(2024, 5, 8)


def test_date_of_the_sentence_a_pronoun_points_back_to() -> None:
    extraction = run(
        "T\n\nKELLMORE, May 8, 2024 — The fair was cancelled.\n\n"
        "“We were not asked,” said Ines Varga, a stallholder.\n\n"
        "Varga said in an interview on Monday that she would appeal.\n\n"
        "“I will win,” she said."
    )
    assert [q.date for q in extraction.quotes] == [dt.date(2024, 5, 8), dt.date(2024, 5, 6)]
