"""Quote extraction and attribution through the public entry point, `search.extract.extract`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from extracting import quote_with, run, speakers

from search.corpus import parse_article
from search.extract import extract
from search.model import Extraction

DATA = Path(__file__).parent / "data"
SEEDS = Path(__file__).parent.parent / "seeds"
OWN_ARTICLES = DATA / "attribution"


# --- the seeds (issue 2): exact ---------------------------------------------------------------


def _seed_gold() -> dict[str, dict]:
    return json.loads((DATA / "seeds-gold.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("source", sorted(_seed_gold()))
def test_seed_quotes_match_gold_exactly(source: str) -> None:
    gold = _seed_gold()[source]
    article = parse_article(source, (SEEDS / source).read_text(encoding="utf-8"))
    assert article is not None
    extraction = extract(article)
    attributed = [quote for quote in extraction.quotes if quote.speaker is not None]
    assert [quote.text for quote in attributed] == [item["text"] for item in gold["quotes"]]
    for quote, item in zip(attributed, gold["quotes"], strict=True):
        assert quote.speaker == item["speaker"]
        assert quote.date == dt.date.fromisoformat(item["date"])
        if "role" in item:
            assert quote.role == item["role"]


def test_seed_roles_and_aliases_carry_to_every_quote_of_the_speaker() -> None:
    source = "000_d22ce953f64dbb93.txt"
    article = parse_article(source, (SEEDS / source).read_text(encoding="utf-8"))
    assert article is not None
    quotes = extract(article).quotes
    assert {quote.role for quote in quotes} == {"Chinese Ambassador to France"}
    assert all("Lu" in quote.aliases and "the diplomat" in quote.aliases for quote in quotes)
    assert all("Lu Shaye" not in quote.aliases for quote in quotes)


# --- articles written for these tests (dev-set format) ----------------------------------------


def _straight(text: str) -> str:
    return text.translate(str.maketrans("‘’“”", "''\"\""))


def _own_gold() -> list[tuple[str, dict, dict]]:
    gold = json.loads((OWN_ARTICLES / "gold.json").read_text(encoding="utf-8"))
    return [
        (source, entry, item) for source, entry in sorted(gold.items()) for item in entry["quotes"]
    ]


@pytest.mark.parametrize(
    ("source", "entry", "item"),
    _own_gold(),
    ids=[f"{source}:{item['text'][:30]}" for source, _, item in _own_gold()],
)
def test_own_articles_match_their_gold(source: str, entry: dict, item: dict) -> None:
    article = parse_article(source, (OWN_ARTICLES / "articles" / source).read_text("utf-8"))
    assert article is not None
    wanted = _straight(item["text"])
    found = [quote for quote in extract(article).quotes if wanted in _straight(quote.text)]
    assert found, f"quotation not found: {item['text']}"
    quote = found[0]
    assert quote.speaker == item["speaker"]
    if "role" in item:
        assert quote.role == item["role"]
    date_text = item["date"] if "date" in item else entry.get("date")  # null: no date
    assert quote.date == (dt.date.fromisoformat(date_text) if date_text else None)


def test_own_articles_attribute_no_scare_quotes() -> None:
    gold = json.loads((OWN_ARTICLES / "gold.json").read_text(encoding="utf-8"))
    for source, entry in gold.items():
        article = parse_article(source, (OWN_ARTICLES / "articles" / source).read_text("utf-8"))
        assert article is not None
        for quote in extract(article).quotes:
            if any(phrase.rstrip(".") in quote.text for phrase in entry.get("ignore", [])):
                assert quote.speaker is None, quote


# --- finding quotations -----------------------------------------------------------------------


def test_quote_text_drops_marks_and_trailing_comma_but_keeps_final_punctuation() -> None:
    extraction = run(
        "T\n\n“We will rebuild,” said Ana Ruiz. “Will it be enough?” she asked. “Yes!” she said."
    )
    assert [quote.text for quote in extraction.quotes] == [
        "We will rebuild",
        "Will it be enough?",
        "Yes!",
    ]


def test_offsets_point_at_the_text_in_its_paragraph() -> None:
    text = "T\n\nIntro line.\n\nAfter the vote, “the   budget holds,” said Ana Ruiz."
    extraction = run(text)
    article = parse_article("t", text)
    assert article is not None
    quote = extraction.quotes[0]
    assert quote.paragraph == 1
    assert article.paragraphs[1][quote.start : quote.end] == "the budget holds"


def test_quote_running_over_paragraphs_is_joined_with_a_space() -> None:
    extraction = run(
        "T\n\n“The first part ends here.\n\n“The second part goes on,” said Ana Ruiz, the mayor."
    )
    assert len(extraction.quotes) == 1
    quote = extraction.quotes[0]
    assert quote.text == "The first part ends here. The second part goes on"
    assert (quote.speaker, quote.role, quote.paragraph) == ("Ana Ruiz", "mayor", 0)


def test_single_quotes_nested_in_double_quotes_stay_in_the_text() -> None:
    quote = run("T\n\n“They called it ‘a fair deal’ on Monday,” said Ana Ruiz.").quotes[0]
    assert quote.text == "They called it ‘a fair deal’ on Monday"
    assert quote.speaker == "Ana Ruiz"


def test_straight_and_curly_marks_mixed_in_one_article() -> None:
    extraction = run(
        'T\n\n"We are ready," said Ana Ruiz.\n\n“So are we,” said Tomas Berg.\n\n'
        "Berg added: \"And we said 'no' twice.\""
    )
    assert [(q.text, q.speaker) for q in extraction.quotes] == [
        ("We are ready", "Ana Ruiz"),
        ("So are we", "Tomas Berg"),
        ("And we said ‘no’ twice.", "Tomas Berg"),
    ]


# --- where the speaker is named ---------------------------------------------------------------


@pytest.mark.parametrize(
    "paragraph",
    [
        "“The plan is dead,” said Ilse Marquardt.",
        "“The plan is dead,” Ilse Marquardt said.",
        "Ilse Marquardt said: “The plan is dead.”",
        "Ilse Marquardt spoke first: “The plan is dead.”",
        "“The plan is dead,” Ilse Marquardt told reporters on the steps of the hall.",
        "Ilse Marquardt told reporters: “The plan is dead.”",
        "“The plan is dead,” Ilse Marquardt wrote in a letter to members.",
        "“The plan is dead,” says Ilse Marquardt.",
        "“The plan is dead,” according to Ilse Marquardt.",
        "According to Ilse Marquardt, “the plan is dead.”",
        "Ilse Marquardt said that “the plan is dead and buried.”",
    ],
)
def test_speaker_found_wherever_the_attribution_stands(paragraph: str) -> None:
    extraction = run(f"Council News\n\nThe council met again.\n\n{paragraph}")
    quote = quote_with(extraction, "plan is dead")
    assert quote.speaker == "Ilse Marquardt"


def test_split_quote_parts_share_the_speaker() -> None:
    extraction = run(
        "T\n\n“This is the start,” said coach Piet Hendriks, “and not the end of anything.”"
    )
    assert speakers(extraction) == ["Piet Hendriks", "Piet Hendriks"]
    assert extraction.quotes[1].text == "and not the end of anything."
    assert extraction.quotes[1].role == "coach"


def test_quote_without_attribution_continues_the_previous_speaker() -> None:
    extraction = run(
        "T\n\n“We lost the first half,” said Mira Okafor, the captain.\n\n"
        "The team trailed by two goals at the break.\n\n“We won the second one.”"
    )
    assert speakers(extraction) == ["Mira Okafor", "Mira Okafor"]
    assert extraction.quotes[1].role == "captain"


def test_names_inside_a_quotation_are_not_its_speaker() -> None:
    extraction = run(
        "T\n\n“Even Gustav Rehn agreed with me,” said Olga Petrova. “Ask Mr. Rehn yourself.”"
    )
    assert speakers(extraction) == ["Olga Petrova", "Olga Petrova"]


# --- who the speaker is -----------------------------------------------------------------------


def test_pronouns_follow_gender_shown_in_the_text() -> None:
    extraction = run(
        "Debate\n\nMayor Ilse Marquardt opened the debate. “We kept our promises,” she said.\n\n"
        "Her challenger, Dana Whitcombe, disagreed. “You kept half of them,” he said.\n\n"
        "“Name one I broke,” she replied.\n\n“The harbour,” he said at once."
    )
    assert speakers(extraction) == [
        "Ilse Marquardt",
        "Dana Whitcombe",
        "Ilse Marquardt",
        "Dana Whitcombe",
    ]


@pytest.mark.parametrize(
    ("introduction", "reference"),
    [
        ("Governor Ruth Abernathy", "the governor"),
        ("Museum director Kofi Mensah", "the director"),
        ("The chamber’s president, Oskar Lindahl,", "the chamber’s president"),
        ("Foreign Minister Sven Arvidsson", "the foreign minister"),
    ],
)
def test_role_nouns_resolve_to_the_person_introduced_with_that_role(
    introduction: str, reference: str
) -> None:
    extraction = run(
        f"T\n\n{introduction} spoke at the opening on Monday. Aid worker Lena Holt also spoke.\n\n"
        f"“This is a beginning,” {reference} said."
    )
    introduced = run(f"T\n\n“Yes,” said {introduction.rstrip(',')}.").quotes[0].speaker
    assert extraction.quotes[0].speaker == introduced
    assert reference.split()[-1] not in (introduced or "").lower()
    assert reference in extraction.quotes[0].aliases


def test_titles_move_from_the_name_to_the_role() -> None:
    extraction = run(
        "T\n\n“The appeal is dismissed,” said Judge Harriet Okonjo.\n\n"
        "“We are disappointed,” said Professor Anil Mehta."
    )
    assert [(q.speaker, q.role) for q in extraction.quotes] == [
        ("Harriet Okonjo", "Judge"),
        ("Anil Mehta", "Professor"),
    ]


def test_appositive_gives_name_and_role() -> None:
    quote = run(
        "T\n\nThe club’s architect, Idris Kamara, said work starts soon. “Next spring,” Kamara said."
    ).quotes[0]
    assert (quote.speaker, quote.role, quote.aliases) == (
        "Idris Kamara",
        "club’s architect",
        ("Kamara",),
    )


@pytest.mark.parametrize(
    ("full", "short"),
    [
        ("Lucia van der Berg", "van der Berg"),
        ("Jean-Paul Moreau-Diallo", "Moreau-Diallo"),
        ("Chen Weiran", "Chen"),
    ],
)
def test_short_forms_resolve_to_the_full_name(full: str, short: str) -> None:
    extraction = run(
        f"T\n\n{full}, a researcher, presented the findings on Monday.\n\n"
        f"“The data are clear,” {short} said."
    )
    assert extraction.quotes[0].speaker == full
    assert short in extraction.quotes[0].aliases


def test_family_name_first_with_title() -> None:
    extraction = run(
        "T\n\nThe team’s doctor, Dr. Li Wenjun, examined the climbers.\n\n"
        "“They are tired but well,” Dr. Li said."
    )
    assert (extraction.quotes[0].speaker, extraction.quotes[0].role) == (
        "Li Wenjun",
        "team’s doctor",
    )


def test_people_sharing_a_surname_are_kept_apart() -> None:
    extraction = run(
        "T\n\n“We crossed in eighty days,” said Ingrid Solheim.\n\n"
        "Her sister, Astrid Solheim, planned the route. “The last week was the worst,” she said.\n\n"
        "“I would do it again,” Ingrid Solheim said. “Next winter,” Astrid Solheim said."
    )
    assert speakers(extraction) == [
        "Ingrid Solheim",
        "Astrid Solheim",
        "Ingrid Solheim",
        "Astrid Solheim",
    ]


# --- organisations ----------------------------------------------------------------------------


def test_organisation_nouns_resolve_to_the_named_organisation() -> None:
    extraction = run(
        "T\n\nThe Ministry of Transport closed the bridge on Monday.\n\n"
        "“Repairs will take a month,” the ministry said in a statement.\n\n"
        "Brightline Bus Company moved its routes. “We apologise for the delays,” "
        "a company spokesperson said.\n\n"
        "A spokesman for the Road Safety Authority said checks were under way. "
        "“The bridge is safe for pedestrians,” he said."
    )
    assert speakers(extraction) == [
        "Ministry of Transport",
        "Brightline Bus Company",
        "Road Safety Authority",
    ]


# --- not statements ---------------------------------------------------------------------------


def test_scare_quotes_and_titles_have_no_speaker() -> None:
    extraction = run(
        "T\n\nMinister Ola Berg defended the so-called “rescue fund,” which critics dislike. "
        "Her memoir, “A Life in Public Service,” sold well.\n\n"
        "“The fund works,” Berg said."
    )
    assert [(q.text, q.speaker) for q in extraction.quotes] == [
        ("rescue fund", None),
        ("A Life in Public Service", None),
        ("The fund works", "Ola Berg"),
    ]


# --- dates ------------------------------------------------------------------------------------


def test_date_in_the_quotes_own_sentence_wins() -> None:
    extraction = run(
        "T\n\nVARNHOLM, March 14, 2024 — Lawmakers met again.\n\n"
        "“We need more time,” Speaker Anna Holm said on Tuesday.\n\n"
        "“We needed it a year ago,” Holm told the chamber on March 1, 2024."
    )
    assert extraction.article_date == dt.date(2024, 3, 14)
    assert [q.date for q in extraction.quotes] == [dt.date(2024, 3, 12), dt.date(2024, 3, 1)]


def test_date_from_the_sentence_introducing_the_speaker() -> None:
    extraction = run(
        "T\n\nPublished 20 May 2023\n\n"
        "Anna Holm addressed the assembly on May 2, 2023.\n\n“We are ready,” she said."
    )
    assert extraction.article_date == dt.date(2023, 5, 20)
    assert extraction.quotes[0].date == dt.date(2023, 5, 2)


def test_dateline_then_date_line_then_first_full_date() -> None:
    dateline = run("T\n\nOLMEN, 21 January 2025 — Power returned on 20 January 2025.")
    date_line = run("T\n\nJanuary 22, 2025\n\nPower returned on 20 January 2025.")
    first = run("T\n\nPower returned on 20 January 2025, officials said on 21 January 2025.")
    assert dateline.article_date == dt.date(2025, 1, 21)
    assert date_line.article_date == dt.date(2025, 1, 22)
    assert first.article_date == dt.date(2025, 1, 20)


def test_no_date_anywhere_means_no_date() -> None:
    extraction = run("T\n\n“We are ready,” Anna Holm said on Tuesday.")
    assert extraction.article_date is None
    assert extraction.quotes[0].date is None


def test_article_without_quotes() -> None:
    extraction = run("Library\n\nThe library opens late from September 1, 2024.")
    assert extraction == Extraction((), dt.date(2024, 9, 1))


def test_pronoun_prefers_the_subject_of_the_previous_sentence() -> None:
    extraction = run(
        "T\n\nSpeaking in Lisbon, Marta Soares said Paulo Reis “had misread the figures.” "
        "She added that the budget was “balanced and fully costed.”"
    )
    assert speakers(extraction) == ["Marta Soares", "Marta Soares"]


def test_party_and_state_after_a_name_are_skipped() -> None:
    quote = run(
        "T\n\n“We will see,” said Rep. Jane Halvorsen, D-Minn., the House minority whip."
    ).quotes[0]
    assert (quote.speaker, quote.role) == ("Jane Halvorsen", "House minority whip")


def test_colon_before_a_straight_opening_mark() -> None:
    quote = run('T\n\nAnna Holm said:"We are ready."').quotes[0]
    assert (quote.text, quote.speaker) == ("We are ready.", "Anna Holm")
