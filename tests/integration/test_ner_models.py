"""Integration tier: the real models on a few sentences per language."""

from __future__ import annotations

import pytest

from pipeline.ner import SpacyBackend, StanzaBackend, prepare_text
from pipeline.params import load_section

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def ner_params(root):
    return load_section(root / "params.yaml", "ner")


@pytest.fixture(scope="module")
def stanza_backend(ner_params):
    return StanzaBackend(ner_params)


@pytest.fixture(scope="module")
def spacy_backend(ner_params):
    return SpacyBackend(ner_params)


def _annotate(backend, text, *, chinese=False):
    doc = {"doc_id": "t", "text": text, "body_start": 0, "skip_spans": []}
    return backend.annotate([prepare_text(doc, chinese=chinese)])[0]


def test_ner_stanza_model_finds_leader_country_and_organization(stanza_backend):
    text = "国家主席习近平在北京会见蒙古国总统，双方同意加强在上海合作组织框架内的合作。"
    ann = _annotate(stanza_backend, text, chinese=True)
    found = {(m["text"], m["ner_label"]) for m in ann.mentions}
    assert ("习近平", "PER") in found
    assert ("蒙古国", "LOC") in found
    assert ("上海合作组织", "ORG") in found
    for m in ann.mentions:
        assert text[m["start"] : m["end"]] == m["text"]


def test_ner_stanza_traditional_script_offsets_point_into_original(stanza_backend):
    text = "中國國家主席習近平在北京會見蒙古國總統，雙方同意加強上海合作組織框架內的合作。"
    ann = _annotate(stanza_backend, text, chinese=True)
    surfaces = {m["text"] for m in ann.mentions}
    assert "習近平" in surfaces  # the traditional surface, not the simplified one the model saw
    for m in ann.mentions:
        assert text[m["start"] : m["end"]] == m["text"]


def test_ner_stanza_full_width_input_maps_back(stanza_backend):
    text = "　　新华社北京１１月２８日电　国家主席习近平２８日在人民大会堂会见蒙古国总统。"
    ann = _annotate(stanza_backend, text, chinese=True)
    assert ann.mentions, "no mention found"
    for m in ann.mentions:
        assert text[m["start"] : m["end"]] == m["text"]
    for s, e in ann.sentences:
        assert 0 <= s < e <= len(text)


def test_ner_stanza_long_unpunctuated_line_is_capped(stanza_backend, ner_params):
    text = "习近平会见蒙古国总统" * 60  # 600 characters, no punctuation
    ann = _annotate(stanza_backend, text, chinese=True)
    assert all(e - s <= ner_params.zh_max_sentence_chars for s, e in ann.sentences)
    assert any(m["text"] == "习近平" for m in ann.mentions)


def test_ner_stanza_names_listed_with_spaces_are_separate_persons(stanza_backend):
    text = "出席会议的有李鹏　乔石　朱镕基　李瑞环等。"
    ann = _annotate(stanza_backend, text, chinese=True)
    persons = [m["text"] for m in ann.mentions if m["ner_label"] == "PER"]
    assert {"李鹏", "乔石", "朱镕基", "李瑞环"} <= set(persons)
    assert all("　" not in p for p in persons)


def test_ner_spacy_finds_people_places_and_organizations(spacy_backend):
    text = (
        "BEIJING, May 14 (Xinhua) -- Chinese President Xi Jinping met with Mongolian President "
        "Ukhnaa Khurelsukh in Beijing on Wednesday.\nThe two sides discussed the Shanghai Cooperation Organization."
    )
    ann = _annotate(spacy_backend, text)
    by_text = {m["text"]: m["ner_label"] for m in ann.mentions}
    assert by_text.get("Xi Jinping") == "PERSON"
    assert by_text.get("Beijing") == "GPE"
    assert len(ann.sentences) >= 2
    for m in ann.mentions:
        assert text[m["start"] : m["end"]] == m["text"]


def test_ner_spacy_runs_senter_not_parser_and_finds_noun_phrases(spacy_backend):
    # the stages need sentences and part of speech, not a dependency parse
    assert "senter" in spacy_backend.nlp.pipe_names
    assert "parser" not in spacy_backend.nlp.pipe_names
    text = (
        "China's 15th Five-Year Plan promotes economic and social development.\n"
        "- Boosting cross-border connectivity in the Altai sub-region supports mutually beneficial trade."
    )
    ann = _annotate(spacy_backend, text)
    phrases = {text[a:b] for a, b in ann.phrases}
    assert "China's 15th Five-Year Plan" in phrases
    assert "economic and social development" in phrases
    assert "Altai sub-region" in phrases
    assert "mutually beneficial trade" in phrases
    # the list bullet is not part of the sentence
    assert any(text[a:b].startswith("Boosting") for a, b in ann.sentences)


