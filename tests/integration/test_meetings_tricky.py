"""Meetings from tricky sentences, through the real models (both languages).

Each case is one small article; the expected value is the set of participant pairs
(English names of the entities), or the empty set where no meeting may be reported.
"""

from __future__ import annotations

import json

import pytest

from pipeline import contract
from pipeline.cli import run_all

pytestmark = pytest.mark.models

CASES = [
    # (id, date, text, expected pairs, expected place or None)
    (
        "talks",
        "2025-11-19",
        "Chinese President Xi Jinping held talks with Russian President Vladimir Putin in Moscow on Tuesday.",
        {("Vladimir Putin", "Xi Jinping")},
        "Moscow",
    ),
    (
        "phone",
        "2025-11-19",
        "Chinese President Xi Jinping had a phone call with U.S. President Donald Trump on Friday.",
        set(),
        None,
    ),
    (
        "greetings",
        "2025-11-19",
        "Li Qiang conveyed greetings from Xi Jinping to Vladimir Putin and praised bilateral ties.",
        set(),
        None,
    ),
    ("plan", "2025-11-19", "Xi Jinping will meet Narendra Modi in New Delhi next month, officials said.", set(), None),
    (
        "delegation",
        "2025-11-19",
        "Wang Yi met with a delegation led by Sergei Lavrov in Beijing on Monday.",
        {("Sergei Lavrov", "Wang Yi")},
        "Beijing",
    ),
    (
        "pronoun",
        "2025-11-19",
        "Chinese leader Xi Jinping arrived in Astana on Tuesday for a state visit. He met with Kazakh "
        "President Kassym-Jomart Tokayev on Wednesday.",
        {("Kassym-Jomart Tokayev", "Xi Jinping")},
        None,
    ),
    (
        "received",
        "2025-11-19",
        "Russian President Vladimir Putin received Mongolian President Ukhnaa Khurelsukh in the Kremlin.",
        {("Ukhnaa Khurelsukh", "Vladimir Putin")},
        "Kremlin",
    ),
    ("attended", "2025-11-19", "Narendra Modi attended the meeting in Tianjin.", set(), None),
    (
        "message",
        "2025-11-19",
        "Xi Jinping sent a congratulatory message to Kassym-Jomart Tokayev on his re-election.",
        set(),
        None,
    ),
    (
        "trilateral",
        "2025-11-19",
        "The leaders of China, Russia and Mongolia, Xi Jinping, Vladimir Putin and Ukhnaa Khurelsukh, "
        "met in Tianjin on Monday.",
        {
            ("Vladimir Putin", "Xi Jinping"),
            ("Ukhnaa Khurelsukh", "Xi Jinping"),
            ("Ukhnaa Khurelsukh", "Vladimir Putin"),
        },
        "Tianjin",
    ),
    (
        "zh_meet",
        "2025-05-15",
        "国家主席习近平14日在人民大会堂会见俄罗斯总统普京。",
        {("Vladimir Putin", "Xi Jinping")},
        "人民大会堂",
    ),
    (
        "zh_separately",
        "2025-05-15",
        "国务院总理李强、全国人大常委会委员长赵乐际分别会见了蒙古国总统呼日勒苏赫。",
        {("Li Qiang", "Ukhnaa Khurelsukh"), ("Ukhnaa Khurelsukh", "Zhao Leji")},
        None,
    ),
    ("zh_phone", "2025-05-15", "国家主席习近平同俄罗斯总统普京通电话。", set(), None),
    ("zh_invite", "2025-05-15", "呼日勒苏赫总统邀请习近平主席在双方方便的时候再次访蒙。", set(), None),
    ("zh_future", "2025-05-15", "外交部发言人宣布，习近平将于下月在北京会见普京。", set(), None),
    (
        "zh_trilateral",
        "2025-05-15",
        "中俄蒙三国元首第七次会晤在天津举行，习近平、普京、呼日勒苏赫出席。",
        {
            ("Vladimir Putin", "Xi Jinping"),
            ("Ukhnaa Khurelsukh", "Xi Jinping"),
            ("Ukhnaa Khurelsukh", "Vladimir Putin"),
        },
        "天津",
    ),
    # two triggers in one sentence are two events, with their own participants
    (
        "second_trigger",
        "2025-11-19",
        "French President Emmanuel Macron held talks with Premier Li Qiang before meeting Chinese President "
        "Xi Jinping in Beijing on Tuesday.",
        {("Emmanuel Macron", "Li Qiang"), ("Emmanuel Macron", "Xi Jinping")},
        "Beijing",
    ),
    # plans, agenda items and cancellations are not meetings
    ("agenda", "2025-11-19", "Sergei Lavrov's agenda includes talks with his counterpart Wang Yi.", set(), None),
    ("expected", "2025-11-19", "Kassym-Jomart Tokayev is expected to meet Xi Jinping during the visit.", set(), None),
    ("cancelled", "2025-11-19", "Donald Trump cancelled his meeting with Vladimir Putin in Budapest.", set(), None),
    # a host met each guest, not the guests each other
    (
        "separate",
        "2025-11-19",
        "Wang Yi held separate meetings with Sergei Lavrov and Kassym-Jomart Tokayev in Astana on Monday.",
        {("Sergei Lavrov", "Wang Yi"), ("Kassym-Jomart Tokayev", "Wang Yi")},
        "Astana",
    ),
    # the envoy was there, the leader who sent him was not
    (
        "envoy",
        "2025-11-19",
        "Xi Jinping met with Vladimir Putin's special envoy Sergei Lavrov in Beijing on Monday.",
        {("Sergei Lavrov", "Xi Jinping")},
        "Beijing",
    ),
    # a title as the subject stands for the one person the article gave it
    (
        "title_subject",
        "2025-11-19",
        "Chinese Foreign Minister Wang Yi arrived in Moscow on Monday. The Foreign Minister also met Russian "
        "President Vladimir Putin.",
        {("Vladimir Putin", "Wang Yi")},
        None,
    ),
    ("aides", "2025-11-19", "Also present at the meeting were Wang Yi and Cai Qi.", set(), None),
    (
        "zh_two_events",
        "2025-05-15",
        "丁薛祥会见普京之后，王毅与拉夫罗夫在莫斯科举行会谈。",
        {("Ding Xuexiang", "Vladimir Putin"), ("Sergei Lavrov", "Wang Yi")},
        None,
    ),
    (
        "zh_list",
        "2025-05-15",
        "习近平先后会见了普京、呼日勒苏赫和托卡耶夫。",
        {
            ("Vladimir Putin", "Xi Jinping"),
            ("Ukhnaa Khurelsukh", "Xi Jinping"),
            ("Kassym-Jomart Tokayev", "Xi Jinping"),
        },
        None,
    ),
    ("zh_when", "2025-05-15", "会见拉夫罗夫时，王毅指出，中俄合作前景广阔。", {("Sergei Lavrov", "Wang Yi")}, None),
    ("zh_tw_future", "2025-03-20", "朔爾茨4月2日將訪問北京，會晤國務院總理李強。", set(), None),
    ("zh_tw_video", "2025-05-15", "習近平同普京舉行視訊會晤。", set(), None),
    ("zh_hope", "2025-05-15", "普京说，他盼望明年在莫斯科与习近平再次会晤。", set(), None),
    # a long title before a name leaves the small parser without a subject or an object:
    # word order within the clause gives them
    (
        "long_titles",
        "2025-11-19",
        "On Friday, during his visit to Ottawa, Minister for Foreign Affairs Kenji Sato held a meeting with "
        "Canadian Deputy Minister of Foreign Affairs Mark Hollis.",
        {("Kenji Sato", "Mark Hollis")},
        None,
    ),
    # a semicolon list of guests, each with a long title
    (
        "semicolon_list",
        "2025-11-19",
        "Speaker Tran Van Nam held meetings with Deputy Speaker of the Senate of Chile Maria Soto; "
        "President of the Chamber of Deputies of Italy Marco Rossi; and Speaker of the Parliament of Ghana Kofi Mensah.",
        {("Maria Soto", "Tran Van Nam"), ("Marco Rossi", "Tran Van Nam"), ("Kofi Mensah", "Tran Van Nam")},
        None,
    ),
    # the members of a visiting delegation met the host together
    (
        "delegation_members",
        "2025-11-19",
        "Speaker Omar Khan received a visiting delegation of the Congress comprising Congressman Jack Bell, "
        "Congressman Tom Reed and Congressman Joe Park at his residence.",
        {
            ("Jack Bell", "Omar Khan"),
            ("Omar Khan", "Tom Reed"),
            ("Joe Park", "Omar Khan"),
            ("Jack Bell", "Tom Reed"),
            ("Jack Bell", "Joe Park"),
            ("Joe Park", "Tom Reed"),
        },
        None,
    ),
    # a meeting that is still ahead
    (
        "in_advance_of",
        "2025-11-19",
        "Secretary Tom Hale and Foreign Minister Ivan Orlov spoke this morning in advance of the meeting in Geneva.",
        set(),
        None,
    ),
    # a phrasal trigger
    (
        "sit_down",
        "2025-11-19",
        "Prime Minister Kenji Sato flew to Washington on Monday to sit down with President Tom Hale.",
        {("Kenji Sato", "Tom Hale")},
        None,
    ),
    # a possessor after "with" is someone else's principal, not a guest
    (
        "possessor_after_with",
        "2025-11-19",
        "Chancellor Hans Weber held talks with Amir Khan's chief adviser Omar Farid in Berlin.",
        {("Hans Weber", "Omar Farid")},
        "Berlin",
    ),
    # a trigger verb whose object is a thing states no meeting with whoever else is named
    (
        "thing_object",
        "2025-11-19",
        "Prime Minister Kenji Sato said on Monday that he had received a detailed proposal from President Tom Hale.",
        set(),
        None,
    ),
    # Chinese meetings (issue #25), each in simplified and traditional script
    # besides X (除X外) is set apart; 他 is the host of the sentence before, not its last guest
    (
        "zh_besides",
        "2025-07-04",
        "习近平当天上午会见了普京。除普京外，他还会见了托卡耶夫和呼日勒苏赫。",
        {
            ("Vladimir Putin", "Xi Jinping"),
            ("Kassym-Jomart Tokayev", "Xi Jinping"),
            ("Ukhnaa Khurelsukh", "Xi Jinping"),
        },
        None,
    ),
    (
        "zh_tw_besides",
        "2025-07-04",
        "習近平當天上午會見了普京。除普京外，他還會見了托卡耶夫和呼日勒蘇赫。",
        {
            ("Vladimir Putin", "Xi Jinping"),
            ("Kassym-Jomart Tokayev", "Xi Jinping"),
            ("Ukhnaa Khurelsukh", "Xi Jinping"),
        },
        None,
    ),
    # a banquet for a guest is a meeting
    (
        "zh_banquet",
        "2025-07-04",
        "法国总统马克龙当晚在爱丽舍宫以晚宴款待国务院总理李强。",
        {("Emmanuel Macron", "Li Qiang")},
        None,
    ),
    (
        "zh_tw_banquet",
        "2025-07-04",
        "法國總統馬克龍當晚在愛麗舍宮以晚宴款待國務院總理李強。",
        {("Emmanuel Macron", "Li Qiang")},
        None,
    ),
    # 同 opens a guest list that runs past commas (and past NER's cut of a long sentence) to its trigger
    (
        "zh_list_long",
        "2025-07-14",
        "应俄方邀请，全国人大常委会委员长赵乐际9日至12日率中国全国人大代表团对俄罗斯联邦进行正式友好访问，其间分别同俄罗斯总统普京，俄罗斯联邦会议联邦委员会主席马特维延科，俄罗斯联邦会议国家杜马主席沃洛金，俄罗斯联邦政府第一副总理曼图罗夫，俄罗斯联邦外交部长拉夫罗夫等就双边关系、议会合作以及共同关心的国际和地区问题深入交流。",
        {
            ("Vladimir Putin", "Zhao Leji"),
            ("Valentina Matviyenko", "Zhao Leji"),
            ("Vyacheslav Volodin", "Zhao Leji"),
            ("Sergei Lavrov", "Zhao Leji"),
            ("Zhao Leji", "曼图罗夫"),
        },
        None,
    ),
    (
        "zh_tw_list_long",
        "2025-07-14",
        "應俄方邀請，全國人大常委會委員長趙樂際9日至12日率中國全國人大代表團對俄羅斯聯邦進行正式友好訪問，其間分別同俄羅斯總統普京，俄羅斯聯邦會議聯邦委員會主席馬特維延科，俄羅斯聯邦會議國家杜馬主席沃洛金，俄羅斯聯邦政府第一副總理曼圖羅夫，俄羅斯聯邦外交部長拉夫羅夫等就雙邊關係、議會合作以及共同關心的國際和地區問題深入交流。",
        {
            ("Vladimir Putin", "Zhao Leji"),
            ("Valentina Matviyenko", "Zhao Leji"),
            ("Vyacheslav Volodin", "Zhao Leji"),
            ("Sergei Lavrov", "Zhao Leji"),
            ("Zhao Leji", "曼图罗夫"),
        },
        None,
    ),
    # the one in whose company (在X陪同下) someone came is no side of the meeting
    (
        "zh_escort",
        "2025-07-04",
        "国务院总理李强在外长王毅陪同下会见了印尼总统普拉博沃。",
        {("Li Qiang", "Prabowo Subianto")},
        None,
    ),
    (
        "zh_tw_escort",
        "2025-07-04",
        "國務院總理李強在外長王毅陪同下會見了印尼總統普拉博沃。",
        {("Li Qiang", "Prabowo Subianto")},
        None,
    ),
    # a meeting that was scheduled (原定) and shelved (搁置)
    (
        "zh_shelved",
        "2025-07-04",
        "马克龙原定下周与朔尔茨举行的会谈已被搁置。",
        set(),
        None,
    ),
    (
        "zh_tw_shelved",
        "2025-07-04",
        "馬克龍原定下週與朔爾茨舉行的會談已被擱置。",
        set(),
        None,
    ),
    # a plan word wrapped by the page (计 划)
    (
        "zh_wrapped",
        "2025-07-04",
        "朔尔茨和马克龙计 划于下月在巴黎举行会晤。",
        set(),
        None,
    ),
    (
        "zh_tw_wrapped",
        "2025-07-04",
        "朔爾茨和馬克龍計 劃於下月在巴黎舉行會晤。",
        set(),
        None,
    ),
    # 两人 and 双方 after a planned meeting stand for its two sides
    (
        "zh_sides_plan",
        "2025-07-04",
        "普京和莫迪计划下月举行会晤。两人上次见面是在去年7月，当时双方在莫斯科举行会谈。",
        {("Narendra Modi", "Vladimir Putin")},
        None,
    ),
    (
        "zh_tw_sides_plan",
        "2025-07-04",
        "普京和莫迪計劃下月舉行會晤。兩人上次見面是在去年7月，當時雙方在莫斯科舉行會談。",
        {("Narendra Modi", "Vladimir Putin")},
        None,
    ),
    # a date borrowed from the sentence before does not make a second event
    (
        "zh_borrowed_date",
        "2025-07-04",
        "7月3日，习近平在北京会见托卡耶夫。托卡耶夫2019年曾访华。习近平在会见中表示，很高兴再次同托卡耶夫总统见面。",
        {("Kassym-Jomart Tokayev", "Xi Jinping")},
        None,
    ),
    (
        "zh_tw_borrowed_date",
        "2025-07-04",
        "7月3日，習近平在北京會見托卡耶夫。托卡耶夫2019年曾訪華。習近平在會見中表示，很高興再次同托卡耶夫總統見面。",
        {("Kassym-Jomart Tokayev", "Xi Jinping")},
        None,
    ),
    # a year inside a quotation does not date the meeting outside it
    (
        "zh_quote_date",
        "2025-07-04",
        "托卡耶夫3日在北京会见习近平时说：“我2019年首次访华，如今再次来到北京。”托卡耶夫在会见习近平时表示，中方是可靠的伙伴。",
        {("Kassym-Jomart Tokayev", "Xi Jinping")},
        None,
    ),
    (
        "zh_tw_quote_date",
        "2025-07-04",
        "托卡耶夫3日在北京會見習近平時說：“我2019年首次訪華，如今再次來到北京。”托卡耶夫在會見習近平時表示，中方是可靠的夥伴。",
        {("Kassym-Jomart Tokayev", "Xi Jinping")},
        None,
    ),
    # a wish to exchange views is no meeting; one held as planned (按原定计划) is
    ("zh_wish_exchange", "2025-07-04", "李强表示，愿与安华总理就双边合作深入交流。", set(), None),
    ("zh_tw_wish_exchange", "2025-07-04", "李強表示，願與安華總理就雙邊合作深入交流。", set(), None),
    (
        "zh_as_planned",
        "2025-07-04",
        "王毅与拉夫罗夫按原定计划在莫斯科举行会谈。",
        {("Sergei Lavrov", "Wang Yi")},
        "莫斯科",
    ),
    (
        "zh_tw_as_planned",
        "2025-07-04",
        "王毅與拉夫羅夫按原定計劃在莫斯科舉行會談。",
        {("Sergei Lavrov", "Wang Yi")},
        "莫斯科",
    ),
    # a visit to a country's city (抵达美国华盛顿): the city is the place of the meetings after it
    (
        "zh_visit_country_city",
        "2025-07-04",
        "外交部长王毅当天下午抵达美国华盛顿。王毅当晚会见了美国国务卿鲁比奥。",
        {("Marco Rubio", "Wang Yi")},
        "华盛顿",
    ),
    # English meetings (issue #25)
    (
        "courtesy_call",
        "2025-11-19",
        "Prime Minister Kenji Sato paid a courtesy call on President Tom Hale at the palace on Monday.",
        {("Kenji Sato", "Tom Hale")},
        None,
    ),
    (
        "caption_participle",
        "2025-11-19",
        "PM Kenji Sato meeting Chilean President Maria Soto on the sidelines of the summit in Lima, on Nov 18, 2025.",
        {("Kenji Sato", "Maria Soto")},
        None,
    ),
    (
        "pronoun_subject",
        "2025-11-19",
        "On Sunday, Hans Weber met with Chancellor Omar Farid and Minister Jack Bell separately in Berlin. "
        "He then travelled to Vienna to meet with President Tom Reed.",
        {("Hans Weber", "Omar Farid"), ("Hans Weber", "Jack Bell"), ("Hans Weber", "Tom Reed")},
        None,
    ),
    (
        "title_with_address",
        "2025-11-19",
        "External Affairs Minister Dr Kenji Sato arrived in Lima on Monday. The External Affairs Minister also met "
        "his Chilean counterpart, Maria Soto.",
        {("Kenji Sato", "Maria Soto")},
        None,
    ),
    (
        "joint_attendance",
        "2025-11-19",
        "Foreign ministers of three countries held consultations in Rome on Monday. Minister Ivan Orlov, "
        "Minister Omar Farid and Minister Jack Bell attended the meeting.",
        {("Ivan Orlov", "Omar Farid"), ("Ivan Orlov", "Jack Bell"), ("Jack Bell", "Omar Farid")},
        None,
    ),
    (
        "aides_also_attended",
        "2025-11-19",
        "Minister Ivan Orlov held talks with Minister Omar Farid in Rome on Monday. Tom Reed and Jack Bell "
        "also attended the meeting.",
        {("Ivan Orlov", "Omar Farid")},
        None,
    ),
    (
        "delegation_head_after",
        "2025-11-19",
        "Minister Omar Farid met with a delegation of senior party officials in Rome on Thursday. The delegation "
        "was led by Tom Reed, vice chairman of the party.",
        {("Omar Farid", "Tom Reed")},
        None,
    ),
    (
        "delegation_head_before",
        "2025-11-19",
        "Jack Bell, who is leading the Canadian delegation, arrived in Rome on Monday. A meeting was also held "
        "between the Canadian representatives and Ivan Orlov, the Speaker of the Senate.",
        {("Ivan Orlov", "Jack Bell")},
        None,
    ),
    (
        "title_chain",
        "2025-11-19",
        "Ambassador of Norway to Chile Erik Lund held a meeting with Secretary General of the Andean "
        "Community Kofi Mensah in Lima.",
        {("Erik Lund", "Kofi Mensah")},
        "Lima",
    ),
    (
        "exchanged_views",
        "2025-11-19",
        "Minister Ivan Orlov and Chilean Foreign Minister Maria Soto exchanged their views on trade in Lima.",
        {("Ivan Orlov", "Maria Soto")},
        "Lima",
    ),
    (
        "exchanged_views_on_a_call",
        "2025-11-19",
        "Minister Ivan Orlov spoke by phone with Minister Maria Soto on Monday. During the call, Orlov and Soto "
        "exchanged views on trade.",
        set(),
        None,
    ),
    (
        "exchanged_letters",
        "2025-11-19",
        "Minister Ivan Orlov and Minister Maria Soto exchanged letters on the anniversary of the treaty.",
        set(),
        None,
    ),
]

