"""Unit tests for pipeline.views and graph.publish: the page, the picture, the report."""

import json
import re
import warnings

import pytest

from pipeline import contract
from pipeline.graph import build_graph, publish
from pipeline.params import GraphParams
from pipeline.views import (
    display_label,
    html_data,
    md_escape,
    render_html,
    render_png,
    render_report,
    script_json,
)
from pipeline.views.html import asset, html_positions

E = contract.Entity
HOSTILE = "<script>alert(1)</script>"

ENTITIES = [
    E("person:xi-jinping", "person", "Xi Jinping", "Xi Jinping", "习近平", "[]", "Q15031", 3, 2),
    E("person:ukhnaa-khurelsukh", "person", "Ukhnaa Khurelsukh", "Ukhnaa Khurelsukh", "呼日勒苏赫", "[]", "", 2, 2),
    E("person:evil", "person", HOSTILE, HOSTILE, "</script><img src=x onerror=alert(2)>", "[]", "", 1, 1),
    E("country:china", "country", "China", "China", "中国", "[]", "Q148", 2, 2),
    E("organization:sco", "organization", "Shanghai | Cooperation", "", "上海合作组织", "[]", "", 1, 1),
]
MENTIONS = [
    contract.Mention(doc, f"{doc}:{i}-{i + 1}", 0, i, i + 1, "x", "KB", eid)
    for doc, ids in {
        "d1": ["person:xi-jinping", "person:ukhnaa-khurelsukh", "country:china", "person:evil"],
        "d2": ["person:xi-jinping", "organization:sco"],
    }.items()
    for i, eid in enumerate(ids)
]
MEETINGS = [
    contract.Meeting("d1:m0", "d1", "2025-11-18", "day", "Beijing", "", "main", "met",
                     "Xi met Khurelsukh | and <b>the guest</b>\nin Beijing.", 0, 30, 0.9),
    contract.Meeting("d2:m0", "d2", "2022-11-27", "day", "", "", "reported", "会见", "习近平会见呼日勒苏赫。", 0, 10, 0.8),
]  # fmt: skip
PARTICIPANTS = [
    contract.MeetingParticipant("d1:m0", "person:xi-jinping", "President"),
    contract.MeetingParticipant("d1:m0", "person:ukhnaa-khurelsukh", "President"),
    contract.MeetingParticipant("d1:m0", "person:evil", ""),
    contract.MeetingParticipant("d2:m0", "person:xi-jinping", "主席"),
    contract.MeetingParticipant("d2:m0", "person:ukhnaa-khurelsukh", "总统"),
]
AFFILIATIONS = [contract.Affiliation("person:xi-jinping", "country:china", "President", "d1", "...")]
MEETING_TOPICS = [contract.MeetingTopic("d1:m0", "trade", 1.0, "...", "trade", 0, 5)]
DOCUMENTS = [
    contract.Document("d1", "d1.txt", "en", "latin", "2025-11-19", "", 100, "ok", ""),
    contract.Document("d2", "d2.txt", "zh", "simplified", "2022-11-28", "", 100, "ok", ""),
    contract.Document("bad", "bad.pdf", "", "", "", "", 0, "error", "binary file | <PDF>"),
    contract.Document("fr", "fr.txt", "other", "", "", "", 80, "skipped", "language other"),
]
DOC_TOPICS = [
    contract.DocTopic("d1", "trade", 2.0, "..."),
    contract.DocTopic("d2", "trade", 1.0, "..."),
    contract.DocTopic("d2", "energy", 1.0, "..."),
]


def _graph(params=None):
    return build_graph(ENTITIES, MENTIONS, MEETINGS, PARTICIPANTS, AFFILIATIONS, params or GraphParams(),
                       meeting_topics=MEETING_TOPICS)  # fmt: skip


def _tables():
    return {
        "documents.csv": DOCUMENTS, "mentions.csv": MENTIONS, "entities.csv": ENTITIES, "meetings.csv": MEETINGS,
        "meeting_participants.csv": PARTICIPANTS, "affiliations.csv": AFFILIATIONS, "doc_topics.csv": DOC_TOPICS,
        "meeting_topics.csv": MEETING_TOPICS, "doc_keyphrases.csv": [],
    }  # fmt: skip


