"""Unit tests for pipeline.link: titles, pinyin names, and link_document on hand-made NER output.

The knowledge base is the real, built ``models/kb/entities.jsonl`` (plain data, no model).
"""

from pathlib import Path

import pytest

from pipeline import link
from pipeline.kb import KnowledgeBase
from pipeline.link import aggregate_entities, link_document, pinyin_name, strip_title
from pipeline.params import LinkParams
from pipeline.text.rules import load_rules

ROOT = Path(__file__).resolve().parents[2]
KB = KnowledgeBase.load(ROOT / "models" / "kb" / "entities.jsonl")
PARAMS = LinkParams()


def _annotation(text, spans, sentences, doc_id="d"):
    """NER output for ``text``: ``spans`` are (surface, label) in order of appearance."""
    mentions, pos = [], 0
    for surface, label in spans:
        start = text.index(surface, pos)
        pos = start + 1
        end = start + len(surface)
        sid = next(i for i, (a, b) in enumerate(sentences) if a <= start < b)
        mentions.append({"doc_id": doc_id, "mention_id": f"{doc_id}:{start}-{end}", "sentence_id": sid,
                         "start": start, "end": end, "text": surface, "ner_label": label, "entity_id": ""})  # fmt: skip
    return {"doc_id": doc_id, "sentences": [list(s) for s in sentences], "mentions": mentions}


def _sentences(text, ends=".。"):
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch in ends:
            out.append((start, i + 1))
            start = i + 1
            while start < len(text) and text[start] == " ":
                start += 1
    if start < len(text):
        out.append((start, len(text)))
    return out


def _link(text, spans, lang="en", gazetteer=True):
    doc = {"doc_id": "d", "lang": lang, "date": "2025-11-19", "title": "", "text": text, "body_start": 0}
    ann = _annotation(text, spans, _sentences(text))
    return link_document(doc, ann, KB, LinkParams(gazetteer=gazetteer))


def _ids(rec):
    """(surface, entity_id) of every mention, in text order."""
    return [(m["text"], m["entity_id"]) for m in rec["mentions"]]


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("text", "name", "cut"),
    [
        ("Chinese Premier Li Qiang", "Li Qiang", 16),
        ("President Xi Jinping", "Xi Jinping", 10),
        ("Mongolian President Ukhnaa Khurelsukh", "Ukhnaa Khurelsukh", 20),
        ("Foreign Minister Wang Yi", "Wang Yi", 17),
        ("the former Prime Minister Oyun-Erdene", "Oyun-Erdene", 26),
        ("Li Qiang", "Li Qiang", 0),
        ("President", "President", 0),  # nothing left after the title: kept
        ("习近平主席", "习近平", 0),
        ("呼日勒苏赫总统", "呼日勒苏赫", 0),
        ("李强总理", "李强", 0),
        ("主席", "主席", 0),  # a bare title is kept
        ("习近平", "习近平", 0),
    ],
)
def test_link_strip_title(text, name, cut):
    assert strip_title(text) == (name, cut)


@pytest.mark.parametrize(
    ("name", "pinyin"),
    [
        ("李强", "Li Qiang"),
        ("习近平", "Xi Jinping"),
        ("李克强", "Li Keqiang"),
        ("王毅", "Wang Yi"),
        ("欧阳修", "Ouyang Xiu"),  # compound surname
        ("司马光", "Sima Guang"),
        ("呼日勒苏赫", ""),  # a transliterated foreign name
        ("赞丹沙塔尔", ""),
        ("李", ""),  # too short
        ("张三丰丰", ""),  # given name too long
        ("Li Qiang", ""),
        ("李Q", ""),
    ],
)
def test_link_pinyin_name(name, pinyin):
    assert pinyin_name(name) == pinyin


# --------------------------------------------------------------------------- English documents


def test_link_short_form_takes_the_full_name():
    text = "Chinese Premier Li Qiang arrived in Ulan Bator. Li said trade matters."
    rec = _link(text, [("Chinese", "NORP"), ("Li Qiang", "PERSON"), ("Ulan Bator", "GPE"), ("Li", "PERSON")])
    assert ("Li Qiang", "person:li-qiang") in _ids(rec)
    assert ("Li", "person:li-qiang") in _ids(rec)
    assert ("Chinese", "country:china") in _ids(rec)
    assert rec["entities"]["person:li-qiang"]["type"] == "person"
    assert set(rec["entities"]["person:li-qiang"]["aliases"]) == {"Li Qiang", "Li"}


