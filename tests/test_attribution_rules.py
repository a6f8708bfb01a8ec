"""General news conventions the attribution rules cover, each on a small invented article."""

from __future__ import annotations

import datetime as dt

from extracting import run, speakers

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


def test_a_role_is_kept_whole_across_names_with_and_and_abbreviated_titles() -> None:
    extraction = run(
        "T\n\n“The numbers do not add up,” said Oren Valk, a senior member of the Ways and "
        "Means Committee.\n\n"
        "“She will not be there,” said Tilde Marsh, a spokeswoman for Mrs. Corran.\n\n"
        "“It was the hardest winter,” said Pim Aldous, author of “The Long Thaw.”"
    )
    assert [(q.speaker, q.role) for q in extraction.quotes[:2]] == [
        ("Oren Valk", "senior member of the Ways and Means Committee"),
        ("Tilde Marsh", "spokeswoman for Mrs. Corran"),
    ]
    assert extraction.quotes[-1].speaker == "Pim Aldous"
    assert extraction.quotes[-1].role == "author"


def test_words_ending_like_agent_nouns_are_no_roles() -> None:
    extraction = run(
        "T\n\nVoters who are younger Hal Brandt supporters came out.\n\n"
        "“We did it,” said Hal Brandt."
    )
    assert [(q.speaker, q.role) for q in extraction.quotes] == [("Hal Brandt", None)]


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


# --- people, places and organisations ---------------------------------------------------------


def test_a_place_named_beside_a_person_is_never_the_speaker() -> None:
    extraction = run(
        "T\n\nNext came Delphine Arkwright, a school librarian from the village of Marrowby, "
        "who said the floods reached her shelves.\n\n"
        "“The water came up through the floor. We carried the books upstairs all night.\n\n"
        "“By morning the ground floor was a pond,” she said."
    )
    assert [(q.speaker, q.role) for q in extraction.quotes] == [
        ("Delphine Arkwright", "school librarian")
    ]


def test_it_after_a_speech_verb_makes_the_subject_an_organisation() -> None:
    extraction = run(
        "T\n\nQuenlo Textiles said on Monday it would close two mills and cut 800 jobs.\n\n"
        "“We did not take this step lightly,” the company said in a statement.\n\n"
        "Chief Executive Odile Farrant said orders from retailers had halved.\n\n"
        "“Nobody saw the slump coming,” said Bruno Havel, an analyst at Orrin Capital. "
        "He rates the shares a buy.\n\n"
        "“The mills will be sold, not abandoned,” the company said.\n\n"
        "She said Quenlo would keep its design studio. “That is our future,” she said."
    )
    assert speakers(extraction) == [
        "Quenlo Textiles",
        "Bruno Havel",
        "Quenlo Textiles",
        "Odile Farrant",
    ]


def test_a_name_reported_after_said_is_not_shown_to_be_a_person() -> None:
    extraction = run(
        "T\n\nIrena Pohl, the project’s director of works, inspected the dam.\n\n"
        "Pohl said Castellane Dredging expected to finish by spring. "
        "“The crews are ahead of schedule,” she said."
    )
    assert speakers(extraction) == ["Irena Pohl"]


def test_he_skips_an_organisation_named_after_the_person() -> None:
    extraction = run(
        "T\n\nCouncillor Radomir Vesk said he would press for an audit of the tram contract.\n\n"
        "Tramlink Orvane runs the network under a 20-year concession. Its fares rose 9% in "
        "January.\n\n"
        "“The public deserves to see every invoice,” he said."
    )
    assert speakers(extraction) == ["Radomir Vesk"]


def test_organisation_noun_matches_the_head_of_the_organisation_name() -> None:
    extraction = run(
        "T\n\nThe Ostrell Arts Foundation, which funds the festival, said it had reviewed the "
        "complaint. Festival director Maren Quist, who chose the programme, declined to comment."
        "\n\n“The selection followed our published criteria,” the foundation said.\n\n"
        "The Ostrell Heritage Commission, a state body, said separately that it would look at "
        "the venue. “The hall must be safe first,” the commission said."
    )
    assert speakers(extraction) == ["Ostrell Arts Foundation", "Ostrell Heritage Commission"]


