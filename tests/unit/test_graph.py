"""Unit tests for pipeline.graph: nodes and edges from tiny contract rows, GraphML/JSON output."""

import json

import networkx as nx
import pytest
from networkx.readwrite import json_graph

from pipeline import contract
from pipeline.graph import build_graph, co_mentions, meeting_events, write_graph
from pipeline.params import GraphParams

E, M = contract.Entity, contract.Mention

ENTITIES = [
    E("person:xi-jinping", "person", "Xi Jinping", "Xi Jinping", "习近平", '["Xi Jinping"]', "Q15031", 3, 2),
    E("person:ukhnaa-khurelsukh", "person", "Ukhnaa Khurelsukh", "Ukhnaa Khurelsukh", "呼日勒苏赫", "[]", "", 2, 2),
    E("person:li-qiang", "person", "Li Qiang", "Li Qiang", "李强", "[]", "", 1, 1),
    E("country:china", "country", "China", "China", "中国", "[]", "Q148", 2, 2),
    E("organization:sco", "organization", "Shanghai Cooperation Organization", "", "上海合作组织", "[]", "", 1, 1),
    E("location:beijing", "location", "Beijing", "Beijing", "北京", "[]", "", 2, 2),
]


def _mention(doc, eid, i):
    return M(doc, f"{doc}:{i}-{i + 1}", 0, i, i + 1, "x", "KB", eid)


MENTIONS = [
    _mention("d1", "person:xi-jinping", 0),
    _mention("d1", "person:ukhnaa-khurelsukh", 1),
    _mention("d1", "location:beijing", 2),
    _mention("d1", "country:china", 3),
    _mention("d2", "person:xi-jinping", 0),
    _mention("d2", "person:ukhnaa-khurelsukh", 1),
    _mention("d2", "person:xi-jinping", 5),  # a second mention in the same document counts once
    _mention("d2", "location:beijing", 2),
    _mention("d3", "person:li-qiang", 0),
    _mention("d3", "organization:sco", 1),
    _mention("d3", "country:china", 2),
]
MEETING = contract.Meeting("d1:m0-a", "d1", "2025-11-18", "day", "Beijing", "location:beijing", "main", "met",
                           "Xi met Khurelsukh in Beijing.", 0, 30, 0.9)  # fmt: skip
PARTICIPANTS = [
    contract.MeetingParticipant("d1:m0-a", "person:xi-jinping", "President"),
    contract.MeetingParticipant("d1:m0-a", "person:ukhnaa-khurelsukh", "President"),
    contract.MeetingParticipant("d1:m0-a", "location:beijing", ""),  # not a node type
]
AFFILIATIONS = [
    contract.Affiliation("person:xi-jinping", "country:china", "President", "d1", "Chinese President Xi Jinping"),
    contract.Affiliation("person:xi-jinping", "country:china", "General Secretary", "d2", "..."),
    contract.Affiliation("person:xi-jinping", "location:beijing", "Mayor", "d2", "..."),  # not a node
]


def _graph(meetings=(MEETING,), participants=PARTICIPANTS, affiliations=AFFILIATIONS, **params):
    return build_graph(
        ENTITIES, MENTIONS, list(meetings), list(participants), list(affiliations), GraphParams(**params)
    )


def _edges(g, kind):
    return {(a, b): d for a, b, k, d in g.edges(keys=True, data=True) if k == kind}


def test_graph_nodes_are_persons_countries_organizations():
    g = _graph()
    assert sorted(g.nodes) == [
        "country:china", "organization:sco", "person:li-qiang", "person:ukhnaa-khurelsukh", "person:xi-jinping",
    ]  # fmt: skip
    assert "location:beijing" not in g
    assert g.nodes["person:xi-jinping"] == {
        "type": "person", "name": "Xi Jinping", "label": "Xi Jinping", "name_en": "Xi Jinping", "name_zh": "习近平",
        "kb_id": "Q15031", "n_mentions": 3, "n_docs": 2,
    }  # fmt: skip


