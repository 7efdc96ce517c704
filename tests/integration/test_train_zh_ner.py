"""Smoke test of the Chinese NER training command on a tiny slice of the shared corpora."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
import torch

from pipeline.ner import StanzaBackend, prepare_text
from pipeline.params import NerParams
from pipeline.training import train_zh_ner
from pipeline.training import zh_ner_data as zd

pytestmark = [pytest.mark.shared, pytest.mark.slow]


@pytest.mark.parametrize("bigram_dim", [0, 8])
def test_train_zh_ner_few_steps_produce_a_loadable_model(shared_data, tmp_path, root, bigram_dim):
    work, out = tmp_path / "work", tmp_path / "models" / "zh"
    counts = train_zh_ner.prepare(shared_data / "zh-ner", work, use_cluener=False, augment_rate=0.5,
                                  kb_path=root / "models/kb/entities.jsonl", max_sentences=200,
                                  list_rate=0.0 if bigram_dim else 0.5)  # fmt: skip
    assert counts["train"] >= 200 and counts["dev"] >= 1
    assert (counts["train_name_lists"] > 0) == (not bigram_dim)
    train_zh_ner.train_vectors(shared_data / "zh-ner", work, dim=16, epochs=1, max_sentences=300,
                               bigram_dim=bigram_dim)  # fmt: skip
    train_zh_ner.train(work, steps=4, finetune=False, lr=0.002, optim="adam", threads=1, eval_interval=2)
    assert (work / "train_bigrams.json").exists() == (bigram_dim > 0)  # told by the vectors in the work folder
    assert not (work / "train_lac.json").exists()
    if bigram_dim:  # the bigram files: one token per character, some spelt as bigrams
        chars = json.loads((work / "train.json").read_text("utf-8"))
        bigrams = json.loads((work / "train_bigrams.json").read_text("utf-8"))
        assert [len(s) for s in chars] == [len(s) for s in bigrams]
        assert any(len(t["text"]) == 2 for s in bigrams for t in s)
    else:  # a continued chunk restarts at the learning rate it is given, not the first run's
        train_zh_ner.train(work, steps=2, finetune=True, lr=0.0005, optim="adam", threads=1, eval_interval=1)
        config = torch.load(work / train_zh_ner.MODEL_NAME, map_location="cpu", weights_only=True)["config"]
        assert config["lr"] == 0.0005
    _randomize_delta(work / train_zh_ner.MODEL_NAME)  # four steps leave it near zero: make folding show
    train_zh_ner.install(work, out)
    assert (out.parent / "resources.json").exists()
    assert train_zh_ner.has_bigram_keys(out / train_zh_ner.PRETRAIN_NAME) == (bigram_dim > 0)
    # install folds the learned correction into the vectors: the same tags as the work model
    (work / "resources.json").write_text((out.parent / "resources.json").read_text("utf-8"), "utf-8")
    sents = [s for name in ("dev", "train") for s in json.loads((work / f"{name}.json").read_text("utf-8"))[:40]]
    chars = [[t["text"] for t in s] for s in sents] + [list("鑫犇龘囧是未见过的字"), list("ＡＢＣ和abc")]
    tags = _tags(work, work, chars, bigram_dim)
    assert len({t for s in tags for t in s}) > 3  # the tags vary with the tokens
    assert _tags(out.parent, out, chars, bigram_dim) == tags
    half = tmp_path / "models" / "half"  # float16 vectors load as they are
    train_zh_ner.install(work, half, half_vectors=True)
    emb = torch.load(half / train_zh_ner.PRETRAIN_NAME, map_location="cpu", weights_only=True)["emb"]
    assert emb.dtype == torch.float16
    assert [len(s) for s in _tags(out.parent, half, chars, bigram_dim)] == [len(s) for s in chars]
    if not bigram_dim:  # CLUENER sentences whose places come from the model in the work folder
        counts = train_zh_ner.prepare(shared_data / "zh-ner", work, use_cluener=False, augment_rate=0.0,
                                      kb_path=root / "models/kb/entities.jsonl", max_sentences=20,
                                      cluener_silver="name", stanza_dir=out.parent)  # fmt: skip
        assert counts["cluener_silver"] and counts["train"] > 20
    params = NerParams(
        stanza_dir=str(out.parent),
        stanza_ner_model=str(out / train_zh_ner.MODEL_NAME),
        stanza_pretrain=str(out / train_zh_ner.PRETRAIN_NAME),
        zh_bigram_tokens=bigram_dim > 0,
        zh_voters=(),
    )
    backend = StanzaBackend(params)
    doc = {"doc_id": "t", "text": "习近平会见蒙古国总统。", "body_start": 0, "skip_spans": []}
    ann = backend.annotate([prepare_text(doc, chinese=True)])[0]
    assert ann.sentences == [[0, 11]]  # a four-step model finds little, but it loads and runs


def _randomize_delta(model: Path) -> None:
    """Large random delta rows and tag weights, so that each token's vector shows in the tags."""
    import torch

    ckpt = torch.load(model, map_location="cpu", weights_only=True)
    gen = torch.Generator().manual_seed(0)
    for key, scale in (("delta_emb.weight", 3.0), ("tag_clfs.0.weight", 30.0)):
        ckpt["model"][key] = torch.randn(ckpt["model"][key].shape, generator=gen) * scale
    ckpt["model"]["delta_emb.weight"][0] = 0  # the padding row
    torch.save(ckpt, model)