def test_a_parenthetical_between_subject_and_verb() -> None:
    extraction = run(
        "T\n\nMayor Ottilie Brandt faced the council on Tuesday. Deputy Mayor Jonas Kell "
        "backed her.\n\n"
        "The mayor, for her part, said she would set up what she called a “residents’ "
        "jury” to review the plan.\n\n"
        "“If the jury says no, the plan is dead,” she said."
    )
    assert speakers(extraction) == ["Ottilie Brandt", "Ottilie Brandt"]


def test_a_quoted_charge_belongs_to_the_accuser() -> None:
    extraction = run(
        "T\n\nSen. Marguerite Olawale, the incumbent, has spent weeks accusing her rival, "
        "developer Stellan Brookes, of plotting to “sell the river to the highest bidder.” "
        "Brookes denies it."
    )
    assert speakers(extraction) == ["Marguerite Olawale"]


# --- unnamed sources and titles ---------------------------------------------------------------


def test_generic_person_nouns_do_not_fall_back_to_the_last_name() -> None:
    extraction = run(
        "T\n\nThe insurer Valbridge agreed to buy Corwen Mutual, said Priya Dallow, an analyst "
        "at Ferrow Research.\n\n"
        "Someone close to the talks said two other bidders dropped out. "
        "“It was never a contest,” the person said.\n\n"
        "“The price was right,” the source added."
    )
    assert speakers(extraction) == [None, None]


def test_an_anonymous_official_is_not_a_named_official() -> None:
    extraction = run(
        "T\n\nDirector Halvard Moen opened the depot on Friday.\n\n"
        "“The depot is half empty,” the official said, speaking on condition of anonymity "
        "because the figures are not public."
    )
    assert speakers(extraction) == [None]


def test_a_title_opening_a_sentence_is_no_statement() -> None:
    extraction = run(
        "T\n\nWriter Ingeborg Lusk won the prize for “Winter Orchard”, her third novel.\n\n"
        "“Winter Orchard”, which is set on a fruit farm, has sold 30,000 copies."
    )
    assert speakers(extraction) == [None, None]


# --- text set in capitals ---------------------------------------------------------------------


def test_text_in_capitals_gets_no_guessed_speakers() -> None:
    extraction = run(
        'T\n\nTHE CHANCELLOR SPOKE FOR AN HOUR . " WE SHALL NOT DEVALUE , " HE SAID . '
        '" NOT THIS YEAR , NOT NEXT . "\n\n'
        'FOR TWO WEEKS THE UNIONS HAVE SAID : " NO . " THE BANKERS SAID " WAIT " .'
    )
    assert [q.text for q in extraction.quotes] == [
        "WE SHALL NOT DEVALUE",
        "NOT THIS YEAR , NOT NEXT .",
        "NO .",
        "WAIT",
    ]
    assert speakers(extraction) == [None, None, None, None]


# --- names followed by a home or an employer ---------------------------------------------------


def test_a_place_or_employer_after_a_name_is_not_the_speaker() -> None:
    extraction = run(
        "T\n\n“The votes are not there,” said Representative Harold J. Denning of New Carrow.\n\n"
        "“Turnout will decide it,” wrote Mira Castell for Lantern Polling.\n\n"
        "“Nobody expected this,” said Owen Brisk of Harlow Financial."
    )
    assert speakers(extraction) == ["Harold J. Denning", "Mira Castell", "Owen Brisk"]


def test_a_middle_initial_stays_inside_the_name() -> None:
    extraction = run(
        "T\n\n“It adds up,” said Lena K. Moravec, an economist.\n\n“It is late,” Ms. Moravec said."
    )
    assert speakers(extraction) == ["Lena K. Moravec", "Lena K. Moravec"]


