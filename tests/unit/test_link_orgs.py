"""Unit tests for pipeline.link.clean_org_mentions: what a model's organization is not.

Invented sentences, hand-made NER output, the real built knowledge base and the word lists
of ``models/rules/organizations.yaml``.
"""

from pathlib import Path

import pytest
import yaml

from pipeline.kb import KnowledgeBase
from pipeline.link import link_document, load_org_rules
from pipeline.params import LinkParams
from tests.unit.test_link import _annotation, _sentences

ROOT = Path(__file__).resolve().parents[2]
KB = KnowledgeBase.load(ROOT / "models" / "kb" / "entities.jsonl")


def _link(text, spans, lang="en"):
    doc = {"doc_id": "d", "lang": lang, "date": "2025-11-19", "title": "", "text": text, "body_start": 0}
    return link_document(doc, _annotation(text, spans, _sentences(text)), KB, LinkParams())


def _orgs(rec):
    """The organization entities' surfaces, in text order."""
    return [m["text"] for m in rec["mentions"] if m.get("type") == "organization"]


def _typed(rec, typ):
    return [m["text"] for m in rec["mentions"] if m.get("type") == typ]


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        # a generic word, a title, a credit, a clock, a handle: no body
        ("The State will pay for the new bridge, said Ana Ruiz.", "State", []),
        ("Members of the Cabinet arrived on Monday.", "Cabinet", []),
        ("The two ministers shake hands (File Photo).", "File Photo", []),
        ("The ministers will speak at 0900 GMT on Friday.", "0900 GMT", []),
        ("The talks went well, wrote @PeruLeader on Friday.", "@PeruLeader", []),
        # a thing named after a body, not a body
        ("The leaders walked past the State Flag of Peru.", "State Flag of Peru", []),
        # a possessive, a half bracket, a leading slash
        ("The Peruvian Trade Agency's report came out.", "Peruvian Trade Agency's", ["Peruvian Trade Agency"]),
        ("Envoys of the Andean Trade Union (ATU met in Lima.", "Andean Trade Union (ATU", ["Andean Trade Union"]),
        ("He leads the Workers Party of Peru (Red Flag) now.", "Workers Party of Peru (Red Flag",
         ["Workers Party of Peru (Red Flag)"]),
        ("(Photo courtesy /Peruvian Trade Agency)", "/Peruvian Trade Agency", ["Peruvian Trade Agency"]),
        # a name ending in "of" takes the country after it, else it goes
        ("He met officials of the Ministry of Mines of Peru on Monday.", "Ministry of Mines of",
         ["Ministry of Mines of Peru"]),
        ("He met officials of the Workers Party of tomorrow.", "Workers Party of", []),
    ],
)  # fmt: skip
def test_link_orgs_spans_and_filters(text, span, expected):
    assert _orgs(_link(text, [(span, "ORG")])) == expected


def test_link_orgs_event_keeps_the_body_it_is_named_after():
    rec = _link("Leaders gathered for the 40th ASEAN Summit in Lima.", [("40th ASEAN Summit", "ORG")])
    assert [(m["text"], m["entity_id"]) for m in rec["mentions"] if m.get("type") == "organization"] == [
        ("ASEAN", "organization:asean")
    ]


def test_link_orgs_event_of_no_known_body_is_dropped():
    assert _orgs(_link("Leaders gathered for the Andean Trade Summit in Lima.", [("Andean Trade Summit", "ORG")])) == []


def test_link_orgs_place_typed_as_an_organization_is_a_place():
    rec = _link("The envoy flew on to Lima on Sunday.", [("Lima", "ORG")])
    assert _orgs(rec) == [] and _typed(rec, "location") == ["Lima"]


@pytest.mark.parametrize(
    ("text", "span", "org", "person"),
    [
        # the document names the person elsewhere
        ("He met the Speaker of the Senate of Peru Ana Ruiz. Ruiz said the talks went well.",
         "Senate of Peru Ana Ruiz", ["Senate of Peru"], ["Ana Ruiz"]),
        # a title with "to" before a country: the word after the country is a name
        ("Attending were the Ambassador to Peru Okafor and others.", "Peru Okafor", [], ["Okafor"]),
    ],
)  # fmt: skip
def test_link_orgs_person_run_on_after_a_body(text, span, org, person):
    spans = [(span, "ORG")] + ([("Ruiz", "PERSON")] if "Ruiz said" in text else [])
    rec = _link(text, spans)
    assert _orgs(rec) == org
    assert person[0] in _typed(rec, "person")