def test_link_title_is_cut_from_the_mention():
    text = "Chinese Premier Li Qiang spoke."
    rec = _link(text, [("Chinese Premier Li Qiang", "PERSON")])
    (m,) = [m for m in rec["mentions"] if m["entity_id"] == "person:li-qiang"]
    assert (m["text"], m["start"], m["end"]) == ("Li Qiang", 16, 24)
    assert text[m["start"] : m["end"]] == m["text"]


def test_link_two_people_with_one_surname_stay_apart():
    text = "Li Qiang met Li Keqiang. Li Keqiang spoke first. Li replied."
    rec = _link(text, [("Li Qiang", "PERSON"), ("Li Keqiang", "PERSON"), ("Li Keqiang", "PERSON"), ("Li", "PERSON")])
    ids = _ids(rec)
    assert ids[0] == ("Li Qiang", "person:li-qiang")
    assert ids[1] == ("Li Keqiang", "person:li-keqiang")
    assert ids[-1] == ("Li", "person:li-keqiang")  # the nearest full name before it
    assert "person:li" not in rec["entities"]


def test_link_two_people_outside_the_kb_with_one_surname_stay_apart():
    text = "Li Wei met Li Ming in Beijing."
    rec = _link(text, [("Li Wei", "PERSON"), ("Li Ming", "PERSON"), ("Beijing", "GPE")])
    people = [eid for _, eid in _ids(rec) if eid.startswith("person:")]
    assert people == ["person:li-wei", "person:li-ming"]


def test_link_acronym_defined_in_text():
    text = "The Communist Party of China (CPC) leads. The CPC has members."
    rec = _link(text, [("Communist Party of China", "ORG"), ("CPC", "ORG"), ("CPC", "ORG")])
    cpc = {eid for surface, eid in _ids(rec) if surface in ("Communist Party of China", "CPC")}
    assert cpc == {"organization:communist-party-of-china"}


def test_link_acronym_outside_the_kb_defined_in_text():
    text = "The Mongolian Youth Federation (MYF) met. The MYF agreed."
    rec = _link(text, [("Mongolian Youth Federation", "ORG"), ("MYF", "ORG"), ("MYF", "ORG")], gazetteer=False)
    assert _ids(rec) == [
        ("Mongolian Youth Federation", "organization:mongolian-youth-federation"),
        ("MYF", "organization:mongolian-youth-federation"),
        ("MYF", "organization:mongolian-youth-federation"),
    ]


@pytest.mark.parametrize(
    ("surface", "label", "entity_id"),
    [
        ("Chinese", "NORP", "country:china"),
        ("Mongolian", "NORP", "country:mongolia"),
        ("China", "GPE", "country:china"),
        ("PRC", "GPE", "country:china"),
        ("the United Nations", "ORG", "organization:united-nations"),
        ("Xi Jinping", "PERSON", "person:xi-jinping"),
        ("Khurelsukh", "PERSON", "person:ukhnaa-khurelsukh"),  # a KB alias
        ("Muslims", "NORP", ""),  # a group: not an entity
        ("Erdenet Mining Corporation", "ORG", "organization:erdenet-mining-corporation"),
        ("Bayanzurkh", "GPE", "location:bayanzurkh"),
    ],
)
def test_link_single_mention(surface, label, entity_id):
    text = f"Yesterday {surface} spoke."
    rec = _link(text, [(surface, label)], gazetteer=False)
    (m,) = rec["mentions"]
    assert m["entity_id"] == entity_id


def test_link_record_shape():
    text = "Xi Jinping met Ukhnaa Khurelsukh."
    rec = _link(text, [("Xi Jinping", "PERSON"), ("Ukhnaa Khurelsukh", "PERSON")])
    assert set(rec) >= {"doc_id", "lang", "date", "title", "text", "body_start", "sentences", "mentions", "entities"}
    for m in rec["mentions"]:
        assert text[m["start"] : m["end"]] == m["text"]
        assert m["mention_id"] == f"d:{m['start']}-{m['end']}"
        assert m["type"] in ("person", "country", "organization", "location")
    xi = rec["entities"]["person:xi-jinping"]
    assert (xi["name"], xi["name_zh"], xi["kb_id"], xi["country"]) == (
        "Xi Jinping",
        "习近平",
        "Q15031",
        "country:china",
    )


