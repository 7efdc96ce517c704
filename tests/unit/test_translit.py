"""The consonant skeletons of pipeline.translit and the run-level joins of link.corpus_remap
(names invented or of no particular person)."""

import pytest

from pipeline import link, translit


@pytest.mark.parametrize(
    ("zh", "en"),
    [
        ("布兰肯", "Branken"),
        ("米歇尔", "Michel"),
        ("扎帕罗夫", "Zaparov"),
        ("卢比欧", "Lubio"),
        ("克里", "Kerry"),
        ("朗伊", "Lange"),
        ("阿利耶夫", "Aliyev"),
        ("斯特兰森", "Stranson"),
    ],
)
def test_translit_skeletons_meet(zh, en):
    assert translit.close(translit.pinyin_skeleton(zh), translit.latin_skeleton(en))


@pytest.mark.parametrize(
    ("zh", "en"),
    [("布兰肯", "Morales"), ("米歇尔", "Dupont"), ("扎帕罗夫", "Petrov"), ("斯特兰森", "Kowalski")],
)
def test_translit_skeletons_differ(zh, en):
    assert not translit.close(translit.pinyin_skeleton(zh), translit.latin_skeleton(en))


def test_translit_latin_spellings_fold():
    assert translit.latin_skeleton("Zhaparov") == translit.latin_skeleton("Japarov")
    assert translit.latin_skeleton("Byung-se") == translit.latin_skeleton("Byun-se")
    assert translit.latin_skeleton("Ćosić") == translit.latin_skeleton("Cosic")


def test_translit_deletion_keys_block_one_edit():
    a, b = "PLNKN", "PLKN"
    assert translit.deletion_keys(a) & translit.deletion_keys(b)
    assert translit.close("PLNKN", "PLNKT") and not translit.close("LP", "LT")


def _person(name, zh="", aliases=None, country=""):
    return {"type": "person", "name": name, "name_en": "" if zh and name == zh else name, "name_zh": zh,
            "country": country, "aliases": set(aliases if aliases is not None else [name])}  # fmt: skip


def _remap(ents, cooc, known=(), n_docs=None, total=20):
    n_docs = n_docs or {e: 1 for e in {x for v in cooc.values() for x in v} | set(ents)}
    return link.corpus_remap(ents, cooc, n_docs, set(known), total)[0]


def test_corpus_remap_translit_joins_english_name():
    ents = {
        "person:tomas-branken": _person("Tomas Branken", country="country:ruritania"),
        "person:布兰肯": _person("布兰肯", zh="布兰肯"),
        "person:ana-morales": _person("Ana Morales"),
        "country:ruritania": {"type": "country", "name": "Ruritania", "aliases": set()},
    }
    cooc = {"person:布兰肯": {"country:ruritania"}, "person:tomas-branken": set(), "person:ana-morales": set()}
    assert _remap(ents, cooc, known={"person:tomas-branken"}) == {"person:布兰肯": "person:tomas-branken"}


def test_corpus_remap_short_skeleton_needs_evidence():
    ents = {"person:lena-lubio": _person("Lena Lubio"), "person:卢比欧": _person("卢比欧", zh="卢比欧")}
    assert _remap(ents, {}) == {}
    cooc = {"person:lena-lubio": {"person:karl-weiss"}, "person:卢比欧": {"person:karl-weiss"}}
    assert _remap(ents, cooc) == {"person:卢比欧": "person:lena-lubio"}
    # a hub named in most documents is no evidence
    assert _remap(ents, cooc, n_docs={"person:karl-weiss": 15}) == {}


def test_corpus_remap_two_candidates_join_neither():
    ents = {
        "person:tomas-branken": _person("Tomas Branken"),
        "person:olga-branken": _person("Olga Branken"),
        "person:布兰肯": _person("布兰肯", zh="布兰肯"),
    }
    cooc = {e: {"country:ruritania"} for e in ents}
    assert _remap(ents, cooc) == {}


def test_corpus_remap_chinese_name_stays_pinyin():
    ents = {"person:li-ming": _person("李明", zh="李明"), "person:lim-ing": _person("Lim Ing")}
    assert _remap(ents, {e: {"person:x"} for e in ents}) == {}


def test_corpus_remap_zh_surname_form():
    ents = {"person:彼得·朗森": _person("彼得·朗森", zh="彼得·朗森"), "person:朗森": _person("朗森", zh="朗森")}
    assert _remap(ents, {}) == {"person:朗森": "person:彼得·朗森"}


def test_corpus_remap_latin_spelling_and_surname_need_evidence():
    ents = {
        "person:aibek-zhanarov": _person("Aibek Zhanarov"),
        "person:aibekbek-janarov": _person("Aibekbek Janarov"),
        "person:joan-kerrow": _person("Joan Kerrow"),
        "person:kerrow": _person("Kerrow"),
    }
    assert _remap(ents, {}) == {}
    cooc = {e: {"country:ruritania"} for e in ents}
    # a shared country vouches for two spellings, but a surname alone needs a rare person
    # named with both (a country is too common a companion for a surname)
    assert _remap(ents, cooc) == {"person:aibekbek-janarov": "person:aibek-zhanarov"}
    cooc = {e: {"country:ruritania", "person:ola-brandt"} for e in ents}
    assert _remap(ents, cooc) == {
        "person:aibekbek-janarov": "person:aibek-zhanarov",
        "person:kerrow": "person:joan-kerrow",
    }