def _tags(stanza_dir: Path, folder: Path, sents: list[list[str]], bigram_dim: int) -> list[list[str]]:
    backend = StanzaBackend(NerParams(
        stanza_dir=str(stanza_dir),
        stanza_ner_model=str(folder / train_zh_ner.MODEL_NAME),
        stanza_pretrain=str(folder / train_zh_ner.PRETRAIN_NAME),
        zh_bigram_tokens=bigram_dim > 0,
        zh_voters=(),
    ))  # fmt: skip
    doc = backend.nlp(backend.model_tokens(sents))
    return [[t.ner for t in s.tokens] for s in doc.sentences]


def test_train_zh_ner_seed_draws_other_training_copies_on_the_same_dev_split(shared_data, tmp_path, root):
    """``--seed`` gives a model for the ensemble other copies to learn from, while every
    model is still picked on the same dev split."""
    files = {}
    for seed in (None, 29):
        work = tmp_path / f"work{seed}"
        counts = train_zh_ner.prepare(shared_data / "zh-ner", work, use_cluener=False, augment_rate=0.5,
                                      kb_path=root / "models/kb/entities.jsonl", max_sentences=200, list_rate=0.5,
                                      augment_seed=seed)  # fmt: skip
        assert counts["augment_seed"] == (13 if seed is None else seed)
        files[seed] = {name: (work / f"{name}.json").read_text("utf-8") for name in ("train", "dev")}
    assert files[None]["dev"] == files[29]["dev"]
    assert files[None]["train"] != files[29]["train"]


def test_train_zh_ner_sources_keep_one_corpus_and_its_copies_as_drawn_without_it(shared_data, tmp_path, root):
    """``--sources msra_train`` keeps the MSRA sentences of the splits drawn from every
    corpus (and their copies), so a model continued on them never meets its dev sentences."""
    import unicodedata

    def docs(sources):
        work = tmp_path / ("work" + "_".join(sources))
        counts = train_zh_ner.prepare(shared_data / "zh-ner", work, use_cluener=False, augment_rate=0.5,
                                      kb_path=root / "models/kb/entities.jsonl", list_rate=0.5, max_sentences=400, sources=sources)  # fmt: skip
        assert counts["sources"] == list(sources)
        return {name: json.loads((work / f"{name}.json").read_text("utf-8")) for name in ("train", "dev")}

    def key(sent):  # the sentence outside its entities: a copy keeps its original's
        return re.sub("_+", "_", "".join(t["text"] if t["ner"] == "O" else "_" for t in sent))

    msra = {"".join(unicodedata.normalize("NFKC", c) for c in line.split())
            for line in (shared_data / "zh-ner/msra_val_sent.txt").read_text("utf-8").splitlines()}  # fmt: skip
    every, only = docs(()), docs(("msra_train",))
    for name in ("train", "dev"):
        texts = ["".join(t["text"] for t in s) for s in only[name]]
        originals = {key(s) for s, text in zip(only[name], texts, strict=True) if text in msra}
        assert originals and all(key(s) in originals for s in only[name])  # originals and their copies only
        assert {json.dumps(s) for s in only[name]} <= {json.dumps(s) for s in every[name]}  # as drawn without it
        assert len(only[name]) < len(every[name])
    with pytest.raises(ValueError, match="unknown training corpus: msra_test"):
        train_zh_ner.prepare(shared_data / "zh-ner", tmp_path / "x", use_cluener=False, sources=("msra_test",))


