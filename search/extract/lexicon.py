"""Word lists the attribution rules rely on: general English, no names from any article.

Kept apart from the rules so they can be extended without touching the logic.
"""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """The white-space separated words of `text`, for writing word lists readably."""
    return frozenset(text.split())


def _verb_forms(regular: str, irregular: dict[str, tuple[str, ...]]) -> frozenset[str]:
    """Past, third-person present and -ing forms of each verb (the tenses news copy uses)."""
    doubled = {"admit", "quip", "snap", "commit", "regret", "omit", "chat"}
    forms: set[str] = set()
    for verb in regular.split():
        stem = verb + verb[-1] if verb in doubled else verb
        if verb.endswith("e"):
            forms.update({verb + "d", verb + "s", verb[:-1] + "ing"})
        elif verb.endswith("y") and verb[-2] not in "aeiou":
            forms.update({verb[:-1] + "ied", verb[:-1] + "ies", verb + "ing"})
        else:
            plural = verb + ("es" if verb.endswith(("s", "sh", "ch", "x", "z")) else "s")
            forms.update({stem + "ed", plural, stem + "ing"})
    for verb_forms in irregular.values():
        forms.update(verb_forms)
    return frozenset(forms)


SPEECH_VERBS = _verb_forms(
    "add state stress note explain continue remark declare respond reply answer ask insist argue "
    "claim warn announce acknowledge admit recall observe comment conclude emphasize emphasise "
    "counter concede confirm suggest predict promise vow urge tweet post joke quip complain "
    "lament caution boast describe recount agree disagree maintain reiterate muse shout yell "
    "whisper testify charge allege contend proclaim pledge assert affirm exclaim retort snap "
    "sigh mention reveal repeat scoff wonder interject protest demand cry estimate offer "
    "underline underscore summarise summarize point acknowledge reflect recollect advise "
    "announce inform assure plead beg concur object chide scold mutter murmur shrug laugh "
    "report chant scream bark blast email rail gush fume grumble marvel sneer tease chuckle "
    "hiss vent rant implore remind propose",
    {
        "sing": ("sang", "sings", "sing", "singing"),
        "read": ("reads",),  # `the letter reads`
        "say": ("said", "says", "say", "saying"),
        "tell": ("told", "tells", "tell", "telling"),
        "write": ("wrote", "writes", "write", "writing"),
        "speak": ("spoke", "speaks", "speaking"),
        "begin": ("began", "begins"),
        "put": ("put", "puts"),
        "call": ("called", "calls", "calling"),
    },
)

# Words that cannot sit inside a name, a role phrase or a speaker noun phrase.
FUNCTION_WORDS = words(
    """a an the this that these those his her its their our my your one another some any every
    each no not nor and or but so yet for of to in on at by with from as into onto about after
    before during since until while when where whether which who whom whose what how why if than
    then there here also is was were are be been being has have had do does did will would could
    should may might must can shall it he she they we i you him them us me himself herself
    themselves itself however meanwhile still instead also although though because unlike like
    under over per via amid among between following without within across through throughout
    upon toward towards behind beyond near outside inside including regarding concerning despite
    according asked speaking later earlier today yesterday tomorrow now just only even again
    once sadly indeed moreover furthermore nevertheless thus hence otherwise perhaps maybe both
    either neither all most many much more less few several such other same own very too
    after against along around because out up down off above below"""
)

