"""Unit tests for pipeline.extract.affiliations on linked records built from invented sentences."""

import pytest

from pipeline.extract.affiliations import extract_affiliations
from tests.unit.test_extract import _linked


def _rows(text, spans, lang="en"):
    rec = _linked(text, spans, lang=lang)
    return sorted((a.person_id, a.org_or_country_id) for a in extract_affiliations(rec))


@pytest.mark.parametrize(
    ("text", "spans", "lang", "expected"),
    [
        # demonym, then a title of several words
        (
            "The Mexican Defence Minister Ana Quispe arrived.",
            [("Mexican", "NORP"), ("Ana Quispe", "PERSON")],
            "en",
            [("person:ana-quispe", "country:mexico")],
        ),
        # a possessive country and its body before a delegation led by a title holder
        (
            "Chile's Christian Democratic Party delegation led by Speaker Tomas Rivas arrived.",
            [("Chile", "GPE"), ("Christian Democratic Party", "ORG"), ("Tomas Rivas", "PERSON")],
            "en",
            [
                ("person:tomas-rivas", "country:chile"),
                ("person:tomas-rivas", "organization:christian-democratic-party"),
            ],
        ),
        # title + of + country before the name; the country an ambassador is posted to is not his
        (
            "Ambassador of Peru to Chile Luis Ramos spoke.",
            [("Peru", "GPE"), ("Chile", "GPE"), ("Luis Ramos", "PERSON")],
            "en",
            [("person:luis-ramos", "country:peru")],
        ),
        # an apposition after the name
        (
            "Marta Soler, the caretaker prime minister of Peru, spoke.",
            [("Marta Soler", "PERSON"), ("Peru", "GPE")],
            "en",
            [("person:marta-soler", "country:peru")],
        ),
        # a counterpart, set off by a comma after "his"
        (
            "He met his Chilean counterpart, Pablo Lagos, on Monday.",
            [("Chilean", "NORP"), ("Pablo Lagos", "PERSON")],
            "en",
            [("person:pablo-lagos", "country:chile")],
        ),
        # "X of Country"
        (
            "Ministers Pablo Lagos of Chile and Ana Quispe met.",
            [("Pablo Lagos", "PERSON"), ("Chile", "GPE"), ("Ana Quispe", "PERSON")],
            "en",
            [("person:pablo-lagos", "country:chile")],
        ),
        # an apposition that runs into the next name is that name's title
        (
            "Mexican Foreign Minister Ana Quispe, Chilean Foreign Minister Pablo Lagos met.",
            [("Mexican", "NORP"), ("Ana Quispe", "PERSON"), ("Chilean", "NORP"), ("Pablo Lagos", "PERSON")],
            "en",
            [("person:ana-quispe", "country:mexico"), ("person:pablo-lagos", "country:chile")],
        ),
        # a verb before a comma-set title: the title is someone else's
        (
            "Greeting the Chilean minister, Ana Quispe said hello.",
            [("Chilean", "NORP"), ("Ana Quispe", "PERSON")],
            "en",
            [],
        ),
        # a title phrase that ends in "and" belongs to the name before it
        ("Peru's Emir and Ana Quispe spoke.", [("Peru", "GPE"), ("Ana Quispe", "PERSON")], "en", []),
        # no title at all
        ("Ana Quispe spoke in Peru.", [("Ana Quispe", "PERSON"), ("Peru", "GPE")], "en", []),
        # Chinese: country + two titles + name; 驻 marks where an ambassador is posted
        (
            "秘鲁副总理兼外长罗萨斯抵达。",
            [("秘鲁", "LOC"), ("罗萨斯", "PER")],
            "zh",
            [("person:罗萨斯", "country:peru")],
        ),
        (
            "智利驻秘鲁大使罗萨斯抵达。",
            [("智利", "LOC"), ("秘鲁", "LOC"), ("罗萨斯", "PER")],
            "zh",
            [("person:罗萨斯", "country:chile")],
        ),
        # a clause, not a title, between the country and the name
        ("他在秘鲁会见总理罗萨斯。", [("秘鲁", "LOC"), ("罗萨斯", "PER")], "zh", []),
        # a title alone in a list takes the country of the item before it
        (
            "他会见了秘鲁总统罗萨斯、总理贝尔特兰。",
            [("秘鲁", "LOC"), ("罗萨斯", "PER"), ("贝尔特兰", "PER")],
            "zh",
            [("person:罗萨斯", "country:peru"), ("person:贝尔特兰", "country:peru")],
        ),
    ],
)
def test_affiliations_title_phrases(text, spans, lang, expected):
    assert _rows(text, spans, lang) == expected


