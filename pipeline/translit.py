"""Does a Chinese transliteration name the same person as a Latin-script name?

Pure functions, no I/O: :func:`link.corpus_remap` uses them to join, across a run, a
foreign name written in Chinese (布林肯, 伊利哈姆·阿利耶夫) with the English name of
another document (Blinken, Ilham Aliyev), and two Latin spellings of one name (Japarov /
Zhaparov, Byun-se / Byung-se).

Both sides are reduced to a *consonant skeleton*: vowels and glides dropped, consonants
folded into the classes that Chinese transliteration keeps apart (Xinhua's tables write
both l and r with 尔/利/罗, b/p/f/v/w with 布/普/夫/维/威, and s/z/j/ch/sh with
斯/兹/杰/奇/什). The Chinese side is read through Hanyu Pinyin (pypinyin): each syllable
gives its initial's class and an N for a nasal final (布林肯 bu·lin·ken → ``PLNKN``,
Blinken → ``PLNKN``). Skeletons of two or three classes are short enough to meet by
chance, so the caller asks for corroboration there (see :func:`needs_evidence`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

__all__ = [
    "SkeletonIndex", "close", "deletion_keys", "edit_distance", "is_transliteration", "latin_skeleton", "latin_skeletons", "measure",
    "needs_evidence", "pinyin_skeleton", "zh_parts",
]  # fmt: skip

# Latin letters (and digraphs, longest first) → class; "" drops the letter
_LATIN_DIGRAPHS = (
    ("sch", "S"), ("tch", "S"), ("dzh", "S"), ("kh", "K"), ("gh", "K"), ("ch", "S"), ("sh", "S"), ("zh", "S"),
    ("ph", "P"), ("th", "T"), ("ck", "K"), ("qu", "K"), ("ng", "N"), ("dj", "S"), ("ts", "S"), ("tz", "S"),
)  # fmt: skip
_LATIN = {
    **dict.fromkeys("bpfvw", "P"),
    **dict.fromkeys("dt", "T"),
    **dict.fromkeys("gkq", "K"),
    **dict.fromkeys("sjzc", "S"),
    **dict.fromkeys("lr", "L"),
    "m": "M",
    "n": "N",
    "x": "KS",
}
_VOWELS = set("aeiouy")
MIN_FUZZY = 4  # skeletons this long may be one edit apart
# pinyin initials (two-letter ones first) → class
_PINYIN_INITIALS = (
    ("zh", "S"), ("ch", "S"), ("sh", "S"),
    *((c, "P") for c in "bpfw"), *((c, "T") for c in "dt"), *((c, "K") for c in "gkh"),
    *((c, "S") for c in "jqxzcs"), *((c, "L") for c in "lr"), ("m", "M"), ("n", "N"), ("y", ""),
)  # fmt: skip


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def _squeeze(s: str) -> str:
    return re.sub(r"(.)\1+", r"\1", s)


@lru_cache(maxsize=65536)
def latin_skeletons(word: str) -> tuple[str, ...]:
    """:func:`latin_skeleton`, and where it differs, the skeleton without the r that ends
    the word, which Chinese often leaves unwritten (Carter 卡特, Harper 哈珀)."""
    full = latin_skeleton(word)
    coda = latin_skeleton(re.sub(r"(?<=[aeiouy])r+\b", "", _fold(word)))
    return (full,) if coda == full else (full, coda)


@lru_cache(maxsize=65536)
def latin_skeleton(word: str) -> str:
    """Consonant classes of a Latin-script word or name: ``Blinken`` → ``PLNKN``,
    ``Zhaparov`` → ``SPLP`` (= ``Japarov``). A c before e/i/y is an s; an h sounds only
    at the start of a word."""
    out = []
    for n, w in enumerate(re.findall(r"[^\W\d_]+", _fold(word))):
        i, first = 0, True
        if n == 0 and w[0] in _VOWELS:
            out.append("A")
        while i < len(w):
            for dg, cls in _LATIN_DIGRAPHS:
                if w.startswith(dg, i):
                    out.append(cls)
                    i += len(dg)
                    break
            else:
                c = w[i]
                if c == "c" and w[i + 1 : i + 2] not in ("e", "i", "y"):
                    out.append("K")
                elif c == "h":
                    out.append("K" if first or w[i - 1] in _VOWELS else "")
                else:
                    out.append(_LATIN.get(c, ""))
                i += 1
            first = False
    return _squeeze("".join(out))


@lru_cache(maxsize=65536)
def pinyin_skeleton(name: str) -> str:
    """Consonant classes of a Chinese transliteration read in pinyin: ``米歇尔`` (mi·xie·er)
    → ``MSL``, ``扎帕罗夫`` (zha·pa·luo·fu) → ``SPLP``. 尔 (er) is an l/r; a final n or ng
    is an N."""
    from pypinyin import Style, lazy_pinyin

    out = []
    for n, syl in enumerate(lazy_pinyin(name.replace("·", ""), style=Style.NORMAL)):
        if not syl.isascii() or not syl.isalpha():
            continue
        if n == 0 and (syl[0] in _VOWELS or syl.startswith("wu")):
            out.append("A")  # 伊 yi, 阿 a, 乌 wu: the name starts with a vowel
        if syl == "er":
            out.append("L")
            continue
        for ini, cls in _PINYIN_INITIALS:
            if syl.startswith(ini):
                out.append(cls)
                break
        if syl.endswith(("n", "ng")) and len(syl) > 1:
            out.append("N")
    return _squeeze("".join(out))


# characters that Xinhua's transliteration tables use often and Chinese, Japanese and
# Korean personal names seldom: a name holding none of them (岸信夫, 朴振) is not matched
TRANSLITERATION_CHARS = set(
    "斯尔姆奥茨兹蒂埃伊赫娅耶索萨纳贝卡瓦乌恩莱诺洛科塔妮拉尼普布克特罗比欧阿德夫利里亚娃维戈马穆默曼"
)


def is_transliteration(name: str) -> bool:
    """The name holds a character of :data:`TRANSLITERATION_CHARS` and no regnal
    number (查尔斯三世)."""
    return any(c in TRANSLITERATION_CHARS for c in name) and not name.endswith("世")


def zh_parts(name: str) -> list[str]:
    """The parts of a transliterated name, split at its interpuncts (伊利哈姆·阿利耶夫 → two)."""
    return [p for p in re.split(r"[·•‧・･.\s]+", name) if p]


def deletion_keys(skeleton: str) -> set[str]:
    """Blocking keys: the skeleton and every form with one class left out. Two skeletons
    within one edit of each other share a key, so candidates are found by look-up, never by
    comparing every pair."""
    return {skeleton, *(skeleton[:i] + skeleton[i + 1 :] for i in range(len(skeleton)))}


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def close(a: str, b: str) -> bool:
    """Two skeletons name the same sounds: equal, or (from four classes on) one edit apart."""
    if not a or not b:
        return False
    if a == b:
        return True
    return min(len(a), len(b)) >= MIN_FUZZY and edit_distance(a, b) <= 1


def needs_evidence(skeleton: str) -> bool:
    """A skeleton this short (``LP`` for Rubio, ``MSL`` for Michel) meets other names by
    chance: a match needs a shared country or person besides."""
    return len(skeleton) < 4


_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
_PARTICLES = {"de", "di", "da", "del", "della", "van", "von", "der", "den", "la", "le", "du", "dos", "das", "al", "el"}


def surname_forms(tokens: list[str]) -> list[str]:
    """The forms a transliteration may write of a name's last word: the word without a
    suffix (Jr, III), with the particles before it (de la Fuente 德拉富恩特, Di Maio 迪马约)
    and without the particle it is joined to (al-Sharaa 沙拉)."""
    toks = list(tokens)
    while len(toks) > 1 and toks[-1] in _SUFFIXES:
        toks.pop()
    last = toks[-1]
    out = [last]
    head = last.split("-", 1)
    if len(head) == 2 and head[0] in _PARTICLES:
        out.append(head[1])
    i = len(toks) - 1
    while i > 0 and toks[i - 1] in _PARTICLES:
        i -= 1
    if i < len(toks) - 1:
        out.append("".join(toks[i:]))
    return out


class SkeletonIndex:
    """Latin-script names by the skeleton of their last word, for :meth:`candidates`."""

    def __init__(self) -> None:
        self._by_key: dict[str, set[str]] = {}
        self.tokens: dict[str, list[str]] = {}
        self.lasts: dict[str, list[str]] = {}

    def add(self, key: str, tokens: list[str]) -> None:
        """Index a name (its folded tokens, :func:`pipeline.link.name_tokens`) under ``key``."""
        if not tokens:
            return
        self.tokens[key] = tokens
        self.lasts[key] = surname_forms(tokens)
        for last in self.lasts[key]:
            for sk in latin_skeletons(last):
                for k in deletion_keys(sk):
                    self._by_key.setdefault(k, set()).add(key)

    def near(self, skeleton: str) -> set[str]:
        """The keys whose last word's skeleton is within one edit of ``skeleton`` (by look-up)."""
        out: set[str] = set()
        for k in deletion_keys(skeleton):
            out |= self._by_key.get(k, set())
        return out

    def candidates(self, zh: str, *, fuzzy: bool = True) -> list[str]:
        """The names a Chinese transliteration may write, sorted: the last part's skeleton
        close to the last word's; with a first part and a first word, their skeletons start
        alike or are close too (Ilham / 伊利哈姆)."""
        parts = zh_parts(zh)
        if not parts or not is_transliteration(zh):
            return []
        sk = pinyin_skeleton(parts[-1])
        if len(sk) < 2:
            return []
        out = []
        for key in sorted(self.near(sk)):
            toks = self.tokens[key]
            if not any(close(sk, x) if fuzzy else sk == x for last in self.lasts[key] for x in latin_skeletons(last)):
                continue
            if len(parts) >= 2:  # 伊利哈姆·阿利耶夫: an English name of two words or more, first ones alike
                first_zh, first_en = pinyin_skeleton(parts[0]), latin_skeleton(toks[0])
                if len(toks) < 2 or (first_zh[:2] != first_en[:2] and not close(first_zh, first_en)):
                    continue
            out.append(key)
        return out


