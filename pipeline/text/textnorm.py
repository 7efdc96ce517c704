"""Character normalization with an offset map back to the original text.

Both the pipeline's ``normalize`` stage and the Chinese NER training data go through
:func:`nfkc_with_offsets`, so the model sees exactly the characters it will meet at run
time (full-width digits and Latin letters become ASCII, compatibility forms are folded).

The map is what keeps every offset in the output tables pointing into the *original*
document text: ``offsets[i]`` is the original index of normalized character ``i``, and
``offsets[len(norm)]`` is the original length.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "CJK_RANGES",
    "INTERPUNCTS",
    "VIEW_CONFIGS",
    "Normalized",
    "has_chinese",
    "has_cjk",
    "is_cjk",
    "nfkc_with_offsets",
    "opencc_converter",
    "simplified_view",
    "to_simplified",
    "view_of",
]

CJK_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2FA1F),
)


def is_cjk(ch: str) -> bool:
    """Return True for a CJK unified ideograph (any extension block)."""
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in CJK_RANGES)


@dataclass(frozen=True)
class Normalized:
    """A normalized text and, for each of its characters, the original offset."""

    text: str
    offsets: tuple[int, ...]  # len(text) + 1 entries; the last is the original length

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the normalized text to the original text."""
        if end <= start:
            o = self.offsets[start]
            return o, o
        return self.offsets[start], self._end_of(end - 1)

    def _end_of(self, i: int) -> int:
        """Original end offset of normalized character ``i``."""
        o = self.offsets[i]
        j = i + 1
        while j < len(self.offsets) - 1 and self.offsets[j] == o:
            j += 1
        return self.offsets[j] if j < len(self.offsets) else o + 1


def _clusters(text: str):
    """Yield (start, end) of a base character plus the combining marks after it."""
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        yield i, j
        i = j


def nfkc_with_offsets(text: str) -> Normalized:
    """NFKC-normalize ``text`` cluster by cluster, keeping an offset map.

    Normalizing cluster by cluster (a base character with its combining marks) gives the
    same result as whole-string NFKC for news text, while every output character can be
    traced to the cluster it came from. Characters that NFKC deletes are dropped from the
    normalized text; their original span stays covered by the neighbouring offsets.

    Args:
        text: the original text.

    Returns:
        The normalized text and its offset map.
    """
    # most English text: nothing to change and no combining marks to group with their base
    if unicodedata.is_normalized("NFKC", text) and not any(map(unicodedata.combining, text)):
        return Normalized(text, tuple(range(len(text) + 1)))
    return _nfkc_by_cluster(text)


def _nfkc_by_cluster(text: str) -> Normalized:
    out: list[str] = []
    offsets: list[int] = []
    for start, end in _clusters(text):
        piece = text[start:end]
        norm = piece if piece.isascii() else unicodedata.normalize("NFKC", piece)
        out.append(norm)
        offsets.extend([start] * len(norm))
    offsets.append(len(text))
    return Normalized("".join(out), tuple(offsets))


@lru_cache(maxsize=8)
def opencc_converter(config: str):
    """One OpenCC converter per configuration name (``t2s``, ``s2twp``…), made once."""
    import opencc  # local import: only Chinese input needs it

    return opencc.OpenCC(config)


def to_simplified(text: str, *, config: str = "t2s") -> str:
    """Convert traditional Chinese to simplified, keeping the length unchanged.

    OpenCC converts phrase by phrase, which can (rarely) change the length of the text.
    Offsets must survive conversion, so when the phrase-level result differs in length
    we fall back to converting character by character.

    Args:
        text: text in traditional (or mixed) script.
        config: OpenCC configuration name, e.g. ``"t2s"``, ``"hk2s"``, ``"tw2s"``.

    Returns:
        Simplified text with ``len(result) == len(text)``.
    """
    cc = opencc_converter(config)
    converted = cc.convert(text)
    if len(converted) == len(text):
        return converted
    chars = []
    for ch in text:
        c = cc.convert(ch)
        chars.append(c if len(c) == 1 else ch)
    return "".join(chars)


# Middle dots that join the parts of a transliterated name (伊利哈姆·阿利耶夫): the ASCII-range
# U+00B7 of mainland text, and the variants other outlets and input methods produce.
INTERPUNCTS = "·•‧・･∙⋅"
_JOINED_DOT = re.compile(rf"(?<=\S)[{INTERPUNCTS[1:]}](?=\S)")
# traditional → simplified: OpenCC's Taiwan configuration first (it also folds Taiwan's
# variant characters: 著 → 着 in 隨著), then Hong Kong's (its variant characters)
VIEW_CONFIGS = ("tw2s", "hk2s")


def simplified_view(text: str, configs: tuple[str, ...] = VIEW_CONFIGS) -> str:
    """The simplified view of a Chinese text: what every Chinese rule, look-up and model reads.

    Same length as ``text``, character for character, so an offset into the view is an
    offset into the original: traditional characters become simplified (each OpenCC
    configuration in turn, see :func:`to_simplified`), and an interpunct variant between
    two characters (安娜•贝格, 安娜‧貝格) becomes ``·``. Made once per document by the
    normalize stage and carried in its record.
    """
    for config in configs:
        text = to_simplified(text, config=config)
    return _JOINED_DOT.sub("·", text)


def has_cjk(text: str) -> bool:
    """Some character of ``text`` is a CJK ideograph."""
    return any(is_cjk(ch) for ch in text)


def has_chinese(lang: str, segments: list | None) -> bool:
    """A document of language ``lang`` with these paragraph ``segments`` holds Chinese."""
    return lang == "zh" or any(seg[2] == "zh" for seg in segments or ())


def view_of(rec: dict) -> str:
    """The text every rule reads for a document record: its simplified view (``simplified``,
    made once by the normalize stage) when it has Chinese in it, else its text. A record
    with Chinese in it but no view (one built by hand) gets the view made now."""
    if rec.get("simplified"):
        return rec["simplified"]
    if has_chinese(rec.get("lang", ""), rec.get("segments")):
        return simplified_view(rec["text"])
    return rec["text"]