def test_affiliations_knowledge_base_country_where_the_document_names_it():
    # the KB knows Xi Jinping's country: a row where China is named, none where it is not
    assert _rows("Xi Jinping spoke about China.", [("Xi Jinping", "PERSON"), ("China", "GPE")]) == [
        ("person:xi-jinping", "country:china")]  # fmt: skip
    assert _rows("Xi Jinping spoke in Lima.", [("Xi Jinping", "PERSON"), ("Lima", "GPE")]) == []


def test_affiliations_unlinked_demonym_of_a_named_country():
    text = "Peru and Bhutan met. The Peruvian Foreign Minister Ana Quispe spoke."
    spans = [("Peru", "GPE"), ("Bhutan", "GPE"), ("Peruvian", "NORP"), ("Ana Quispe", "PERSON")]
    rec = _linked(text, spans)
    for m in rec["mentions"]:  # as if the KB did not know the demonym
        if m["text"] == "Peruvian":
            m["entity_id"], m["type"] = "", ""
    assert [(a.person_id, a.org_or_country_id) for a in extract_affiliations(rec)] == [
        ("person:ana-quispe", "country:peru")]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        # a gloss after the name that states the country and the title
        (
            "他期待见到罗萨斯（秘鲁总理，Ana Rosas）。",
            [("罗萨斯", "PER"), ("秘鲁", "LOC"), ("Ana Rosas", "PER")],
            [("person:罗萨斯", "country:peru")],
        ),
        # a list item after a Latin gloss takes the country of the item before it
        (
            "他会见了秘鲁总统罗萨斯（Ana Rosas）、外长贝尔特兰。",
            [("秘鲁", "LOC"), ("罗萨斯", "PER"), ("Ana Rosas", "PER"), ("贝尔特兰", "PER")],
            [("person:ana-rosas", "country:peru"), ("person:贝尔特兰", "country:peru")],
        ),
        # two titles of one person joined by 、: the body of the first counts
        (
            "他会见了秘鲁人民党主席、政府副总理贝尔特兰。",
            [("秘鲁人民党", "ORG"), ("贝尔特兰", "PER")],
            [("person:贝尔特兰", "organization:秘鲁人民党")],
        ),
        # a title may hold 同 (共同主席): only a clause breaks a title
        (
            "秘鲁人民党共同主席贝尔特兰发言。",
            [("秘鲁人民党", "ORG"), ("贝尔特兰", "PER")],
            [("person:贝尔特兰", "organization:秘鲁人民党")],
        ),
    ],
)
def test_affiliations_chinese_glosses_and_lists(text, spans, expected):
    assert _rows(text, spans, "zh") == expected


def test_affiliations_a_name_inside_a_longer_one_is_part_of_it():
    # 国务院 inside 美国国务院 is not China's State Council
    text = "美国国务院发言人普莱斯表示。"
    rows = _rows(text, [("美国国务院", "ORG"), ("国务院", "ORG"), ("普莱斯", "PER")], "zh")
    assert [t for _, t in rows] == ["organization:us-state-department"]


_PE, _CL = "country:peru", "country:chile"


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        # a list of title holders sharing the first item's demonym
        (
            "Peruvian President Ana Rosas, Vice President Tomas Rivas and Minister of Energy Luis Ramos attended.",
            [("Peruvian", "NORP"), ("Ana Rosas", "PERSON"), ("Tomas Rivas", "PERSON"), ("Luis Ramos", "PERSON")],
            [("person:ana-rosas", _PE), ("person:luis-ramos", _PE), ("person:tomas-rivas", _PE)],
        ),
        # two countries in the list: the bare title belongs to neither
        (
            "Chilean President Ana Rosas, Peruvian President Tomas Rivas and Prime Minister Luis Ramos attended.",
            [
                ("Chilean", "NORP"),
                ("Ana Rosas", "PERSON"),
                ("Peruvian", "NORP"),
                ("Tomas Rivas", "PERSON"),
                ("Luis Ramos", "PERSON"),
            ],
            [("person:ana-rosas", _CL), ("person:tomas-rivas", _PE)],
        ),
        # "A and B" alone is no evidence that B shares A's country
        (
            "Peruvian President Ana Rosas and Prime Minister Luis Ramos met.",
            [("Peruvian", "NORP"), ("Ana Rosas", "PERSON"), ("Luis Ramos", "PERSON")],
            [("person:ana-rosas", _PE)],
        ),
        # the first item states no country: nothing to share
        (
            "President Ana Rosas, Peruvian Vice President Tomas Rivas and Minister Luis Ramos attended.",
            [("Ana Rosas", "PERSON"), ("Peruvian", "NORP"), ("Tomas Rivas", "PERSON"), ("Luis Ramos", "PERSON")],
            [("person:tomas-rivas", _PE)],
        ),
        # a person the knowledge base places in another country keeps it
        (
            "Peruvian Premier Ana Rosas, President Xi Jinping and Minister Luis Ramos spoke of China.",
            [
                ("Peruvian", "NORP"),
                ("Ana Rosas", "PERSON"),
                ("Xi Jinping", "PERSON"),
                ("Luis Ramos", "PERSON"),
                ("China", "GPE"),
            ],
            [("person:ana-rosas", _PE), ("person:luis-ramos", _PE), ("person:xi-jinping", "country:china")],
        ),
    ],
)
def test_affiliations_english_lists_share_one_demonym(text, spans, expected):
    assert _rows(text, spans) == expected