def test_link_gazetteer_adds_missed_kb_names():
    text = "Xi Jinping met Ukhnaa Khurelsukh in Beijing."
    rec = _link(text, [("Xi Jinping", "PERSON")])
    added = {m["text"]: (m["ner_label"], m["entity_id"]) for m in rec["mentions"] if m["ner_label"] != "PERSON"}
    assert added["Ukhnaa Khurelsukh"] == ("KB", "person:ukhnaa-khurelsukh")


def test_link_gazetteer_respects_body_start():
    text = "date 2025-11-19\nLi Qiang spoke."
    doc = {"doc_id": "d", "lang": "en", "date": "2025-11-19", "title": "", "text": text, "body_start": 16}
    ann = {"doc_id": "d", "sentences": [[16, len(text)]], "mentions": []}
    rec = link_document(doc, ann, KB, PARAMS)
    assert _ids(rec) == [("Li Qiang", "person:li-qiang")]


# --------------------------------------------------------------------------- Chinese documents


def test_link_chinese_side_abbreviations():
    text = "中方愿同蒙方一道，推动中蒙关系发展。"
    rec = _link(text, [], lang="zh")
    ids = _ids(rec)
    assert ("中方", "country:china") in ids
    assert ("蒙方", "country:mongolia") in ids
    assert {eid for s, eid in ids if s in ("中", "蒙")} == {"country:china", "country:mongolia"}
    assert set(rec["entities"]) == {"country:china", "country:mongolia"}


def test_link_chinese_names_meet_english_ids():
    text = "习近平主席会见呼日勒苏赫总统。李强出席。"
    rec = _link(text, [("习近平主席", "PER"), ("呼日勒苏赫总统", "PER"), ("李强", "PER")], lang="zh")
    people = [eid for _, eid in _ids(rec) if eid.startswith("person:")]
    assert people == ["person:xi-jinping", "person:ukhnaa-khurelsukh", "person:li-qiang"]


@pytest.mark.parametrize(
    ("surface", "label", "entity_id"),
    [
        ("中华人民共和国国家发展和改革委员会", "ORG", "organization:ndrc"),  # the KB has the body unprefixed
        ("中国国家发展和改革委员会", "ORG", "organization:ndrc"),
        ("中华人民共和国国家林业和草原局", "LOC", "organization:nfga"),  # a model's wrong type does not matter
        ("美国国务院", "ORG", "organization:us-state-department"),  # another country's body, not China's 国务院
        ("中国人民银行", "ORG", "organization:中国人民银行"),  # 人民银行 is not in the KB
    ],
)
def test_link_chinese_body_prefixed_with_its_country(surface, label, entity_id):
    rec = _link(f"{surface}发表声明。", [(surface, label)], lang="zh", gazetteer=False)
    assert _ids(rec) == [(surface, entity_id)]


def test_link_chinese_person_outside_the_kb_gets_pinyin_id():
    text = "张明会见了代表团。"
    rec = _link(text, [("张明", "PER")], lang="zh", gazetteer=False)
    assert _ids(rec) == [("张明", "person:zhang-ming")]
    e = rec["entities"]["person:zhang-ming"]
    assert (e["name"], e["name_en"], e["name_zh"]) == ("Zhang Ming", "Zhang Ming", "张明")


def test_link_chinese_single_character_abbreviation_tagged_by_model():
    text = "中蒙两国是好邻居。"
    rec = _link(text, [("蒙", "LOC")], lang="zh", gazetteer=False)
    assert _ids(rec) == [("蒙", "country:mongolia")]


# --------------------------------------------------------------------------- aggregate