def _payload(html):
    m = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', html, re.S)
    assert m
    return json.loads(m.group(1))


@pytest.mark.parametrize(
    ("attrs", "label"),
    [
        ({"name": "Xi Jinping", "name_en": "Xi Jinping", "name_zh": "习近平"}, "Xi Jinping / 习近平"),
        ({"name": "Shanghai Cooperation Organization", "name_en": "", "name_zh": "上海合作组织"},
         "Shanghai Cooperation Organization / 上海合作组织"),
        ({"name": "李强", "name_en": "", "name_zh": "李强"}, "李强"),
        ({"name": "Mongolia", "name_en": "Mongolia", "name_zh": ""}, "Mongolia"),
    ],
)  # fmt: skip
def test_views_display_label_both_languages(attrs, label):
    assert display_label(attrs) == label


def test_views_script_json_cannot_close_the_script_element():
    text = script_json({"name": "</script><!-- & -->", "zh": "习近平\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"name": "</script><!-- & -->", "zh": "习近平\u2028"}


def test_views_html_escapes_hostile_names():
    html = render_html(_graph(), GraphParams())
    assert HOSTILE not in html
    assert "</script><img" not in html
    assert "<img" not in html
    assert html.count("</script>") == 3  # the JSON block, the library and the program, nothing from the data
    names = {n["id"]: n for n in _payload(html)["nodes"]}
    assert names["person:evil"]["name"] == HOSTILE  # the text survives, as data
    assert "innerHTML" not in html and "document.write" not in html and "eval(" not in html
    assert asset("page.js") in html and asset("vendor/cytoscape.min.js") in html  # inlined as shipped


def test_views_html_assets_ship_with_the_package_and_its_licence():
    assert asset("vendor/cytoscape.min.js").startswith("/**\n * Copyright (c) 2016-2026, The Cytoscape Consortium.")
    assert "Permission is hereby granted, free of charge" in asset("vendor/cytoscape.LICENSE")
    for name in ("page.html", "page.css", "page.js"):
        assert asset(name).strip()


def test_views_html_loads_nothing_from_the_network():
    html = render_html(_graph(), GraphParams())
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(?:https?:)?//", html, re.I)
    assert "@import" not in html
    assert re.search(r"""<meta http-equiv="Content-Security-Policy" content="default-src 'none';""", html)
    assert "<script src" not in html and "<link" not in html


def test_views_html_carries_meeting_events_once_with_their_evidence():
    g = _graph()
    data = _payload(render_html(g, GraphParams(), documents=DOCUMENTS, entities=ENTITIES))
    assert {n["type"] for n in data["nodes"]} == {"person", "country", "organization"}
    assert set(data["colours"]) == {"person", "country", "organization"}
    met = [e for e in data["edges"] if e["kind"] == "met"]
    pair = next(e for e in met if {e["source"], e["target"]} == {"person:xi-jinping", "person:ukhnaa-khurelsukh"})
    assert pair["weight"] == 2 and pair["events"] == ["d1:m0", "d2:m0"]
    assert data["events"]["d2:m0"] == {
        "date": "2022-11-27", "place": "", "kind": "reported", "evidence": "习近平会见呼日勒苏赫。", "doc": "d2",
        "sources": ["d2"], "langs": ["zh"], "topics": [], "others": [],
        "participants": ["person:ukhnaa-khurelsukh", "person:xi-jinping"],
    }  # fmt: skip
    assert data["events"]["d1:m0"]["topics"] == ["trade"]
    assert data["events"]["d1:m0"]["participants"] == ["person:evil", "person:ukhnaa-khurelsukh", "person:xi-jinping"]
    assert data["documents"]["d1"]["lang"] == "en"
    assert data["filters"] == {"langs": ["en", "zh"], "kinds": ["main", "reported"], "countries": ["country:china"],
                               "dates": ["2022-11-27", "2025-11-18"]}  # fmt: skip
    xi = next(n for n in data["nodes"] if n["id"] == "person:xi-jinping")
    assert xi["countries"] == ["country:china"] and xi["met"] == 3 and "习近平" in xi["aliases"]
    aff = [e for e in data["edges"] if e["kind"] == "affiliated_with"]
    assert aff == [{"source": "person:xi-jinping", "target": "country:china", "kind": "affiliated_with",
                    "weight": 1, "titles": ["President"]}]  # fmt: skip


def test_views_html_events_reported_twice_are_one_item():
    meetings = [*MEETINGS, contract.Meeting("d3:m0", "d3", "2022-11", "month", "", "", "main", "met",
                                            "Xi and Khurelsukh met in November.", 0, 10, 0.9)]  # fmt: skip
    parts = [*PARTICIPANTS, contract.MeetingParticipant("d3:m0", "person:xi-jinping", ""),
             contract.MeetingParticipant("d3:m0", "person:ukhnaa-khurelsukh", "")]  # fmt: skip
    events = {"d1:m0": "event:d1:m0", "d2:m0": "event:d2:m0", "d3:m0": "event:d2:m0"}
    g = build_graph(ENTITIES, MENTIONS, meetings, parts, AFFILIATIONS, GraphParams(), events=events)
    data = html_data(g, GraphParams(), documents=DOCUMENTS)
    assert sorted(data["events"]) == ["event:d1:m0", "event:d2:m0"]
    ev = data["events"]["event:d2:m0"]
    assert ev["date"] == "2022-11-27" and ev["sources"] == ["d2", "d3"]  # the day-dated report speaks for both
    assert ev["others"] == ["Xi and Khurelsukh met in November."]


def test_views_html_positions_put_the_met_network_first():
    g = _graph()
    pos = html_positions(g, sorted(g.nodes), seed=7)
    assert set(pos) == set(g.nodes)
    met = [pos[n] for n in ("person:xi-jinping", "person:ukhnaa-khurelsukh", "person:evil")]
    assert len(set(met)) == 3  # distinct places
    assert pos == html_positions(g, sorted(g.nodes), seed=7)


def test_views_html_embeds_a_cjk_font_and_is_deterministic():
    a = render_html(_graph(), GraphParams())
    assert '@font-face{font-family:"diplograph-cjk";src:url(data:font/otf;base64,' in a
    assert a == render_html(_graph(), GraphParams())


def test_views_html_keeps_the_most_connected_nodes():
    data = html_data(_graph(), GraphParams(html_max_nodes=2))
    assert [n["id"] for n in data["nodes"]] == ["person:ukhnaa-khurelsukh", "person:xi-jinping"]  # most met
    assert data["total_nodes"] == 5
    assert all(e["source"] in {n["id"] for n in data["nodes"]} for e in data["edges"])


def test_views_html_of_an_empty_graph():
    html = render_html(build_graph([], [], [], [], [], GraphParams()), GraphParams())
    assert _payload(html)["nodes"] == []


def _png_warnings(g):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_png(g, GraphParams())
    return png, [str(w.message) for w in caught]


def test_views_png_draws_chinese_labels_without_missing_glyphs():
    png, messages = _png_warnings(_graph())
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert not [m for m in messages if "missing from" in m or "Glyph" in m], messages
    assert b"Software" not in png[:200]  # no version stamp in the file
    assert png == render_png(_graph(), GraphParams())


def test_views_png_of_no_meetings_says_so():
    g = build_graph(ENTITIES, MENTIONS, [], [], [], GraphParams())
    png, messages = _png_warnings(g)
    assert png.startswith(b"\x89PNG") and len(png) > 1000
    assert not [m for m in messages if "Glyph" in m]


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("plain", "plain"),
        ("a | b", "a \\| b"),
        ("line\nbreak\r\nand\ttab", "line break and tab"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("Tom & Jerry", "Tom &amp; Jerry"),
        ("*bold* _it_ `code` [link](x)", "\\*bold\\* \\_it\\_ \\`code\\` \\[link\\](x)"),
        ("习近平｜会见", "习近平｜会见"),
    ],
)
def test_views_md_escape(text, cell):
    assert md_escape(text) == cell


def test_views_report_sections_and_escaping():
    report = render_report(_graph(), _tables(), GraphParams())
    for heading in ["## Counts", "## Meetings by date", "## Top entities", "## Topics by language",
                    "## What failed or was skipped"]:  # fmt: skip
        assert heading in report
    assert "<script>" not in report and "<b>" not in report and "<PDF>" not in report
    rows = [line for line in report.splitlines() if line.startswith("| 20")]
    assert [r.split(" | ")[0] for r in rows] == ["| 2022-11-27", "| 2025-11-18"]  # by date
    assert "Xi Jinping / 习近平 (主席)" in rows[0]
    assert all(row.count(" | ") == 5 for row in rows)  # the | in the evidence did not add a column
    assert "| trade | 1 | 1 | 2 | 1 |" in report  # en documents, zh documents, all, meetings
    assert "| energy | 0 | 1 | 1 | 0 |" in report
    assert "| bad | bad.pdf | error |  | binary file \\| &lt;PDF&gt; |" in report
    assert "| fr | fr.txt | skipped | other | language other |" in report
    assert "| graph edges: met | 3 |" in report


def test_views_report_of_an_empty_run():
    report = render_report(build_graph([], [], [], [], [], GraphParams()), {}, GraphParams())
    assert "No meetings were found." in report and "Every document was processed." in report


def test_graph_publish_writes_every_view_deterministically(tmp_path):
    tables = tmp_path / "tables"
    for name, rows in _tables().items():
        contract.write_table(tables / name, rows, contract.TABLES[name])
    files = ["graph.gexf", "graph.graphml", "graph.html", "graph.json", "graph.png", "meeting_events.csv", "report.md"]
    params = GraphParams(co_mention_min_docs=1)
    counts = publish(tables, tmp_path / "a", params)
    publish(tables, tmp_path / "b", params)
    assert counts == {"nodes": 5, "edges": {"affiliated_with": 1, "co_mentioned": 7, "met": 3}}
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == files
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


_LAYOUT_PROBE = """
import json, networkx as nx
from pipeline.views import packed_layout
h = nx.Graph()
names = ["person:" + c for c in "abcdefghij"]
for i, a in enumerate(names):
    for b in names[i + 1 : i + 3]:
        h.add_edge(a, b, weight=1)
h.add_edge("person:x", "person:y", weight=2)
print(json.dumps(packed_layout(h, seed=7)))
"""


def test_graph_png_layout_does_not_depend_on_the_string_hash_seed(root):
    import os
    import subprocess
    import sys

    layouts = set()
    for seed in ("0", "1", "2", "3", "4", "5"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", _LAYOUT_PROBE], capture_output=True, text=True, cwd=root,
                             env=env, check=True)  # fmt: skip
        layouts.add(out.stdout.strip())
    assert len(layouts) == 1


def test_page_font_text_matches_the_laid_out_page():
    # the font is cut from the data before the layout: only positions may differ
    from pipeline.views import _font_text

    g, params = _graph(), GraphParams()
    laid_out = json.dumps(html_data(g, params), ensure_ascii=False)
    strip = re.compile(r'"[xy]": -?[0-9.]+')
    assert strip.sub("", _font_text(g, params)) == strip.sub("", laid_out)


def test_views_met_network_cut_keeps_everyone_with_a_partner():
    import networkx as nx

    from pipeline.views import met_network

    g = nx.MultiDiGraph()
    for i in range(6):  # a hub who met six people, and six pairs who met once
        g.add_edge("person:hub", f"person:h{i}", key="met", kind="met", weight=1)
        g.add_edge(f"person:a{i}", f"person:b{i}", key="met", kind="met", weight=1)
    h = met_network(g, 9)
    assert h.number_of_nodes() == 9
    assert not list(nx.isolates(h))  # nobody drawn alone: pairs come in whole
    assert "person:hub" in h and all(f"person:h{i}" in h for i in range(6))
