"""Unit tests for pipeline.extract on linked records built from hand-made NER mentions.

The records go through the real ``link_document`` with the built KB (plain data, no model),
and carry the wire dateline the normalize stage finds, so they look exactly like the link
stage's output.
"""

from pathlib import Path

import pytest

from pipeline.extract.affiliations import extract_affiliations
from pipeline.extract.meetings import extract_meetings
from pipeline.extract.topics import Topics, tag_topics
from pipeline.kb import KnowledgeBase
from pipeline.link import link_document
from pipeline.ner.chinese import split_zh_sentences
from pipeline.normalize import find_dateline
from pipeline.params import ExtractParams, LinkParams
from tests.unit.test_link import _annotation as annotation

ROOT = Path(__file__).resolve().parents[2]
KB = KnowledgeBase.load(ROOT / "models" / "kb" / "entities.jsonl")
TOPICS = Topics.load(ROOT / "models" / "topics" / "topics.yaml")
PARAMS = ExtractParams()


def _sentences(text, lang):
    if lang == "zh":
        return [list(s) for s in split_zh_sentences(text)]
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch == "." and (i + 1 == len(text) or text[i + 1] == " "):
            out.append([start, i + 1])
            start = i + 2
    if start < len(text):
        out.append([start, len(text)])
    return out


def _linked(text, spans, *, lang="en", date="2025-11-19", doc_id="d"):
    """A linked record: ``spans`` are the model's (surface, label) mentions in text order."""
    sentences = _sentences(text, lang)
    ann = annotation(text, spans, sentences, doc_id=doc_id)
    doc = {"doc_id": doc_id, "lang": lang, "date": date, "title": "", "text": text, "body_start": 0,
           "dateline": find_dateline(text, 0)}  # fmt: skip
    return link_document(doc, ann, KB, LinkParams())


def _pairs(meetings):
    return sorted(tuple(sorted(m.participants)) for m in meetings)


# --------------------------------------------------------------------------- meetings, English


def test_extract_meeting_with_date_and_place():
    text = "Chinese President Xi Jinping met with Mongolian President Ukhnaa Khurelsukh in Beijing on Tuesday."
    rec = _linked(text, [("Chinese", "NORP"), ("Xi Jinping", "PERSON"), ("Mongolian", "NORP"),
                         ("Ukhnaa Khurelsukh", "PERSON"), ("Beijing", "GPE")])  # fmt: skip
    (m,) = extract_meetings(rec, PARAMS)
    assert m.participants == ["person:xi-jinping", "person:ukhnaa-khurelsukh"]
    assert (m.date, m.date_precision, m.date_end) == ("2025-11-18", "day", "")  # Tuesday before 2025-11-19
    assert (m.place, m.place_entity_id) == ("Beijing", "location:beijing")
    assert (m.kind, m.trigger) == ("main", "met")
    assert m.roles == {"person:xi-jinping": "President", "person:ukhnaa-khurelsukh": "President"}
    assert m.evidence == text
    assert (m.start, m.end) == (0, len(text))
    assert m.meeting_id == "d:m0-ukhnaa-khurelsukh+xi-jinping"


def test_extract_meeting_date_from_dateline():
    text = "BEIJING, May 14 (Xinhua) -- Xi Jinping met with Ukhnaa Khurelsukh."
    rec = _linked(text, [("BEIJING", "GPE"), ("Xinhua", "ORG"), ("Xi Jinping", "PERSON"),
                         ("Ukhnaa Khurelsukh", "PERSON")], date="2025-05-15")  # fmt: skip
    (m,) = extract_meetings(rec, PARAMS)
    assert (m.date, m.date_precision) == ("2025-05-14", "day")
    assert (m.place, m.place_entity_id) == ("Beijing", "location:beijing")


def test_extract_chinese_place_from_dateline():
    text = "新华社北京11月28日电 国家主席习近平28日会见蒙古国总统呼日勒苏赫。"
    rec = _linked(text, [("习近平", "PER"), ("蒙古国", "LOC"), ("呼日勒苏赫", "PER")], lang="zh", date="2022-11-28")
    (m,) = extract_meetings(rec, PARAMS)
    assert (m.place, m.date) == ("北京", "2022-11-28")