def test_link_aggregate_entities_counts_mentions_and_docs():
    a = _link(
        "Li Qiang met Xi Jinping. Li spoke.", [("Li Qiang", "PERSON"), ("Xi Jinping", "PERSON"), ("Li", "PERSON")]
    )
    b = _link("习近平会见了李强。", [("习近平", "PER"), ("李强", "PER")], lang="zh")
    b["doc_id"] = "e"
    rows = {e.entity_id: e for e in aggregate_entities([a, b])}
    assert (rows["person:li-qiang"].n_mentions, rows["person:li-qiang"].n_docs) == (3, 2)
    assert (rows["person:xi-jinping"].n_mentions, rows["person:xi-jinping"].n_docs) == (2, 2)
    assert rows["person:li-qiang"].aliases == '["Li", "Li Qiang", "李强"]'
    assert rows["person:li-qiang"].name == "Li Qiang"


# --------------------------------------------------------------------------- traditional script


def test_link_traditional_names_take_the_simplified_ids_and_keep_their_surface():
    text = "國家主席習近平會見蒙古國總統呼日勒蘇赫。"
    rec = _link(text, [("習近平", "PER"), ("蒙古國", "LOC"), ("呼日勒蘇赫", "PER")], lang="zh")
    assert _ids(rec) == [("習近平", "person:xi-jinping"), ("蒙古國", "country:mongolia"),
                         ("呼日勒蘇赫", "person:ukhnaa-khurelsukh")]  # fmt: skip
    assert rec["entities"]["person:xi-jinping"]["aliases"] == ["習近平"]


def test_link_traditional_unknown_person_gets_the_id_of_its_simplified_twin():
    simplified = _link("王建華表示。", [("王建華", "PER")], lang="zh")
    traditional = _link("王建華表示。", [("王建華", "PER")], lang="zh")
    assert _ids(simplified)[0][1] == _ids(traditional)[0][1] == "person:wang-jianhua"
    assert traditional["entities"]["person:wang-jianhua"]["name_zh"] == "王建华"


@pytest.mark.parametrize(
    ("surface", "entity_id"),
    [
        ("川普", "person:donald-trump"),  # Taiwan's name of the same person (curated)
        ("普丁", "person:vladimir-putin"),
        ("紐西蘭", "country:new-zealand"),  # CLDR's Taiwan name, looked up through its view
        ("沙地阿拉伯", "country:saudi-arabia"),  # CLDR's Hong Kong name
        ("義大利", "country:italy"),
    ],
)
def test_link_regional_names_are_aliases(surface, entity_id):
    rec = _link(f"{surface}發表聲明。", [(surface, "PER" if entity_id.startswith("person") else "LOC")], lang="zh")
    assert _ids(rec) == [(surface, entity_id)]


@pytest.mark.parametrize("dot", ["·", "•", "‧", "・", "･"])
def test_link_interpunct_variants_are_one_name(dot):
    rec = _link(f"弗拉基米尔{dot}普京表示。", [(f"弗拉基米尔{dot}普京", "PER")], lang="zh")
    assert _ids(rec)[0][1] == "person:vladimir-putin"


def test_link_latin_gloss_joins_a_transliteration_to_its_english_name():
    text = "美國國務卿布林肯(Antony Blinken)抵達首爾。布林肯說。"
    rec = _link(text, [("布林肯", "PER"), ("Antony", "PER"), ("Blinken", "PER"), ("布林肯", "PER")], lang="zh")
    persons = [(t, eid) for t, eid in _ids(rec) if eid.startswith("person:")]
    assert persons == [("布林肯", "person:antony-blinken"), ("Antony Blinken", "person:antony-blinken"),
                       ("布林肯", "person:antony-blinken")]  # fmt: skip
    ent = rec["entities"]["person:antony-blinken"]
    assert (ent["name"], ent["name_zh"]) == ("Antony Blinken", "布林肯")


def test_link_latin_gloss_of_a_known_person_takes_the_known_entity():
    text = "美國總統川普（Donald Trump）當天表示。"
    rec = _link(text, [("川普", "PER"), ("Donald", "PER"), ("Trump", "PER")], lang="zh")
    assert {eid for _, eid in _ids(rec) if eid.startswith("person:")} == {"person:donald-trump"}
    assert ("Donald Trump", "person:donald-trump") in _ids(rec)


def test_link_glued_latin_gloss_is_split():
    rec = _link("國務卿布林肯(AntonyBlinken)今天表示。", [("布林肯", "PER")], lang="zh")
    assert ("AntonyBlinken", "person:antony-blinken") in _ids(rec)


