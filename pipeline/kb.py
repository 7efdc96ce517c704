"""The knowledge base: one record per known entity, with English and Chinese names.

Built by ``diplograph build-kb`` into ``models/kb/entities.jsonl`` from:

- countries: ISO 3166 (``pycountry``) for the list, CLDR via ``Babel`` for English,
  simplified and traditional Chinese names (well-kept, offline, no hand-typed names);
  ISO entries that are not sovereign states (Taiwan, Hong Kong…) become locations;
- ``models/kb/curated.yaml``: persons, organizations, locations, demonyms and Chinese
  one-character abbreviations, with Wikidata ids only where known for certain.

At run time :class:`KnowledgeBase` loads the JSONL and answers name look-ups.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline.textnorm import INTERPUNCTS, has_cjk, opencc_converter, simplified_view

logger = logging.getLogger(__name__)

__all__ = ["KbEntity", "KnowledgeBase", "build", "name_key", "slug"]


def slug(text: str) -> str:
    """Lower-case id fragment: letters/digits (any script) joined by hyphens."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-_") or "x"


def name_key(name: str) -> str:
    """Look-up key of a name: NFKC, case-folded, no leading 'the', no possessive, single spaces."""
    s = unicodedata.normalize("NFKC", name).casefold().strip()
    s = re.sub(r"^the\s+", "", s)
    s = re.sub(r"['’]s$", "", s)
    s = re.sub(rf"[\s{INTERPUNCTS}]+", " ", s)
    return s.strip(" .,;:")


@dataclass
class KbEntity:
    """One knowledge-base entity."""

    entity_id: str
    type: str
    en: str
    zh: str = ""
    aliases: list[str] = field(default_factory=list)
    kb_id: str = ""
    country: str = ""  # entity_id of the person's or organization's country

    def names(self) -> list[str]:
        return [n for n in [self.en, self.zh, *self.aliases] if n]


def _countries(curated: dict) -> list[KbEntity]:
    import pycountry
    from babel import Locale

    en, zh, zht, zhhk = (Locale.parse(x).territories for x in ("en", "zh", "zh_Hant", "zh_Hant_HK"))
    not_countries = set(curated.get("not_countries", []))
    qids = curated.get("country_kb_ids", {})
    out = []
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        code = c.alpha_2
        name_en = en.get(code, getattr(c, "common_name", None) or c.name)
        name_en = re.sub(r" SAR China$", "", name_en)
        aliases = {
            c.name,
            getattr(c, "common_name", "") or "",
            getattr(c, "official_name", "") or "",
            zht.get(code, ""),  # Taiwan's name (紐西蘭, 沙烏地阿拉伯)
            zhhk.get(code, ""),  # Hong Kong's (沙地阿拉伯, 老撾)
        }
        typ = "location" if code in not_countries else "country"
        name_zh = zh.get(code, "")
        if typ == "location" and name_zh.startswith("中国") and len(name_zh) > 2:
            aliases.add(name_zh)
            name_zh = re.sub(r"特别行政区$", "", name_zh[2:])
        aliases.discard(name_en)
        aliases.discard(name_zh)
        out.append(KbEntity(f"{typ}:{slug(name_en)}", typ, name_en, name_zh,
                            sorted(a for a in aliases if a), qids.get(code, "") if typ == "country" else "",
                            f"iso:{code}"))  # fmt: skip
    return out


def build(curated_path: Path) -> list[dict]:
    """Build the KB records from CLDR/ISO and the curated file."""
    curated = yaml.safe_load(curated_path.read_text(encoding="utf-8"))
    countries = _countries(curated)
    by_iso = {e.country: e for e in countries}  # country field temporarily holds iso:XX
    records: list[KbEntity] = []
    for e in countries:
        iso = e.country
        e.country = ""
        records.append(e)
        by_iso[iso] = e
    # common English short names CLDR does not list as the name
    extra = {"US": ["USA", "U.S.", "America", "United States of America"], "GB": ["Britain", "UK", "U.K."],
             "CN": ["PRC", "People's Republic of China", "中华人民共和国"], "MN": ["蒙古国"],
             "RU": ["Russian Federation", "俄罗斯联邦"], "KP": ["DPRK", "朝鲜民主主义人民共和国"],
             "KR": ["ROK", "Republic of Korea", "大韩民国"]}  # fmt: skip
    for iso, names in extra.items():
        e = by_iso[f"iso:{iso}"]
        e.aliases = sorted(set(e.aliases) | set(names))
    for section, typ in (("persons", "person"), ("organizations", "organization"), ("locations", "location")):
        for item in curated.get(section, []):
            country = item.get("country")
            records.append(KbEntity(
                entity_id=f"{typ}:{item['key']}", type=typ, en=item["en"], zh=item.get("zh", ""),
                aliases=sorted(set(item.get("aliases", []))), kb_id=item.get("kb_id", ""),
                country=by_iso[f"iso:{country}"].entity_id if country else "",
            ))  # fmt: skip
    merged: dict[str, KbEntity] = {}
    for r in records:  # a curated location may refine an ISO entry (Taiwan, Hong Kong)
        if r.entity_id in merged:
            m = merged[r.entity_id]
            m.aliases = sorted(set(m.aliases) | set(r.aliases) | ({r.zh} - {m.zh, ""}))
            m.kb_id = m.kb_id or r.kb_id
        else:
            merged[r.entity_id] = r
    for r in merged.values():
        r.aliases = sorted(set(r.aliases) | (regional_forms([r.zh, *r.aliases]) - {r.zh, r.en}))
    out = [vars(r) for r in sorted(merged.values(), key=lambda r: r.entity_id)]
    meta = {
        "demonyms": {k: by_iso[f"iso:{v}"].entity_id for k, v in curated.get("demonyms", {}).items()},
        "zh_abbreviations": {k: by_iso[f"iso:{v}"].entity_id for k, v in curated.get("zh_abbreviations", {}).items()},
    }
    return [{"_meta": meta}, *out]