@pytest.mark.parametrize(
    "text",
    [
        "Xi Jinping held a phone call with Ukhnaa Khurelsukh on Tuesday.",
        "Xi Jinping held talks with Ukhnaa Khurelsukh by phone on Tuesday.",
        "Xi Jinping held video talks with Ukhnaa Khurelsukh on Tuesday.",
        "Xi Jinping will meet Ukhnaa Khurelsukh next week.",
        "Xi Jinping is scheduled to meet Ukhnaa Khurelsukh next week.",
        "Xi Jinping sent a letter to Ukhnaa Khurelsukh.",  # no meeting word at all
        "Xi Jinping and Ukhnaa Khurelsukh spoke about trade.",
    ],
)
def test_extract_no_meeting_without_a_meeting(text):
    rec = _linked(text, [("Xi Jinping", "PERSON"), ("Ukhnaa Khurelsukh", "PERSON")])
    assert extract_meetings(rec, PARAMS) == []


def test_extract_one_person_is_no_meeting():
    rec = _linked("Xi Jinping met with the delegation.", [("Xi Jinping", "PERSON")])
    assert extract_meetings(rec, PARAMS) == []


def test_extract_greetings_sender_is_not_a_participant():
    text = "Li Qiang met with Ukhnaa Khurelsukh and conveyed greetings from Xi Jinping to him."
    rec = _linked(text, [("Li Qiang", "PERSON"), ("Ukhnaa Khurelsukh", "PERSON"), ("Xi Jinping", "PERSON")])
    assert _pairs(extract_meetings(rec, PARAMS)) == [("person:li-qiang", "person:ukhnaa-khurelsukh")]


def test_extract_greetings_recipient_is_a_participant():
    text = "During the talks, Li Qiang conveyed greetings from Xi Jinping to Ukhnaa Khurelsukh."
    rec = _linked(text, [("Li Qiang", "PERSON"), ("Xi Jinping", "PERSON"), ("Ukhnaa Khurelsukh", "PERSON")])
    assert _pairs(extract_meetings(rec, PARAMS)) == [("person:li-qiang", "person:ukhnaa-khurelsukh")]


def test_extract_on_behalf_of_is_not_a_participant():
    text = "On behalf of Xi Jinping, Wang Yi met with Ukhnaa Khurelsukh."
    rec = _linked(text, [("Xi Jinping", "PERSON"), ("Wang Yi", "PERSON"), ("Ukhnaa Khurelsukh", "PERSON")])
    assert _pairs(extract_meetings(rec, PARAMS)) == [("person:ukhnaa-khurelsukh", "person:wang-yi")]


def test_extract_pronoun_subject_takes_the_last_person():
    text = "Wang Yi arrived in Ulan Bator on Monday. He met with Gombojav Zandanshatar on Tuesday."
    rec = _linked(text, [("Wang Yi", "PERSON"), ("Ulan Bator", "GPE"), ("Gombojav Zandanshatar", "PERSON")])
    (m,) = extract_meetings(rec, PARAMS)
    assert m.participants == ["person:wang-yi", "person:gombojav-zandanshatar"]
    assert m.date == "2025-11-18"


def test_extract_repeated_meeting_is_merged():
    text = "Xi Jinping met with Ukhnaa Khurelsukh. Xi Jinping and Ukhnaa Khurelsukh met in Beijing."
    rec = _linked(text, [("Xi Jinping", "PERSON"), ("Ukhnaa Khurelsukh", "PERSON"), ("Xi Jinping", "PERSON"),
                         ("Ukhnaa Khurelsukh", "PERSON"), ("Beijing", "GPE")])  # fmt: skip
    (m,) = extract_meetings(rec, PARAMS)
    assert m.place == "Beijing"  # filled in from the second statement


def test_extract_recalled_meeting_is_reported():
    text = "Xi Jinping met with Ukhnaa Khurelsukh on Tuesday. Xi Jinping recalled that he met Li Qiang in 2019."
    rec = _linked(text, [("Xi Jinping", "PERSON"), ("Ukhnaa Khurelsukh", "PERSON"), ("Xi Jinping", "PERSON"),
                         ("Li Qiang", "PERSON")])  # fmt: skip
    kinds = {tuple(sorted(m.participants)): (m.kind, m.date) for m in extract_meetings(rec, PARAMS)}
    assert kinds == {
        ("person:ukhnaa-khurelsukh", "person:xi-jinping"): ("main", "2025-11-18"),
        ("person:li-qiang", "person:xi-jinping"): ("reported", "2019"),
    }


def test_extract_participants_capped():
    names = ["Xi Jinping", "Li Qiang", "Wang Yi", "Cai Qi", "Ding Xuexiang"]
    text = f"{', '.join(names)} met in Beijing."
    rec = _linked(text, [(n, "PERSON") for n in names])
    (m,) = extract_meetings(rec, ExtractParams(max_meeting_participants=3))
    assert m.participants == ["person:xi-jinping", "person:li-qiang", "person:wang-yi"]