def test_train_zh_ner_keeps_test_sentences_out_of_training(shared_data, tmp_path, root):
    work = tmp_path / "work"
    train_zh_ner.prepare(shared_data / "zh-ner", work, use_cluener=True, augment_rate=0.0,
                         kb_path=root / "models/kb/entities.jsonl")  # fmt: skip

    def texts(name):
        return {"".join(t["text"] for t in s) for s in json.loads((work / f"{name}.json").read_text("utf-8"))}

    train = texts("train")
    assert not train & texts("msra_test")
    assert not train & texts("cluener_dev")
    assert not train & texts("dev")


def test_train_vectors_rewrites_an_existing_pretrain(shared_data, tmp_path):
    from stanza.models.common.pretrain import Pretrain

    for dim in (8, 12):  # Stanza's Pretrain.load() would keep reading the first file
        path = train_zh_ner.train_vectors(shared_data / "zh-ner", tmp_path, dim=dim, epochs=1, max_sentences=100)
        assert Pretrain(str(path)).emb.shape[1] == dim


class _FakeLac:
    """Stands in for LAC's tagger (pipeline.ner.lac.LacTagger): PER-B, PER-I, then three others."""

    def __init__(self, folder):
        assert (Path(folder) / "lac.pt").exists()

    def tag(self, texts):
        return [[("PER-B", "PER-I", "n-B", "v-B", "w-B")[i % 5] for i in range(len(t))] for t in texts]


def test_train_zh_ner_with_lac_tags_installs_lac_beside_the_model(shared_data, tmp_path, root, monkeypatch):
    """``--lac-tags``: the vectors get a key per LAC-tagged training token, training reads
    tagged tokens, and install ships LAC's tagger beside the model, which the pipeline uses
    (LAC's network itself is tested in tests/unit/test_lac.py)."""
    import pipeline.ner.lac

    monkeypatch.setattr(pipeline.ner.lac, "LacTagger", _FakeLac)
    work, out = tmp_path / "work", tmp_path / "models" / "zh"
    train_zh_ner.prepare(shared_data / "zh-ner", work, use_cluener=False, augment_rate=0.5,
                         kb_path=root / "models/kb/entities.jsonl", max_sentences=200)  # fmt: skip
    train_zh_ner.train_vectors(shared_data / "zh-ner", work, dim=16, epochs=1, max_sentences=300)
    (work / train_zh_ner.LAC_FOLDER).mkdir()
    (work / train_zh_ner.LAC_FOLDER / "lac.pt").write_bytes(b"weights")
    assert train_zh_ner.lac_tag_vectors(work) > 20
    assert train_zh_ner.has_lac_tag_keys(work / train_zh_ner.PRETRAIN_NAME)
    assert not train_zh_ner.has_bigram_keys(work / train_zh_ner.PRETRAIN_NAME)
    train_zh_ner.train(work, steps=4, finetune=False, lr=0.002, optim="adam", threads=1, eval_interval=2)
    lac = json.loads((work / "train_lac.json").read_text("utf-8"))
    chars = json.loads((work / "train.json").read_text("utf-8"))
    assert [len(s) for s in lac] == [len(s) for s in chars]
    assert zd.is_lac_tag_key(lac[0][0]["text"]) and zd.is_lac_tag_key(lac[0][1]["text"])
    assert not any(zd.is_lac_tag_key(t["text"]) for t in lac[0][2:5])
    train_zh_ner.install(work, out)
    assert (out / train_zh_ner.LAC_FOLDER / "lac.pt").read_bytes() == b"weights"
    params = NerParams(stanza_dir=str(out.parent), stanza_ner_model=str(out / train_zh_ner.MODEL_NAME),
                       stanza_pretrain=str(out / train_zh_ner.PRETRAIN_NAME), zh_voters=())  # fmt: skip
    with pytest.raises(RuntimeError, match="zh_lac_model"):
        StanzaBackend(params)
    backend = StanzaBackend(dataclasses.replace(params, zh_lac_model=str(out / train_zh_ner.LAC_FOLDER)))
    text = list("国家主席习近平在北京会见蒙古国总统。")
    assert backend.model_tokens([text]) == [
        zd.lac_tag_tokens(text, _FakeLac(out / "lac").tag([text])[0], backend.known)
    ]
    doc = {"doc_id": "t", "text": "习近平会见蒙古国总统。", "body_start": 0, "skip_spans": []}
    assert backend.annotate([prepare_text(doc, chinese=True)])[0].sentences == [[0, 11]]