# Heads of role phrases (`Foreign Minister`, `union president`, `the club’s architect`).
ROLE_HEADS = words(
    """minister ambassador president secretary chairman chairwoman chairperson chair director
    governor mayor senator representative spokesman spokeswoman spokesperson councillor councilor
    councilman councilwoman commissioner chief executive officer ceo cfo coo cto founder
    co-founder leader head manager judge justice attorney lawyer prosecutor sheriff captain
    general colonel admiral sergeant lieutenant inspector superintendent principal
    professor dean chancellor premier king queen prince princess emperor pope bishop archbishop
    cardinal rabbi imam reverend pastor priest doctor dr physician surgeon nurse economist
    analyst researcher scientist expert historian author writer journalist editor reporter
    correspondent host presenter anchor coach player striker goalkeeper architect engineer
    designer farmer teacher student resident activist organiser organizer campaigner protester
    candidate challenger nominee incumbent deputy aide adviser advisor strategist consultant
    pollster diplomat envoy consul lawmaker legislator congressman congresswoman mp mep
    assemblyman assemblywoman assemblymember councilmember alderman alderwoman
    delegate treasurer administrator official owner partner trustee curator librarian pilot
    commander speaker whip secretary-general vice-president vice-chair chairman-elect
    president-elect sister brother mother father wife husband son daughter grandmother
    grandfather aunt uncle niece nephew widow widower neighbour neighbor friend colleague
    professor lecturer scholar psychologist psychiatrist spokesperson negotiator mediator
    ombudsman regulator auditor accountant banker investor entrepreneur businessman
    businesswoman executive producer director-general controller planner coordinator
    volunteer worker employee member fellow veteran survivor witness victim owner operator
    organiser landlord tenant shopkeeper driver officer constable detective firefighter
    paramedic medic soldier marshal agent master"""
)

# Role nouns that only relate a person to another (`her sister`): the weakest kind of role.
RELATION_NOUNS = words(
    """sister brother mother father wife husband son daughter grandmother grandfather aunt
    uncle niece nephew widow widower neighbour neighbor friend colleague partner"""
)
# Words making a role a different, lesser office (`lieutenant governor`, `vice-chair`).
DEPUTY_WORDS = words("lieutenant vice deputy assistant associate under")
# Party labels (`a Democrat`, `the Tarrant County Republican`): weak roles, like relations.
PARTY_NOUNS = words("democrat republican tory")
# Offices a campaign committee is named for (`Boyd for Congress`, `Marsh for Governor`).
CAMPAIGN_OFFICES = words("congress senate governor mayor president assembly council house")
# A party's members at large (`Republicans have run ads calling it …`): nobody who speaks.
PARTY_MEMBERS = words("democrats republicans tories conservatives liberals progressives")
# Words with an agent-noun ending that are not agents (`a border town`).
NOT_AGENT_NOUNS = words(
    """water matter number order other letter paper power center centre quarter border
    chapter winter summer corner after never under over ever either neither whether rather
    together another however later earlier further former latter major minor error mirror
    anchor floor door motor sector factor interior exterior senior junior superior inferior
    prior whatever whenever wherever whoever forever render reminder hammer plaster remainder
    shoulder finger meter filter banner barrier cancer career character cluster
    computer container disaster encounter monitor pattern register theater
    theatre younger older smaller greater larger bigger longer stronger higher lower richer
    poorer tougher harder better faster slower wider broader deeper bolder louder cleaner
    clearer closer easier fewer newer safer weaker wiser sooner"""
)

# Titles written before a name; social honorifics carry gender but are not roles.
HONORIFICS = {
    "mr": "m", "mrs": "f", "ms": "f", "miss": "f", "mx": None, "sir": "m", "dame": "f",
    "lady": "f", "lord": "m",
}  # fmt: skip
FUNCTION_TITLES = words(
    """dr doctor prof professor judge justice governor gov mayor senator sen rep representative
    president minister secretary ambassador commissioner councillor councilor chancellor premier
    general gen colonel col captain capt lieutenant lt sergeant sgt admiral adm commander cmdr
    major maj inspector supt insp det cpl atty amb detective officer sheriff chief coach rabbi
    imam bishop archbishop cardinal pope reverend rev father sister king queen prince princess
    sheikh speaker chairman chairwoman director congressman congresswoman assemblyman
    assemblywoman assemblymember councilman councilwoman councilmember alderman alderwoman"""
)
# Abbreviated titles (`Gov.`, `Lt.`), written out when they become a role.
TITLE_ABBREVIATIONS = {
    "gov": "Governor", "sen": "Senator", "rep": "Representative", "lt": "Lieutenant",
    "gen": "General", "col": "Colonel", "capt": "Captain", "sgt": "Sergeant", "adm": "Admiral",
    "cmdr": "Commander", "maj": "Major", "prof": "Professor", "rev": "Reverend",
    "supt": "Superintendent", "insp": "Inspector", "det": "Detective", "cpl": "Corporal",
    "atty": "Attorney", "amb": "Ambassador", "gov-elect": "Governor-elect",
}  # fmt: skip
# Lower-case words that qualify a title before a name (`state Sen.`, `former Gov.`).
TITLE_MODIFIERS = words(
    """state former then acting deputy assistant associate vice retired late incumbent outgoing
    incoming federal county city district circuit senior junior interim"""
)
TITLE_GENDERS = {
    "king": "m", "queen": "f", "prince": "m", "princess": "f", "father": "m", "sister": "f",
    "congressman": "m", "congresswoman": "f", "assemblyman": "m", "assemblywoman": "f",
    "councilman": "m", "councilwoman": "f", "alderman": "m", "alderwoman": "f",
}  # fmt: skip