# --------------------------------------------------------------------------- meetings, Chinese


def test_extract_chinese_separately_gives_one_meeting_per_host():
    text = "李克强、栗战书分别同呼日勒苏赫总统会见。"
    rec = _linked(text, [("李克强", "PER"), ("栗战书", "PER"), ("呼日勒苏赫", "PER")], lang="zh", date="2022-11-28")
    pairs = _pairs(extract_meetings(rec, PARAMS))
    assert pairs == [
        ("person:li-keqiang", "person:ukhnaa-khurelsukh"),
        ("person:li-zhanshu", "person:ukhnaa-khurelsukh"),
    ]
    assert ("person:li-keqiang", "person:li-zhanshu") not in pairs


def test_extract_chinese_meeting_with_date_place_and_roles():
    text = "11月28日，国家主席习近平在人民大会堂会见蒙古国总统呼日勒苏赫。"
    rec = _linked(text, [("习近平", "PER"), ("人民大会堂", "LOC"), ("蒙古国", "LOC"), ("呼日勒苏赫", "PER")],
                  lang="zh", date="2022-11-28")  # fmt: skip
    (m,) = extract_meetings(rec, PARAMS)
    assert m.participants == ["person:xi-jinping", "person:ukhnaa-khurelsukh"]
    assert (m.date, m.date_precision) == ("2022-11-28", "day")
    assert (m.place, m.place_entity_id) == ("人民大会堂", "location:great-hall-of-the-people")
    assert m.roles == {"person:xi-jinping": "国家主席", "person:ukhnaa-khurelsukh": "总统"}
    assert m.trigger == "会见"


@pytest.mark.parametrize(
    "text",
    [
        "呼日勒苏赫邀请习近平主席明年访蒙。",
        "呼日勒苏赫邀请习近平主席访蒙并会见。",
        "习近平同呼日勒苏赫通电话。",
        "习近平致电呼日勒苏赫。",
        "习近平将会见呼日勒苏赫。",
        "习近平同呼日勒苏赫举行视频会晤。",
    ],
)
def test_extract_chinese_no_meeting(text):
    spans = sorted([("习近平", "PER"), ("呼日勒苏赫", "PER")], key=lambda s: text.index(s[0]))
    rec = _linked(text, spans, lang="zh", date="2022-11-28")
    assert extract_meetings(rec, PARAMS) == []


# --------------------------------------------------------------------------- affiliations


@pytest.mark.parametrize(
    ("text", "spans", "lang", "expected"),
    [
        (
            "Chinese President Xi Jinping spoke.",
            [("Chinese", "NORP"), ("Xi Jinping", "PERSON")],
            "en",
            [("person:xi-jinping", "country:china", "President")],
        ),
        (
            "Yangug Sodbaatar, general secretary of the Mongolian People's Party, met Cai Qi.",
            [("Yangug Sodbaatar", "PERSON"), ("Mongolian People's Party", "ORG"), ("Cai Qi", "PERSON")],
            "en",
            [("person:yangug-sodbaatar", "organization:mongolian-peoples-party", "general secretary")],
        ),
        (
            "蒙古国总统呼日勒苏赫抵达北京。",
            [("蒙古国", "LOC"), ("呼日勒苏赫", "PER"), ("北京", "LOC")],
            "zh",
            [("person:ukhnaa-khurelsukh", "country:mongolia", "总统")],
        ),
        # no title, and a person the knowledge base does not know
        ("Tomas Rivas spoke in China.", [("Tomas Rivas", "PERSON"), ("China", "GPE")], "en", []),
    ],
)
def test_extract_affiliations(text, spans, lang, expected):
    rec = _linked(text, spans, lang=lang)
    got = [(a.person_id, a.org_or_country_id, a.title) for a in extract_affiliations(rec)]
    assert got == expected


# --------------------------------------------------------------------------- topics


def _topics(text, spans=(), lang="en", params=PARAMS):
    rec = _linked(text, list(spans), lang=lang)
    return {t.topic_id: t.score for t in tag_topics(rec, TOPICS, params)}


def test_extract_topic_cue_inside_an_organization_name_does_not_count():
    text = "Sodbaatar visited the Ministry of Environment and Tourism."
    topics = _topics(text, [("Sodbaatar", "PERSON"), ("Ministry of Environment and Tourism", "ORG")])
    assert "tourism" not in topics
    assert "climate_environment" not in topics