def regional_forms(names: list[str]) -> set[str]:
    """The forms under which the pipeline may meet a Chinese name: OpenCC's Taiwan and
    Hong Kong spellings (奥巴马 → 歐巴馬, 新西兰 → 紐西蘭) and, for each, the simplified
    view that look-ups compare (歐巴馬 → 欧巴马, 紐西蘭 → 纽西兰)."""
    out = set()
    for name in names:
        if not name or not has_cjk(name):
            continue
        for form in {name, *(opencc_converter(c).convert(name) for c in ("s2twp", "s2hk"))}:
            out |= {form, simplified_view(form)}
    return out


class KnowledgeBase:
    """Name → entity look-ups over the built KB."""

    def __init__(self, records: list[dict]) -> None:
        self.meta: dict = {}
        self.entities: dict[str, KbEntity] = {}
        self.by_name: dict[str, list[str]] = {}
        for r in records:
            if "_meta" in r:
                self.meta = r["_meta"]
                continue
            e = KbEntity(**r)
            self.entities[e.entity_id] = e
            for n in e.names():
                ids = self.by_name.setdefault(name_key(n), [])
                if e.entity_id not in ids:
                    ids.append(e.entity_id)
        self.demonyms = {name_key(k): v for k, v in self.meta.get("demonyms", {}).items()}
        self.zh_abbr: dict[str, str] = self.meta.get("zh_abbreviations", {})

    @classmethod
    def load(cls, path: Path) -> KnowledgeBase:
        """Load a built KB (JSONL); an empty KB when the file is missing."""
        if not path.exists():
            logger.warning("knowledge base %s not found: linking without it", path)
            return cls([])
        with path.open(encoding="utf-8") as f:
            return cls([json.loads(line) for line in f if line.strip()])

    def lookup(self, name: str, types: tuple[str, ...] | None = None) -> KbEntity | None:
        """The entity a name denotes, if exactly one matches (of the wanted types)."""
        ids = self.by_name.get(name_key(name), [])
        hits = [self.entities[i] for i in ids if types is None or self.entities[i].type in types]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:  # prefer a country over a location of the same name, etc.
            for t in types or ("country", "person", "organization", "location"):
                same = [h for h in hits if h.type == t]
                if len(same) == 1:
                    return same[0]
        return None

    def lookup_country_prefixed(self, name: str, *, min_rest: int = 2) -> KbEntity | None:
        """An organization named after its country's name, written without a space:
        中华人民共和国外交部, 蒙古国经济发展部 → the KB organization of that country named
        by the rest (外交部, 经济发展部). Official Chinese text prefixes bodies this way;
        the KB lists each body once. The rest must name an organization whose country is
        the prefix's (美国国务院 is not China's 国务院); the longest such prefix wins.
        """
        for cut in range(len(name) - min_rest, 1, -1):
            country = self.lookup(name[:cut], types=("country",))
            if country is None:
                continue
            org = self.lookup(name[cut:], types=("organization",))
            if org is not None and org.country == country.entity_id:
                return org
        return None

    def demonym(self, word: str) -> KbEntity | None:
        """Country of an English demonym ('Chinese' → China)."""
        eid = self.demonyms.get(name_key(word))
        return self.entities.get(eid) if eid else None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="diplograph build-kb", description="Build models/kb/entities.jsonl.")
    p.add_argument("--curated", type=Path, default=Path("models/kb/curated.yaml"))
    p.add_argument("--output", type=Path, default=Path("models/kb/entities.jsonl"))
    a = p.parse_args(argv)
    from pipeline.contract import write_jsonl

    recs = build(a.curated)
    write_jsonl(a.output, recs)
    logger.info("knowledge base: %d entities", len(recs) - 1)
    return 0
