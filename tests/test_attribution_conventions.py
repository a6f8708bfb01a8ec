"""More news conventions for attribution and dates, each on a small invented article (US campaign,
local and obituary styles: titles, shared surnames, slogans, statements read out, night events)."""

from __future__ import annotations

import datetime as dt

from extracting import quote_with, run, speakers

WEDNESDAY = "LINFORD, March 4, 2026 — "  # a dateline: the article's date is a Wednesday


# --- names, titles and organisations ----------------------------------------------------------


def test_where_a_titled_person_is_from_is_no_part_of_the_name() -> None:
    extraction = run(
        "T\n\nRep. Odalys Fenn of Idaho said she would vote no. “Not in this form,” Fenn said."
    )
    assert speakers(extraction) == ["Odalys Fenn"]


def test_local_office_titles_become_the_role() -> None:
    quote = run(
        "T\n\n“We need the audit first,” said Councilwoman Priya Sandoval, a Democrat."
    ).quotes[0]
    assert (quote.speaker, quote.role) == ("Priya Sandoval", "Councilwoman")


def test_a_campaign_committee_speaks_apart_from_its_candidate() -> None:
    extraction = run(
        "T\n\nState Sen. Ilario Ruiz held a rally on Friday. “They lied,” Ruiz said.\n\n"
        "“The ad is false and must come down,” Ruiz for Senate said in a statement."
    )
    assert speakers(extraction) == ["Ilario Ruiz", "Ruiz for Senate"]


def test_a_surname_shared_by_a_couple_means_the_one_introduced_first() -> None:
    extraction = run(
        "T\n\nLionel Ashgrove, a retired welder, asked the first question. “Where is the money?” "
        "Ashgrove said.\n\n"
        "His wife, Mirela Ashgrove, said she had written to the board twice. “Nobody answered,” "
        "she said.\n\n"
        "The board chair, Tomas Reel, said letters were answered in order.\n\n"
        "Ashgrove said he would come back next month “with more questions.”\n\n"
        "“We will both be here,” Mrs. Ashgrove said."
    )
    assert speakers(extraction) == [
        "Lionel Ashgrove",
        "Mirela Ashgrove",
        "Lionel Ashgrove",
        "Mirela Ashgrove",
    ]


def test_an_age_between_commas_leaves_the_name_the_subject() -> None:
    extraction = run(
        "T\n\nThe sheriff asked residents to stay home.\n\n"
        "Wendell Oduya, 71, said he heard the creek before he saw it.\n\n"
        "“It sounded like a freight train. Then the lights went out.”"
    )
    assert speakers(extraction) == ["Wendell Oduya"]


# --- clauses ------------------------------------------------------------------------------------


def test_a_statement_read_out_belongs_to_the_reader() -> None:
    extraction = run(
        "T\n\nAt the start of the briefing, the mayor’s chief of staff, Hollis Brandt, read a "
        "short statement.\n\n"
        "“The city followed the law at every step. We will publish every invoice.”"
    )
    assert speakers(extraction) == ["Hollis Brandt"]


def test_the_object_of_a_stance_verb_is_not_the_speaker() -> None:
    extraction = run(
        "T\n\nSpokeswoman Ilse Marr said the mayor would veto “any budget like this one” and "
        "accused Councilman Dov Petrak of “playing games with the pension fund.”"
    )
    assert speakers(extraction) == ["Ilse Marr", "Ilse Marr"]


def test_asked_whether_opens_a_clause_not_a_speaker() -> None:
    extraction = run(
        "T\n\nGov. Hal Brenner toured the levee on Monday. Asked whether he would run again, he "
        "said, “Not this time.”"
    )
    assert speakers(extraction) == ["Hal Brenner"]


def test_a_participle_after_an_opening_adverbial_has_the_clause_subject() -> None:
    extraction = run(
        "T\n\nCoach Rhea Mondal spoke after practice. On Monday, she had waved off questions "
        "about her contract, saying she wanted the focus “on the players.”"
    )
    assert speakers(extraction) == ["Rhea Mondal"]


def test_a_quote_before_another_clause_with_its_own_verb_is_not_that_clauses() -> None:
    extraction = run(
        "T\n\nMayor Edda Quint opened the hearing. When a man in the back yelled that she was "
        "“selling out the harbor,” Quint thanked the audience, said the hearing was over and left."
    )
    assert speakers(extraction) == [None]


# --- phrases nobody says ----------------------------------------------------------------------


def test_signs_chants_and_labels_are_not_statements() -> None:
    extraction = run(
        "T\n\nGov. Hal Brenner spoke from a stage hung with a banner reading “Brenner Builds.” "
        "Supporters answered with chants of “Four more years!” Critics have called it a "
        "“boondoggle.” Some farmers began calling the drought a “hundred-year dry,” a phrase "
        "Brenner said he disliked."
    )
    assert speakers(extraction) == [None, None, None, None]


def test_a_party_at_large_is_no_speaker() -> None:
    extraction = run(
        "T\n\nSen. Nadia Voss is favoured. Democrats have run ads accusing Voss of backing "
        "“tax hikes,” a charge she denies."
    )
    assert speakers(extraction) == [None]


# --- dates ------------------------------------------------------------------------------------


def test_a_participle_after_a_subordinate_clause_belongs_to_the_main_clause() -> None:
    extraction = run(
        f"T\n\n{WEDNESDAY}Mayor Ines Albero declared victory before the count was finished, "
        "taking the stage on Tuesday to loud cheers.\n\n“We did it together.”"
    )
    assert quote_with(extraction, "together").date == dt.date(2026, 3, 3)


def test_the_day_of_the_sentence_naming_the_speaker_just_before() -> None:
    extraction = run(
        f"T\n\n{WEDNESDAY}Gov. Otto Varga, a Republican who faces a recall vote on June 2, "
        "defended the contract on Monday at a fair. “I did nothing wrong,” the governor said then."
        "\n\n“We have nothing to hide,” said Rep. Lina Osu."
    )
    assert [quote.date for quote in extraction.quotes] == [
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 4),
    ]


def test_the_same_speaker_in_the_next_paragraph_speaks_on_the_same_occasion() -> None:
    extraction = run(
        f"T\n\n{WEDNESDAY}Speaking at her shop on Monday, Greta Lind said she had been robbed "
        "before. “He was calm,” Lind said.\n\n"
        "Lind also said she would reopen soon. “The street is good,” she said.\n\n"
        "After the hearing, she was angrier. “Nobody called me,” she said."
    )
    assert [quote.date for quote in extraction.quotes] == [
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 4),
    ]


def test_a_day_still_to_come_is_not_when_the_words_were_said() -> None:
    extraction = run(
        f"T\n\n{WEDNESDAY}Coach Rhea Mondal said her team would rest on Sunday. "
        "“We earned it,” she said.\n\n"
        "The memorial, said Pastor Eli Grunewald, is scheduled for March 20. “Come,” he said."
    )
    assert [quote.date for quote in extraction.quotes] == [dt.date(2026, 3, 4)] * 2


def test_a_time_of_night_is_on_the_day_last_named() -> None:
    extraction = run(
        f"T\n\n{WEDNESDAY}The council voted on Tuesday night to close the pool.\n\n"
        "Just before midnight, council member Abel Tran told reporters the vote was “painful "
        "but necessary.”\n\n"
        "“We ran out of options,” Tran said."
    )
    assert [quote.date for quote in extraction.quotes] == [dt.date(2026, 3, 3)] * 2
