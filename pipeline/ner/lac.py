"""Baidu's LAC lexical analyser (Apache-2.0) run in torch, as a feature for Chinese NER.

LAC cuts a sentence with a small dictionary, reads its words (or the characters of
unknown ones) through an embedding, two bidirectional GRU layers and a CRF, and tags
each unit with a part of speech or PER/LOC/ORG/TIME. It was trained on far more text
than the corpora here, so it knows names they never show; our Stanza model reads its
PER/LOC/ORG tags as part of each character token (:func:`zh_ner_data.lac_tag_tokens`).

The weights come from the PyPI package ``LAC`` 2.1.2 (PaddlePaddle files), converted once
by ``train-zh-ner --lac DIR --lac-tags`` (:func:`train_zh_ner.convert_lac`) into
``lac.pt`` plus LAC's own dictionaries. This module needs torch only: no Paddle.
The GRU is Paddle's ``dynamic_gru`` (reset gate applied before the recurrent product,
unlike ``torch.nn.GRU``), so it is written out here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

WEIGHTS = "lac.pt"
DICTS = ("word.dic", "tag.dic", "q2b.dic", "small_seg.dic")
_LATIN_DIGIT = re.compile(r"[a-zA-Z0-9]")


def _read_pairs(path: Path, sep: str) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if sep in line:
            a, _, b = line.partition(sep)
            out.append((a, b.strip("\r") if sep == "\t" else b.strip()))
    return out


class LacTagger:
    """LAC's tagger, loaded from a folder with ``lac.pt`` and LAC's ``conf`` dictionaries."""

    def __init__(self, folder: str | Path) -> None:
        import torch

        folder = Path(folder)
        missing = [n for n in (WEIGHTS, *DICTS) if not (folder / n).exists()]
        if missing:
            raise RuntimeError(f"LAC files missing in {folder}: {', '.join(missing)}")
        w = torch.load(folder / WEIGHTS, map_location="cpu", weights_only=True)
        # the embedding stays float16 in memory (rows are widened as they are looked up)
        self.w = {k: v if k == "emb" else v.float() for k, v in w.items()}
        self.word2id = {word: int(i) for i, word in _read_pairs(folder / "word.dic", "\t")}
        self.id2label = {int(i): tag for i, tag in _read_pairs(folder / "tag.dic", "\t")}
        self.q2b = dict(_read_pairs(folder / "q2b.dic", "\t"))
        self.oov = self.word2id.get("OOV", len(self.word2id) - 1)
        # LAC's segmenter: a prefix dict whose words map to their length, prefixes to None
        self.prefixes: dict[str, int | None] = {}
        total = 0
        for word, count in _read_pairs(folder / "small_seg.dic", " "):
            self.prefixes[word] = len(word)
            for k in range(1, len(word)):
                self.prefixes.setdefault(word[:k], None)
            total += int(count)
        self.log_total = math.log(total)

    def cut(self, text: str) -> list[str]:
        """LAC's dictionary cut (``Segment.fast_cut``): the route that maximizes the sum of
        log(word length) − log(total count), runs of single Latin letters and digits joined."""
        n = len(text)
        dag = {i: [i] for i in range(n)}
        for head in range(n):
            end = head + 1
            while end <= n and text[head:end] in self.prefixes:
                if self.prefixes[text[head:end]]:
                    dag[head].append(end - 1)
                end += 1
        route: dict[int, tuple[float, int]] = {n: (0.0, 0)}
        for i in range(n - 1, -1, -1):
            route[i] = max(
                (math.log(self.prefixes.get(text[i : j + 1]) or 1) - self.log_total + route[j + 1][0], j)
                for j in dag[i]
            )
        out, buf, i = [], "", 0
        while i < n:
            end = route[i][1] + 1
            word = text[i:end]
            if len(word) == 1 and _LATIN_DIGIT.match(word):
                buf += word
            else:
                if buf:
                    out.append(buf)
                    buf = ""
                out.append(word)
            i = end
        if buf:
            out.append(buf)
        return out

    def units(self, text: str) -> tuple[list[int], list[int]]:
        """Vocabulary ids of the units LAC reads (known words whole, else characters), and
        the length of each unit."""
        ids, lengths = [], []
        for word in self.cut(text):
            if word in self.word2id:  # as LAC's reader: the replacement's id, else OOV
                ids.append(self.word2id.get(self.q2b.get(word, word), self.oov))
                lengths.append(len(word))
            else:
                for c in word:
                    ids.append(self.word2id.get(self.q2b.get(c, c), self.oov))
                    lengths.append(1)
        return ids, lengths

    def _gru(self, x, lengths, name: str, reverse: bool):
        """Paddle's ``dynamic_gru`` over a padded batch (``x``: B × T × 3H, already projected)."""
        import torch

        weight, bias = self.w[f"{name}.w"], self.w[f"{name}.b"]
        b_, t_, _ = x.shape
        h_ = weight.shape[0]
        flat = weight.reshape(-1)  # Paddle stores the gate block (H × 2H), then the candidate block (H × H)
        w_gates, w_cand = flat[: 2 * h_ * h_].reshape(h_, 2 * h_), flat[2 * h_ * h_ :].reshape(h_, h_)
        x = x + bias.reshape(-1)
        if reverse:  # reverse each sequence within its own length
            idx = torch.arange(t_).expand(b_, t_)
            order = torch.where(idx < lengths[:, None], (lengths[:, None] - 1 - idx).clamp(min=0), idx)
            x = x.gather(1, order[:, :, None].expand_as(x))
        h = torch.zeros(b_, h_)
        steps = []
        for t in range(t_):
            gates = torch.sigmoid(x[:, t, : 2 * h_] + h @ w_gates)
            update, reset = gates[:, :h_], gates[:, h_:]
            cand = torch.tanh(x[:, t, 2 * h_ :] + (reset * h) @ w_cand)
            h = update * cand + (1 - update) * h
            steps.append(h)
        out = torch.stack(steps, 1)
        if reverse:
            out = out.gather(1, order[:, :, None].expand_as(out))
        return out

    def _viterbi(self, emissions, length: int) -> list[int]:
        crf = self.w["crf"]  # row 0: start, row 1: end, then transitions from → to
        start, end, trans = crf[0], crf[1], crf[2:]
        score = start + emissions[0]
        back = []
        for t in range(1, length):
            best, idx = (score[:, None] + trans).max(0)
            back.append(idx)
            score = best + emissions[t]
        last = int((score + end).argmax())
        path = [last]
        for idx in reversed(back):
            last = int(idx[last])
            path.append(last)
        return path[::-1]

    def tag(self, texts: Sequence[str], *, batch_size: int = 128) -> list[list[str]]:
        """One LAC tag per character of each text (``PER-B``, ``PER-I``, ``n-B``, …).

        Texts go through the network in batches of similar length (little padding)."""
        out: list[list[str]] = [[] for _ in texts]
        items = sorted(((i, *self.units(text)) for i, text in enumerate(texts) if text), key=lambda it: len(it[1]))
        for k in range(0, len(items), batch_size):
            self._tag_batch(items[k : k + batch_size], out)
        return out

    def _tag_batch(self, items: list[tuple[int, list[int], list[int]]], out: list[list[str]]) -> None:
        import torch

        lengths = torch.tensor([len(ids) for _, ids, _ in items])
        ids = torch.zeros(len(items), int(lengths.max()), dtype=torch.long)
        for k, (_, unit_ids, _) in enumerate(items):
            ids[k, : len(unit_ids)] = torch.tensor(unit_ids)
        with torch.no_grad():
            x = self.w["emb"][ids].float()
            for layer in range(2):
                projected = {d: x @ self.w[f"{layer}{d}.fc.w"] + self.w[f"{layer}{d}.fc.b"].reshape(-1) for d in "fr"}
                x = torch.cat([self._gru(projected[d], lengths, f"{layer}{d}.gru", d == "r") for d in "fr"], 2)
            emissions = x @ self.w["out.w"] + self.w["out.b"].reshape(-1)
            for k, (i, unit_ids, unit_lengths) in enumerate(items):
                tags: list[str] = []
                for label, n in zip(self._viterbi(emissions[k], len(unit_ids)), unit_lengths, strict=True):
                    tag = self.id2label[label]
                    tags += [tag] + [tag[:-2] + "-I"] * (n - 1)
                out[i] = tags