# one row per event: the same pair again in a later sentence is the same meeting
ONE_ROW_PER_PAIR = {"zh_borrowed_date", "zh_tw_borrowed_date", "zh_quote_date", "zh_tw_quote_date"}


@pytest.fixture(scope="module")
def tricky_run(tmp_path_factory, root):
    inp = tmp_path_factory.mktemp("tricky_in")
    with (inp / "cases.jsonl").open("w", encoding="utf-8") as f:
        for cid, date, text, *_ in CASES:
            f.write(json.dumps({"id": cid, "date": date, "text": text}, ensure_ascii=False) + "\n")
    out = tmp_path_factory.mktemp("tricky_out")
    run_all(inp, out, root / "params.yaml", progress=False)
    ents = {e.entity_id: e for e in contract.read_table(out / "entities.csv", contract.Entity)}
    meetings = {m.meeting_id: m for m in contract.read_table(out / "meetings.csv", contract.Meeting)}
    parts: dict[str, list[str]] = {}
    for p in contract.read_table(out / "meeting_participants.csv", contract.MeetingParticipant):
        parts.setdefault(p.meeting_id, []).append(ents[p.entity_id].name)
    return meetings, parts


@pytest.mark.parametrize(("cid", "date", "text", "pairs", "place"), CASES, ids=[c[0] for c in CASES])
def test_meetings_tricky_sentences(tricky_run, cid, date, text, pairs, place):
    meetings, parts = tricky_run
    mine = [m for m in meetings.values() if m.doc_id == cid]
    got = set()
    for m in mine:
        names = sorted(parts[m.meeting_id])
        got |= {(a, b) for i, a in enumerate(names) for b in names[i + 1 :]}
    assert got == pairs
    if cid in ONE_ROW_PER_PAIR:
        assert len(mine) == len(pairs)
    if place:
        assert {m.place for m in mine} == {place}
    for m in mine:
        assert m.evidence and 0 <= m.start < m.end


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # the objects of a trigger end where another clause's verb begins (the parse hangs the
        # relative clause's "met" on the subject, and the word-order reading ran on into "beat")
        ("The band, whose members met in Leeds, beat Tom Hale and Anna Berg in the vote.", ["Tom Hale", "Anna Berg"]),
        # a trigger verb whose object is a thing
        ("He said he had received a detailed proposal from Tom Hale last week.", ["Tom Hale"]),
        ("She also received a yellow card for a foul on Tom Hale.", ["Tom Hale"]),
    ],
)
def test_sentence_events_no_meeting(text, names):
    """Sentence by sentence, with a person standing in for the story's last subject."""
    from pipeline.extract.meetings_en import load_parser, sentence_events
    from pipeline.params import default_params_path, load_section
    from pipeline.text.rules import load_rules

    nlp = load_parser(load_section(default_params_path(), "extract").spacy_parser)
    spans = [(text.index(n), text.index(n) + len(n), n) for n in names]
    assert sentence_events(nlp(text), spans, load_rules().en, fallback_subject="Kenji Sato") == []