def test_extract_topic_cue_inside_a_chinese_organization_name_does_not_count():
    topics = _topics("他访问了蒙古国自然环境与旅游部。", [("蒙古国自然环境与旅游部", "ORG")], lang="zh")
    assert "tourism" not in topics


@pytest.mark.parametrize(
    ("text", "lang", "topic", "score"),
    [
        ("The two sides agreed to expand trade.", "en", "trade", 1.0),
        ("Trade grew. Trade and commerce grew again.", "en", "trade", 2.0),  # one per sentence
        ("Tourism grew.", "en", "tourism", 1.0),
        ("双方同意扩大经贸合作。", "zh", "trade", 1.0),
        ("双方同意扩大旅游合作。旅游业发展迅速。", "zh", "tourism", 2.0),
    ],
)
def test_extract_topic_plain_sentence(text, lang, topic, score):
    assert _topics(text, lang=lang)[topic] == score


def test_extract_topic_weak_cue_counts_half():
    assert "peace_security" not in _topics("The situation is stable.")
    assert _topics("The situation is stable. Security matters.", params=ExtractParams(topic_min_score=1.0)) == {
        "peace_security": 1.0
    }


def test_extract_topic_min_score():
    assert "trade" not in _topics("The two sides agreed to expand trade.", params=ExtractParams(topic_min_score=2.0))


def test_extract_topic_evidence_row():
    rec = _linked("The two sides agreed to expand trade.", [])
    (row,) = [t for t in tag_topics(rec, TOPICS, PARAMS) if t.topic_id == "trade"]
    assert (row.doc_id, row.evidence, row.cue) == ("d", "The two sides agreed to expand trade.", "trade")
    assert "The two sides agreed to expand trade."[row.start : row.end] == "trade"


@pytest.mark.parametrize(
    ("text", "spans", "lang", "absent"),
    [
        # a cue word in an unrelated sense
        ("The firm sells data mining software.", [], "en", "mining"),
        ("The trade union called a strike.", [], "en", "trade"),
        ("Pensions come from social security.", [], "en", "peace_security"),
        ("Both sides support the Belt and Road Initiative.", [], "en", "infrastructure"),
        ("The talks injected new energy into the partnership.", [], "en", "energy"),
        # a cue inside a place's or an organization's name
        ("The hotel stands on Energy Street.", [("Energy Street", "FAC")], "en", "energy"),
        ("He joined the World Trade Organization.", [("World Trade Organization", "ORG")], "en", "trade"),
        # Chinese compounds that contain a cue
        ("他回忆了文化大革命时期的经历。", [], "zh", "culture_education"),
        ("双方传递正能量。", [], "zh", "energy"),
        ("中国是世界贸易组织成员。", [("世界贸易组织", "ORG")], "zh", "trade"),
        # metaphors, the sides of a talk, the press pool, the economy's crises and sanctions
        ("He urged the envoy to serve as a bridge between the two nations.", [], "en", "infrastructure"),
        ("The parties exchanged views. Both parties agreed to meet again.", [], "en", "party_exchange"),
        ("Travel Pool Report #3. The motorcade left.", [], "en", "tourism"),
        ("They recalled the global financial crisis. Prices were not stable.", [], "en", "peace_security"),
        ("双方讨论了关税与制裁问题，以及应对国际金融危机。", [], "zh", "peace_security"),
        ("双方同意推动两国关系健康稳定发展。两国关系长期稳定。", [], "zh", "peace_security"),
        ("双方同意打击跨境电信诈骗。", [], "zh", "connectivity"),
        ("数位记者随团采访。", [], "zh", "digital_economy"),
        ("第十届外长会议会议开幕。", [], "zh", "party_exchange"),
        ("双方同意在清洁能源领域开展合作。", [], "zh", "energy"),
        # a list of guests is no list of subjects
        ("他会见了国会议员、研究机构人士和企业家。", [], "zh", "party_exchange"),
        ("They exchanged ideas on mobility, sustainability and design.", [], "en", "green_development"),
    ],
)
def test_extract_topic_traps_of_naive_matching(text, spans, lang, absent):
    assert absent not in _topics(text, spans, lang=lang)


@pytest.mark.parametrize(
    ("text", "spans", "lang", "present"),
    [
        (
            "He reaffirmed that Taiwan is part of China.",
            [("Taiwan", "GPE"), ("China", "GPE")],
            "en",
            "sovereignty_one_china",
        ),
        ("Both sides will cooperate within the SCO.", [("SCO", "ORG")], "en", "multilateral"),
        ("Both sides will build new railways.", [], "en", "infrastructure"),
        ("双方同意推进共建“一带一路”合作。", [], "zh", "development_strategy"),
    ],
)
def test_extract_topic_whole_name_is_its_topic(text, spans, lang, present):
    assert present in _topics(text, spans, lang=lang)