def measure(persons: list[tuple[str, list[str], str, str]], variant: Callable[[list[str], list[str]], bool]) -> dict:
    """The matcher on a list of known persons ``(key, English name tokens, Chinese name,
    country)``, the link between the two names hidden: each Chinese name is matched against
    every English name. Counts, per Chinese name: ``right`` (one candidate, the person's
    own), ``wrong`` (one candidate, another person), ``ambiguous`` (several: no join),
    ``none``; ``short_right``/``short_wrong`` of them for skeletons that need evidence;
    ``country_right``/``country_wrong``: the same with the candidates cut to the person's
    country (what a run's evidence does: the country is named beside the name). And for
    the Latin spelling rule (``variant``), the pairs of different persons it would call one
    (``spelling_false``, before evidence) of ``spelling_pairs`` compared through the index."""
    index = SkeletonIndex()
    country = {key: c for key, _, _, c in persons}
    for key, toks, _, _ in persons:
        index.add(key, toks)
    counts = dict.fromkeys(("right", "wrong", "ambiguous", "none", "short_right", "short_wrong", "country_right",
                            "country_wrong"), 0)  # fmt: skip

    def outcome(cands: list[str], key: str) -> str:
        return "none" if not cands else "ambiguous" if len(cands) > 1 else "right" if cands[0] == key else "wrong"

    for key, _, zh, c in persons:
        if not zh:
            continue
        cands = index.candidates(zh, fuzzy=False)  # as a run asks
        res = outcome(cands, key)
        counts[res] += 1
        if res in ("right", "wrong") and needs_evidence(pinyin_skeleton(zh_parts(zh)[-1])):
            counts[f"short_{res}"] += 1
        res = outcome([x for x in cands if c and country[x] == c], key)
        if res in ("right", "wrong"):
            counts[f"country_{res}"] += 1
    pairs = false = 0
    for key, toks, _, _ in persons:
        for other in index.near(latin_skeleton(toks[-1])) if toks else ():
            if other > key:
                pairs += 1
                false += variant(toks, index.tokens[other])
    counts.update(spelling_pairs=pairs, spelling_false=false)
    return counts