# Words that mark gender when they describe a person (`her sister`, `the spokeswoman`).
FEMALE_NOUNS = words(
    """sister mother wife daughter grandmother aunt niece widow woman girl girlfriend actress
    chairwoman spokeswoman congresswoman businesswoman councilwoman assemblywoman alderwoman
    policewoman sportswoman
    queen princess duchess countess baroness empress mum mom grandma stepmother bride heiress
    hostess waitress fiancée"""
)
MALE_NOUNS = words(
    """brother father husband son grandfather uncle nephew widower man boy boyfriend
    spokesman congressman businessman councilman assemblyman alderman policeman sportsman king
    prince duke baron
    emperor dad grandpa stepfather groom fiancé"""
)
PRONOUN_GENDERS = {"he": "m", "him": "m", "his": "m", "himself": "m",
                   "she": "f", "her": "f", "hers": "f", "herself": "f"}  # fmt: skip

# `X read a prepared statement.` followed by the statement: verbs and nouns that introduce a
# statement quoted next without a speech verb.
STATEMENT_VERBS = words("read reads issued issues released releases delivered delivers gave gives")
STATEMENT_NOUNS = words("statement remarks speech address message letter")

# Documents, which speak for whoever issued them (`the memo said`, `according to the report`).
DOCUMENT_NOUNS = words(
    """statement memo memorandum letter report release email e-mail note message filing ruling
    decision opinion order complaint lawsuit suit petition study survey poll ad advertisement
    video book article editorial column transcript document documents post tweet"""
)

SPOKESPERSON_NOUNS = words("spokesman spokeswoman spokesperson spokespeople")

# Nouns for anybody at all (`the person said`, `the official said`): without a matching role the
# article introduced, they point at an unnamed source, never at the last person named.
GENERIC_PERSON_NOUNS = words(
    """person people source sources official officials aide aides insider insiders man woman
    individual staffer employee member resident witness observer spokesperson spokesman
    spokeswoman participant attendee supporter supporters voter voters critic critics fan fans
    backer backers donor donors opponent opponents demonstrator demonstrators marcher marchers
    protesters"""
)

# Verbs that carry a quoted phrase as someone's words without being speech verbs
# (`accused her opponent of wanting to “…”`): read only in the clause leading into a quotation.
STANCE_VERBS = _verb_forms("accuse blame criticise criticize deride dismiss mock condemn", {})

# A clause opening with these is an aside between a subject and its verb (`, for his part,`).
ASIDE_OPENERS = words(
    """for in on at by with after before during despite however meanwhile though instead too
    also"""
)

# Words around an attribution that mark an unnamed source (`who spoke on condition of anonymity`).
ANONYMITY_CUES = (
    "anonymity",
    "not to be named",
    "not be named",
    "not authorized",
    "not authorised",
    "declined to be identified",
    "not to be identified",
)