@pytest.mark.parametrize(
    ("demonym", "country"),
    [
        ("Mauritian", "country:mauritius"),
        ("Sri Lankan", "country:sri-lanka"),
        ("Lao", "country:laos"),
        ("Ni-Vanuatu", "country:vanuatu"),
        ("Chinese", "country:china"),
    ],
)
def test_affiliations_demonyms_of_every_country(demonym, country):
    # the KB's demonyms come from a country data package, not from a hand list
    text = f"The {demonym} Foreign Minister Ana Quispe arrived."
    assert _rows(text, [(demonym, "NORP"), ("Ana Quispe", "PERSON")]) == [("person:ana-quispe", country)]


def test_affiliations_unlinked_two_word_demonym_of_a_named_country():
    text = "Sri Lanka and Bhutan met. The Sri Lankan Foreign Minister Ana Quispe spoke."
    rec = _linked(text, [("Sri Lanka", "GPE"), ("Bhutan", "GPE"), ("Ana Quispe", "PERSON")])
    assert [(a.person_id, a.org_or_country_id) for a in extract_affiliations(rec)] == [
        ("person:ana-quispe", "country:sri-lanka")]  # fmt: skip


@pytest.mark.parametrize("label", ["ORG", "GPE", "LOC"])
def test_affiliations_demonym_typed_as_a_body_or_a_place(label):
    # the model's "Mauritian" typed as an organization or a place is the country's demonym
    text = "Mauritian Foreign Minister Ana Quispe arrived."
    assert _rows(text, [("Mauritian", label), ("Ana Quispe", "PERSON")]) == [
        ("person:ana-quispe", "country:mauritius")]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        # a title after the name; the body before it is of the name's country, 驻 marks where it is posted
        (
            "智利驻秘鲁大使馆罗萨斯参赞、贝尔特兰参赞会见时在座。",
            [("智利", "LOC"), ("秘鲁", "LOC"), ("罗萨斯", "PER"), ("贝尔特兰", "PER")],
            [("person:罗萨斯", "country:chile"), ("person:贝尔特兰", "country:chile")],
        ),
        (
            "秘鲁国会罗萨斯众议员说，他支持这项法案。",
            [("秘鲁", "LOC"), ("罗萨斯", "PER")],
            [("person:罗萨斯", "country:peru")],
        ),
        # a title after the name with no country before it: nothing
        ("罗萨斯参赞会见时在座。", [("罗萨斯", "PER")], []),
        # a clause before the name, not a title
        ("他在秘鲁会见罗萨斯参赞。", [("秘鲁", "LOC"), ("罗萨斯", "PER")], []),
    ],
)
def test_affiliations_chinese_title_after_the_name(text, spans, expected):
    assert _rows(text, spans, "zh") == expected


def test_affiliations_chinese_body_named_after_a_country():
    # a body the KB does not know, named after a country the document names, stands for it
    text = "智利外长访问秘鲁。智利驻秘鲁大使馆罗萨斯参赞在座。"
    rows = _rows(text, [("智利", "LOC"), ("秘鲁", "LOC"), ("智利驻秘鲁大使馆", "ORG"), ("罗萨斯", "PER")], "zh")
    assert ("person:罗萨斯", "country:chile") in rows
    assert ("person:罗萨斯", "country:peru") not in rows