def test_ner_spacy_replays_the_attribute_rulers_part_of_speech(spacy_backend, ner_params):
    # the ruler is removed for speed; its rules, replayed on the tags, give the same POS
    import spacy

    assert "attribute_ruler" not in spacy_backend.nlp.pipe_names
    full = spacy.load(ner_params.spacy_model, exclude=["parser", "lemmatizer"])
    full.enable_pipe("senter")
    text = (
        "Something happened when anyone asked the Foreign Minister about China's 15th Five-Year Plan, "
        "but I said that the talks in Beijing were constructive and mutually beneficial."
    )
    doc = full(text)
    rules = spacy_backend.pos_rules
    replayed = [rules.get((t.tag_, t.lower_)) or rules.get((t.tag_, ""), "") for t in doc]
    assert replayed == [t.pos_ for t in doc]
    assert "PRON" in replayed[:1]  # "Something"/NN is a pronoun by the ruler's word exceptions


def test_ner_stanza_voters_are_shipped_and_decode_together(stanza_backend, ner_params):
    """The shipped ensemble: the main model and its two voters (one of them fed bigram tokens)
    score each sentence; the mentions are decoded from the sum of their scores. "vote" keeps
    the spans that most of the models tag on their own instead."""
    import dataclasses

    from pipeline.ner.chinese import majority_spans, tags_to_spans

    assert len(stanza_backend.voters) == 2
    assert [v.known is not None for v in stanza_backend.voters] == [False, True]  # K: characters; N: bigrams
    assert stanza_backend.ensemble == "sum"
    text = "外交部发言人华春莹主持例行记者会，介绍东盟地区论坛外长会的情况。"
    chars = [c for c in text if not c.isspace()]
    summed = tags_to_spans(stanza_backend.tag_together([chars])[0])
    ann = _annotate(stanza_backend, text, chinese=True)
    assert sorted((m["start"], m["end"], m["ner_label"]) for m in ann.mentions) == summed
    assert ("华春莹", "PER") in {(m["text"], m["ner_label"]) for m in ann.mentions}

    tagged = stanza_backend.tag_balanced([chars])
    assert len(tagged) == 3 and all(len(t[0]) == len(chars) for t in tagged)
    voted = majority_spans([tags_to_spans(t[0]) for t in tagged])
    voting = StanzaBackend(dataclasses.replace(ner_params, zh_ensemble="vote"))
    ann = _annotate(voting, text, chinese=True)
    assert sorted((m["start"], m["end"], m["ner_label"]) for m in ann.mentions) == voted


def test_ner_stanza_summed_scores_of_one_model_are_its_own_tags(stanza_backend):
    """The scores read off the model, decoded alone, give back Stanza's own tags: the same
    batches, the same columns, the same order of sentences (batches sort them by length)."""
    sentences = [
        "国家主席习近平在北京会见蒙古国总统呼日勒苏赫。",
        "据新华社报道，",
        "联合国秘书长古特雷斯与欧盟委员会主席冯德莱恩在布鲁塞尔举行会谈，双方讨论了乌克兰局势和气候变化问题。",
        "中",
    ]
    from pipeline.ner.chinese import summed_tags

    chars = [list(s) for s in sentences]
    for model in (stanza_backend, *stanza_backend.voters):
        tags = model.tags()
        scores, transitions = model.crf_scores(chars, tags)
        assert [len(s) for s in scores] == [len(c) for c in chars]
        assert transitions.shape == (len(tags), len(tags))
        assert [summed_tags([s], [transitions], tags) for s in scores] == model.tag_sentences(chars)[0]


def test_ner_stanza_ensemble_setting_is_checked(ner_params, monkeypatch):
    import dataclasses

    with pytest.raises(RuntimeError, match="zh_ensemble"):
        StanzaBackend(dataclasses.replace(ner_params, zh_voters=(), zh_ensemble="mean"))
    # voters with other tags than the main model's cannot be summed: a clear error at load
    real = StanzaBackend.tags
    monkeypatch.setattr(StanzaBackend, "tags", lambda self: real(self) if self.voters else ["O", "B-MISC"])
    with pytest.raises(RuntimeError, match="differ from the main model"):
        StanzaBackend(ner_params)


def test_ner_stanza_names_never_hold_half_a_bracket_pair(stanza_backend, ner_params):
    """Book-title marks and quotes are everywhere in Chinese news; a name may hold a whole
    pair but never half of one. Without the rule the models join 台湾 to the newspaper."""
    import dataclasses

    from pipeline.ner.chinese import unmatched_brackets

    text = "据台湾《联合报》报导，国民党主席朱立伦今天在台北表示，两岸应恢复对话。美国《纽约时报》报道，白宫表示欢迎。"

    def mentions(backend):
        return {(m["text"], m["ner_label"]) for m in _annotate(backend, text, chinese=True).mentions}

    loose = mentions(StanzaBackend(dataclasses.replace(ner_params, zh_balanced_brackets=False)))
    assert any(unmatched_brackets(t, 0, len(t)) for t, _ in loose)  # what the rule is for
    one_model = StanzaBackend(dataclasses.replace(ner_params, zh_voters=()))
    voting = StanzaBackend(dataclasses.replace(ner_params, zh_ensemble="vote"))
    for backend in (stanza_backend, one_model, voting):
        found = mentions(backend)
        assert not [t for t, _ in found if unmatched_brackets(t, 0, len(t))]
        assert ("朱立伦", "PER") in found
    found = mentions(stanza_backend)
    assert ("联合报", "ORG") in found and ("纽约时报", "ORG") in found