# Last words of organisation names (`Civil Aviation Authority`, `Ministry of Health`).
ORGANISATION_HEADS = words(
    """authority ministry department council agency commission committee association union
    party company corporation corp inc ltd llc plc group bank university college institute
    foundation service services office police court club airlines airways board bureau
    federation organization organisation network times post journal news senate congress
    parliament government administration campaign center centre fund trust society league
    alliance coalition cabinet army navy force forces guard command hospital school academy
    museum library church assembly embassy consulate secretariat directorate movement front
    watch international holdings partners industries motors systems technologies laboratories
    labs press tribunal kremlin pentagon house rail railways railway air
    foods motors pharma telecom logistics shipping lines express
    ventures solutions studios entertainment records publishing software electric oil gas
    petroleum steel mining chemicals insurance securities investments airport port hotels
    stores chamber"""
)

# Organisations named after the person who leads them (`the Clinton campaign`).
PERSONAL_ORGANISATION_NOUNS = words("campaign administration camp")

# Common nouns for organisations (`the airline said`), with the name words that signal each.
ORGANISATION_NOUNS: dict[str, frozenset[str]] = {
    noun: words(signals)
    for noun, signals in {
        "airline": "airline airlines airways air carrier",
        "carrier": "airline airlines airways air carrier",
        "company": "company corporation corp inc ltd llc plc group holdings industries",
        "firm": "company corporation corp inc ltd llc plc group partners",
        "group": "group association alliance coalition",
        "ministry": "ministry department",
        "department": "department ministry",
        "government": "government administration cabinet",
        "administration": "administration government",
        "council": "council",
        "committee": "committee",
        "commission": "commission",
        "agency": "agency authority bureau office service",
        "authority": "authority agency",
        "regulator": "authority agency commission board office regulator",
        "union": "union federation association",
        "club": "club fc united",
        "team": "club team fc united",
        "police": "police constabulary",
        "force": "force police",
        "court": "court tribunal",
        "bank": "bank",
        "university": "university college institute",
        "school": "school academy college",
        "hospital": "hospital clinic",
        "party": "party",
        "campaign": "campaign",
        "organisation": "organisation organization foundation trust society",
        "organization": "organisation organization foundation trust society",
        "charity": "foundation trust charity society",
        "board": "board",
        "office": "office",
        "operator": "operator company",
        "manufacturer": "company corporation motors industries",
        "museum": "museum gallery",
        "library": "library",
        "embassy": "embassy",
        "network": "network",
        "newspaper": "times post journal news",
        "army": "army forces",
        "military": "army forces military",
        "prosecutors": "prosecutor prosecutors",
        "utility": "energy power utility",
    }.items()
}

# Organisation nouns that fit an organisation of any kind (`a company spokesperson`).
GENERIC_ORGANISATION_NOUNS = words("company firm group organisation organization operator business")

# Role nouns that refer to a more specific role (`the diplomat` for an ambassador).
ROLE_SYNONYMS: dict[str, frozenset[str]] = {
    noun: words(roles)
    for noun, roles in {
        "diplomat": "ambassador envoy consul diplomat minister",
        "envoy": "ambassador envoy diplomat",
        "official": "minister secretary director commissioner official spokesman spokeswoman "
        "spokesperson governor mayor officer administrator chief",
        "lawmaker": "senator representative congressman congresswoman mp mep legislator "
        "councillor councilor assemblyman assemblywoman",
        "legislator": "senator representative congressman congresswoman mp legislator",
        "politician": "senator representative minister mayor governor councillor mp president",
        "executive": "executive ceo chief president chairman chairwoman director founder",
        "boss": "executive ceo chief president chairman chairwoman director manager head",
        "doctor": "dr doctor physician surgeon",
        "physician": "dr doctor physician surgeon",
        "scientist": "researcher scientist professor dr",
        "academic": "professor lecturer researcher scholar dean dr",
        "researcher": "researcher scientist professor dr",
        "leader": "leader president chairman chairwoman head chief premier minister",
        "chief": "chief head director executive",
        "head": "head chief director chairman chairwoman president",
        "coach": "coach manager",
        "manager": "manager coach director",
        "judge": "judge justice",
        "officer": "officer constable detective inspector sergeant",
    }.items()
}
