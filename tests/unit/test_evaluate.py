"""Unit tests for pipeline.evaluate: the scorer on small hand-made gold and output tables."""

from __future__ import annotations

import json

import pytest

from pipeline import contract
from pipeline.evaluate import _date_ok, _place_ok, evaluate, prf, render_errors_markdown, render_markdown


@pytest.mark.parametrize(
    ("tp", "fp", "fn", "precision", "recall", "f1"),
    [
        (0, 0, 0, 1.0, 1.0, 1.0),  # nothing to find, nothing found
        (5, 0, 0, 1.0, 1.0, 1.0),
        (1, 1, 0, 0.5, 1.0, 0.6667),
        (1, 0, 1, 1.0, 0.5, 0.6667),
        (3, 1, 2, 0.75, 0.6, 0.6667),
        (0, 3, 0, 0.0, 1.0, 0.0),
        (0, 0, 3, 1.0, 0.0, 0.0),
        (0, 2, 2, 0.0, 0.0, 0.0),
        (2, 1, 0, 0.6667, 1.0, 0.8),
    ],
)
def test_evaluate_prf(tp, fp, fn, precision, recall, f1):
    assert prf(tp, fp, fn) == {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


# --------------------------------------------------------------------------- a tiny run

ANNA = ["Anna Berg", "Berg", "安娜·贝格"]
OLAF = ["Olaf Lind", "Lind", "奥拉夫·林德"]
MIRA = ["Mira Sato", "Sato", "佐藤美良"]
NORDIA = ["Nordia", "诺迪亚"]
SUDLAND = ["Sudland", "苏德兰"]


def _meeting(parts, date="2024-03-05", place=("Oslo",), **kw):
    return {
        "participants": parts,
        "date": date,
        "place": list(place),
        "kind": "main",
        "evidence": kw.pop("evidence", "x"),
        **kw,
    }


class Run:
    """Builds the contract tables of a made-up run, entity by entity and row by row."""

    def __init__(self):
        self.docs, self.ents, self.mentions, self.meetings, self.parts = [], {}, [], [], []
        self.affs, self.topics = [], []

    def doc(self, doc_id, lang="en", script="latin"):
        self.docs.append(contract.Document(doc_id, f"{doc_id}.txt", lang, script, "2024-03-06", "", 100, "ok", ""))

    def ent(self, eid, typ, name, name_zh=""):
        self.ents[eid] = contract.Entity(eid, typ, name, name, name_zh,
                                         "[]", "", 1, 1)  # fmt: skip

    def mention(self, doc_id, eid, text, start=0):
        self.mentions.append(contract.Mention(doc_id, f"{doc_id}:{start}-{start + len(text)}", 0, start,
                                              start + len(text), text, "PERSON", eid))  # fmt: skip

    def meeting(self, doc_id, start, eids, date="2024-03-05", place="Oslo", evidence="x"):
        mid = f"{doc_id}:m{start}"
        prec = {10: "day", 7: "month", 4: "year"}.get(len(date), "")
        self.meetings.append(contract.Meeting(mid, doc_id, date, prec, place, "", "main", "met", evidence, start,
                                              start + len(evidence), 0.9))  # fmt: skip
        self.parts += [contract.MeetingParticipant(mid, e, "") for e in eids]

    def affiliation(self, doc_id, pid, cid):
        self.affs.append(contract.Affiliation(pid, cid, "President", doc_id, "ev"))

    def topic(self, doc_id, topic_id):
        self.topics.append(contract.DocTopic(doc_id, topic_id, 1.0, "ev", "cue", 0, 3))

    def write(self, folder):
        rows = {"documents.csv": self.docs, "entities.csv": list(self.ents.values()), "mentions.csv": self.mentions,
                "meetings.csv": self.meetings, "meeting_participants.csv": self.parts, "affiliations.csv": self.affs,
                "doc_topics.csv": self.topics, "meeting_topics.csv": [], "doc_keyphrases.csv": []}  # fmt: skip
        for name, cls in contract.TABLES.items():
            contract.write_table(folder / name, rows[name], cls)
        return folder


def _gold_doc(lang="en", script="latin", **kw):
    base = {"lang": lang, "script": script, "meetings": [], "non_meetings": [], "persons": [], "countries": [],
            "organizations": [], "topics": [], "topics_optional": [], "affiliations": []}  # fmt: skip
    return {**base, **kw}


def _people(r, doc_id):
    r.ent("person:anna", "person", "Anna Berg")
    r.ent("person:olaf", "person", "Olaf Lind")
    r.ent("person:mira", "person", "Mira Sato")
    for eid, text in (("person:anna", "Anna Berg"), ("person:olaf", "Lind"), ("person:mira", "Sato")):
        r.mention(doc_id, eid, text)


def test_evaluate_meetings_one_to_one_second_row_is_false(tmp_path):
    r = Run()
    r.doc("d1")
    _people(r, "d1")
    r.meeting("d1", 10, ["person:anna", "person:olaf"])
    r.meeting("d1", 90, ["person:olaf", "person:anna"])  # the same meeting again (headline and body)
    gold = {"d1": _gold_doc(persons=[ANNA, OLAF, MIRA], meetings=[_meeting([ANNA, OLAF])])}
    m = evaluate(r.write(tmp_path), gold)["overall"]["meetings"]
    assert (m["tp"], m["fp"], m["fn"]) == (1, 1, 0)
    assert m["date_accuracy"] == 1.0 and m["place_accuracy"] == 1.0


def test_evaluate_meetings_same_pair_twice_in_gold_takes_two_rows(tmp_path):
    r = Run()
    r.doc("d1")
    _people(r, "d1")
    today, earlier = "Berg met Lind in Oslo on Tuesday.", "They had first met in Lima last November."
    r.meeting("d1", 10, ["person:anna", "person:olaf"], date="2024-03-05", evidence=today)
    r.meeting("d1", 90, ["person:anna", "person:olaf"], date="2023-11", place="Lima", evidence=earlier)
    gold = {"d1": _gold_doc(persons=[ANNA, OLAF], meetings=[
        _meeting([ANNA, OLAF], date="2023-11", place=["Lima"], kind="reported", evidence=earlier),
        _meeting([ANNA, OLAF], evidence=today)])}  # fmt: skip
    m = evaluate(r.write(tmp_path), gold)["overall"]["meetings"]
    assert (m["tp"], m["fp"], m["fn"]) == (2, 0, 0)
    # each row took the gold meeting whose evidence it quotes
    assert m["date_accuracy"] == 1.0 and m["place_accuracy"] == 1.0


def test_evaluate_meetings_optional_absorbs_and_never_counts(tmp_path):
    r = Run()
    r.doc("d1")
    _people(r, "d1")
    r.meeting("d1", 10, ["person:anna", "person:mira"])
    r.meeting("d1", 50, ["person:mira", "person:anna"])
    gold = {"d1": _gold_doc(persons=[ANNA, OLAF, MIRA], meetings=[
        _meeting([ANNA, MIRA], optional=True), _meeting([ANNA, OLAF], optional=True)])}  # fmt: skip
    m = evaluate(r.write(tmp_path), gold)["overall"]["meetings"]
    assert (m["tp"], m["fp"], m["fn"]) == (0, 0, 0)


def test_evaluate_meetings_multiparty_gives_every_pair(tmp_path):
    r = Run()
    r.doc("d1")
    _people(r, "d1")
    r.meeting("d1", 10, ["person:anna", "person:olaf"])
    gold = {"d1": _gold_doc(persons=[ANNA, OLAF, MIRA], meetings=[_meeting([ANNA, OLAF, MIRA])])}
    m = evaluate(r.write(tmp_path), gold)["overall"]["meetings"]
    assert (m["tp"], m["fp"], m["fn"]) == (1, 0, 2)


def test_evaluate_meetings_negative_fired_and_non_person(tmp_path):
    r = Run()
    r.doc("d1")
    _people(r, "d1")
    r.ent("country:nordia", "country", "Nordia")
    r.mention("d1", "country:nordia", "Nordia")
    r.meeting("d1", 10, ["person:anna", "person:mira"], evidence="Berg will meet Sato next week.")
    r.meeting("d1", 60, ["person:anna", "country:nordia"])
    gold = {"d1": _gold_doc(persons=[ANNA, MIRA], countries=[NORDIA], non_meetings=[
        {"participants": [ANNA, MIRA], "why": "future/planned", "evidence": "Berg will meet Sato next week."}])}  # fmt: skip
    result = evaluate(r.write(tmp_path), gold)
    m = result["overall"]["meetings"]
    assert (m["tp"], m["fp"], m["fn"]) == (0, 2, 0)
    assert (m["negatives_fired"], m["negatives"]) == (1, 1)
    areas = {(e.area, e.error) for e in result["errors"]}
    assert ("negatives", "fired") in areas and ("meetings", "false") in areas


@pytest.mark.parametrize(
    ("system", "gold", "rng", "ok"),
    [
        ("2024-03-05", "2024-03-05", None, True),
        ("2024-03-05", "2024-03", None, True),  # more precise than the gold: right at its precision
        ("2024-03", "2024-03-05", None, False),  # less precise: wrong
        ("2024-03-04", "2024-03-05", None, False),
        ("2024-03-07", "2024-03", ["2024-03-06", "2024-03-08"], True),  # inside the range
        ("2024-03-09", "2024-03", ["2024-03-06", "2024-03-08"], True),  # the gold's month still
        ("2024-04-01", "2024-04", ["2024-03-30", "2024-04-02"], True),
        ("2024-03", "2024-04", ["2024-03-30", "2024-04-02"], True),  # a month inside the range
        ("2024", "2024-04", ["2024-03-30", "2024-04-02"], False),  # a year never is
        ("", "2024-04-02", None, False),
        ("", None, None, True),
        ("2024-04-02", None, None, False),
    ],
)
def test_evaluate_date_rule(system, gold, rng, ok):
    assert _date_ok(system, {"date": gold, "date_range": rng}) is ok


@pytest.mark.parametrize(
    ("system", "gold", "ok"),
    [
        ("Beijing", ["Beijing", "北京"], True),
        ("the Great Hall of the People in Beijing", ["Beijing", "北京"], True),  # contains the gold place
        ("人民大会堂", ["Beijing", "北京"], False),
        ("北京人民大会堂", ["Beijing", "北京"], True),
        ("Beijingers' Hall", ["Beijing"], False),  # a whole word, not a prefix
        ("", ["Beijing"], False),
        ("", ["Beijing", {"optional": True}], True),  # optional: leaving it empty is right
        ("Paris", ["Beijing", {"optional": True}], False),
        ("", None, True),
        ("Paris", None, False),
    ],
)
def test_evaluate_place_rule(system, gold, ok):
    assert _place_ok(system, gold) is ok


def test_evaluate_entities_split_optional_and_type(tmp_path):
    r = Run()
    r.doc("d1")
    r.ent("person:anna", "person", "Anna Berg")
    r.ent("person:berg", "person", "Berg")  # the same person under a second id: listed as split, not a false positive
    r.ent("person:sudland", "person", "Sudland")  # a country typed as a person
    r.ent("person:mira", "person", "Mira Sato")  # optional person
    r.ent("country:nordia", "country", "Nordia")
    for eid, text in (("person:anna", "Anna Berg"), ("person:berg", "Berg"), ("person:sudland", "Sudland"),
                      ("person:mira", "Mira Sato"), ("country:nordia", "Nordia")):  # fmt: skip
        r.mention("d1", eid, text)
    gold = {"d1": _gold_doc(persons=[ANNA, OLAF], persons_optional=[MIRA], countries=[NORDIA, SUDLAND])}
    result = evaluate(r.write(tmp_path), gold)
    e = result["overall"]["entities"]
    assert (e["persons"]["tp"], e["persons"]["fp"], e["persons"]["fn"]) == (1, 1, 1)
    assert (e["countries"]["tp"], e["countries"]["fp"], e["countries"]["fn"]) == (1, 0, 1)
    kinds = {(x.area, x.error, x.system.split(" (")[0] or x.gold) for x in result["errors"]}
    assert {("persons", "split", "Berg"), ("persons", "false", "Sudland"), ("persons", "missed", "Olaf Lind")} <= kinds


def test_evaluate_one_id_per_person_across_languages(tmp_path):
    r = Run()
    r.doc("en1")
    r.doc("zh1", "zh", "simplified")
    r.doc("zh2", "zh", "traditional")
    r.ent("person:anna", "person", "Anna Berg", "安娜·贝格")
    r.ent("person:an-na-bei-ge", "person", "An Na Bei Ge")
    r.ent("person:olaf", "person", "Olaf Lind", "奥拉夫·林德")
    r.mention("en1", "person:anna", "Anna Berg")
    r.mention("zh1", "person:anna", "安娜·贝格")
    r.mention("zh2", "person:an-na-bei-ge", "安娜•貝格")  # other interpunct, other script: gold lists it
    r.mention("en1", "person:olaf", "Lind")
    r.mention("zh1", "person:olaf", "奥拉夫·林德")
    anna_tw = [*ANNA, "安娜·貝格"]
    gold = {"en1": _gold_doc(persons=[ANNA, OLAF]), "zh1": _gold_doc("zh", "simplified", persons=[ANNA, OLAF]),
            "zh2": _gold_doc("zh", "traditional", persons=[anna_tw])}  # fmt: skip
    result = evaluate(r.write(tmp_path), gold)
    one = result["overall"]["persons_one_id"]
    assert (one["one_id"], one["persons"], one["rate"]) == (1, 2, 0.5)
    assert result["persons_split_across_ids"] == 1
    assert result["by_script"]["traditional"]["entities"]["persons"]["tp"] == 1


def test_evaluate_splits_by_language_and_script(tmp_path):
    r = Run()
    for d, lang, script in (("en1", "en", "latin"), ("zh1", "zh", "simplified"), ("zh2", "zh", "traditional")):
        r.doc(d, lang, script)
        r.topic(d, "trade")
    gold = {"en1": _gold_doc(topics=["trade"]), "zh1": _gold_doc("zh", "simplified", topics=["energy"]),
            "zh2": _gold_doc("zh", "traditional", topics=["trade"], topics_optional=[])}  # fmt: skip
    result = evaluate(r.write(tmp_path), gold)
    assert result["overall"]["topics"]["f1"] == pytest.approx(0.6667)
    assert result["by_lang"]["en"]["topics"]["f1"] == 1.0
    assert result["by_lang"]["zh"]["topics"]["tp"] == 1
    assert result["by_script"]["simplified"]["topics"]["f1"] == 0.0
    assert result["by_script"]["traditional"]["topics"]["f1"] == 1.0
    assert result["by_lang"]["zh"]["documents"] == 2
    table = render_markdown(result)
    assert "| topics P / R / F1 | 0.67 / 0.67 / 0.67 | 1.00 / 1.00 / 1.00 |" in table


def test_evaluate_affiliations_precision_counts_every_row(tmp_path):
    r = Run()
    r.doc("d1")
    _people(r, "d1")
    for cid, name in (("country:nordia", "Nordia"), ("country:sudland", "Sudland")):
        r.ent(cid, "country", name)
        r.mention("d1", cid, name)
    r.affiliation("d1", "person:anna", "country:nordia")  # right
    r.affiliation("d1", "person:olaf", "country:nordia")  # wrong country
    gold = {"d1": _gold_doc(persons=[ANNA, OLAF], countries=[NORDIA, SUDLAND],
                            affiliations=[["Anna Berg", "Nordia"], ["Olaf Lind", "Sudland"]])}  # fmt: skip
    result = evaluate(r.write(tmp_path), gold)
    a = result["overall"]["affiliations"]
    assert (a["tp"], a["fp"], a["fn"]) == (1, 1, 1)
    md = render_errors_markdown(result["errors"])
    assert "affiliations missed" in md and "Olaf Lind → Sudland" in md


def test_evaluate_gold_derived_output_scores_one(tmp_path):
    """A run that says exactly what the gold says scores 1.0 everywhere."""
    r = Run()
    r.doc("d1")
    _people(r, "d1")
    r.ent("country:nordia", "country", "Nordia")
    r.mention("d1", "country:nordia", "Nordia")
    r.meeting("d1", 10, ["person:anna", "person:olaf", "person:mira"], date="2024-03-05", place="Oslo City Hall")
    r.affiliation("d1", "person:anna", "country:nordia")
    r.topic("d1", "trade")
    gold = {"d1": _gold_doc(persons=[ANNA, OLAF, MIRA], countries=[NORDIA], meetings=[_meeting([ANNA, OLAF, MIRA])],
                            affiliations=[["Anna Berg", "Nordia"]], topics=["trade"])}  # fmt: skip
    o = evaluate(r.write(tmp_path), gold)["overall"]
    assert o["meetings"]["f1"] == o["topics"]["f1"] == o["affiliations"]["f1"] == 1.0
    assert o["meetings"]["date_accuracy"] == o["meetings"]["place_accuracy"] == 1.0
    assert all(v["f1"] == 1.0 for v in o["entities"].values())
    json.dumps(o)  # the summary is JSON as it is


def test_evaluate_affiliation_through_an_organization_naming_the_country(tmp_path):
    r = Run()
    r.doc("d1")
    _people(r, "d1")
    r.ent("organization:nordia-fm", "organization", "Nordia Foreign Ministry")
    r.ent("organization:un", "organization", "United Nations")
    r.ent("person:junk", "person", "Meets Nordia")
    for eid, text in (("organization:nordia-fm", "Nordia Foreign Ministry"), ("organization:un", "United Nations"),
                      ("person:junk", "Meets Nordia")):  # fmt: skip
        r.mention("d1", eid, text)
    r.affiliation("d1", "person:anna", "organization:nordia-fm")  # states Nordia
    r.affiliation("d1", "person:olaf", "organization:un")  # names no country: states none
    r.affiliation("d1", "person:junk", "organization:nordia-fm")  # not a person of the gold: counted under persons
    gold = {"d1": _gold_doc(persons=[ANNA, OLAF], countries=[NORDIA], affiliations=[["Anna Berg", "Nordia"]])}
    a = evaluate(r.write(tmp_path), gold)["overall"]["affiliations"]
    assert (a["tp"], a["fp"], a["fn"]) == (1, 0, 0)


def test_evaluate_one_row_fires_one_negative(tmp_path):
    r = Run()
    r.doc("d1")
    _people(r, "d1")
    call = "Berg and Lind spoke by phone ahead of their meeting tomorrow."
    r.meeting("d1", 10, ["person:anna", "person:olaf"], evidence=call)
    gold = {"d1": _gold_doc(persons=[ANNA, OLAF], non_meetings=[
        {"participants": [ANNA, OLAF], "why": "phone call", "evidence": call},
        {"participants": [ANNA, OLAF], "why": "future/planned", "evidence": call}])}  # fmt: skip
    m = evaluate(r.write(tmp_path), gold)["overall"]["meetings"]
    assert (m["fp"], m["negatives_fired"], m["negatives"]) == (1, 1, 2)


@pytest.mark.shared
def test_evaluate_reads_the_dev_gold_against_an_empty_run(tmp_path, root):
    """The development set's gold, in full, against a run that found nothing: every gold
    item is missed, nothing crashes, every document is listed."""
    path = root.parent / "shared" / "dev" / "gold.json"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    gold = json.loads(path.read_text(encoding="utf-8"))
    result = evaluate(Run().write(tmp_path), gold)
    o = result["overall"]
    assert o["documents"] == len([k for k in gold if not k.startswith("_")])
    assert o["meetings"]["tp"] == o["meetings"]["fp"] == 0 and o["meetings"]["fn"] > 0
    assert o["entities"]["persons"]["recall"] == 0.0
    assert sum(s["documents"] for s in result["by_script"].values()) == o["documents"]
    assert {e.doc_id for e in result["errors"] if e.area == "documents"} == set(result["per_doc"])