def test_graph_node_types_from_params():
    g = _graph(node_types=("person",))
    assert sorted(g.nodes) == ["person:li-qiang", "person:ukhnaa-khurelsukh", "person:xi-jinping"]
    assert not _edges(g, "affiliated_with")


def test_graph_meeting_gives_one_met_edge():
    met = _edges(_graph(), "met")
    assert list(met) == [("person:ukhnaa-khurelsukh", "person:xi-jinping")]
    edge = met[("person:ukhnaa-khurelsukh", "person:xi-jinping")]
    assert edge["kind"] == "met"
    assert edge["weight"] == 1
    assert json.loads(edge["meetings"]) == ["d1:m0-a"]
    assert json.loads(edge["dates"]) == ["2025-11-18"]
    assert json.loads(edge["places"]) == ["Beijing"]


def test_graph_met_weight_counts_distinct_meetings():
    second = contract.Meeting("d2:m0-a", "d2", "2025-11-20", "day", "", "", "main", "met", "...", 0, 3, 0.8)
    parts = [*PARTICIPANTS, *PARTICIPANTS[:1],  # a participant listed twice: still one meeting
             contract.MeetingParticipant("d2:m0-a", "person:xi-jinping", ""),
             contract.MeetingParticipant("d2:m0-a", "person:ukhnaa-khurelsukh", "")]  # fmt: skip
    (edge,) = _edges(_graph(meetings=(MEETING, second), participants=parts), "met").values()
    assert edge["weight"] == 2
    assert json.loads(edge["dates"]) == ["2025-11-18", "2025-11-20"]


def test_graph_meeting_of_three_gives_three_edges():
    parts = [contract.MeetingParticipant("d1:m0-a", eid, "")
             for eid in ("person:xi-jinping", "person:ukhnaa-khurelsukh", "person:li-qiang")]  # fmt: skip
    assert len(_edges(_graph(participants=parts), "met")) == 3


def test_graph_affiliation_edges_join_titles():
    aff = _edges(_graph(), "affiliated_with")
    assert list(aff) == [("person:xi-jinping", "country:china")]
    assert json.loads(aff[("person:xi-jinping", "country:china")]["titles"]) == ["General Secretary", "President"]


@pytest.mark.parametrize(
    ("min_docs", "pairs"),
    [
        (1, {
            ("country:china", "person:ukhnaa-khurelsukh"): 1,
            ("country:china", "person:xi-jinping"): 1,
            ("person:ukhnaa-khurelsukh", "person:xi-jinping"): 2,
            ("country:china", "organization:sco"): 1,
            ("country:china", "person:li-qiang"): 1,
            ("organization:sco", "person:li-qiang"): 1,
        }),
        (2, {("person:ukhnaa-khurelsukh", "person:xi-jinping"): 2}),
        (3, {}),
    ],
)  # fmt: skip
def test_graph_co_mentioned_respects_min_docs(min_docs, pairs):
    co = _edges(_graph(co_mention_min_docs=min_docs), "co_mentioned")
    assert {k: v["weight"] for k, v in co.items()} == pairs


def test_co_mentions_keeps_the_strongest_pairs_and_never_pairs_rare_names():
    docs = [{"a", "b", "c"}, {"a", "b"}, {"a", "b", "d"}, {"c", "d"}, {"a", "c"}, {"x"}]
    assert co_mentions(docs, 1, 100) == [
        (("a", "b"), 3),
        (("a", "c"), 2),
        (("a", "d"), 1),
        (("b", "c"), 1),
        (("b", "d"), 1),
        (("c", "d"), 1),
    ]
    assert co_mentions(docs, 2, 100) == [(("a", "b"), 3), (("a", "c"), 2)]
    assert co_mentions(docs, 1, 2) == [(("a", "b"), 3), (("a", "c"), 2)]
    assert co_mentions(docs, 1, 3) == [(("a", "b"), 3), (("a", "c"), 2), (("a", "d"), 1)]  # ties: by id