@pytest.mark.parametrize(
    ("text", "lang", "topic"),
    [
        # a common word listed beside another subject of the talks counts whole
        ("Climate change, agriculture and security came under discussion.", "en", "peace_security"),
        ("They called for better trade and cultural relations.", "en", "culture_education"),
        ("双方同意在金融、商贸、清洁能源等领域加强合作。", "zh", "investment_finance"),
        ("双方就旅游、人文等领域的合作交换意见。", "zh", "people_to_people"),
        ("The leaders backed meaningful debt relief.", "en", "investment_finance"),
    ],
)
def test_extract_topic_listed_subject(text, lang, topic):
    assert _topics(text, lang=lang).get(topic) == 1.0


@pytest.mark.parametrize(
    ("text", "spans", "lang", "topic", "present"),
    [
        ("双方就朝鲜半岛事务交换意见。", [("朝鲜半岛", "LOC")], "zh", "peace_security", True),
        ("They discussed destroying the chemical weapons stockpile.", [], "en", "peace_security", True),
        ("They agreed to act on the climate emergency.", [], "en", "climate_environment", True),
        # a body named by a multilateral cue is that body; a national body that holds one is not
        ("亚太经合组织第三十次领导人非正式会议开幕。", [("亚太经合组织第三十次领导人非正式会议", "ORG")], "zh", "multilateral", True),
        ("An aide of the National Security Council attended.", [("National Security Council", "ORG")], "en",
         "multilateral", False),
    ],
)  # fmt: skip
def test_extract_topic_named_subjects(text, spans, lang, topic, present):
    assert (topic in _topics(text, spans, lang=lang)) is present


def test_extract_topic_weak_cue_alone_still_counts_half():
    assert "peace_security" not in _topics("The region remained stable.")
    assert "people_to_people" not in _topics("双方重视人文。", lang="zh")


def test_extract_meeting_topics_follow_the_meeting_passage():
    from pipeline.extract.meetings import meeting_passages
    from pipeline.extract.topics import score_topics

    text = (
        "Xi Jinping met with Vladimir Putin in Beijing on Tuesday. They discussed trade and energy. "
        "The meeting between Xi Jinping and Narendra Modi in September focused on tourism."
    )
    rec = _linked(text, [("Xi Jinping", "PERSON"), ("Vladimir Putin", "PERSON"), ("Beijing", "GPE"),
                         ("Xi Jinping", "PERSON"), ("Narendra Modi", "PERSON")])  # fmt: skip
    meetings = extract_meetings(rec, PARAMS)
    passages = meeting_passages(rec, meetings)
    by_pair = {tuple(sorted(m.participants)): m for m in meetings}
    putin = by_pair[("person:vladimir-putin", "person:xi-jinping")]
    modi = by_pair[("person:narendra-modi", "person:xi-jinping")]
    topics_putin = {h.topic_id for h in score_topics(rec, passages[putin.meeting_id], TOPICS, PARAMS)}
    topics_modi = {h.topic_id for h in score_topics(rec, passages[modi.meeting_id], TOPICS, PARAMS)}
    assert {"trade", "energy"} <= topics_putin and "tourism" not in topics_putin
    assert topics_modi == {"tourism"}


# --------------------------------------------------------------------------- traditional script


def test_extract_traditional_meeting_reads_the_view_and_quotes_the_original():
    text = "11月28日，國家主席習近平在人民大會堂會見蒙古國總統呼日勒蘇赫。"
    rec = _linked(text, [("習近平", "PER"), ("人民大會堂", "LOC"), ("蒙古國", "LOC"), ("呼日勒蘇赫", "PER")],
                  lang="zh", date="2022-11-28")  # fmt: skip
    (m,) = extract_meetings(rec, PARAMS)
    assert m.participants == ["person:xi-jinping", "person:ukhnaa-khurelsukh"]
    assert (m.date, m.place, m.place_entity_id) == ("2022-11-28", "人民大會堂", "location:great-hall-of-the-people")
    assert m.roles == {"person:xi-jinping": "国家主席", "person:ukhnaa-khurelsukh": "总统"}  # titles: the view's
    assert (m.trigger, m.evidence) == ("会见", text)