def test_train_zh_ner_with_character_language_models(shared_data, tmp_path, root):
    """``--charlm-dim``: language models trained here, a tagger that reads them, both
    installed side by side and loaded by Stanza's own code, as the main model or a voter."""
    work, out = tmp_path / "work", tmp_path / "models" / "zh"
    train_zh_ner.prepare(shared_data / "zh-ner", work, use_cluener=False, augment_rate=0.0,
                         kb_path=root / "models/kb/entities.jsonl", max_sentences=100)  # fmt: skip
    train_zh_ner.train_vectors(shared_data / "zh-ner", work, dim=16, epochs=1, max_sentences=300)
    train_zh_ner.train_charlm(shared_data / "zh-ner", work, dim=8, epochs=1, threads=1, max_sentences=300)
    lms = zd.charlm_files(work)
    assert lms is not None
    dev = (work / "charlm_dev.txt").read_text("utf-8").splitlines()
    assert dev and all(line.endswith(" ") and line[1::2].strip() == "" for line in dev)  # a character, a space
    train_zh_ner.train(work, steps=4, finetune=False, lr=0.002, optim="adam", threads=1, eval_interval=2)
    config = torch.load(work / train_zh_ner.MODEL_NAME, map_location="cpu", weights_only=True)["config"]
    assert config["charlm"] and config["char"]
    train_zh_ner.install(work, out)
    assert zd.charlm_files(out) == {d: out / f.name for d, f in lms.items()}
    params = NerParams(stanza_dir=str(out.parent), stanza_ner_model=str(out / train_zh_ner.MODEL_NAME),
                       stanza_pretrain=str(out / train_zh_ner.PRETRAIN_NAME), zh_voters=())  # fmt: skip
    chars = [list("国家主席习近平在北京会见蒙古国总统。"), list("双方交换了意见")]
    own = StanzaBackend(params).tag_sentences(chars)[0]  # its language models are found beside it
    assert [len(t) for t in own] == [len(c) for c in chars]
    named = dataclasses.replace(params, stanza_forward_charlm=str(lms["forward"]),
                                stanza_backward_charlm=str(lms["backward"]))  # fmt: skip
    assert StanzaBackend(named).tag_sentences(chars)[0] == own  # or named in params (the work folder's copies)
    # as a voter (its folder holds its language models), summed with itself: its own tags
    pair = StanzaBackend(dataclasses.replace(params, stanza_ner_model=str(work / train_zh_ner.MODEL_NAME),
                                             stanza_pretrain=str(work / train_zh_ner.PRETRAIN_NAME),
                                             stanza_forward_charlm=str(lms["forward"]),
                                             stanza_backward_charlm=str(lms["backward"]),
                                             zh_voters=(str(out),), zh_balanced_brackets=False))  # fmt: skip
    assert pair.tag_together(chars) == own