def test_graph_empty_rows_give_empty_graph():
    g = build_graph([], [], [], [], [], GraphParams())
    assert g.number_of_nodes() == 0 and g.number_of_edges() == 0


def test_graph_write_and_read_back(tmp_path):
    g = _graph()
    write_graph(g, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.gexf", "graph.graphml", "graph.json"]

    from_xml = nx.read_graphml(tmp_path / "graph.graphml", force_multigraph=True)
    assert dict(from_xml.nodes(data=True)) == dict(g.nodes(data=True))
    assert sorted((a, b, d["kind"], d["weight"]) for a, b, d in from_xml.edges(data=True)) == sorted(
        (a, b, d["kind"], d["weight"]) for a, b, d in g.edges(data=True)
    )

    data = json.loads((tmp_path / "graph.json").read_text(encoding="utf-8"))
    from_json = json_graph.node_link_graph(data, edges="edges")
    assert dict(from_json.nodes(data=True)) == dict(g.nodes(data=True))
    assert sorted(from_json.edges(keys=True)) == sorted(g.edges(keys=True))
    assert from_json.is_directed() and from_json.is_multigraph()


def test_graph_json_keeps_chinese_readable(tmp_path):
    write_graph(_graph(), tmp_path)
    assert "习近平" in (tmp_path / "graph.json").read_text(encoding="utf-8")


TOPICS = [
    contract.MeetingTopic("d1:m0-a", "trade", 2.0, "Trade came up.", "trade", 0, 5),
    contract.MeetingTopic("d1:m0-a", "energy", 1.0, "Energy too.", "energy", 0, 6),
    contract.MeetingTopic("other:m1", "mining", 1.0, "...", "mining", 0, 6),  # another meeting
]


def test_graph_met_edge_carries_topics_and_evidence():
    g = build_graph(ENTITIES, MENTIONS, [MEETING], PARTICIPANTS, AFFILIATIONS, GraphParams(), meeting_topics=TOPICS)
    (edge,) = _edges(g, "met").values()
    assert json.loads(edge["topics"]) == ["energy", "trade"]
    assert json.loads(edge["evidence"]) == [{
        "meeting_id": "d1:m0-a", "event_id": "d1:m0-a", "doc_id": "d1", "date": "2025-11-18", "place": "Beijing",
        "kind": "main", "evidence": "Xi met Khurelsukh in Beijing.", "topics": ["energy", "trade"],
    }]  # fmt: skip


def test_graph_met_edge_without_topics_has_an_empty_list():
    (edge,) = _edges(_graph(), "met").values()
    assert json.loads(edge["topics"]) == []


def _tricky_graph():
    """Every attribute kind, Chinese text, markup and quotes in names, parallel edges."""
    ents = [*ENTITIES, E("person:x", "person", '<script>alert("1")</script> & co', "", '王 "小" 明', "[]", "", 1, 1)]
    mentions = [*MENTIONS, _mention("d1", "person:x", 9)]
    parts = [*PARTICIPANTS, contract.MeetingParticipant("d1:m0-a", "person:x", "")]
    return build_graph(ents, mentions, [MEETING], parts, AFFILIATIONS, GraphParams(), meeting_topics=TOPICS)


def _by_key(g):
    """Edges as {(u, v, kind): attributes}; GEXF readers give the key back as a plain graph
    edge with the `kind` attribute, so the kind is the key everywhere."""
    return {(a, b, d["kind"]): d for a, b, d in g.edges(data=True)}


def test_graph_graphml_gexf_json_round_trip_every_attribute(tmp_path):
    g = _tricky_graph()
    assert {k for _, _, k in g.edges(keys=True)} == {"met", "affiliated_with", "co_mentioned"}
    write_graph(g, tmp_path)
    want_nodes = dict(g.nodes(data=True))
    want_edges = _by_key(g)

    from_xml = nx.read_graphml(tmp_path / "graph.graphml", force_multigraph=True)
    from_gexf = nx.read_gexf(tmp_path / "graph.gexf")
    from_json = json_graph.node_link_graph(
        json.loads((tmp_path / "graph.json").read_text(encoding="utf-8")), edges="edges"
    )
    for name, h in [("graphml", from_xml), ("gexf", from_gexf), ("json", from_json)]:
        assert h.is_directed(), name
        assert dict(h.nodes(data=True)) == want_nodes, name
        got = _by_key(h)
        assert set(got) == set(want_edges), name
        for key, want in want_edges.items():
            have = dict(got[key])
            if name == "gexf":
                assert have.pop("id")  # GEXF edge ids are added by the format
                assert isinstance(have["weight"], float)  # and its weights are floats
            assert have == want, (name, key)  # 2.0 == 2: same value
            assert json.loads(have.get("evidence", "[]")) == json.loads(want.get("evidence", "[]"))
    assert sorted(from_xml.edges(keys=True)) == sorted(g.edges(keys=True))
    assert sorted(from_json.edges(keys=True)) == sorted(g.edges(keys=True))


def test_graph_gexf_has_no_date_and_is_stable(tmp_path):
    write_graph(_graph(), tmp_path / "a")
    write_graph(_graph(), tmp_path / "b")
    text = (tmp_path / "a" / "graph.gexf").read_text(encoding="utf-8")
    assert "lastmodifieddate" not in text
    for name in ("graph.gexf", "graph.graphml", "graph.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_mentions_read_as_links_give_the_same_graph(tmp_path):
    from pipeline.graph import read_mention_links

    contract.write_table(tmp_path / "mentions.csv", MENTIONS, contract.Mention)
    links = read_mention_links(tmp_path / "mentions.csv")
    assert len(links) == len(MENTIONS)
    assert {(x.doc_id, x.entity_id) for x in links} == {(m.doc_id, m.entity_id) for m in MENTIONS}
    args = (ENTITIES, [MEETING], PARTICIPANTS, AFFILIATIONS, GraphParams())
    from_rows = build_graph(args[0], MENTIONS, *args[1:])
    from_links = build_graph(args[0], links, *args[1:])
    assert nx.utils.edges_equal(from_rows.edges(data=True, keys=True), from_links.edges(data=True, keys=True))


def _report(mid, doc, date, place_id="location:beijing", kind="main"):
    prec = {10: "day", 7: "month", 4: "year"}.get(len(date), "")
    return contract.Meeting(mid, doc, date, prec, "", place_id, kind, "met", "x", 0, 1, 0.9)


def _docs(**dates):
    return [contract.Document(d, f"{d}.txt", "en", "latin", date, "", 10, "ok", "") for d, date in dates.items()]


def test_graph_one_event_across_reports_and_languages():
    meetings = [_report("en1:m0", "en1", "2025-11-18"), _report("zh1:m5", "zh1", "2025-11-18"),
                _report("en2:m9", "en2", "2025-11"), _report("en3:m1", "en3", ""),  # undated, a day later
                _report("en4:m2", "en4", "2025-09", kind="reported"),  # an earlier meeting of the pair
                _report("en5:m3", "en5", "2025-11-18", place_id="location:moscow")]  # fmt: skip
    parts = [contract.MeetingParticipant(m.meeting_id, p, "") for m in meetings for p in ("person:a", "person:b")]
    docs = _docs(en1="2025-11-18", zh1="2025-11-19", en2="2025-11-20", en3="2025-11-19", en4="2025-11-18",
                 en5="2025-11-18")  # fmt: skip
    events = meeting_events(meetings, parts, docs)
    assert len({events[m] for m in ("en1:m0", "zh1:m5", "en2:m9", "en3:m1")}) == 1
    assert events["en4:m2"] != events["en1:m0"]  # another month: another meeting
    assert events["en5:m3"] != events["en1:m0"]  # another place: another meeting
    g = build_graph(ENTITIES, MENTIONS, meetings, parts, AFFILIATIONS, GraphParams(), events=events)
    met = [d for _, _, d in g.edges(data=True) if d["kind"] == "met"]
    assert [d["weight"] for d in met] == [3] * len(met)  # three events, six reports
