"""Smoke test of the Chinese NER training command on a tiny slice of the shared corpora."""

from __future__ import annotations

import pytest

from pipeline import train_zh_ner
from pipeline.ner import StanzaBackend, prepare_text
from pipeline.params import NerParams

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
    train_zh_ner.train(work, steps=4, finetune=False, lr=0.002, optim="adam", threads=1, eval_interval=2,
                       bigrams=bigram_dim > 0)  # fmt: skip
    if bigram_dim:  # the bigram files: one token per character, some spelt as bigrams
        import json

        chars = json.loads((work / "train.json").read_text("utf-8"))
        bigrams = json.loads((work / "train_bigrams.json").read_text("utf-8"))
        assert [len(s) for s in chars] == [len(s) for s in bigrams]
        assert any(len(t["text"]) == 2 for s in bigrams for t in s)
    else:  # a continued chunk restarts at the learning rate it is given, not the first run's
        import torch

        train_zh_ner.train(work, steps=2, finetune=True, lr=0.0005, optim="adam", threads=1, eval_interval=1)
        config = torch.load(work / train_zh_ner.MODEL_NAME, map_location="cpu", weights_only=True)["config"]
        assert config["lr"] == 0.0005
    train_zh_ner.install(work, out)
    assert (out.parent / "resources.json").exists()
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
    )
    backend = StanzaBackend(params)
    doc = {"doc_id": "t", "text": "习近平会见蒙古国总统。", "body_start": 0, "skip_spans": []}
    ann = backend.annotate([prepare_text(doc, simplify="t2s")])[0]
    assert ann.sentences == [[0, 11]]  # a four-step model finds little, but it loads and runs


def test_train_zh_ner_keeps_test_sentences_out_of_training(shared_data, tmp_path, root):
    import json

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
