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
    # a courtesy call is paid in person
    (
        "courtesy_call",
        "2025-11-19",
        "Prime Minister Kenji Sato paid a courtesy call on President Tom Hale at the palace on Monday.",
        {("Kenji Sato", "Tom Hale")},
        None,
    ),
    # a photo caption: a name, then "meeting" and the other name (the parser splits it)
    (
        "caption_participle",
        "2025-11-19",
        "PM Kenji Sato meeting Chilean President Maria Soto on the sidelines of the summit in Lima, on Nov 18, 2025.",
        {("Kenji Sato", "Maria Soto")},
        None,
    ),
    # "He" after a meeting sentence continues its subject, not the last name in it
    (
        "pronoun_subject",
        "2025-11-19",
        "On Sunday, Hans Weber met with Chancellor Omar Farid and Minister Jack Bell separately in Berlin. "
        "He then travelled to Vienna to meet with President Tom Reed.",
        {("Hans Weber", "Omar Farid"), ("Hans Weber", "Jack Bell"), ("Hans Weber", "Tom Reed")},
        None,
    ),
    # a form of address between the office and the name still gives the office a holder
    (
        "title_with_address",
        "2025-11-19",
        "External Affairs Minister Dr Kenji Sato arrived in Lima on Monday. The External Affairs Minister also met "
        "his Chilean counterpart, Maria Soto.",
        {("Kenji Sato", "Maria Soto")},
        None,
    ),
    # the members of a multilateral meeting named as its attendants met each other
    (
        "joint_attendance",
        "2025-11-19",
        "Foreign ministers of three countries held consultations in Rome on Monday. Minister Ivan Orlov, "
        "Minister Omar Farid and Minister Jack Bell attended the meeting.",
        {("Ivan Orlov", "Omar Farid"), ("Ivan Orlov", "Jack Bell"), ("Jack Bell", "Omar Farid")},
        None,
    ),
    # aides who "also attended" a meeting stated before are no participants of it
    (
        "aides_also_attended",
        "2025-11-19",
        "Minister Ivan Orlov held talks with Minister Omar Farid in Rome on Monday. Tom Reed and Jack Bell "
        "also attended the meeting.",
        {("Ivan Orlov", "Omar Farid")},
        None,
    ),
    # a delegation that names nobody stands for the one head the article gives it
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
    # an office with a chain of "of … to …" before the name the model may miss
    (
        "title_chain",
        "2025-11-19",
        "Ambassador of Norway to Chile Erik Lund held a meeting with Secretary General of the Andean "
        "Community Kofi Mensah in Lima.",
        {("Erik Lund", "Kofi Mensah")},
        "Lima",
    ),
    # views exchanged face to face; letters exchanged are no meeting
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
    if place:
        assert {m.place for m in mine} == {place}
    for m in mine:
        assert m.evidence and 0 <= m.start < m.end