@pytest.mark.parametrize(
    "text",
    [
        "習近平同呼日勒蘇赫通電話。",
        "習近平將會見呼日勒蘇赫。",
        "習近平同呼日勒蘇赫舉行視訊會晤。",  # Taiwan's word for a video call
        "習近平同呼日勒蘇赫舉行視像會晤。",  # Hong Kong's
        "習近平與呼日勒蘇赫線上會晤。",
    ],
)
def test_extract_traditional_no_meeting(text):
    spans = sorted([("習近平", "PER"), ("呼日勒蘇赫", "PER")], key=lambda s: text.index(s[0]))
    rec = _linked(text, spans, lang="zh", date="2022-11-28")
    assert extract_meetings(rec, PARAMS) == []


def test_extract_traditional_separately_gives_one_meeting_per_host():
    text = "李克強、栗戰書分別同呼日勒蘇赫總統會見。"
    rec = _linked(text, [("李克強", "PER"), ("栗戰書", "PER"), ("呼日勒蘇赫", "PER")], lang="zh", date="2022-11-28")
    assert _pairs(extract_meetings(rec, PARAMS)) == [
        ("person:li-keqiang", "person:ukhnaa-khurelsukh"),
        ("person:li-zhanshu", "person:ukhnaa-khurelsukh"),
    ]


def test_extract_traditional_affiliation_and_topics():
    text = "中華人民共和國主席習近平表示，雙方將加強氣候變化和經貿合作。"
    rec = _linked(text, [("中華人民共和國", "LOC"), ("習近平", "PER")], lang="zh")
    (a,) = extract_affiliations(rec)
    assert (a.person_id, a.org_or_country_id, a.title, a.evidence) == (
        "person:xi-jinping", "country:china", "主席", "中華人民共和國主席習近平")  # fmt: skip
    topics = {t.topic_id: t for t in tag_topics(rec, TOPICS, PARAMS)}
    assert {"climate_environment", "trade"} <= set(topics)
    assert topics["climate_environment"].cue == "氣候變化"  # quoted as written


# --------------------------------------------------------------------------- when and where, real readouts


def test_extract_place_city_after_its_country():
    text = "Narendra Modi met Fumio Kishida in Japan's Osaka on Tuesday."
    rec = _linked(text, [("Narendra Modi", "PERSON"), ("Fumio Kishida", "PERSON"), ("Japan", "GPE"), ("Osaka", "GPE")])
    (m,) = extract_meetings(rec, PARAMS)
    assert m.place == "Osaka"


def test_extract_place_capital_of_an_adjective():
    text = "Xi Jinping met Ferdinand Marcos in the Philippine capital on Tuesday."
    rec = _linked(text, [("Xi Jinping", "PERSON"), ("Ferdinand Marcos", "PERSON"), ("Philippine", "NORP")])
    (m,) = extract_meetings(rec, PARAMS)
    assert m.place == "Manila"


def test_extract_place_untagged_city_from_the_gazetteer():
    text = "Xi Jinping met Ferdinand Marcos on Friday in Samarkand."
    rec = _linked(text, [("Xi Jinping", "PERSON"), ("Ferdinand Marcos", "PERSON")])
    (m,) = extract_meetings(rec, PARAMS)
    assert (m.place, m.date) == ("Samarkand", "2025-11-14")


def test_extract_place_never_a_region_and_the_story_city_carries_on():
    text = ("Wang Yi arrived in Lima on Monday. Wang Yi met Sergei Lavrov. "
            "Wang Yi also met Antony Blinken and discussed developments in Europe.")  # fmt: skip
    rec = _linked(text, [("Wang Yi", "PERSON"), ("Lima", "GPE"), ("Wang Yi", "PERSON"), ("Sergei Lavrov", "PERSON"),
                         ("Wang Yi", "PERSON"), ("Antony Blinken", "PERSON"), ("Europe", "LOC")])  # fmt: skip
    places = {tuple(sorted(m.participants)): m.place for m in extract_meetings(rec, PARAMS)}
    assert set(places.values()) == {"Lima"}


def test_extract_place_city_of_phrase():
    text = "Wang Yi held talks with Penny Wong in the coastal city of Xiamen near Fuzhou on Friday."
    rec = _linked(text, [("Wang Yi", "PERSON"), ("Penny Wong", "PERSON"), ("Xiamen", "GPE"), ("Fuzhou", "GPE")])
    (m,) = extract_meetings(rec, PARAMS)
    assert m.place == "Xiamen"


def test_extract_place_not_a_place_the_talks_were_about():
    text = "Visiting Amman, Wang Yi met Ayman Safadi. Wang Yi and Ayman Safadi discussed the situation in Syria."
    rec = _linked(text, [("Amman", "GPE"), ("Wang Yi", "PERSON"), ("Ayman Safadi", "PERSON"), ("Wang Yi", "PERSON"),
                         ("Ayman Safadi", "PERSON"), ("Syria", "GPE")])  # fmt: skip
    assert {m.place for m in extract_meetings(rec, PARAMS)} == {"Amman"}