def test_link_latin_word_is_no_person_in_chinese_text():
    rec = _link("他說:「Great progress」,Weibo上。", [("Great", "PER"), ("Weibo", "PER")], lang="zh")
    assert _ids(rec) == []


@pytest.mark.parametrize(
    ("text", "span", "name"),
    [
        ("麥考爾眾議員說。", "麥考爾眾", "麥考爾"),  # the model ran into 众议员
        ("趙兌烈4日上午會見。", "趙兌烈4", "趙兌烈"),  # into the date
        ("拜登通話。", "拜登通", "拜登"),
        ("新華社記者丁林 攝", "丁林 攝", "丁林"),
        ("副首相拿督斯里扎希德抵達。", "拿督斯里扎希德", "扎希德"),  # an honorific
        ("祝普京訪問順利。", "祝普京", "普京"),  # the knowledge base's name inside
        ("新任外長卡斯特羅也甫於3月抵京。", "卡斯特羅也甫", "卡斯特羅"),  # an adverb after the name
        ("曾慶紅表示。", "曾慶紅", "曾慶紅"),  # 曾 the surname stays
    ],
)
def test_link_chinese_person_span_is_cut_back_to_the_name(text, span, name):
    rec = _link(text, [(span, "PER")], lang="zh")
    assert [t for t, eid in _ids(rec) if eid.startswith("person:")] == [name]


def test_link_chinese_surname_with_title_is_the_full_name_of_the_document():
    text = "馬英九接見卡斯特羅。馬總統表示歡迎，胡主席也到場。"
    rec = _link(text, [("馬英九", "PER"), ("卡斯特羅", "PER"), ("馬", "PER"), ("胡", "PER")], lang="zh")
    ids = dict((t, eid) for t, eid in _ids(rec) if eid.startswith("person:"))
    assert ids["馬"] == ids["馬英九"]
    assert "胡" not in ids  # no 胡 of the document: a surname alone names nobody


def test_link_events_are_no_organizations_and_venues_are_places():
    rec = _link("Leaders met at the Ceremonial Hall before the Asean Summit. 两国元首出席东盟峰会。",
                [("Ceremonial Hall", "ORG"), ("Asean Summit", "ORG")])  # fmt: skip
    ids = dict(_ids(rec))
    # the summit is no organization; the body it is named after is one
    assert ids["Ceremonial Hall"].startswith("location:") and "Asean Summit" not in ids
    assert ids["Asean"] == "organization:asean"


def test_link_country_then_a_name_typed_as_an_organization_is_the_person():
    rec = _link("He met Speaker of India Om Birla in Vienna.", [("India Om Birla", "ORG")])
    assert ("Om Birla", "person:om-birla") in _ids(rec) and ("India", "country:india") in _ids(rec)
    rec = _link("He met the India Trade Promotion Council.", [("India Trade Promotion Council", "ORG")])
    assert not any(eid.startswith("person:") for _, eid in _ids(rec))


@pytest.mark.parametrize(
    ("surface", "expected"),
    [
        ("Affairs Tran Van Minh Thursday", "Tran Van Minh"),  # the end of a title, a weekday
        ("PM Karim Ahmad", "Karim Ahmad"),
        ("Hon Peter Wale", "Peter Wale"),
        ("Karl Berger’s", "Karl Berger"),
        ("Tran Van Minh", "Tran Van Minh"),
        ("Foreign Affairs", ""),
    ],
)
def test_trim_en_person(surface, expected):
    m = {"doc_id": "d", "start": 10, "end": 10 + len(surface), "text": surface}
    link.trim_en_person(m, load_rules())
    assert m["text"] == expected
    if expected:
        assert m["end"] - m["start"] == len(expected)


