"""Train the project's Chinese NER model with Stanza's own trainer.

``diplograph train-zh-ner --data ../shared/data/zh-ner --out models/stanza/zh/``

Steps (each resumable; the work folder holds checkpoints and lives outside the repo):

1. ``prepare``: read MSRA, People's Daily and CLUENER2020, NFKC every token exactly as the
   pipeline normalizes input, map to PER/LOC/ORG, de-duplicate, hold out a dev split, and
   remove every held-out test sentence (MSRA test, CLUENER dev) from training.
2. ``vectors``: train 100-d character vectors (gensim word2vec, skip-gram) on the Chinese
   text available here minus the test splits, saved as a Stanza ``Pretrain`` file; with
   ``--lac DIR`` each vector is prefixed with the 128-d character embedding of Baidu's
   LAC lexical analyser (Apache-2.0, pip/PyPI package ``LAC``), trained on far more text;
   ``--lac-bigrams N`` adds LAC's two-character words as bigram keys.
3. ``charlm`` (with ``--charlm-dim``): Stanza's forward and backward character language
   models on the same text; a tagger trained in a work folder that holds them reads them.
4. ``train``: Stanza's ``stanza.models.ner_tagger`` on the prepared files (bigram tokens
   when the vectors have bigram keys); ``--finetune`` continues from the saved
   checkpoint, so training runs in chunks.
5. ``install``: write the best checkpoint and the pretrain file, with the learned
   correction of the vectors folded into them (and the language models, if any), and a
   ``resources.json`` into ``--out`` so :class:`stanza.Pipeline` loads it with
   ``download_method=None``.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import logging
import random
import struct
import time
import unicodedata
from pathlib import Path

from pipeline.training import zh_ner_data as zd

logger = logging.getLogger(__name__)

MODEL_NAME = zd.MODEL_FILE
PRETRAIN_NAME = zd.PRETRAIN_FILE
SHORTHAND = "zh_diplograph"
LAC_FOLDER = "lac"  # LAC's converted tagger, beside a model trained with its tags (--lac-tags)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


TRAINING_CORPORA = ("msra_train", "pd_dev", "pd_test", "cluener_train")
HELD_OUT_CORPORA = ("msra_test", "cluener_dev")  # never trained on, nor in the unlabelled text


def load_corpora(data_dir: Path) -> dict[str, list[zd.TaggedSentence]]:
    """Read every corpus of ``data_dir`` into normalized tagged sentences."""
    corpora = {
        "msra_train": zd.read_msra_pair(
            _lines(data_dir / "msra_val_sent.txt"), _lines(data_dir / "msra_val_tags.txt"), source="msra_train"
        ),
        "pd_dev": zd.read_conll_chars(_lines(data_dir / "pd_dev.txt"), source="pd_dev"),
        "pd_test": zd.read_conll_chars(_lines(data_dir / "pd_test.txt"), source="pd_test"),
        "msra_test": zd.read_conll_chars(_lines(data_dir / "msra_test_bio.txt"), source="msra_test"),
        "cluener_train": zd.read_cluener(_lines(data_dir / "cluener_train.json"), source="cluener_train"),
        "cluener_dev": zd.read_cluener(_lines(data_dir / "cluener_dev.json"), source="cluener_dev"),
    }
    return {k: [zd.normalize_sentence(s) for s in v] for k, v in corpora.items()}


def name_pools(train: list[zd.TaggedSentence], kb_path: Path, *, generated_names: int = 0,
               extra: list[zd.TaggedSentence] = (), extra_labels: tuple[str, ...] = ("PER", "ORG"),
               ) -> dict[str, list[str]]:  # fmt: skip
    """Replacement names per type, in equal shares: the training data's own names, the
    KB's (persons, every country and location, organizations), the ``extra_labels``
    names of ``extra`` sentences (CLUENER's persons and organizations: its sentences
    annotate places too unevenly to train on, its names are still names), and optionally
    generated Chinese names (a common surname and given-name characters of the corpus:
    measured to make the model tag common words such as 谢谢 or 徐徐 as persons, so off
    by default)."""
    from pipeline.kb import KnowledgeBase
    from pipeline.link import ZH_SURNAMES
    from pipeline.text.textnorm import is_cjk, to_simplified

    seen: dict[str, set] = {"PER": set(), "LOC": set(), "ORG": set()}
    for s in train:
        for a, b, lab in zd.spans_from_tags(s.tags):
            if lab in seen:
                seen[lab].add("".join(s.tokens[a:b]))
    kb = KnowledgeBase.load(kb_path)
    kb_names: dict[str, set] = {"PER": set(), "LOC": set(), "ORG": set()}
    label = {"person": "PER", "country": "LOC", "location": "LOC", "organization": "ORG"}
    for e in kb.entities.values():
        for n in e.names():
            if n and is_cjk(n[0]) and len(n) >= 2:
                kb_names[label[e.type]].add(to_simplified(n))  # the model sees simplified text
    generated = zd.generated_person_names(train, sorted(ZH_SURNAMES), n=generated_names) if generated_names else []
    outside: dict[str, set] = {lab: set() for lab in seen}
    for s in extra:
        for a, b, lab in zd.spans_from_tags(s.tags):
            if lab in extra_labels and lab in outside and b - a >= 2:
                outside[lab].add("".join(s.tokens[a:b]))
    pools = {}
    for lab in seen:
        own = sorted(seen[lab])
        kb_part = sorted(kb_names[lab])
        gen_part = generated if lab == "PER" else []
        extra_part = sorted(outside[lab] - seen[lab])
        # the corpus's own names, the KB's, the extra corpus's and generated ones in equal
        # shares, so the names of today's leaders and bodies are each seen a few dozen times
        parts = [x for x in (own, kb_part, extra_part, gen_part) if x]
        size = max(len(x) for x in parts)
        pools[lab] = [n for x in parts for n in x * max(1, size // len(x))]
    return pools


def silver_label_map(kept: tuple[str, ...]) -> tuple[dict[str, str], set[str]]:
    """A CLUENER label map for silver data that keeps the ``kept`` CLUENER types, and the
    types of our scheme whose every CLUENER source is kept ("complete": the model's own
    predictions of them are not used). CLUENER types not kept are read under a
    placeholder label (``~type``), so that overlapping spans resolve as in the full map,
    and dropped afterwards."""
    unknown = set(kept) - set(zd.CLUENER_MAP)
    if unknown:
        raise ValueError(f"unknown CLUENER types {sorted(unknown)}; known: {sorted(zd.CLUENER_MAP)}")
    label_map = {raw: lab if raw in kept else f"~{raw}" for raw, lab in zd.CLUENER_MAP.items()}
    complete = {lab for lab in zd.CLUENER_MAP.values() if all(r in kept for r, x in zd.CLUENER_MAP.items() if x == lab)}
    return label_map, complete


def silver_sentences(sents: list[zd.TaggedSentence], work: Path, stanza_dir: Path,
                     complete: set[str]) -> list[zd.TaggedSentence]:  # fmt: skip
    """Sentences that keep their own spans and take, from the model in ``work``, the
    spans of every type not in ``complete`` where they overlap none of their own.

    CLUENER labels persons much as MSRA does, but places unevenly (21 of 275 sentences
    naming 美国 tag it): trained on as it is, it teaches the model that countries are not
    places (experiment B); and its organizations include sports clubs and brands
    (experiment J). Those types are therefore the model's own.
    """
    from pipeline.ner.chinese import StanzaBackend
    from pipeline.params import NerParams

    backend = StanzaBackend(NerParams(stanza_dir=str(stanza_dir), stanza_ner_model=str(work / MODEL_NAME),
                                      stanza_pretrain=str(work / PRETRAIN_NAME),
                                      zh_lac_model=str(work / LAC_FOLDER), zh_voters=()))  # fmt: skip
    tagged = backend.nlp(backend.model_tokens([list(s.tokens) for s in sents])).sentences if sents else []
    return [
        with_silver(s, zd.spans_from_tags([t.ner for t in sent.tokens]), complete)
        for s, sent in zip(sents, tagged, strict=True)
    ]


def with_silver(sent: zd.TaggedSentence, predicted: list[tuple[int, int, str]],
                complete: set[str]) -> zd.TaggedSentence:  # fmt: skip
    """``sent``'s own spans (BIO; placeholder ``~type`` spans dropped) plus the predicted
    spans of the types not in ``complete`` that do not overlap them."""
    spans = [sp for sp in zd.spans_from_tags(sent.tags) if not sp[2].startswith("~")]
    spans += [sp for sp in predicted if sp[2] not in complete]  # the corpus's own spans come first
    tags = zd.tags_from_spans(len(sent.tokens), spans)
    return zd.TaggedSentence(sent.tokens, tuple(tags), sent.source + "+silver")


def prepare(data_dir: Path, work: Path, *, use_cluener: bool, dev_fraction: float = 0.05, seed: int = 13,
            augment_rate: float = 0.0, kb_path: Path = Path("models/kb/entities.jsonl"),
            max_sentences: int = 0, generated_names: int = 0, list_rate: float = 0.0,
            cluener_names: bool = False, cluener_silver: str = "",
            stanza_dir: Path = Path("models/stanza"), augment_seed: int | None = None,
            sources: tuple[str, ...] = ()) -> dict:  # fmt: skip
    """Write train/dev/test files in Stanza's format; return counts.

    ``seed`` draws the dev split (and its list copies), ``augment_seed`` (default: ``seed``)
    the training copies: another ``augment_seed`` gives a model for the ensemble
    (``ner.zh_voters``) other data to learn from, while every model is picked on the same
    dev split.

    ``sources`` (corpus names such as ``msra_train``) keeps, once everything is drawn,
    only the train and dev sentences of those corpora and their copies: the splits,
    name pools and copies are the ones drawn without it, so a model continued on them
    (``--finetune``) sees a subset of what it was trained on, never a dev sentence.
    """
    aseed = seed if augment_seed is None else augment_seed
    unknown = set(sources) - set(TRAINING_CORPORA)
    if unknown:
        raise ValueError(
            f"unknown training corpus: {', '.join(sorted(unknown))} (known: {', '.join(TRAINING_CORPORA)})"
        )
    corpora = load_corpora(data_dir)
    tests = {k: corpora[k] for k in HELD_OUT_CORPORA}
    test_texts = {s.text for v in tests.values() for s in v}
    news = zd.dedupe(corpora["msra_train"] + corpora["pd_dev"] + corpora["pd_test"], exclude=test_texts)
    news.sort(key=lambda s: s.text)
    random.Random(seed).shuffle(news)
    # the dev split selects checkpoints for news, so it is drawn from MSRA/PD only, and is
    # the same with or without CLUENER, so the two set-ups can be compared on it
    n_dev = int(len(news) * dev_fraction)
    dev, train = news[:n_dev], news[n_dev:]
    if max_sentences:  # smoke tests: a tiny slice
        dev, train = dev[: max(1, max_sentences // 10)], train[:max_sentences]
    extra = corpora["cluener_train"] if use_cluener else []
    if cluener_silver:  # CLUENER's own spans of these types, the model's for the rest (see silver_sentences)
        label_map, complete = silver_label_map(tuple(t.strip() for t in cluener_silver.split(",") if t.strip()))
        own = zd.read_cluener(_lines(data_dir / "cluener_train.json"), source="cluener_train", label_map=label_map)
        own = [zd.normalize_sentence(s) for s in own[: max_sentences or None]]
        extra = silver_sentences(own, work, stanza_dir, complete)
    train += zd.dedupe(extra, exclude=test_texts | {s.text for s in news})
    base = list(train)
    names_from = corpora["cluener_train"] if cluener_names else []
    if augment_rate > 0 or list_rate > 0:
        pools = name_pools(base, kb_path, generated_names=generated_names, extra=names_from)
    if augment_rate > 0:
        aug = zd.augment_mentions(base, pools, rate=augment_rate, seed=aseed)
        train += zd.dedupe(aug, exclude=test_texts | {s.text for s in train})
    if list_rate > 0:
        names = sorted(set(pools["PER"]))
        lists = zd.augment_name_lists(base, names, rate=list_rate, seed=aseed + 1)
        train += zd.dedupe(lists, exclude=test_texts | {s.text for s in train})
        # the dev split picks checkpoints, so it gets lists too: without them it rewards
        # the model that has learnt least (lists are what the pipeline feeds it)
        dev += zd.dedupe(zd.augment_name_lists(dev, names, rate=list_rate, seed=seed + 2),
                         exclude=test_texts | {s.text for s in train} | {s.text for s in dev})  # fmt: skip
    before = sum(len(corpora[k]) for k in ("msra_train", "pd_dev", "pd_test")) + len(extra)
    if sources:
        train, dev = ([s for s in sents if s.source.split("+")[0] in sources] for sents in (train, dev))
    work.mkdir(parents=True, exist_ok=True)
    for name, sents in [("train", train), ("dev", dev), *tests.items()]:
        (work / f"{name}.json").write_text(json.dumps(zd.to_stanza_doc(sents), ensure_ascii=False), encoding="utf-8")
    counts = {
        "pool_before_dedupe": before,
        "train": len(train),
        "dev": len(dev),
        "msra_test": len(tests["msra_test"]),
        "cluener_dev": len(tests["cluener_dev"]),
        "use_cluener": use_cluener,
        "augment_rate": augment_rate,
        "train_augmented": sum(s.source.endswith("+aug") for s in train),
        "generated_names": generated_names,
        "list_rate": list_rate,
        "train_name_lists": sum(s.source.endswith("+list") for s in train),
        "cluener_names": cluener_names,
        "cluener_silver": cluener_silver,
        "augment_seed": aseed,
        "sources": list(sources),
    }
    (work / "prepare.json").write_text(json.dumps(counts, indent=2), encoding="utf-8")
    logger.info("prepared %s", counts)
    return counts


def ud_texts(ud_dir: Path) -> list[str]:
    """Sentence texts of the UD Chinese files (``# text =`` comments)."""
    out = []
    for path in sorted(ud_dir.glob("*.conllu")):
        for line in _lines(path):
            if line.startswith("# text = "):
                out.append(line[len("# text = ") :])
    return out


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def read_paddle_tensor(path: Path):
    """A float32 tensor saved by PaddlePaddle (one ``LoDTensor`` per file), without Paddle.

    Layout: uint32 version, uint64 LoD level and its levels, uint32 tensor version, int32
    size of a ``TensorDesc`` protobuf (field 1: data type, 5 = FP32; field 2: dims), data.
    """
    import numpy as np

    buf = path.read_bytes()
    off = 4
    (lod_level,) = struct.unpack_from("<Q", buf, off)
    off += 8
    for _ in range(lod_level):
        (size,) = struct.unpack_from("<Q", buf, off)
        off += 8 + size
    off += 4
    (desc_size,) = struct.unpack_from("<i", buf, off)
    off += 4
    desc, off = buf[off : off + desc_size], off + desc_size
    i, dtype, dims = 0, None, []
    while i < len(desc):
        key, i = _varint(desc, i)
        value, i = _varint(desc, i)
        if key >> 3 == 1:
            dtype = value
        elif key >> 3 == 2:
            dims.append(value)
    if dtype != 5 or len(buf) - off != 4 * int(np.prod(dims)):
        raise ValueError(f"{path}: not a float32 Paddle tensor (type {dtype}, dims {dims})")
    return np.frombuffer(buf, "<f4", count=int(np.prod(dims)), offset=off).reshape(dims)


def lac_vectors(lac_dir: Path, *, length: int = 1) -> dict[str, list[float]]:
    """The rows of LAC's embedding for vocabulary entries of ``length`` characters, keyed as
    the pipeline writes text.

    ``lac_dir`` is the ``LAC`` package folder (``lac_model/model/word_emb`` and
    ``lac_model/conf/word.dic``). LAC mixes characters and words in one vocabulary (its
    input is text cut by a small dictionary, a word where the dictionary has one, else
    characters). Keys are NFKC-normalized and lowercased like the pipeline's input and
    Stanza's lookup (first key wins); keys with whitespace are skipped.
    """
    emb = read_paddle_tensor(lac_dir / "lac_model" / "model" / "word_emb")
    out: dict[str, list[float]] = {}
    for line in _lines(lac_dir / "lac_model" / "conf" / "word.dic"):
        idx, _, word = line.partition("\t")
        key = unicodedata.normalize("NFKC", word).lower()
        if len(word) == length and len(key) == length and not any(c.isspace() for c in key) and key not in out:
            out[key] = [float(x) for x in emb[int(idx)]]
    logger.info("%d LAC vectors of %d characters and %d dimensions", len(out), length, emb.shape[1])
    return out


def convert_lac(lac_dir: Path, out: Path) -> Path:
    """Write LAC's network (``lac_dir``: the unpacked package's ``LAC`` folder) as the torch
    file and dictionaries :class:`pipeline.ner.lac.LacTagger` loads, without Paddle.

    Paddle's files name the layers in creation order: per GRU layer, the forward input
    projection ``fc_{2i}`` and GRU ``gru_{2i}``, then the reverse ones ``fc_{2i+1}`` and
    ``gru_{2i+1}``; ``fc_4`` gives the emissions and ``crfw`` the CRF. The embedding
    (58,224 × 128) is stored in float16, which halves the file and changes LAC's tags in
    4 of the 3,442 MSRA test sentences (see the model card).
    """
    import shutil

    import torch

    from pipeline.ner.lac import DICTS, WEIGHTS

    src = lac_dir / "lac_model" / "model"

    def read(name: str):
        return torch.from_numpy(read_paddle_tensor(src / name).copy())

    weights = {"emb": read("word_emb").half(), "out.w": read("fc_4.w_0"), "out.b": read("fc_4.b_0"),
               "crf": read("crfw")}  # fmt: skip
    for layer in range(2):
        for d, k in (("f", 2 * layer), ("r", 2 * layer + 1)):
            weights |= {f"{layer}{d}.fc.w": read(f"fc_{k}.w_0"), f"{layer}{d}.fc.b": read(f"fc_{k}.b_0"),
                        f"{layer}{d}.gru.w": read(f"gru_{k}.w_0"), f"{layer}{d}.gru.b": read(f"gru_{k}.b_0")}  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    torch.save(weights, out / WEIGHTS)
    for name in DICTS:
        shutil.copyfile(lac_dir / "lac_model" / "conf" / name, out / name)
    return out


def lac_char_vectors(lac_dir: Path) -> dict[str, list[float]]:
    """The single-character rows of LAC's embedding (the model here is character level)."""
    return lac_vectors(lac_dir, length=1)


def _unit_mean(vecs: dict[str, list[float]]) -> dict[str, list[float]]:
    """The vectors divided by their mean norm, so that no block of a concatenated vector
    dominates the start of training."""
    import numpy as np

    mean = float(np.mean([np.linalg.norm(v) for v in vecs.values()])) or 1.0
    return {k: [x / mean for x in v] for k, v in vecs.items()}


def _concat(first: dict[str, list[float]], second: dict[str, list[float]]) -> dict[str, list[float]]:
    """Key-wise concatenation; a key missing on one side gets zeros there. Each side is
    scaled to a mean norm of 1 (:func:`_unit_mean`)."""
    a, b = _unit_mean(first), _unit_mean(second)
    da, db = len(next(iter(a.values()))), len(next(iter(b.values())))
    return {k: a.get(k, [0.0] * da) + b.get(k, [0.0] * db) for k in sorted(set(a) | set(b))}


def unlabelled_texts(data_dir: Path) -> list[str]:
    """The Chinese text here that vectors and language models learn from: the training
    corpora and UD Chinese, NFKC-normalized, de-duplicated, never a held-out test sentence."""
    from pipeline.text.textnorm import nfkc_with_offsets

    corpora = load_corpora(data_dir)
    test_texts = {s.text for k in HELD_OUT_CORPORA for s in corpora[k]}
    texts = [s.text for k in TRAINING_CORPORA for s in corpora[k]]
    texts += [nfkc_with_offsets(t).text for t in ud_texts(data_dir.parent / "zh-ud")]
    return [t for t in dict.fromkeys(texts) if t not in test_texts]


def charlm_text(texts: list[str]) -> str:
    """Text for a character language model that a NER model of character tokens reads:
    Stanza's tagger feeds its language models each sentence as a line start followed by
    every token and a space, so the text is written the same way, a sentence a line."""
    return "".join("".join(c + " " for c in t if not c.isspace()) + "\n" for t in texts)


def train_charlm(data_dir: Path, work: Path, *, dim: int, epochs: int, threads: int, dev_fraction: float = 0.02,
                 seed: int = 13, max_sentences: int = 0) -> None:  # fmt: skip
    """Train Stanza's forward and backward character language models (``dim`` hidden
    units) on :func:`unlabelled_texts`; a NER model trained in ``work`` then reads them
    (``--charlm``). Resumable: Stanza keeps a checkpoint per epoch, and a rerun with more
    ``epochs`` goes on from it. A fixed ``dev_fraction`` of the sentences (drawn with
    ``seed``) picks the best epoch and lowers the learning rate when it stops improving."""
    import torch
    from stanza.models import charlm

    torch.set_num_threads(threads)
    texts = unlabelled_texts(data_dir)
    random.Random(seed).shuffle(texts)
    if max_sentences:
        texts = texts[:max_sentences]
    n_dev = max(1, int(len(texts) * dev_fraction))
    (work / "charlm_text").mkdir(parents=True, exist_ok=True)
    (work / "charlm_text" / "train.txt").write_text(charlm_text(texts[n_dev:]), encoding="utf-8")
    (work / "charlm_dev.txt").write_text(charlm_text(texts[:n_dev]), encoding="utf-8")
    for direction, name in zd.CHARLM_FILES.items():
        t0 = time.time()
        charlm.main([
            "--train_dir", str(work / "charlm_text"), "--eval_file", str(work / "charlm_dev.txt"),
            "--direction", direction, "--shorthand", SHORTHAND, "--char_hidden_dim", str(dim),
            "--cutoff", "2", "--epochs", str(epochs), "--eval_steps", "-1", "--report_steps", "100",
            # Stanza's defaults (batch 100, 250 characters) suit large corpora; on 0.9 M characters
            # they make 72 updates an epoch: short batches learn far more per epoch here
            "--batch_size", "25", "--bptt_size", "100",
            "--save_dir", str(work), "--save_name", name, "--vocab_save_name", "zh_diplograph_charlm_vocab.pt",
            "--checkpoint_save_name", f"{direction}_charlm_checkpoint.pt",
        ])  # fmt: skip
        logger.info("%s character language model: %d epochs in %.0f s", direction, epochs, time.time() - t0)


def train_vectors(data_dir: Path, work: Path, *, dim: int = 100, seed: int = 13, epochs: int = 10,
                  max_sentences: int = 0, bigram_dim: int = 0, max_bigrams: int = 20000,
                  lac_dir: Path | None = None, lac_bigram_min_count: int = 0) -> Path:  # fmt: skip
    """Train character (and, with ``bigram_dim``, bigram) vectors; save a Stanza pretrain file.

    With bigrams each key is a character or a bigram (see :func:`zh_ner_data.bigram_tokens`):
    a bigram's vector is its first character's vector followed by the bigram's own, a
    character's is its vector followed by zeros. Only the ``max_bigrams`` most frequent
    bigrams get a vector, which keeps the shipped files small. With ``lac_dir`` and
    ``lac_bigram_min_count``, LAC's two-character words are the bigrams (:func:`lac_bigrams`).
    """
    from gensim.models import Word2Vec
    from stanza.models.common.pretrain import Pretrain

    # lowercased: Stanza looks vectors up lowercased, so a cased key would never be used
    sents = [[c for c in t.lower() if not c.isspace()] for t in unlabelled_texts(data_dir)]
    if max_sentences:
        sents = sents[:max_sentences]
    logger.info("training %d-d char vectors on %d sentences", dim, len(sents))
    w2v = Word2Vec(
        sents, vector_size=dim, window=5, min_count=2, sg=1, negative=10, epochs=epochs, workers=1, seed=seed
    )
    vectors = {w: list(w2v.wv[w]) for w in w2v.wv.index_to_key}
    if bigram_dim:
        vectors = _with_bigrams(vectors, sents, dim=bigram_dim, seed=seed, epochs=epochs, max_bigrams=max_bigrams)
    if lac_dir is not None:
        vectors = _concat(lac_char_vectors(lac_dir), vectors)
        if lac_bigram_min_count:
            vectors = lac_bigrams(vectors, lac_dir, sents, min_count=lac_bigram_min_count)
    vec_path = work / "charvec.txt"
    with vec_path.open("w", encoding="utf-8") as f:
        f.write(f"{len(vectors)} {len(next(iter(vectors.values())))}\n")
        for w, v in vectors.items():
            f.write(w + " " + " ".join(f"{x:.5f}" for x in v) + "\n")
    pt_path = work / PRETRAIN_NAME
    pt_path.unlink(missing_ok=True)  # Pretrain.load() reads an existing file instead of the new vectors
    Pretrain(str(pt_path), str(vec_path), max_vocab=-1, save_to_file=True).load()
    logger.info("wrote %s (%d keys)", pt_path, len(vectors))
    return pt_path


def _with_bigrams(chars: dict[str, list[float]], sents: list[list[str]], *, dim: int, seed: int, epochs: int,
                  max_bigrams: int) -> dict[str, list[float]]:  # fmt: skip
    from gensim.models import Word2Vec

    bigram_sents = [[a + b for a, b in itertools.pairwise(s)] for s in sents]
    w2v = Word2Vec(
        bigram_sents, vector_size=dim, window=5, min_count=2, sg=1, negative=10, epochs=epochs, workers=1, seed=seed,
        max_final_vocab=max_bigrams,
    )  # fmt: skip
    logger.info("%d bigram vectors of %d dimensions", len(w2v.wv.index_to_key), dim)
    return bigram_keys(chars, {b: list(w2v.wv[b]) for b in w2v.wv.index_to_key})


def bigram_keys(chars: dict[str, list[float]], bigrams: dict[str, list[float]]) -> dict[str, list[float]]:
    """Vectors keyed as :func:`zh_ner_data.bigram_tokens` spells tokens: a bigram's is its
    first character's vector followed by the bigram's own, a character's is its vector
    followed by zeros."""
    char_dim = len(next(iter(chars.values())))
    dim = len(next(iter(bigrams.values())))
    out = {c: v + [0.0] * dim for c, v in chars.items()}
    for b, v in bigrams.items():
        out[b] = chars.get(b[0], [0.0] * char_dim) + v
    return out


def lac_bigrams(chars: dict[str, list[float]], lac_dir: Path, sents: list[list[str]], *,
                min_count: int) -> dict[str, list[float]]:  # fmt: skip
    """``chars`` with LAC's two-character words as bigram keys (experiment N).

    LAC's word rows were trained on far more text than is here, so unlike experiment G's
    bigram vectors they know words our corpora rarely show. Only words that occur at
    least ``min_count`` times in ``sents`` are kept, which keeps the shipped files small;
    the vectors are scaled to a mean norm of 1, like each half of the character vectors.
    """
    counts = collections.Counter(a + b for s in sents for a, b in itertools.pairwise(s))
    words = {w: v for w, v in lac_vectors(lac_dir, length=2).items() if counts[w] >= min_count}
    if not words:
        raise ValueError(f"no LAC two-character word occurs {min_count} times in the vector text")
    logger.info("%d LAC words occur at least %d times", len(words), min_count)
    return bigram_keys(chars, _unit_mean({w: words[w] for w in sorted(words)}))


def _vector_units(pretrain: Path) -> list[str]:
    """The keys of a pretrain file of ours (its vocabulary, Stanza's reserved entries first)."""
    import torch

    return list(torch.load(pretrain, map_location="cpu", weights_only=True)["vocab"]["_id2unit"])


def has_bigram_keys(pretrain: Path) -> bool:
    """Whether a pretrain file of ours holds bigram keys (its model is fed bigram tokens)."""
    return zd.is_bigram_vocab(_vector_units(pretrain))


def has_lac_tag_keys(pretrain: Path) -> bool:
    """Whether a pretrain file of ours holds LAC-tagged keys (its model is fed LAC's tags)."""
    return any(zd.is_lac_tag_key(unit) for unit in _vector_units(pretrain))


def lac_spell(tagger, doc: list[list[dict[str, str]]], known) -> None:
    """Spell the tokens of a Stanza-format document with LAC's tags, in place
    (:func:`zh_ner_data.lac_tag_tokens`)."""
    sents = [[t["text"] for t in sent] for sent in doc]
    for sent, toks, tags in zip(doc, sents, tagger.tag(["".join(s) for s in sents]), strict=True):
        for tok, text in zip(sent, zd.lac_tag_tokens(toks, tags, known), strict=True):
            tok["text"] = text


def lac_tag_vectors(work: Path) -> int:
    """Experiment Q: LAC's name tags as token features.

    With LAC's tagger in ``work/lac`` (:func:`convert_lac`), extends the vectors in
    ``work``: every key gets one dimension per tag in :data:`zh_ner_data.LAC_TAG_MARKS`
    (zeros for plain tokens), and every LAC-tagged token of the prepared training and dev
    files becomes a key of its own, [the token's vector; the one-hot of its tag]. Returns
    the number of tagged keys. Later chunks keep these vectors, and a tagged token they do
    not know falls back to the plain token.
    """
    import torch
    from stanza.models.common.vocab import UNK_ID

    from pipeline.ner.lac import LacTagger

    tagger = LacTagger(work / LAC_FOLDER)
    keys: set[str] = set()
    for name in ("train", "dev"):
        doc = json.loads((work / f"{name}.json").read_text(encoding="utf-8"))
        lac_spell(tagger, doc, None)
        keys.update(t["text"].lower() for sent in doc for t in sent if zd.is_lac_tag_key(t["text"]))
    vecs = torch.load(work / PRETRAIN_NAME, map_location="cpu", weights_only=True)
    id2unit = list(vecs["vocab"]["_id2unit"])
    if any(zd.is_lac_tag_key(u) for u in id2unit):
        raise ValueError(f"{work / PRETRAIN_NAME} already has LAC-tagged keys")
    unit2id, emb = {u: i for i, u in enumerate(id2unit)}, vecs["emb"]
    marks = list(zd.LAC_TAG_MARKS.values())
    rows = [emb, torch.zeros(len(id2unit), len(marks), dtype=emb.dtype)]
    tagged = []
    for key in sorted(keys):
        onehot = torch.zeros(len(marks), dtype=emb.dtype)
        onehot[marks.index(key[-1])] = 1.0
        tagged.append(torch.cat([emb[unit2id.get(key[:-1], UNK_ID)], onehot]))
        id2unit.append(key)
    emb = torch.cat([torch.cat(rows, 1), torch.stack(tagged)]) if tagged else torch.cat(rows, 1)
    vocab = {**vecs["vocab"], "_id2unit": id2unit, "_unit2id": {u: i for i, u in enumerate(id2unit)}}
    torch.save({**vecs, "vocab": vocab, "emb": emb}, work / PRETRAIN_NAME)
    logger.info("%d LAC-tagged keys added to the vectors (%d keys of %d dimensions)", len(tagged), *emb.shape)
    return len(tagged)


def spelt_files(work: Path) -> str:
    """Rewrite the prepared character files with the tokens the vectors in ``work`` call
    for, and return the suffix of the files to train on: ``_lac`` (LAC-tagged keys, see
    :func:`lac_tag_vectors`), ``_bigrams`` (bigram keys) or ``""`` (characters as they are)."""
    units = _vector_units(work / PRETRAIN_NAME)
    known = set(units)
    if any(zd.is_lac_tag_key(u) for u in units):
        from pipeline.ner.lac import LacTagger

        tagger, suffix = LacTagger(work / LAC_FOLDER), "_lac"
    elif zd.is_bigram_vocab(units):
        tagger, suffix = None, "_bigrams"
    else:
        return ""
    for name in ("train", "dev"):
        doc = json.loads((work / f"{name}.json").read_text(encoding="utf-8"))
        if tagger is not None:
            lac_spell(tagger, doc, known)
        else:
            for sent in doc:
                for tok, text in zip(sent, zd.bigram_tokens([t["text"] for t in sent], known), strict=True):
                    tok["text"] = text
        (work / f"{name}{suffix}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return suffix


def train(work: Path, *, steps: int, finetune: bool, lr: float, optim: str, threads: int,
          eval_interval: int, seed: int = 1234) -> None:  # fmt: skip
    """Run Stanza's NER trainer on the prepared files (resumable with ``finetune``).

    With bigram vectors in ``work`` (``--bigram-dim``, ``--lac-bigrams``) it trains on
    bigram tokens, with LAC-tagged vectors (``--lac-tags``) on LAC-tagged tokens, a
    continued chunk included (:func:`spelt_files`).
    """
    import torch
    from stanza.models import ner_tagger

    torch.set_num_threads(threads)
    suffix = spelt_files(work)
    args = [
        "--train_file", str(work / f"train{suffix}.json"),
        "--eval_file", str(work / f"dev{suffix}.json"),
        "--wordvec_pretrain_file", str(work / PRETRAIN_NAME),
        "--save_dir", str(work),
        "--save_name", MODEL_NAME,
        "--shorthand", SHORTHAND,
        "--scheme", "bioes",
        "--optim", optim,
        "--lr", str(lr),
        "--max_steps", str(steps),
        "--eval_interval", str(eval_interval),
        "--max_steps_no_improve", str(max(steps, 10**6)),
        "--log_step", "100",
        "--batch_size", "32",
        "--seed", str(seed),
    ]  # fmt: skip
    lms = zd.charlm_files(work)  # --charlm-dim: contextual character features; else none (a token is one character)
    if lms:
        args += [
            "--charlm",
            "--charlm_shorthand",  # Stanza requires it, though the two files are named
            SHORTHAND,
            "--charlm_forward_file",
            str(lms["forward"]),
            "--charlm_backward_file",
            str(lms["backward"]),
        ]
    else:
        args.append("--no_char")
    if finetune:
        # Stanza rebuilds the optimizer from the checkpoint's saved settings, so a
        # continued run would restart at the first run's learning rate: write ours in
        set_checkpoint_lr(work / MODEL_NAME, lr)
        args.append("--finetune")
    t0 = time.time()
    ner_tagger.main(args)
    logger.info("trained %d steps in %.0f s", steps, time.time() - t0)


def set_checkpoint_lr(path: Path, lr: float) -> None:
    """Set the learning rate a ``--finetune`` run of Stanza restarts at."""
    import torch

    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    if ckpt["config"].get("lr") != lr:
        logger.info("checkpoint learning rate %s -> %s", ckpt["config"].get("lr"), lr)
        ckpt["config"]["lr"] = lr
        torch.save(ckpt, path)


def install(work: Path, out: Path, *, half_vectors: bool = False) -> None:
    """Put model + pretrain into ``out`` (the learned correction folded into the vectors,
    see :func:`fold_delta`; with ``half_vectors`` the vectors are stored in float16, which
    halves the file: Stanza's tagger reads them as they are) and write a minimal
    ``resources.json``."""
    import shutil

    out.mkdir(parents=True, exist_ok=True)
    fold_delta(work / MODEL_NAME, work / PRETRAIN_NAME, out / MODEL_NAME, out / PRETRAIN_NAME)
    if half_vectors:
        import torch

        vecs = torch.load(out / PRETRAIN_NAME, map_location="cpu", weights_only=True)
        torch.save({**vecs, "emb": vecs["emb"].half()}, out / PRETRAIN_NAME)
    lms = zd.charlm_files(work)
    for direction, name in zd.CHARLM_FILES.items():  # the tagger reads them (none, stale ones removed)
        (out / name).unlink(missing_ok=True)
        if lms:
            shutil.copy(lms[direction], out / name)
    if (out / LAC_FOLDER).exists():
        shutil.rmtree(out / LAC_FOLDER)
    if has_lac_tag_keys(out / PRETRAIN_NAME):
        shutil.copytree(work / LAC_FOLDER, out / LAC_FOLDER)
    write_resources(out.parent)


def fold_delta(model: Path, pretrain: Path, out_model: Path, out_pretrain: Path) -> None:
    """Save the model with its "delta" embedding folded into its pretrained vectors.

    Stanza's tagger reads a token's vector as ``pretrain[w] + delta[w]``: the delta row of
    a training token; zeros for a token the vectors know and training never showed; the
    delta UNK row for a token neither knows. The delta matrix is as wide as the vectors
    and has a row per training token, so with bigram keys it doubles the files. Folding
    writes ``pretrain[w] + delta[w]`` into the vectors (a training token without a vector
    becomes a key of its own, ``pretrain[UNK] + delta[w]``; UNK gets ``+ delta[UNK]``)
    and leaves a delta vocabulary of Stanza's reserved entries with zero rows. Stanza
    loads the result with its own code and computes the same input for every token.
    The model's copy of the vector vocabulary is rewritten with the vectors'.
    """
    import torch
    from stanza.models.common.vocab import UNK_ID, VOCAB_PREFIX

    ckpt = torch.load(model, map_location="cpu", weights_only=True)
    vecs = torch.load(pretrain, map_location="cpu", weights_only=True)
    if "delta" not in ckpt["vocab"]:
        torch.save(ckpt, out_model)
        torch.save(vecs, out_pretrain)
        return
    words, delta_vocab = vecs["vocab"], ckpt["vocab"]["delta"]
    if list(ckpt["vocab"]["word"]["_id2unit"]) != list(words["_id2unit"]):
        raise ValueError(f"{model} was not trained with the vectors in {pretrain}")
    emb, delta = vecs["emb"].clone(), ckpt["model"]["delta_emb.weight"]
    id2unit, unit2id = list(words["_id2unit"]), dict(words["_unit2id"])
    new_rows = []
    for i, unit in enumerate(delta_vocab["_id2unit"][len(VOCAB_PREFIX) :], start=len(VOCAB_PREFIX)):
        if unit in unit2id:
            emb[unit2id[unit]] += delta[i]
        else:
            unit2id[unit] = len(id2unit)
            id2unit.append(unit)
            new_rows.append(vecs["emb"][UNK_ID] + delta[i])
    emb[UNK_ID] += delta[UNK_ID]
    if new_rows:
        emb = torch.cat([emb, torch.stack(new_rows)])
    ckpt["vocab"]["word"] = {**ckpt["vocab"]["word"], "_id2unit": id2unit, "_unit2id": unit2id}
    ckpt["vocab"]["delta"] = {
        **delta_vocab,
        "_id2unit": list(VOCAB_PREFIX),
        "_unit2id": {u: i for i, u in enumerate(VOCAB_PREFIX)},
    }
    ckpt["model"]["delta_emb.weight"] = torch.zeros(len(VOCAB_PREFIX), delta.shape[1], dtype=delta.dtype)
    torch.save(ckpt, out_model)
    torch.save({**vecs, "vocab": {**words, "_id2unit": id2unit, "_unit2id": unit2id}, "emb": emb}, out_pretrain)


def write_resources(stanza_dir: Path) -> None:
    """Write the minimal ``resources.json`` Stanza's Pipeline wants in its ``dir``."""
    import stanza

    resources = {
        "zh-hans": {
            "lang_name": "Chinese",
            "default_processors": {"tokenize": "diplograph", "ner": "diplograph"},
        },
        "zh": {"alias": "zh-hans"},
    }
    (stanza_dir / "resources.json").write_text(
        json.dumps(
            {**resources, "_about": f"minimal resources for local models, stanza {stanza.__version__}"}, indent=1
        ),
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="diplograph train-zh-ner", description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True, help="folder with the zh-ner corpora")
    p.add_argument("--out", type=Path, required=True, help="where the shipped model goes (models/stanza/zh)")
    p.add_argument("--work", type=Path, default=Path("/tmp/diplograph-zh-ner"), help="checkpoints (outside the repo)")
    p.add_argument("--steps", type=int, default=20000, help="stop after this many steps (cumulative with --finetune)")
    p.add_argument("--finetune", action="store_true", help="continue from the checkpoint in --work")
    p.add_argument("--cluener", action="store_true", help="add CLUENER2020 train (mapped) to MSRA + People's Daily")
    p.add_argument("--augment", type=float, default=0.8, help="mention-replacement rate (0: none)")
    p.add_argument("--generated-names", type=int, default=0, help="generated Chinese names added to the PER pool")
    p.add_argument("--name-lists", type=float, default=0.0,
                   help="rate of copies with a person replaced by names written back to back (0: none)")  # fmt: skip
    p.add_argument("--cluener-silver", nargs="?", const="name,organization,government,company", default="",
                   metavar="TYPES", help="add CLUENER train with its own spans of these CLUENER types (default: "
                   "persons and organizations) and the model in --work's spans of the other types")  # fmt: skip
    p.add_argument("--cluener-names", action="store_true",
                   help="add CLUENER train's person and organization names to the replacement pools")  # fmt: skip
    p.add_argument("--bigram-dim", type=int, default=0, help="add bigram vectors of this size (0: characters only)")
    p.add_argument("--lac", type=Path, metavar="DIR",
                   help="the LAC package folder: prefix each character vector with LAC's embedding")  # fmt: skip
    p.add_argument("--lac-bigrams", type=int, default=0, metavar="MIN_COUNT",
                   help="with --lac: add LAC's two-character words that occur MIN_COUNT times in the vector text "
                   "as bigram vectors (0: none)")  # fmt: skip
    p.add_argument("--half-vectors", action="store_true",
                   help="install the vectors in float16 (half the file; for a voting model, see ner.zh_voters)")  # fmt: skip
    p.add_argument("--lac-tags", action="store_true",
                   help="with --lac: feed the model LAC's PER/LOC/ORG tags with each character (ships LAC's tagger)")  # fmt: skip
    p.add_argument("--charlm-dim", type=int, default=0, metavar="HIDDEN",
                   help="train forward and backward character language models of this size, which the NER "
                   "model then reads (step charlm; 0: none)")  # fmt: skip
    p.add_argument("--charlm-epochs", type=int, default=10, help="epochs of the character language models")
    p.add_argument("--optim", default="adam")
    p.add_argument("--lr", type=float, default=0.002, help="learning rate (with --finetune: the one it restarts at)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--eval-interval", type=int, default=500)
    p.add_argument("--seed", type=int, default=None,
                   help="seed of the training copies and of Stanza's initialisation (the dev split stays the same)")  # fmt: skip
    p.add_argument("--sources", default="",
                   help="keep only the train and dev sentences of these corpora (comma-separated, e.g. msra_train) "
                        "and their copies, drawn as without it: for a model continued on one corpus")  # fmt: skip
    p.add_argument("--only", choices=["prepare", "vectors", "charlm", "train", "install"], help="run one step only")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    steps = [a.only] if a.only else ["prepare", "vectors", "charlm", "train", "install"]
    if a.finetune and not a.only:
        steps = ["train", "install"]
    if "prepare" in steps:
        prepare(a.data, a.work, use_cluener=a.cluener, augment_rate=a.augment, generated_names=a.generated_names,
                list_rate=a.name_lists, cluener_names=a.cluener_names, cluener_silver=a.cluener_silver,
                augment_seed=a.seed, sources=tuple(x.strip() for x in a.sources.split(",") if x.strip()))  # fmt: skip
    if "vectors" in steps:
        if a.lac_bigrams and a.lac is None:
            p.error("--lac-bigrams needs --lac")
        if a.lac_tags and a.lac is None:
            p.error("--lac-tags needs --lac")
        train_vectors(a.data, a.work, bigram_dim=a.bigram_dim, lac_dir=a.lac, lac_bigram_min_count=a.lac_bigrams)
        if a.lac_tags:
            convert_lac(a.lac, a.work / LAC_FOLDER)
            lac_tag_vectors(a.work)
    if "charlm" in steps and (a.charlm_dim or a.only == "charlm"):
        if not a.charlm_dim:
            p.error("--only charlm needs --charlm-dim")
        train_charlm(a.data, a.work, dim=a.charlm_dim, epochs=a.charlm_epochs, threads=a.threads)
    if "train" in steps:
        train(a.work, steps=a.steps, finetune=a.finetune, lr=a.lr, optim=a.optim, threads=a.threads,
              eval_interval=a.eval_interval, seed=1234 if a.seed is None else a.seed)  # fmt: skip
    if "install" in steps:
        install(a.work, a.out, half_vectors=a.half_vectors)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
