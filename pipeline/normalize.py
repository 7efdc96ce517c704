"""Stage 1 — normalize: bytes on disk → decoded documents with language, script and metadata.

Core (pure): :func:`decode_bytes`, :func:`normalize_document`. Shell: :func:`main`, which
reads an input folder (``*.txt``, ``*.jsonl``, ``*.html``), and writes
``documents.jsonl`` — one record per input file or JSONL line, whatever happened to it.

Each record keeps the *original* decoded text; later stages normalize it again with the
offset map of :mod:`pipeline.text.textnorm`, so every offset they write indexes this text.

Libraries: ``charset-normalizer`` guesses encodings that are not UTF-8/UTF-16 (GB18030,
GBK, Big5…); ``opencc`` tells simplified from traditional script; ``langdetect`` (seeded,
so deterministic) tells English from other Latin-script languages. All work offline.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from pipeline import contract
from pipeline.params import NormalizeParams, load_section, stage_parser
from pipeline.text import gazetteer
from pipeline.text.dates import anchor_of, find_publication_date
from pipeline.text.textnorm import CJK_RANGES, has_chinese, is_cjk, simplified_view, to_simplified

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".jsonl", ".html", ".htm")


class DecodeError(ValueError):
    """The bytes are not text we can read."""


@dataclass
class RawDoc:
    """An input document before normalization."""

    doc_id: str
    source: str
    data: bytes | str
    meta: dict = field(default_factory=dict)
    error: str = ""  # set when the input was already unusable (bad JSONL line…)


# --------------------------------------------------------------------------- decoding


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode file bytes; return ``(text, encoding)``.

    Order: byte-order marks (UTF-8/16/32), strict UTF-8, UTF-16 without BOM (recognized by
    its NUL pattern), then charset-normalizer's best guess. Binary data (PDF, images,
    NUL bytes that are not UTF-16) raises :class:`DecodeError`.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    for bom, enc in ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
                     (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):  # fmt: skip
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="strict"), enc
    if data.startswith(b"%PDF"):
        raise DecodeError("PDF file, not text")
    utf16 = _sniff_utf16(data)
    if utf16:
        return data.decode(utf16, errors="replace"), utf16
    try:
        return data.decode("utf-8", errors="strict"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4000]:
        raise DecodeError("binary file (NUL bytes), not text")
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise DecodeError("undecodable bytes: no text encoding fits")
    enc = best.encoding
    if enc in ("gb2312", "gbk"):
        enc = "gb18030"  # superset: never fail on characters outside GB2312/GBK
    return data.decode(enc, errors="replace"), enc


# printable ASCII and the usual whitespace, CJK ideographs, CJK punctuation, full-width forms
_PLAUSIBLE = re.compile(
    "[\t\n\r\x20-\x7e\u3000-\u303f\uff00-\uffef" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in CJK_RANGES) + "]+"
)


def _plausible_text_share(text: str) -> float:
    """Share of characters that are printable ASCII, whitespace, CJK or CJK punctuation."""
    if not text:
        return 0.0
    return (len(text) - len(_PLAUSIBLE.sub("", text))) / len(text)


def _sniff_utf16(data: bytes) -> str | None:
    """UTF-16 without a byte-order mark: LE or BE when the data reads as text in it.

    ASCII in UTF-16 shows as NUL bytes on every other position; Chinese has few NULs, so
    both byte orders are also tried outright and kept when nearly every character is
    text (GBK or binary data read as UTF-16 gives surrogates, Hangul, private use…).
    """
    if len(data) < 2 or len(data) % 2:
        return None
    sample = data[:4000] if len(data) > 4000 else data
    sample = sample[: len(sample) // 2 * 2]
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            text = sample.decode(enc, errors="strict")
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            continue
        nul_share = sample[1::2].count(0) if enc == "utf-16-le" else sample[0::2].count(0)
        if (nul_share > 0.3 * len(sample) / 2 or not data.isascii()) and _plausible_text_share(text) >= 0.95:
            if nul_share == 0 and _plausible_text_share_utf8(data) >= 0.95:
                return None  # valid UTF-8 text that merely also decodes as UTF-16
            return enc
    return None


def _plausible_text_share_utf8(data: bytes) -> float:
    try:
        return _plausible_text_share(data[:4000].decode("utf-8", errors="strict"))
    except UnicodeDecodeError:
        return 0.0


class _TextExtractor(HTMLParser):
    """Visible text of an HTML page (no scripts, styles or tags)."""

    _SKIP = frozenset({"script", "style", "noscript", "template", "head"})
    _BLOCK = frozenset(
        {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "title"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self._SKIP:
            self._skip += 1
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self._SKIP and self._skip:
            self._skip -= 1
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._skip:
            self.parts.append(data)


def html_to_text(page: str) -> tuple[str, str]:
    """Return ``(text, title)`` of an HTML page; paragraphs become blank-line separated."""
    p = _TextExtractor()
    p.feed(page)
    p.close()
    text = "".join(p.parts)
    lines = [re.sub(r"[ \t\u3000]+", " ", ln).strip() for ln in text.splitlines()]
    text = "\n\n".join(ln for ln in lines if ln)
    return text, html.unescape(" ".join("".join(p.title).split()))


# --------------------------------------------------------------------------- language


_CJK_RX = re.compile("[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in CJK_RANGES) + "]")
_LATIN_RX = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in (*range(0x250), *range(0x1E00, 0x1F00), *range(0xFF21, 0xFF5B))
                  if chr(c).isalpha()) + "]"
)  # fmt: skip
_CYRILLIC_RX = re.compile("[" + "".join(re.escape(chr(c)) for c in range(0x400, 0x530) if chr(c).isalpha()) + "]")


def script_counts(text: str) -> dict[str, int]:
    """Count letters by script: CJK ideographs, Latin, Cyrillic, other letters (regular
    expressions: this runs on every paragraph of every document)."""
    cjk_chars = "".join(_CJK_RX.findall(text))
    cjk = len(cjk_chars)
    latin = len(_LATIN_RX.findall(text))
    cyrillic = len(_CYRILLIC_RX.findall(text))
    other = sum(map(str.isalpha, text)) - sum(map(str.isalpha, cjk_chars)) - latin - cyrillic
    return {"cjk": cjk, "latin": latin, "cyrillic": cyrillic, "other": other}


def detect_language(text: str) -> str:
    """``zh``, ``en`` or ``other`` for a whole document.

    Chinese is recognized by its ideographs (a CJK character carries about as much as a
    Latin word, so 20% of letters suffice); Latin-script text is English when langdetect
    says so (seeded, deterministic).
    """
    c = script_counts(text)
    letters = sum(c.values())
    if letters == 0:
        return "other"
    if c["cjk"] >= 0.2 * letters:
        return "zh"
    if c["latin"] < 0.5 * letters:
        return "other"
    return "en" if _is_english(text) else "other"


def _is_english(text: str) -> bool:
    """English by its function words when they are plentiful (ordinary running text:
    fast, and certain), else by langdetect (seeded, deterministic), else again by
    function words for short leads that langdetect's n-grams get wrong because of names
    ("President Xi Jinping met … Khurelsukh in Beijing")."""
    words = _WORD.findall(text[:5000].lower())
    hits = sum(w in _EN_FUNCTION_WORDS for w in words)
    if hits >= 20 and hits >= 0.15 * len(words):
        return True
    from langdetect import DetectorFactory, LangDetectException, detect_langs

    DetectorFactory.seed = 0
    try:
        langs = detect_langs(text[:5000])
    except LangDetectException:
        langs = []
    if any(lang.lang == "en" and lang.prob >= 0.5 for lang in langs):
        return True
    return hits >= 2 and hits >= 0.12 * len(words)


_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
# common English function words that are not also common words of other Latin-script
# languages (no "a", "on", "de", "la"…)
_EN_FUNCTION_WORDS = frozenset(
    "the of and to in with by from for is was were are has have had said that this which who will at after "
    "during its his her their met".split()
)


def language_segments(text: str, start: int, doc_lang: str) -> list[list]:
    """Paragraph-level languages of a mixed English/Chinese document.

    Each line is Chinese when ideographs make up a fifth of its letters, else takes the
    document's Latin-script language (``en``) or ``other``; lines without letters join the
    paragraph before them. Consecutive lines of one language form a segment
    ``[start, end, lang]``. Returns ``[]`` when the whole document is one language.
    """
    segs: list[list] = []
    pos = start
    for line in text[start:].splitlines(keepends=True):
        c = script_counts(line)
        letters = sum(c.values())
        if letters == 0:
            lang = segs[-1][2] if segs else None
        elif c["cjk"] >= 0.2 * letters:
            lang = "zh"
        elif c["latin"] >= 0.5 * letters:
            lang = "en" if doc_lang == "en" else ("en" if _is_english(line) else "other")
        else:
            lang = "other"
        end = pos + len(line)
        if lang is None:
            pos = end
            continue
        if segs and segs[-1][2] == lang:
            segs[-1][1] = end
        else:
            segs.append([pos, end, lang])
        pos = end
    langs = {s[2] for s in segs}
    return segs if len(langs) > 1 and "zh" in langs else []


def detect_script(text: str, *, opencc_config: str = "t2s") -> str:
    """For Chinese: ``simplified``, ``traditional`` or ``mixed`` (by what OpenCC changes)."""
    cjk = [ch for ch in text if is_cjk(ch)]
    if not cjk:
        return ""
    sample = "".join(cjk[:20000])
    changed = sum(a != b for a, b in zip(sample, to_simplified(sample, config=opencc_config), strict=True))
    if changed == 0:
        return "simplified"
    # traditional text changes on many common characters (們 說 這 會 國…)
    ratio = changed / len(sample)
    if ratio >= 0.05:
        return "traditional"
    return "mixed" if ratio >= 0.01 else "simplified"


# --------------------------------------------------------------------------- metadata

# " date 2025-11-19", " date 2023-10" (month known only) or " date 2023" as the first line
DATE_LINE = re.compile(r"\A[ \t\ufeff]*date[ \t]+(\d{4}(?:-\d{2}(?:-\d{2})?)?)\b[ \t]*\n?", re.IGNORECASE)
BOILERPLATE = re.compile(
    r"^\s*(?:\((?:Web )?editors?:.*\)|(?:Web )?editors?:.*|Reference\(s\):.*|[(（]责任编辑[:：].*[)）]|责任编辑[:：].*"
    r"|【纠错】.*|Source:.*|Related:?|Share:?|Copyright.*|版权所有.*)\s*$",
    re.IGNORECASE | re.MULTILINE,
)


# Wire datelines: "BEIJING, May 14 (Xinhua) --", "MOSCOW (Reuters) -", "新华社北京5月14日电".
EN_DATELINE = re.compile(
    r"^[ \t]*(?P<place>[A-Z][A-Za-z.'\-]*(?:[ ][A-Z][A-Za-z.'\-]*){0,3})"
    r"(?:,[ \t]+(?P<date>(?:Jan|Feb|Mar|Apr|May|June?|July?|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?[ \t]+\d{1,2}))?"
    r"[ \t]*\((?P<agency>[A-Za-z][A-Za-z .'/&-]{1,30})\)[ \t]*(?:--|—|–|-)",
    re.MULTILINE,
)
ZH_DATELINE = re.compile(
    r"^[ \t\u3000]*(?:【[^】\n]{0,20}】)?[ \t\u3000]*(?P<agency>新华社|中新社|中新网|人民网|央视网|国际在线|环球网|\w{2,6}社)"
    r"(?P<place>[\u4e00-\u9fff]{2,8}?)(?P<date>\d{1,2}月\d{1,2}日)电",
    re.MULTILINE,
)
# "NEW YORK: Prime Minister …", "WASHINGTON — The president …" (Indian and US outlets, no
# agency): a place in capitals that the gazetteer knows, then a colon or a dash
EN_DATELINE_BARE = re.compile(
    r"^[ \t]*(?P<place>[A-Z][A-Z.'\-]+(?:[ ][A-Z][A-Z.'\-]+){0,3})"
    r"(?:,[ \t]+(?P<date>(?:Jan|Feb|Mar|Apr|May|June?|July?|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?[ \t]+\d{1,2}))?"
    r"[ \t]*(?::|--|—|–)[ \t]+(?=[A-Z])",
    re.MULTILINE,
)
# the day-only and bracketed forms of Taiwan, Hong Kong and Southeast Asian outlets:
# （中央社华盛顿16日综合外电报导）, 中央社／ 圣保罗16日专电, 中央社记者X台北16日电, （新加坡30日讯）
ZH_DATELINE_DAY = re.compile(
    r"^[ \t\u3000]*(?P<open>[（(])?(?:(?P<agency>[\u4e00-\u9fff]{1,4}社)(?P<reporter>记者[\u4e00-\u9fff]{2,4}?)?"
    r"[ \t\u3000／/]*)?(?P<place>[\u4e00-\u9fff]{2,8}?)(?P<date>(?:\d{1,2}月)?\d{1,2}日)"
    r"(?:专电|综合外电报[导道]|综合报[导道]|外电报[导道]|电(?![话视邀报])|讯)[）)]?",
    re.MULTILINE,
)

# the date and place that sign a statement or a joint communiqué: （二〇二二年十一月二十八日  北京）
_ZN = "[0-9〇零○一二三四五六七八九十]"
ZH_SIGNATURE = re.compile(
    rf"[（(][ \t\u3000]*(?P<date>(?:{_ZN}{{4}}年)?{_ZN}{{1,2}}月{_ZN}{{1,3}}日)[ \t\u3000，,于在]*"
    r"(?P<place>[\u4e00-\u9fff]{2,8})[ \t\u3000]*[）)]"
)


def _dateline_place(m: re.Match) -> tuple[int, int]:
    """The place of a day-only dateline; after a reporter's name (记者林明台北16日电),
    the longest end of the name run that the gazetteer knows."""
    ps, pe = m.span("place")
    if m.group("reporter"):
        run_start = m.start("reporter") + 2
        for a in range(run_start + 1, pe - 1):
            if gazetteer.lookup(m.string[a:pe]) is not None:
                return a, pe
    return ps, pe


def find_dateline(text: str, body_start: int = 0, *, window: int = 2000) -> dict | None:
    """The wire dateline near the top of an article: place (as written), its span, the
    date text and the end of the dateline (where the story starts)."""
    head_end = min(len(text), body_start + window)
    for rx in (EN_DATELINE, ZH_DATELINE):
        m = rx.search(text, body_start, head_end)
        if m:
            return {"place": m.group("place"), "place_start": m.start("place"), "place_end": m.end("place"),
                    "date_text": m.group("date") or "", "agency": m.group("agency"), "end": m.end()}  # fmt: skip
    for m in EN_DATELINE_BARE.finditer(text, body_start, head_end):
        if gazetteer.lookup(m.group("place").title()) is not None:
            return {"place": m.group("place"), "place_start": m.start("place"), "place_end": m.end("place"),
                    "date_text": m.group("date") or "", "agency": "", "end": m.end()}  # fmt: skip
    for m in ZH_DATELINE_DAY.finditer(text, body_start, head_end):
        if m.group("open") or m.group("agency"):  # a bare "北京16日电" line is not told from a sentence
            ps, pe = _dateline_place(m)
            return {"place": text[ps:pe], "place_start": ps, "place_end": pe, "date_text": m.group("date"),
                    "agency": m.group("agency") or "", "end": m.end()}  # fmt: skip
    for m in ZH_SIGNATURE.finditer(text, body_start, min(len(text), body_start + 300)):
        if getattr(gazetteer.lookup(m.group("place")), "kind", "") == "city":
            return {"place": m.group("place"), "place_start": m.start("place"), "place_end": m.end("place"),
                    "date_text": m.group("date"), "agency": "", "end": m.end()}  # fmt: skip
    return None


def find_boilerplate(text: str) -> list[list[int]]:
    """Spans of credit lines, source lines and similar that carry no article content."""
    return [[m.start(), m.end()] for m in BOILERPLATE.finditer(text) if m.group().strip()]


def guess_title(text: str, body_start: int) -> str:
    """The first line, when it reads like a headline (short, no final full stop)."""
    first = text[body_start:].lstrip().split("\n", 1)[0].strip()
    if not first or len(first) > 150:
        return ""
    if "\n" not in text[body_start:].strip():
        return ""
    if first[-1] in '.。!！?？;；:：,，"”' and not first.endswith("）"):
        return ""
    return first


def normalize_document(raw: RawDoc, params: NormalizeParams) -> contract.DocRecord:
    """Decode and describe one document.

    Returns a JSON-able record: the :class:`contract.Document` fields plus ``text`` (the
    original decoded text), ``body_start`` (after a leading ``date`` line), and
    ``skip_spans`` (boilerplate the NER stage ignores).
    """
    rec = contract.Document(doc_id=raw.doc_id, source=raw.source, lang="", script="", date="",
                            title="", n_chars=0, status="ok", error="")  # fmt: skip
    out = {"text": "", "simplified": "", "body_start": 0, "skip_spans": [], "dateline": None, "segments": []}
    if raw.error:
        rec.status, rec.error = "error", raw.error
        return {**asdict(rec), **out}
    try:
        if isinstance(raw.data, bytes):
            text, _enc = decode_bytes(raw.data)
        else:
            text = raw.data
    except (DecodeError, UnicodeDecodeError, LookupError) as e:
        rec.status, rec.error = "error", f"cannot decode: {e}"
        return {**asdict(rec), **out}
    meta_title = raw.meta.get("title") or ""
    if raw.meta.get("html"):
        text, page_title = html_to_text(text)
        meta_title = meta_title or page_title
    rec.n_chars = len(text)
    out["text"] = text
    m = DATE_LINE.match(text)
    body_start = m.end() if m else 0
    out["body_start"] = body_start
    if len(text[body_start:].strip()) < params.min_chars:
        rec.status, rec.error = "skipped", f"empty or too short (< {params.min_chars} characters)"
        return {**asdict(rec), **out}
    if len(text) > params.max_chars:
        # only the head goes on (offsets still index the original, of which it is a prefix)
        cut = text.rfind("\n", params.max_chars // 2, params.max_chars)
        cut = cut if cut > 0 else params.max_chars
        rec.error = f"text cut at {cut} of {len(text)} characters (normalize.max_chars)"
        text = text[:cut]
        out["text"] = text
    lang = (raw.meta.get("lang") or "").lower().split("-")[0] or detect_language(text[body_start:])
    rec.lang = lang if lang in ("en", "zh") else "other"
    rec.script = detect_script(text) if rec.lang == "zh" else ("latin" if rec.lang == "en" else "")
    rec.title = " ".join(str(meta_title).split()) or guess_title(text, body_start)
    if rec.lang in ("en", "zh"):
        out["segments"] = language_segments(text, body_start, rec.lang)
    # Chinese text: every rule below and in the later stages reads the simplified view
    has_zh = has_chinese(rec.lang, out["segments"])
    view = simplified_view(text, tuple(params.opencc_configs)) if has_zh else text
    out["simplified"] = view if has_zh else ""
    if m and anchor_of(m.group(1)) is not None:
        rec.date = m.group(1)
    elif m:  # " date 2024-13-45": the line is a header, but no date
        rec.error = "; ".join(filter(None, [rec.error, f"date header {m.group(1)!r} is not a calendar date (ignored)"]))
    elif raw.meta.get("date"):
        rec.date = str(raw.meta["date"])[:10]
    else:
        rec.date = find_publication_date(view[body_start : body_start + 600]) or ""
    out["skip_spans"] = find_boilerplate(view)
    dateline = find_dateline(view, body_start)
    if dateline:  # the place as written in the original
        dateline["place"] = text[dateline["place_start"] : dateline["place_end"]]
    out["dateline"] = dateline
    if rec.lang not in params.languages:
        rec.status, rec.error = (
            "skipped",
            f"language {rec.lang!r} is not processed (languages: {', '.join(params.languages)})",
        )
    return {**asdict(rec), **out}


# --------------------------------------------------------------------------- reading inputs

_SAFE_ID = re.compile(r"[^\w.\-]+", re.UNICODE)


def safe_id(value: str) -> str:
    """An id usable in tables and never as a path: no separators, no leading dots."""
    s = _SAFE_ID.sub("_", value.strip()).strip("._")
    return s[:200] or "doc"


def read_inputs(folder: Path) -> list[RawDoc]:
    """Every supported file of ``folder`` (recursively, sorted) as raw documents.

    Unsupported files and bad JSONL lines become documents with an ``error``, so that every
    input is accounted for in documents.csv.
    """
    return list(iter_inputs(folder))


def iter_inputs(folder: Path) -> Iterator[RawDoc]:
    """:func:`read_inputs` one document at a time (a file is read when its turn comes)."""
    seen: set[str] = set()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not any(
            part.startswith(".") for part in p.relative_to(folder).parts)):  # fmt: skip
        for d in _read_file(folder, path):
            yield _unique_id(d, seen)


def _read_file(folder: Path, path: Path) -> list[RawDoc]:
    rel = path.relative_to(folder).as_posix()
    suffix = path.suffix.lower()
    stem = safe_id(path.relative_to(folder).with_suffix("").as_posix())
    try:
        data = path.read_bytes()
    except OSError as e:
        return [RawDoc(stem, rel, b"", error=f"cannot read file: {e.strerror or e}")]
    if suffix == ".jsonl":
        return _read_jsonl(data, rel, stem)
    if suffix in (".html", ".htm"):
        return [RawDoc(stem, rel, data, meta={"html": True})]
    if suffix == ".txt":
        return [RawDoc(stem, rel, data)]
    return [RawDoc(stem, rel, b"", error=f"unsupported file type {suffix or '(none)'!r}")]


def _read_jsonl(data: bytes, rel: str, stem: str) -> list[RawDoc]:
    try:
        text, _ = decode_bytes(data)
    except (DecodeError, UnicodeDecodeError) as e:
        return [RawDoc(stem, rel, b"", error=f"cannot decode JSONL file: {e}")]
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        src = f"{rel}:{n}"
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("line is not a JSON object")
            body = obj.get("text")
            if not isinstance(body, str):
                raise ValueError("no string field 'text'")
        except ValueError as e:
            out.append(RawDoc(f"{stem}_line{n}", src, b"", error=f"bad JSONL line: {e}"))
            continue
        doc_id = safe_id(str(obj.get("id") or f"{stem}_line{n}"))
        meta = {k: obj[k] for k in ("date", "url", "title", "lang") if obj.get(k)}
        out.append(RawDoc(doc_id, src, body, meta=meta))
    return out


def _unique_id(d: RawDoc, seen: set[str]) -> RawDoc:
    """Make ``d``'s id unique among ``seen``: a repeated id becomes an error row with a
    suffix (the first occurrence is kept)."""
    if d.doc_id in seen:
        n = 2
        while f"{d.doc_id}~{n}" in seen:
            n += 1
        if not d.error:
            d.error = f"duplicate id {d.doc_id!r} (first occurrence kept)"
        d.doc_id = f"{d.doc_id}~{n}"
    seen.add(d.doc_id)
    return d


def main(argv: list[str] | None = None) -> int:
    from pipeline.run.progress import counter

    p = stage_parser("normalize", "Decode inputs; detect language, script, dates.")
    p.add_argument("--input", type=Path, required=True, help="folder of *.txt / *.jsonl / *.html articles")
    p.add_argument("--output", type=Path, required=True, help="documents.jsonl to write")
    a = p.parse_args(argv)
    params = load_section(a.params, "normalize")
    # streams: one input at a time, only counts are kept
    out = contract.JsonlWriter(a.output)
    bar = counter(desc="normalize")
    counts = dict.fromkeys(("ok", "skipped", "error"), 0)
    langs: dict[str, int] = {}
    try:
        for raw in iter_inputs(a.input):
            d = normalize_document(raw, params)
            out.add([d])
            bar.update(1)
            if d["status"] in counts:
                counts[d["status"]] += 1
            langs[d["lang"]] = langs.get(d["lang"], 0) + 1
    except BaseException:
        out.discard()
        raise
    finally:
        bar.close()
    n = out.close()
    logger.info("normalize: %d documents %s", n, counts)
    contract.write_metrics(a.metrics, {"documents": n, "status": counts, "lang": dict(sorted(langs.items()))})
    return 0