@pytest.mark.parametrize(
    ("short", "long", "joined"),
    [
        ("Lacalle Pou", "Luis Lacalle Pou", True),
        ("bin Hamad", "Tamim bin Hamad Al Thani", True),
        ("L.Oyun-Erdene", "Luvsannamsrain Oyun-Erdene", True),
        ("Pham Minh Chinh", "Phạm Minh Chính", True),  # diacritics folded
        ("Karim", "Ahmad Karim", False),  # one word is not enough: surnames are shared
        ("Ahmad Khan", "Ahmad Karim", False),
        ("Minh Chinh", "Pham Minh", False),
        ("Oleg Dronov", "Oleg Petrovich Dronov", True),  # no patronymic
        ("O. Dronov", "Oleg Petrovich Dronov", True),
        ("Kovacs Laszlo", "Laszlo Kovacs", True),  # the other order
        ("Ivan Dronov", "Oleg Petrovich Dronov", False),
    ],
)
def test_variant_of(short, long, joined):
    assert link.variant_of(link.name_tokens(short), link.name_tokens(long)) is joined


def test_transliterations_get_no_pinyin():
    assert link.pinyin_name("卢比奥") == ""  # Rubio
    assert link.pinyin_name("施瓦布") == ""  # Schwab
    assert link.pinyin_name("王毅") == "Wang Yi"
    assert link.pinyin_name("朱镕基") == "Zhu Rongji"  # 基 alone is a Chinese given name's


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        ("外长朴智和与日本外相会晤。", (2, 4), "朴智和"),  # the model stopped short of the name
        ("外相铃木一郎举行会谈。", (2, 5), "铃木一郎"),
        ("习近平和普京举行会谈。", (0, 3), "习近平"),  # 和 is the conjunction: 普 does not end a name
        ("普京总统表示。", (0, 2), "普京"),  # a title follows
        ("王毅和夫人抵达。", (0, 2), "王毅"),
        ("会见大使彼得罗夫后，他说。", (4, 8), "彼得罗夫"),  # 后 "after" ends no name
    ],
)
def test_extend_zh_person(text, span, expected):
    m = {"doc_id": "d", "start": span[0], "end": span[1], "text": text[span[0] : span[1]]}
    link.extend_zh_person(m, text, set())
    assert m["text"] == expected


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        ("王毅会见卡尔扎诺夫后，出席招待会。", (4, 10), "卡尔扎诺夫"),  # 会见X后，: 后 ends the clause, not the name
        ("王毅会见拉夫罗夫表示。", (4, 10), "拉夫罗夫"),  # the span ran into a word that follows names
    ],
)
def test_trim_zh_person(text, span, expected):
    m = {"doc_id": "d", "start": span[0], "end": span[1], "text": text[span[0] : span[1]]}
    link.trim_zh_person(m, text, KB)
    assert m["text"] == expected


@pytest.mark.parametrize(
    ("text", "surface", "place"),
    [
        ("Talks touched on the situation in Kandahar and beyond.", "Kandahar", True),
        ("The ministers later flew on to Porto Alegre together.", "Porto Alegre", True),
        ("Security in the Sahel came up as well.", "Sahel", True),
        ("He was received by President Lima on Friday.", "Lima", False),
        ("The talks were chaired by Mr. Lima on Friday.", "Lima", False),
        ("Minister Ana Kowalczyk spoke first.", "Ana Kowalczyk", False),
    ],
)
def test_link_place_not_person(text, surface, place):
    from pipeline.text.rules import load_rules

    assert link._place_not_person(surface, text, text.index(surface), load_rules()) is place


def test_link_pinyin_name_that_is_a_city_alternate_name_stays_a_person():
    from pipeline.text.rules import load_rules

    text = "Li Wei met Li Ming in Beijing."
    assert not link._place_not_person("Li Wei", text, 0, load_rules())


@pytest.mark.parametrize(
    ("surface", "kind"),
    [
        ("Rashid Al Noor Conference Centre", "FAC"),
        ("Coastal Friendship League", "ORG"),
        ("Marine Corps", "ORG"),
        ("Ana Kowalczyk", ""),
    ],
)
def test_link_org_or_venue_is_no_person(surface, kind):
    from pipeline.text.rules import load_rules

    assert link._org_or_venue(surface, load_rules()) == kind


@pytest.mark.parametrize(
    ("text", "span", "inside"),
    [
        ("他周末去香格里拉度假。", "格里拉", True),
        ("他周末去香格里拉度假。", "香格里", True),
        ("王小明周末去度假。", "王小明", False),
    ],
)
def test_link_inside_zh_place(text, span, inside):
    s = text.index(span)
    assert link.inside_zh_place(s, s + len(span), text) is inside
