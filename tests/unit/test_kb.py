"""Unit tests for pipeline.kb: office shorthand, the build from tiny files, holder() and offices_of()."""

from pathlib import Path

import pytest

from pipeline.kb import KnowledgeBase, ascii_form, build, parse_office

CURATED = """
organizations:
  - {key: united-nations, en: United Nations, zh: 联合国, aliases: [UN]}
demonyms: {Chinese: CN, American: US}
not_countries: [TW, HK]
"""

HOLDERS = """
offices:
  head_of_state: {title: President, forms: [President, 总统, 国家主席]}
  foreign_minister: {title: Foreign Minister, forms: [Foreign Minister, Secretary of State, 外长]}
  head: {title: Secretary-General, forms: [Secretary-General, 秘书长, President]}
country_titles:
  US: {foreign_minister: Secretary of State}
persons:
  - {key: alpha-one, en: Alpha One, zh: 阿尔法, country: US, offices: ["foreign_minister 2013-02..2017-01"]}
  - {key: beta-two, en: Béta Two, zh: 贝塔, country: US, offices: ["foreign_minister 2017-02..2018-03", "head_of_state 2021-01.."]}
  - {key: gamma-three, en: Gamma Three, zh: 伽马, country: CN, offices: ["foreign_minister 2013-03..2022-12", "foreign_minister 2023-07.."]}
  - {key: delta-four, en: Delta Four, zh: 德尔塔, country: CN, offices: ["foreign_minister 2022-12..2023-07"]}
  - {key: epsilon-five, en: Epsilon Five, country: PT,
     offices: [{office: head, at: united-nations, from: 2017-01, title: Secretary-General}]}
  - {key: zeta-six, en: Zeta Six, country: CN, offices: ["foreign_minister 2010..2013"]}
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb")
    (d / "curated.yaml").write_text(CURATED, encoding="utf-8")
    (d / "holders.yaml").write_text(HOLDERS, encoding="utf-8")
    return KnowledgeBase(build(d / "curated.yaml", d / "holders.yaml"))


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("foreign_minister 2013-03..2022-12", {"office": "foreign_minister", "at": "CN", "from": "2013-03", "to": "2022-12"}),
        ("head@united-nations 2017-01..", {"office": "head", "at": "united-nations", "from": "2017-01", "to": ""}),
        ("head_of_state 2022-09.. King", {"office": "head_of_state", "at": "CN", "from": "2022-09", "to": "", "title": "King"}),
        ({"office": "speaker", "from": 2019, "to": 2024}, {"office": "speaker", "at": "CN", "from": "2019", "to": "2024"}),
    ],
)  # fmt: skip
def test_kb_parse_office(item, expected):
    assert parse_office(item, "CN") == expected


@pytest.mark.parametrize("item", ["foreign_minister 2013-2022", "foreign_minister 2022..2013", "x 13..14"])
def test_kb_parse_office_rejects(item):
    with pytest.raises(ValueError):
        parse_office(item, "CN")


def test_kb_ascii_form():
    assert ascii_form("Tô Lâm") == "To Lam"
    assert ascii_form("Recep Tayyip Erdoğan") == "Recep Tayyip Erdogan"
    assert ascii_form("Binali Yıldırım") == "Binali Yildirim"
    assert ascii_form("Joe Biden") == ""
    assert ascii_form("习近平") == ""


def test_kb_build_offices_and_aliases(kb):
    beta = kb.entities["person:beta-two"]
    assert beta.country == "country:united-states"
    assert "Beta Two" in beta.aliases  # the form without diacritics
    assert kb.lookup("Beta Two") is beta
    fm = beta.offices[0]
    assert fm == {"office": "foreign_minister", "at": "country:united-states", "from": "2017-02", "to": "2018-03",
                  "title": "Secretary of State"}  # fmt: skip
    assert kb.entities["person:epsilon-five"].offices[0]["at"] == "organization:united-nations"


@pytest.mark.parametrize(
    ("title", "where", "date", "expected"),
    [
        ("foreign_minister", "US", "2015-06-01", "person:alpha-one"),
        ("Secretary of State", "US", "2017-06", "person:beta-two"),
        ("外长", "CN", "2019", "person:gamma-three"),
        ("Foreign Minister", "China", "2023-03-15", "person:delta-four"),
        ("外长", "中国", None, "person:gamma-three"),  # the holder now
        ("foreign_minister", "country:china", "2023-07", None),  # the month the office changed hands
        ("foreign_minister", "CN", "2013", None),  # two holders in 2013, year-precise terms
        ("foreign_minister", "CN", "2013-06", "person:gamma-three"),
        ("foreign_minister", "CN", "2008", None),  # nobody listed
        ("President", "US", "2022", "person:beta-two"),
        ("总统", "US", "2016", None),
        ("Secretary-General", "UN", "2020", "person:epsilon-five"),
        ("President", "organization:united-nations", None, "person:epsilon-five"),  # an organization's "President" is its head
        ("foreign_minister", "Atlantis", "2020", None),
        ("Ambassador", "US", "2020", None),  # a title that is no office of the list
    ],
)  # fmt: skip
def test_kb_holder(kb, title, where, date, expected):
    assert kb.holder(title, where, date) == expected


def test_kb_offices_of(kb):
    assert [o["office"] for o in kb.offices_of("person:beta-two")] == ["foreign_minister", "head_of_state"]
    assert [o["office"] for o in kb.offices_of("person:beta-two", "2023")] == ["head_of_state"]
    assert kb.offices_of("person:gamma-three", "2023-01") == []
    assert kb.offices_of("person:nobody") == []


def test_kb_affiliations_of(kb):
    assert kb.affiliations_of("person:epsilon-five") == ["country:portugal", "organization:united-nations"]
    assert kb.affiliations_of("person:epsilon-five", "2010") == ["country:portugal"]
    assert kb.affiliations_of("person:nobody") == []


def test_kb_build_rejects_unknown_office_and_place(tmp_path):
    (tmp_path / "c.yaml").write_text(CURATED, encoding="utf-8")
    for bad in ('"minister_of_magic 2010..2012"', '"head@atlantis 2010..2012"'):
        (tmp_path / "h.yaml").write_text(
            "offices: {head: {title: Head}}\npersons:\n  - {key: x, en: X Y, country: US, offices: [" + bad + "]}\n",
            encoding="utf-8",
        )
        with pytest.raises((ValueError, KeyError)):
            build(tmp_path / "c.yaml", tmp_path / "h.yaml")


def test_kb_without_office_holders_file(tmp_path):
    (tmp_path / "c.yaml").write_text(CURATED, encoding="utf-8")
    kb = KnowledgeBase(build(tmp_path / "c.yaml"))
    assert kb.holder("President", "US") is None
    assert kb.lookup("联合国").entity_id == "organization:united-nations"


def test_kb_built_file_answers_holder():
    """The shipped KB answers the question the office list is for."""
    root = Path(__file__).resolve().parents[2]
    kb = KnowledgeBase.load(root / "models" / "kb" / "entities.jsonl")
    assert kb.holder("外长", "CN", "2019-05") == "person:wang-yi"
    assert kb.holder("Secretary of State", "US", "2022") == "person:antony-blinken"
    assert kb.holder("Secretary-General", "organization:united-nations", "2015") == "person:ban-ki-moon"


def test_kb_demonyms_from_country_data(tmp_path):
    # every country's demonym comes from the country data; a word two countries share is
    # left out unless the curated table settles it, and the curated table wins
    (tmp_path / "c.yaml").write_text("demonyms: {Dominican: DO, Lao: LA}\n", encoding="utf-8")
    kb = KnowledgeBase(build(tmp_path / "c.yaml"))
    assert kb.demonym("Mauritian").entity_id == "country:mauritius"
    assert kb.demonym("Solomon Islander").entity_id == "country:solomon-islands"
    assert kb.demonym("Dominican").entity_id == "country:dominican-republic"
    assert kb.demonym("Lao").entity_id == "country:laos"
    assert kb.demonym("Congolese") is None  # both Congos


def test_kb_country_short_names(tmp_path):
    # a short name CLDR lacks is an alias; one that occurs inside other words is looked up only
    (tmp_path / "c.yaml").write_text("country_aliases: {DO: [多米尼加]}\ncountry_lookup_only: {MY: [大马]}\n",
                                     encoding="utf-8")  # fmt: skip
    kb = KnowledgeBase(build(tmp_path / "c.yaml"))
    assert kb.lookup("多米尼加").entity_id == "country:dominican-republic"
    assert kb.lookup("大馬").entity_id == "country:malaysia"
    assert "大马" not in kb.entities["country:malaysia"].names()  # the gazetteer never searches for it