def test_extract_place_people_in_a_city_is_where_they_met():
    text = "Wang Yi met Ayman Safadi and business people in Amman on Monday."
    rec = _linked(text, [("Wang Yi", "PERSON"), ("Ayman Safadi", "PERSON"), ("Amman", "GPE")])
    (m,) = extract_meetings(rec, PARAMS)
    assert m.place == "Amman"


def test_extract_place_visited_country_when_no_city_is_known():
    text = "During her visit to Vietnam, Penny Wong held a meeting with Bui Thanh Son."
    rec = _linked(text, [("Vietnam", "GPE"), ("Penny Wong", "PERSON"), ("Bui Thanh Son", "PERSON")])
    (m,) = extract_meetings(rec, PARAMS)
    assert m.place == "Vietnam"


def test_extract_place_city_beats_the_visited_country():
    text = "Penny Wong arrived in Hanoi on her visit to Vietnam. She met Bui Thanh Son."
    rec = _linked(text, [("Penny Wong", "PERSON"), ("Hanoi", "GPE"), ("Vietnam", "GPE"), ("Bui Thanh Son", "PERSON")])
    (m,) = extract_meetings(rec, PARAMS)
    assert m.place == "Hanoi"


def test_extract_place_flew_to():
    text = "Their last meeting was in March, when Mark Carney flew to Washington to sit down with Donald Trump."
    rec = _linked(text, [("March", "DATE"), ("Mark Carney", "PERSON"), ("Washington", "GPE"),
                         ("Donald Trump", "PERSON")])  # fmt: skip
    assert {m.place for m in extract_meetings(rec, PARAMS)} == {"Washington"}


def test_extract_place_from_a_bare_dateline():
    text = "WELLINGTON: Wang Yi held talks with Winston Peters here on Monday."
    rec = _linked(text, [("WELLINGTON", "GPE"), ("Wang Yi", "PERSON"), ("Winston Peters", "PERSON")])
    (m,) = extract_meetings(rec, PARAMS)
    assert m.place == "Wellington"


@pytest.mark.parametrize(
    ("text", "spans", "place"),
    [
        ("王毅在日本大阪二十国集团外长会议期间会见林芳正。", [("王毅", "PER"), ("日本大阪二十国集团外长会议", "ORG"), ("林芳正", "PER")], "大阪"),
        ("中国驻法国大使卢沙野在使馆会见马克龙。", [("中国", "LOC"), ("法国", "LOC"), ("卢沙野", "PER"), ("马克龙", "PER")], "使馆"),
        ("王毅飞抵吉隆坡。访马期间，王毅会见了安瓦尔。", [("王毅", "PER"), ("吉隆坡", "LOC"), ("王毅", "PER"), ("安瓦尔", "PER")], "吉隆坡"),
        ("王毅抵达此次访问的最后一站、新西兰首都惠灵顿。王毅会见了彼得斯。",
         [("王毅", "PER"), ("新西兰", "LOC"), ("惠灵顿", "LOC"), ("王毅", "PER"), ("彼得斯", "PER")], "惠灵顿"),
    ],
)  # fmt: skip
def test_extract_chinese_place(text, spans, place):
    assert {m.place for m in extract_meetings(_linked(text, spans, lang="zh", date="2025-11-19"), PARAMS)} == {place}


def test_extract_chinese_region_does_not_narrow_across_a_clause():
    text = "正在中东访问的美国特使维特科夫与以色列总理内塔尼亚胡会面。"
    rec = _linked(text, [("中东", "LOC"), ("美国", "LOC"), ("维特科夫", "PER"), ("以色列", "LOC"), ("内塔尼亚胡", "PER")],
                  lang="zh")  # fmt: skip
    assert {m.place for m in extract_meetings(rec, PARAMS)} == {""}  # not the envoy's country


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("会见法国外长巴罗时，王毅表示，去年两国建立了新的合作机制。", "main"),  # 去年 dates the ties
        ("王毅表示，他去年在巴黎会见了巴罗。", "reported"),
        ("去年，王毅在巴黎会见了巴罗。", "reported"),
    ],
)
def test_extract_chinese_recollection_cue_near_the_trigger(text, kind):
    spans = sorted([(n, t) for n, t in (("巴罗", "PER"), ("王毅", "PER"), ("巴黎", "LOC")) if n in text],
                   key=lambda x: text.index(x[0]))  # fmt: skip
    rec = _linked(text, spans, lang="zh", date="2025-06-11")
    assert [m.kind for m in extract_meetings(rec, PARAMS)] == [kind]