def test_a_pronoun_agrees_with_the_gender_of_a_first_name() -> None:
    extraction = run(
        "T\n\nMarian Holloway met Gregory Tanner at the depot on Monday. "
        "Tanner left early.\n\n“The depot must stay open,” she said."
    )
    assert speakers(extraction) == ["Marian Holloway"]


def test_a_pronoun_prefers_a_close_person_of_its_gender_to_one_of_unknown_gender() -> None:
    extraction = run(
        "T\n\nGovernor Osric Valdane answered a caller on Tuesday night.\n\n"
        "At the forum, Tina Brockhurst had a question for the governor.\n\n"
        "“My shop closed in May,” she said."
    )
    assert speakers(extraction) == ["Tina Brockhurst"]


def test_a_possessive_name_is_not_the_subject_a_pronoun_refers_to() -> None:
    extraction = run(
        "T\n\nOrla Dempsey recalled that she once served as Maud Ferrer’s campaign manager.\n\n"
        "“Those were hard years,” she said."
    )
    assert speakers(extraction) == ["Orla Dempsey"]


def test_the_narrative_s_pronouns_keep_to_the_person_the_text_is_about() -> None:
    extraction = run(
        "T\n\n“We were ready,” said Anselm Korte, a former party chairman.\n\n"
        "Though that race was calm, he said, the next one could bring lobbying by friends of "
        "Rudi Baum and Lars Pohl. That is why, he argued, the party must prepare.\n\n"
        "“This is a different time,” he said."
    )
    assert speakers(extraction) == ["Anselm Korte", "Anselm Korte"]


def test_a_campaign_named_after_a_person_is_an_organisation_apart_from_them() -> None:
    extraction = run(
        "T\n\nOn Monday, Greta Valmont told the crowd her plan would pass. The Valmont "
        "campaign hopes its message works.\n\n"
        "“He has no plan,” the Valmont campaign said in a statement.\n\n"
        "“We will win this,” she said.\n\n"
        "“It is a fair fight,” said a Valmont campaign spokesman."
    )
    assert speakers(extraction) == ["Valmont campaign", "Greta Valmont", "Valmont campaign"]


def test_a_name_with_a_long_appositive_naming_employers_is_the_speaker() -> None:
    extraction = run(
        "T\n\n“It adds up,” Leo E. Varga, director of the Harwick Budget Center and a "
        "professor at the Ostmark School of Policy, said of the plan.\n\n"
        "“It is late,” Nina Sorel, director of the Lantern Policy Institute, said."
    )
    assert speakers(extraction) == ["Leo E. Varga", "Nina Sorel"]


def test_a_possessive_description_means_the_person_the_text_is_about() -> None:
    extraction = run(
        "T\n\nEdward Marsh on Wednesday called on Anna Penn to apologise to George Dane.\n\n"
        "“That was outrageous,” Tovey’s former campaign strategist said."
    )
    assert speakers(extraction) == ["Edward Marsh"]


def test_a_state_abbreviation_after_a_home_town_is_not_a_speaker() -> None:
    extraction = run(
        "T\n\nThe event drew Dora Whitcombe of Fenwick, Md., who came with her grandson.\n\n"
        "“I never thought I would see this,” she said."
    )
    assert speakers(extraction) == ["Dora Whitcombe"]


def test_a_quotation_signed_with_a_dash_and_a_name_is_that_person_s() -> None:
    extraction = run(
        "Readers Respond\n\n“The bridge toll is a tax on the poor.” ― Anneliese Korbut\n\n"
        "“Nobody asked us about the closures.”— Desmond Achterberg\n"
        "“The ferry is late every day.” ―\u00a0Rosa M. Ilves Cardona."
    )
    assert speakers(extraction) == [
        "Anneliese Korbut",
        "Desmond Achterberg",
        "Rosa M. Ilves Cardona",
    ]