def test_affiliations_chinese_list_item_naming_another_place_keeps_its_own():
    # the item names a place of its own (a federation the model typed as a place): it does not
    # take the country of the item before it
    text = "他会见了秘鲁总统罗萨斯、智利联邦委员兼外长贝尔特兰。"
    spans = [("秘鲁", "LOC"), ("罗萨斯", "PER"), ("智利联邦", "LOC"), ("贝尔特兰", "PER")]
    assert ("person:贝尔特兰", "country:peru") not in _rows(text, spans, "zh")


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        # three title holders joined by commas share the one country the first states
        (
            "他分别同秘鲁议长罗萨斯，副总理贝尔特兰，外长拉莫斯会见。",
            [("秘鲁", "LOC"), ("罗萨斯", "PER"), ("贝尔特兰", "PER"), ("拉莫斯", "PER")],
            [("person:拉莫斯", _PE), ("person:罗萨斯", _PE), ("person:贝尔特兰", _PE)],
        ),
        # two items joined by a comma: a clause as likely as a list
        (
            "他会见了秘鲁总统罗萨斯，外长贝尔特兰参加会见。",
            [("秘鲁", "LOC"), ("罗萨斯", "PER"), ("贝尔特兰", "PER")],
            [("person:罗萨斯", _PE)],
        ),
        # the run states two countries: the bare title belongs to neither
        (
            "他分别同智利议长罗萨斯，秘鲁副总理贝尔特兰，外长拉莫斯会见。",
            [("智利", "LOC"), ("罗萨斯", "PER"), ("秘鲁", "LOC"), ("贝尔特兰", "PER"), ("拉莫斯", "PER")],
            [("person:罗萨斯", _CL), ("person:贝尔特兰", _PE)],
        ),
    ],
)
def test_affiliations_chinese_comma_runs(text, spans, expected):
    assert _rows(text, spans, "zh") == expected


def test_affiliations_chinese_comma_run_goes_on_after_he():
    text = "他分别同秘鲁议长罗萨斯，副总理贝尔特兰，外长拉莫斯和贸易部长索托会见。"
    spans = [("秘鲁", "LOC"), ("罗萨斯", "PER"), ("贝尔特兰", "PER"), ("拉莫斯", "PER"), ("索托", "PER")]
    assert ("person:索托", _PE) in _rows(text, spans, "zh")


@pytest.mark.parametrize("verb", ["comprising", "consisting of", "composed of"])
def test_affiliations_members_of_a_named_delegation_take_its_country(verb):
    text = f"He received a delegation of the Peruvian Congress {verb} Senator Ana Rosas, Senator Luis Ramos and Senator Tomas Rivas."
    spans = [("Peruvian", "NORP"), ("Ana Rosas", "PERSON"), ("Luis Ramos", "PERSON"), ("Tomas Rivas", "PERSON")]
    got = {c for p, c in _rows(text, spans)}
    assert got == {"country:peru"}
    assert {p for p, _ in _rows(text, spans)} == {"person:ana-rosas", "person:luis-ramos", "person:tomas-rivas"}


def test_affiliations_title_after_a_possessive_takes_that_persons_country():
    text = "She met Peruvian President Ana Rosas's special envoy Luis Ramos in Lima."
    spans = [("Peruvian", "NORP"), ("Ana Rosas", "PERSON"), ("Luis Ramos", "PERSON"), ("Lima", "GPE")]
    assert ("person:luis-ramos", "country:peru") in _rows(text, spans)


def test_affiliations_counterpart_after_a_possessive_is_of_the_other_side():
    text = "Peruvian President Ana Rosas's counterpart Luis Ramos spoke."
    spans = [("Peruvian", "NORP"), ("Ana Rosas", "PERSON"), ("Luis Ramos", "PERSON")]
    assert ("person:luis-ramos", "country:peru") not in _rows(text, spans)


def test_affiliations_the_countrys_title_takes_the_one_country_named_before():
    text = "He then flew to Peru to meet the country's President Ana Rosas in the capital."
    spans = [("Peru", "GPE"), ("Ana Rosas", "PERSON")]
    assert _rows(text, spans) == [("person:ana-rosas", "country:peru")]


def test_affiliations_the_countrys_title_with_two_countries_named_states_none():
    text = "After Chile he flew to Peru to meet the country's President Ana Rosas."
    spans = [("Chile", "GPE"), ("Peru", "GPE"), ("Ana Rosas", "PERSON")]
    assert _rows(text, spans) == []