def test_extract_chinese_dateline_day_anchors_today():
    text = "（中央社华盛顿16日综合外电报导）美国国务卿卢比欧今天在白宫会见巴西外长维埃拉。"
    rec = _linked(text, [("华盛顿", "LOC"), ("美国", "LOC"), ("卢比欧", "PER"), ("白宫", "LOC"), ("巴西", "LOC"),
                         ("维埃拉", "PER")], lang="zh", date="2025-10-17")  # fmt: skip
    (m,) = extract_meetings(rec, PARAMS)
    assert m.date == "2025-10-16"


def test_extract_a_plans_date_never_dates_a_meeting():
    text = "王毅明日将访问河内，结束3日访问行程。王毅在上海期间会见了拉夫罗夫。"
    rec = _linked(text, [("王毅", "PER"), ("河内", "LOC"), ("王毅", "PER"), ("上海", "LOC"), ("拉夫罗夫", "PER")],
                  lang="zh", date="2025-11-19")  # fmt: skip
    (m,) = extract_meetings(rec, PARAMS)
    assert m.date <= "2025-11-19"


def test_extract_undated_main_meeting_takes_the_story_day():
    text = "Wang Yi held talks with Sergei Lavrov on Sunday. The two discussed trade. They agreed to meet often. " \
           "Wang Yi also met Antony Blinken."  # fmt: skip
    rec = _linked(text, [("Wang Yi", "PERSON"), ("Sergei Lavrov", "PERSON"), ("Wang Yi", "PERSON"),
                         ("Antony Blinken", "PERSON")])  # fmt: skip
    dates = {tuple(sorted(m.participants)): (m.date, m.date_precision) for m in extract_meetings(rec, PARAMS)}
    assert set(dates.values()) == {("2025-11-16", "day")}


def test_extract_same_day_report_takes_the_article_date():
    rec = _linked("Xi Jinping meets Ferdinand Marcos.", [("Xi Jinping", "PERSON"), ("Ferdinand Marcos", "PERSON")])
    (m,) = extract_meetings(rec, PARAMS)
    assert (m.date, m.date_precision) == ("2025-11-19", "day")


def test_extract_month_only_header_anchors_a_day_of_the_month():
    text = "王毅26日在北京会见拉夫罗夫。"
    rec = _linked(text, [("王毅", "PER"), ("北京", "LOC"), ("拉夫罗夫", "PER")], lang="zh", date="2024-03")
    (m,) = extract_meetings(rec, PARAMS)
    assert (m.date, m.date_precision, m.place) == ("2024-03-26", "day", "北京")


def test_extract_chinese_story_date_before_the_wire_date():
    text = "本报6月20日电 王毅18日在上海会见拉夫罗夫。"
    rec = _linked(text, [("王毅", "PER"), ("上海", "LOC"), ("拉夫罗夫", "PER")], lang="zh", date="2025-06-20")
    (m,) = extract_meetings(rec, PARAMS)
    assert m.date == "2025-06-18"


@pytest.mark.parametrize(
    ("text", "lang", "topic"),
    [
        ("Both sides pledged to strengthen cooperation within the BRICS and G7 frameworks and on global governance.",
         "en", "multilateral"),
        ("They called for a political settlement and an end to hostilities.", "en", "peace_security"),
        ("The ministers agreed to expand parliamentary exchanges.", "en", "party_exchange"),
        ("They vowed to deepen people-to-people exchanges and ties between sister cities.", "en", "people_to_people"),
        ("双方同意深化人文交流，夯实民意基础。", "zh", "people_to_people"),
        ("双方愿加强党际交流，分享治国理政经验。", "zh", "party_exchange"),
        ("中方愿同各方维护地区和平与安全，推动热点问题政治解决。", "zh", "peace_security"),
        ("双方同意推进互联互通，扩大中欧班列运输。", "zh", "connectivity"),
        ("双方将在联合国、二十国集团等多边框架内加强协调。", "zh", "multilateral"),
    ],
)  # fmt: skip
def test_extract_topic_readout_wording(text, lang, topic):
    assert topic in _topics(text, lang=lang)


@pytest.mark.parametrize(("text", "lang"), [("The crisis was mentioned.", "en"), ("他提到了援助。", "zh")])
def test_extract_topic_single_common_word_is_weak(text, lang):
    assert _topics(text, lang=lang) == {}
