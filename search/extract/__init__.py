"""Quotations of an article with who said them and when: the extractor's public entry point.

The work is split by responsibility: `search.extract.quotes` finds the quotations and the narrative
around them, `search.extract.speakers` decides who said each one and `search.extract.dates` when.
"""

from __future__ import annotations

import datetime as dt

from search.extract import dates, quotes, speakers
from search.model import Article, Extraction, Quote

_STORY_WEEK = dt.timedelta(days=7)


def extract(article: Article) -> Extraction:
    """Every quotation in `article`, in article order, with speaker, role, date and aliases."""
    spans = quotes.find_quotes(article.paragraphs)
    blanked = quotes.blank_quotes(article.paragraphs, spans)
    sentences = quotes.split_sentences(blanked)
    article_date = article.date or dates.article_date(blanked)  # metadata, else the text
    attributions = speakers.attribute(blanked, sentences, spans)
    found: list[Quote] = []
    spoken_on: list[dt.date | None] = []
    previous: int | None = None  # the last quotation with a speaker
    for index, (span, attribution) in enumerate(zip(spans, attributions, strict=True)):
        speaker = attribution.speaker
        date = None
        if speaker is not None:
            # The same speaker again, in the paragraph after: the same occasion, unless told.
            same_occasion = (
                previous is not None
                and attributions[previous].speaker is speaker
                and span.paragraph - spans[previous].close_paragraph <= 1
            )
            earlier = spoken_on[previous] if same_occasion and previous is not None else None
            date = _date_spoken(attribution, sentences, spoken_on, earlier, article_date)
            previous = index
        spoken_on.append(date)
        found.append(
            Quote(
                text=span.text,
                paragraph=span.paragraph,
                start=span.start,
                end=span.end,
                speaker=speaker.name if speaker else None,
                role=(speaker.role or speaker.title or speaker.relation) if speaker else None,
                date=date,
                aliases=tuple(sorted(speaker.forms - {speaker.name})) if speaker else (),
                last_paragraph=span.close_paragraph
                if span.close_paragraph > span.paragraph
                else None,
                confidence=speakers.confidence(attribution) if speaker else None,
                described_as=attribution.described_as,
                statement=attribution.statement,
            )
        )
    return Extraction(tuple(found), article_date)


def _day_last_named(
    sentences: list[quotes.Sentence], before: int, article_date: dt.date
) -> dt.date | None:
    """The day the narrative last named before sentence `before`, within the week before the
    article's date (older dates are background, not the story's timeline)."""
    for index in range(before - 1, -1, -1):
        if found := dates.main_clause_dates(sentences[index].text, article_date):
            date = found[-1].date
            return date if article_date - date <= _STORY_WEEK else None
    return None


def _occasion_day(
    attribution: speakers.Attribution,
    sentences: list[quotes.Sentence],
    article_date: dt.date | None,
) -> dt.date | None:
    """The day of an occasion the quotation's sentence refers back to (`after the debate`), as
    the sentence that first told of it gave it."""
    first = min(attribution.sentences, default=0)
    for index in attribution.sentences:
        for occasion in dates.occasions_referred_to(sentences[index].text):
            for earlier in range(first - 1, -1, -1):
                if day := dates.occasion_date(occasion, sentences[earlier].text, article_date):
                    return day
    return None


def _moves_on(attribution: speakers.Attribution, sentences: list[quotes.Sentence]) -> bool:
    """Does the quotation's sentence, or the one before it, open on another occasion?"""
    first = min(attribution.sentences, default=0)
    return any(
        dates.opens_new_occasion(sentences[index].text)
        for index in (first - 1, first)
        if 0 <= index < len(sentences)
    )


def _date_spoken(
    attribution: speakers.Attribution,
    sentences: list[quotes.Sentence],
    earlier: list[dt.date | None],
    same_occasion: dt.date | None,
    article_date: dt.date | None,
) -> dt.date | None:
    """A date in the quotation's own sentence, else that of the quotation it continues, else one
    in the main clause of the sentence just before that named the speaker, else that of the
    speaker's quotation just before (`same_occasion`), else the day last named when only a time
    of day is given, else one in the main clause of the sentence introducing the speaker, else the
    article's date. The speaker's earlier occasions do not count once the text moves on to
    another (`After the game, …`)."""
    for index in attribution.sentences:
        if found := dates.mentioned_dates(sentences[index].text, article_date):
            return found[-1].date
    if attribution.continues is not None and earlier[attribution.continues] is not None:
        return earlier[attribution.continues]
    if (occasion := _occasion_day(attribution, sentences, article_date)) is not None:
        return occasion
    antecedent = attribution.antecedent
    if antecedent is not None and (
        found := dates.main_clause_dates(sentences[antecedent].text, article_date)
    ):
        return found[0].date
    moved_on = _moves_on(attribution, sentences)
    if same_occasion is not None and not moved_on:
        return same_occasion
    nearby = [*attribution.sentences, *([antecedent] if antecedent is not None else [])]
    if (
        article_date is not None
        and any(dates.time_of_day_only(sentences[index].text) for index in nearby)
        and (day := _day_last_named(sentences, min(nearby), article_date)) is not None
    ):
        return day
    speaker = attribution.speaker
    if speaker is not None and not moved_on and 0 <= speaker.first_sentence < len(sentences):
        intro = sentences[speaker.first_sentence].text
        if found := dates.main_clause_dates(intro, article_date):
            return found[0].date
    return article_date