def test_link_orgs_portfolio_words_are_no_name():
    text = "He met the Adviser on Trade and National Security Tomas Okafor. Okafor smiled."
    rec = _link(text, [("National Security Tomas Okafor", "ORG"), ("Okafor", "PERSON")])
    assert _orgs(rec) == []
    assert "Tomas Okafor" in _typed(rec, "person")


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        # a ministry named only inside a person's title, the person's name right after it
        ("秘鲁外交部长马丁内斯抵达北京。", [("秘鲁外交部", "ORG"), ("马丁内斯", "PER")], []),
        # the same ministry as an actor stays
        ("秘鲁外交部发表声明。", [("秘鲁外交部", "ORG")], ["秘鲁外交部"]),
        # a delegation is no body; a known body's delegation is that body
        ("秘鲁议会代表团抵达北京。", [("秘鲁议会代表团", "ORG")], []),
        ("中共代表团抵达利马。", [("中共代表团", "ORG")], ["中共"]),
        # a newsroom's desk in a byline
        ("〔国际新闻中心／综合报导〕两国外长昨日会晤。", [("国际新闻中心", "ORG")], []),
        # an event named after a known body: the body
        ("两国外长出席东盟峰会。", [("东盟峰会", "ORG")], ["东盟"]),
        # places before a known body
        ("秘鲁利马二十国集团会议期间，两人会晤。", [("秘鲁利马二十国集团", "ORG")], ["二十国集团"]),
    ],
)  # fmt: skip
def test_link_orgs_chinese(text, spans, expected):
    assert _orgs(_link(text, spans, lang="zh")) == expected


def test_link_orgs_chinese_body_after_its_country_is_that_country_s():
    rec = _link("美国国务院发表声明。", [("美国", "GPE"), ("国务院", "ORG")], lang="zh")
    assert [m["entity_id"] for m in rec["mentions"] if m.get("type") == "organization"] == [
        "organization:us-state-department"
    ]


def test_link_orgs_rules_file_examples_are_invented_and_loaded():
    data = yaml.safe_load((ROOT / "models" / "rules" / "organizations.yaml").read_text(encoding="utf-8"))
    for lang in ("en", "zh"):
        for key, section in data[lang].items():
            assert section["words"], key
            assert "<" in section["example"] and ">" in section["example"], key
    rules = load_org_rules()
    assert "state" in rules.generic and "峰会" in rules.zh_event_heads


def test_link_orgs_known_name_is_never_cut_as_a_title():
    rec = _link(
        "He spoke at the United Nations General Assembly on Monday.", [("United Nations General Assembly", "ORG")]
    )
    assert [(m["text"], m["entity_id"]) for m in rec["mentions"] if m.get("type") == "organization"] == [
        ("United Nations General Assembly", "organization:un-general-assembly")
    ]


def test_link_orgs_person_in_apposition_typed_as_an_organization():
    rec = _link("They met Tomas Okafor, general secretary of the Andean Workers Party, on Monday.",
                [("Tomas Okafor", "ORG"), ("Andean Workers Party", "ORG")])  # fmt: skip
    assert _typed(rec, "person") == ["Tomas Okafor"] and _orgs(rec) == ["Andean Workers Party"]


def test_link_orgs_person_in_apposition_after_the_span_is_cut():
    # the model's span is no name until its ordinal is cut: the organization cleaning's
    # apposition test, not _person_by_apposition, makes it a person
    rec = _link("They met the 5th Tomas Okafor, the ambassador to Peru, on Monday.", [("the 5th Tomas Okafor", "ORG")])
    assert _typed(rec, "person") == ["Tomas Okafor"] and _orgs(rec) == []


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("两国议会交流密切。", "议会"),  # whose parliament? no particular body
        ("他星期三会和秘鲁总统会面。", "星期三会"),  # a day, not a body
        ("（Ana Ruiz/Pool via 秘鲁通讯社）", "Pool via 秘鲁通讯社"),  # a photo credit
    ],
)
def test_link_orgs_chinese_generic_time_and_credit(text, span):
    assert _orgs(_link(text, [(span, "ORG")], lang="zh")) == []


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("He welcomed his Angolan counterpart on Monday.", "Angolan"),  # Angola's adjective
        ("The Peru-Chile talks went well.", "Peru-Chile"),  # places joined
        ("Talks between the Ministries of Trade of Peru and Chile began.", "Ministries of Trade"),  # several bodies
    ],
)
def test_link_orgs_adjectives_and_several_bodies_are_no_organization(text, span):
    assert _orgs(_link(text, [(span, "ORG")])) == []


def test_link_orgs_body_after_its_country_s_possessive():
    # the KB's "Communist Party" is China's: Peru's is another body, named after Peru
    rec = _link("He met the leader of Peru's Communist Party on Monday.", [("Communist Party", "ORG")])
    ents = [rec["entities"][m["entity_id"]]["name"] for m in rec["mentions"] if m.get("type") == "organization"]
    assert ents == ["Communist Party of Peru"]
    # a body the KB knows by "<name> of <country>" takes that entity
    rec = _link("He met the leader of Vietnam's Communist Party on Monday.", [("Communist Party", "ORG")])
    assert [m["entity_id"] for m in rec["mentions"] if m.get("type") == "organization"] == [
        "organization:communist-party-of-vietnam"
    ]


def test_link_orgs_organ_of_a_party_is_the_party():
    text = "He met a member of the Politburo of the Central Committee of the Workers Party of Peru."
    rec = _link(text, [("Politburo of the Central Committee of the Workers Party of Peru", "ORG")])
    assert _orgs(rec) == ["Workers Party of Peru"]


def test_link_orgs_in_title_body_stands_for_its_country():
    rec = _link("秘鲁战略事务部长马丁内斯抵达北京。", [("秘鲁战略事务部", "ORG"), ("马丁内斯", "PER")], lang="zh")
    assert _orgs(rec) == [] and "country:peru" in {m["entity_id"] for m in rec["mentions"]}