@pytest.mark.parametrize("clause", ["who is leading", "who leads", "who was heading", "who is also"])
def test_affiliations_apposition_of_the_delegation_a_person_leads(clause):
    text = f"They received Ana Rosas, {clause} Peru's delegation, on Monday."
    spans = [("Ana Rosas", "PERSON"), ("Peru", "GPE")]
    assert _rows(text, spans) == [("person:ana-rosas", "country:peru")]


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        # a city's office holder: the country the gazetteer puts the city in, named in the document
        (
            "秘鲁代表团抵达。库斯科市市长罗萨斯前往迎接。",
            [("秘鲁", "LOC"), ("库斯科市", "LOC"), ("罗萨斯", "PER")],
            [("person:罗萨斯", "country:peru")],
        ),
        # never a city an office is posted to
        (
            "秘鲁代表团抵达。驻库斯科总领事罗萨斯前往迎接。",
            [("秘鲁", "LOC"), ("库斯科", "LOC"), ("罗萨斯", "PER")],
            [],
        ),
        # nor a country the document does not name
        (
            "代表团抵达。库斯科市市长罗萨斯前往迎接。",
            [("库斯科市", "LOC"), ("罗萨斯", "PER")],
            [],
        ),
    ],
)
def test_affiliations_zh_city_office_takes_the_city_country(text, spans, expected):
    assert _rows(text, spans, "zh") == expected


def test_affiliations_zh_place_named_as_a_state():
    # a place the model tags with words before a state's formal name is that state
    text = "秘鲁外长抵达。友邦秘鲁共和国新任总统罗萨斯讲话。"
    spans = [("秘鲁", "LOC"), ("友邦秘鲁共和国", "LOC"), ("罗萨斯", "PER")]
    assert _rows(text, spans, "zh") == [("person:罗萨斯", "country:peru")]
    # a one-character short name is no state's name (华中 is no China)
    text = "中方代表抵达。华中共和国总统罗萨斯讲话。"
    assert _rows(text, [("中", "LOC"), ("华中共和国", "LOC"), ("罗萨斯", "PER")], "zh") == []


def test_affiliations_zh_members_of_a_country_group_and_portfolios_joined_by_ji():
    # the group's country carries from the bare first member to the titled ones, also over
    # a title whose portfolios 及 joins
    text = "秘鲁代表团成员包括罗萨斯、交通部长贝尔特兰、贸易及工业部长萨拉斯。"
    spans = [("秘鲁代表团", "ORG"), ("罗萨斯", "PER"), ("贝尔特兰", "PER"), ("萨拉斯", "PER")]
    rec = _linked(text, spans, lang="zh")
    for m in rec["mentions"]:  # the delegation named after its country, as the linker gives it
        if m["text"] == "秘鲁代表团":
            m["entity_id"], m["type"] = "country:peru", "country"
    rec["entities"].setdefault("country:peru", {"type": "country", "name": "Peru", "name_zh": "秘鲁"})
    rows = sorted((a.person_id, a.org_or_country_id) for a in extract_affiliations(rec))
    assert rows == [("person:罗萨斯", "country:peru"), ("person:萨拉斯", "country:peru"),
                    ("person:贝尔特兰", "country:peru")]  # fmt: skip
    # a group named without a word that opens its members carries nothing
    text = "秘鲁代表团欢迎罗萨斯、交通部长贝尔特兰。"
    rec = _linked(text, [("秘鲁代表团", "ORG"), ("罗萨斯", "PER"), ("贝尔特兰", "PER")], lang="zh")
    for m in rec["mentions"]:
        if m["text"] == "秘鲁代表团":
            m["entity_id"], m["type"] = "country:peru", "country"
    rec["entities"].setdefault("country:peru", {"type": "country", "name": "Peru", "name_zh": "秘鲁"})
    assert [(a.person_id, a.org_or_country_id) for a in extract_affiliations(rec)] == []


def test_affiliations_zh_province_office_takes_the_province_country():
    # a province ISO 3166-2 names (by its romanized name) puts its office holder in its country
    text = "中国代表团抵达。云南省副省长罗萨斯前往迎接。"
    spans = [("中国", "LOC"), ("云南省", "LOC"), ("罗萨斯", "PER")]
    assert _rows(text, spans, "zh") == [("person:罗萨斯", "country:china")]
    # a transliterated province of another country matches none
    text = "中国代表团抵达。安大略省省长罗萨斯前往迎接。"
    assert _rows(text, [("中国", "LOC"), ("安大略省", "LOC"), ("罗萨斯", "PER")], "zh") == []