def test_corpus_remap_refuses_what_is_no_name_variant():
    """A given name alone is anyone's; a name is no variant of a longer one that goes on
    past it; a garbled name joins nothing; single words of six letters are too alike."""
    cooc_all = {"person:ola-brandt"}
    ents = {
        "person:james-dean": _person("James Dean"),
        "person:james-dean-morrow": _person("James Dean Morrow"),
        "person:david": _person("David"),
        "person:craig-david": _person("Craig David"),
        "person:david-hale": _person("David Hale"),
        "person:files": _person("Files"),
        "person:wales": _person("Wales"),
        "person:alan-wass-the": _person("Alan Wass - the"),
        "person:alan-wass": _person("Alan Wass"),
    }
    cooc = {e: set(cooc_all) for e in ents}
    assert _remap(ents, cooc) == {}
    # a descriptor the model ran on before a name: the plain name is kept
    ents = {"person:rapper-kai-west": _person("Rapper Kai West"), "person:kai-west": _person("Kai West")}
    assert _remap(ents, {e: set(cooc_all) for e in ents}) == {"person:rapper-kai-west": "person:kai-west"}


def test_corpus_remap_never_joins_two_known_persons():
    ents = {"person:aibek-zhanarov": _person("Aibek Zhanarov"), "person:aibek-janarov": _person("Aibek Janarov")}
    cooc = {e: {"country:ruritania"} for e in ents}
    assert _remap(ents, cooc, known=set(ents)) == {}


def test_remap_record_moves_mentions_and_aliases():
    rec = {"mentions": [{"entity_id": "person:朗森"}, {"entity_id": "country:x"}],
           "entities": {"person:朗森": {"type": "person", "aliases": ["朗森"]}, "country:x": {"aliases": ["X"]}}}  # fmt: skip
    out = link.remap_record(rec, {"person:朗森": "person:peter-lanson"})
    assert [m["entity_id"] for m in out["mentions"]] == ["person:peter-lanson", "country:x"]
    assert set(out["entities"]) == {"person:peter-lanson", "country:x"}


def test_translit_measure_on_the_knowledge_base():
    """The matcher on the KB's own persons, each Chinese name against every English name
    (docs/linking.md gives the figures): with the person's country as the run's evidence,
    at most 3 in 100 unique answers wrong; the spelling rule calls no two KB persons one."""
    from pathlib import Path

    from pipeline.kb import KnowledgeBase

    kb = KnowledgeBase.load(Path(__file__).parents[2] / "models" / "kb" / "entities.jsonl")
    persons = [(e.entity_id, link.name_tokens(e.en), "" if link.pinyin_name(e.zh) else e.zh, e.country)
               for e in kb.entities.values() if e.type == "person" and e.en]  # fmt: skip
    c = translit.measure(persons, link._spelling_variant)
    assert c["country_right"] >= 200
    assert c["country_wrong"] <= 0.03 * (c["country_right"] + c["country_wrong"])
    assert c["spelling_false"] == 0


def test_link_zh_surname_joins_the_full_name_in_a_document():
    ents = {
        "person:彼得·朗森": {"type": "person", "name_zh": "彼得·朗森", "aliases": ["彼得·朗森"]},
        "person:朗森": {"type": "person", "name_zh": "朗森", "aliases": ["朗森"]},
        "person:李明": {"type": "person", "name_zh": "李明", "aliases": ["李明"]},
    }
    mentions = [{"entity_id": "person:朗森"}, {"entity_id": "person:李明"}]
    link._join_zh_surnames(mentions, ents, set())
    assert [m["entity_id"] for m in mentions] == ["person:彼得·朗森", "person:李明"]
    assert ents["person:彼得·朗森"]["aliases"] == ["彼得·朗森", "朗森"]


def test_corpus_remap_variant_of_a_fuller_name_needs_evidence():
    ents = {
        "person:oleg-dronov": _person("Oleg Dronov"),
        "person:oleg-petrovich-dronov": _person("Oleg Petrovich Dronov"),
    }
    assert _remap(ents, {}) == {}
    cooc = {e: {"person:karl-weiss"} for e in ents}
    assert _remap(ents, cooc) == {"person:oleg-dronov": "person:oleg-petrovich-dronov"}


def test_entity_aggregator_a_known_organization_names_its_country():
    agg = link.EntityAggregator()
    agg.add({
        "entities": {
            "person:kerrow": {"type": "person", "name": "Kerrow", "name_en": "Kerrow", "name_zh": "", "kb_id": "",
                              "country": "", "aliases": ["Kerrow"]},
            "organization:ruritanian-foreign-office": {"type": "organization", "name": "Ruritanian Foreign Office",
                                                       "name_en": "", "name_zh": "", "kb_id": "",
                                                       "country": "country:ruritania", "aliases": []},
        },
        "mentions": [{"entity_id": "person:kerrow"}, {"entity_id": "organization:ruritanian-foreign-office"}],
    })  # fmt: skip
    assert agg.cooc["person:kerrow"] == {"country:ruritania"}
