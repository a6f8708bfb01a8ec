"""Quotations of an article with who said them and when: the extractor's public entry point.

The work is split by responsibility: `search.quotes` finds the quotations and the narrative
around them, `search.speakers` decides who said each one and `search.dates` when.
"""

from __future__ import annotations

import datetime as dt

from search import dates, quotes, speakers
from search.model import Article, Extraction, Quote


def extract(article: Article) -> Extraction:
    """Every quotation in `article`, in article order, with speaker, role, date and aliases."""
    spans = quotes.find_quotes(article.paragraphs)
    blanked = quotes.blank_quotes(article.paragraphs, spans)
    sentences = quotes.split_sentences(blanked)
    article_date = article.date or dates.article_date(blanked)  # metadata, else the text
    attributions = speakers.attribute(blanked, sentences, spans)
    found: list[Quote] = []
    spoken_on: list[dt.date | None] = []
    for span, attribution in zip(spans, attributions, strict=True):
        speaker = attribution.speaker
        date = None
        if speaker is not None:
            date = _date_spoken(attribution, sentences, spoken_on, article_date)
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
            )
        )
    return Extraction(tuple(found), article_date)


def _date_spoken(
    attribution: speakers.Attribution,
    sentences: list[quotes.Sentence],
    earlier: list[dt.date | None],
    article_date: dt.date | None,
) -> dt.date | None:
    """A date in the quotation's own sentence, else that of the quotation it continues, else one
    in the main clause of the sentence just before that named the speaker, or of the sentence
    introducing the speaker, else the article's date."""
    for index in attribution.sentences:
        if found := dates.mentioned_dates(sentences[index].text, article_date):
            return found[-1].date
    if attribution.continues is not None and earlier[attribution.continues] is not None:
        return earlier[attribution.continues]
    antecedent = attribution.antecedent
    if antecedent is not None and (
        found := dates.main_clause_dates(sentences[antecedent].text, article_date)
    ):
        return found[0].date
    speaker = attribution.speaker
    if speaker is not None and 0 <= speaker.first_sentence < len(sentences):
        intro = sentences[speaker.first_sentence].text
        if found := dates.main_clause_dates(intro, article_date):
            return found[0].date
    return article_date