def test_a_surname_that_is_also_a_title_is_a_name() -> None:
    extraction = run(
        "T\n\nWalter Prince, chief executive of Feldway, said the deal was done.\n\n"
        "“It was risky,” Mr. Prince said.\n\n"
        "“We are late,” said Gerald King, a farmer.\n\n"
        "“They will pay,” Ms. Bishop said."
    )
    assert speakers(extraction) == ["Walter Prince", "Gerald King", "Bishop"]


def test_a_subheading_in_title_case_names_nobody() -> None:
    extraction = run(
        "T\n\nMarta Quell Apologizes For Remark\n\n"
        "Quell spoke to reporters on Tuesday.\n\n"
        "“It was a mistake,” Quell said."
    )
    assert speakers(extraction) == ["Quell"]


def test_an_organisation_name_runs_on_through_on() -> None:
    extraction = run(
        "T\n\nThe Commission on Rural Broadband said on Monday that the maps were wrong.\n\n"
        "“The maps were drawn in haste,” the commission said."
    )
    assert speakers(extraction) == ["Commission on Rural Broadband"]


def test_a_name_ending_in_ly_is_not_an_adverb() -> None:
    extraction = run("T\n\nMarta Kelly spoke first.\n\n“Budgets matter,” Kelly said.")
    assert speakers(extraction) == ["Marta Kelly"]


def test_an_attribution_may_follow_a_question_in_a_long_sentence_of_its_own() -> None:
    extraction = run(
        "T\n\n“You think I am going to change?” Ilse Varga asked reporters during a news "
        "conference at the port late last month.\n\n"
        "Councillor Ben Orr accused her of wanting to “sell the harbour.” Varga says the sale "
        "would pay for the new pier and the road that leads to it."
    )
    assert speakers(extraction) == ["Ilse Varga", "Ben Orr"]


def test_a_quotation_barked_or_emailed_is_speech() -> None:
    extraction = run(
        "T\n\n“Go back to your seat,” Ivo Brandt barked.\n\n"
        "“We have no comment,” Nora Fell emailed."
    )
    assert speakers(extraction) == ["Ivo Brandt", "Nora Fell"]


def test_a_document_speaks_for_whoever_issued_it() -> None:
    extraction = run(
        "T\n\nMayor Ivo Brandt spoke on Monday.\n\n"
        "A report by the Harwick Budget Center found that the city kept 40 accounts abroad.\n\n"
        "“The city holds money in 16 tax havens,” the report said."
    )
    assert speakers(extraction) == ["Harwick Budget Center"]


def test_a_name_with_a_relative_clause_after_it_is_the_speaker() -> None:
    extraction = run(
        "T\n\n“It is over,” Ada Voss, who leads the dockers’ union, said on Monday.\n\n"
        "“They need a plan,” Ivo M. Brandt, the pollster who founded Harwick Surveys tweeted."
    )
    assert speakers(extraction) == ["Ada Voss", "Ivo M. Brandt"]


def test_a_name_after_a_dash_before_a_colon_and_a_proposal_are_attributions() -> None:
    extraction = run(
        "T\n\nThe map has shifted - Ivo Brandt: “Two weeks ago it was the coast.”\n\n"
        "Nora Fell, the former mayor, proposed that the town “start again from scratch.”"
    )
    assert speakers(extraction) == ["Ivo Brandt", "Nora Fell"]


def test_a_party_adjective_before_a_role_is_nobody() -> None:
    extraction = run(
        "T\n\nThe minister met Ivo Brandt and his wife, Democratic mayoral nominee Nora Fell, "
        "over the private server she used.\n\n"
        "She said she was not aware of the complaint.\n\n"
        "“People do not say those things to me,” she said."
    )
    assert speakers(extraction) == ["Nora Fell"]


def test_she_is_the_named_spokeswoman_not_her_organisation() -> None:
    extraction = run(
        "T\n\nNora Fell, a developer and spokeswoman for the Harbour Investment Coalition, said "
        "the critics had it wrong.\n\n"
        "“People only see what an area looks like afterwards,” she said."
    )
    assert speakers(extraction) == ["Nora Fell"]


def test_a_description_with_an_age_and_an_of_complement_means_the_person_spoken_of() -> None:
    extraction = run(
        "T\n\nIvana Pell, the nominee’s eldest daughter, noted the rule last week. When pressed, "
        "the 34-year-old mother of three replied, “It is meant to help the mother.”"
    )
    assert speakers(extraction) == ["Ivana Pell"]


def test_a_document_sent_by_a_named_person_is_theirs() -> None:
    extraction = run(
        "T\n\nA memo sent to donors on Wednesday by the campaign’s pollster, Nadia Fell, "
        "warned that the race was close.\n\n"
        "“Every poll showing us ahead makes our job harder,” according to the memo."
    )
    assert speakers(extraction) == ["Nadia Fell"]


def test_a_surname_that_is_a_role_word_alone_is_a_name() -> None:
    extraction = run(
        "T\n\nIvo Marsh called on Howard Dean to apologise.\n\n"
        "Dean, a former party chairman, mocked the debate, tweeting, “Notice the sniffing.”"
    )
    assert speakers(extraction) == ["Howard Dean"]


def test_a_lone_surname_means_the_person_not_a_place_named_after_them() -> None:
    extraction = run(
        "T\n\nSupporters gathered outside Brandt Tower on Monday.\n\n"
        "Ivo Brandt arrived late.\n\n"
        "The Brandt Train rolled on through the county.\n\n"
        "“We will win this,” Brandt said."
    )
    assert speakers(extraction) == ["Ivo Brandt"]


def test_a_participle_s_own_subject_beats_a_place_opening_the_sentence() -> None:
    extraction = run(
        "T\n\nAt a rally in Harwick, Ostmark, on Saturday, supporters shoved a protester, with "
        "Ivo Brandt reportedly yelling: “Get him out of here!”"
    )
    assert speakers(extraction) == ["Ivo Brandt"]


def test_a_common_word_opening_a_sentence_is_no_name() -> None:
    extraction = run(
        "T\n\nMayor Ivo Brandt spoke first, and the others waited.\n\n"
        "Others, angry at the delay, shouted, “Stop the cover-up!”"
    )
    quote = extraction.quotes[0]
    assert (quote.speaker, quote.described_as) == (None, "Others")


def test_a_time_adverbial_opening_the_sentence_is_not_the_participle_s_subject() -> None:
    extraction = run(
        "T\n\nIvo Brandt spoke on Monday.\n\n"
        "Hours later, Brandt praised Nora Fell, telling reporters, “She is a fine engineer.”"
    )
    assert speakers(extraction) == ["Ivo Brandt"]


def test_an_acronym_is_the_organisation_its_letters_stand_for() -> None:
    extraction = run(
        "T\n\nThe Harwick Budget Office cut its forecast on Tuesday.\n\n"
        "“The outlook is weak,” the HBO said.\n\n"
        "The Federal Bureau of Inquiry opened a case.\n\n"
        "“We are looking into it,” the FBI said."
    )
    assert speakers(extraction) == ["Harwick Budget Office", "Federal Bureau of Inquiry"]


def test_a_lone_surname_before_an_irregular_or_negated_verb_is_the_participle_s_subject() -> None:
    extraction = run(
        "T\n\nNora Fell attacked him on Monday.\n\n"
        "Brandt shot back in a statement, saying he had “made money in down markets.”\n\n"
        "Weaver didn’t seem impressed, telling reporters, “People said the mayor should go.”"
    )
    assert speakers(extraction) == ["Brandt", "Weaver"]


def test_a_participle_after_a_quotation_keeps_its_speaker_not_a_time_phrase() -> None:
    extraction = run(
        "T\n\n“It is not new here,” said Rep. Ada Voss (D-Va.) at the time, adding that “we have "
        "elected them for years.”"
    )
    assert speakers(extraction) == ["Ada Voss", "Ada Voss"]
