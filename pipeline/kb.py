"""The knowledge base: one record per known entity, with English and Chinese names.

Built by ``diplograph build-kb`` into ``models/kb/entities.jsonl`` from:

- countries: ISO 3166 (``pycountry``) for the list, CLDR via ``Babel`` for English,
  simplified and traditional Chinese names (well-kept, offline, no hand-typed names);
  ISO entries that are not sovereign states (Taiwan, Hong Kong…) become locations;
- ``models/kb/curated.yaml``: organizations, locations, demonyms and Chinese
  one-character abbreviations, with Wikidata ids only where known for certain;
- ``models/kb/office_holders.yaml``: the office holders diplomatic news names (heads of
  state and government, foreign and defence ministers, speakers, heads of international
  organizations, China's leadership), from general knowledge of who held which office,
  never from the documents the pipeline is measured on; each with the offices held and
  the years (``offices``), so that :meth:`KnowledgeBase.holder` answers "who was C's
  foreign minister in 2019".

Building is the DVC stage ``kb`` (``dvc repro`` rebuilds when a source file changes). At
run time :class:`KnowledgeBase` loads the JSONL and answers name and office look-ups.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline.text.textnorm import INTERPUNCTS, has_cjk, opencc_converter, simplified_view

logger = logging.getLogger(__name__)

__all__ = ["KbEntity", "KnowledgeBase", "build", "name_key", "parse_office", "slug"]


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
    # persons: the offices held, {office, title, at (entity_id of the country or
    # organization), from, to} with dates "YYYY", "YYYY-MM" or "YYYY-MM-DD" ("" to: still)
    offices: list[dict] = field(default_factory=list)
    # names a look-up knows but that are never searched for in text: short Chinese forms that
    # also occur inside common words (比亚 in 利比亚, 黑格 in 黑格尔)
    lookup_only: list[str] = field(default_factory=list)

    def names(self) -> list[str]:
        """The names to find in text (the gazetteer): English, Chinese and the aliases."""
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


def demonyms(curated: dict[str, str], by_iso: dict[str, KbEntity]) -> dict[str, str]:
    """Every sovereign country's English demonym (Mauritian, Sri Lankan, Colombian), from
    ``countryinfo``'s country data, with the curated table (ISO code per word) on top.

    A word that the data gives to two countries (Congolese, Dominican) is left out unless the
    curated table settles it; dependent territories (type location) share their state's word
    (Chinese for Hong Kong, French for Réunion) and never take it. Returns word → entity id."""
    from countryinfo import CountryInfo

    found: dict[str, set[str]] = {}
    for key, e in sorted(by_iso.items()):
        if not key.startswith("iso:") or e.type != "country":
            continue
        try:
            words = CountryInfo(key[4:]).demonym() or ""
        except (KeyError, ValueError):  # a code the data does not know
            continue
        for word in (w.strip() for w in words.split(",")):
            if word and word != e.en:  # Djibouti's is its own name
                found.setdefault(word, set()).add(e.entity_id)
    out = {w: next(iter(ids)) for w, ids in sorted(found.items()) if len(ids) == 1}
    out.update({k: by_iso[f"iso:{v}"].entity_id for k, v in curated.items()})
    return out


_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_SHORTHAND = re.compile(
    r"^(?P<office>[a-z_]+)(?:@(?P<at>[\w-]+))?\s+(?P<from>[\d-]+)\.\.(?P<to>[\d-]*)(?:\s+(?P<title>\S.*))?$"
)
_FOLD = str.maketrans({"ı": "i", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae"})


def ascii_form(name: str) -> str:
    """The name without diacritics (Tô Lâm → To Lam, Erdoğan → Erdogan), as English outlets
    often write it; "" when that is the name itself or not Latin script."""
    if has_cjk(name):
        return ""
    folded = unicodedata.normalize("NFKD", name.translate(_FOLD))
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return folded if folded != name and folded.isascii() else ""


def parse_office(item: str | dict, default_at: str) -> dict:
    """One office of a person: ``"foreign_minister 2013-03..2022-12"`` (office, optional
    ``@XX`` country or ``@organization-key``, from..to, an empty to for "still in office",
    then optionally the title when it is not the office's usual one) or the same as a mapping ``{office, at, from, to, title}``. Returns the mapping with
    dates as strings and ``at`` defaulting to the person's country code."""
    if isinstance(item, str):
        m = _SHORTHAND.match(item.strip())
        if not m:
            raise ValueError(f"office {item!r}: expected 'office[@at] FROM..[TO]'")
        item = {k: v for k, v in m.groupdict().items() if v}
    out = {"office": item["office"], "at": str(item.get("at") or default_at),
           "from": str(item.get("from", "")), "to": str(item.get("to") or "")}  # fmt: skip
    if item.get("title"):
        out["title"] = item["title"]
    for k in ("from", "to"):
        if out[k] and not _DATE.match(out[k]):
            raise ValueError(f"office {item!r}: {k} {out[k]!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    if out["to"] and out["from"] > out["to"]:
        raise ValueError(f"office {item!r}: ends before it starts")
    return out


# common English short names CLDR does not list as the name
_COMMON_NAMES = {"US": ["USA", "U.S.", "America", "United States of America"], "GB": ["Britain", "UK", "U.K."],
                 "CN": ["PRC", "People's Republic of China", "中华人民共和国"], "MN": ["蒙古国"],
                 "RU": ["Russian Federation", "俄罗斯联邦"], "KP": ["DPRK", "朝鲜民主主义人民共和国"],
                 "KR": ["ROK", "Republic of Korea", "大韩民国"]}  # fmt: skip
_SECTIONS = (("persons", "person"), ("organizations", "organization"), ("locations", "location"))


def _country_records(curated: dict) -> tuple[list[KbEntity], dict[str, KbEntity]]:
    """The countries from CLDR/ISO with the short names outlets use, and ``iso:XX`` → country."""
    countries = _countries(curated)
    by_iso = {e.country: e for e in countries}  # country field temporarily holds iso:XX
    records: list[KbEntity] = []
    for e in countries:
        iso = e.country
        e.country = ""
        records.append(e)
        by_iso[iso] = e
    for iso, names in _COMMON_NAMES.items():
        e = by_iso[f"iso:{iso}"]
        e.aliases = sorted(set(e.aliases) | set(names))
    # short names outlets use that CLDR lacks (多米尼加); those that also occur inside other
    # words (大马 in 大马士革) are found only where the model tagged them
    for iso, names in (curated.get("country_aliases") or {}).items():
        e = by_iso[f"iso:{iso}"]
        e.aliases = sorted(set(e.aliases) | set(names))
    for iso, names in (curated.get("country_lookup_only") or {}).items():
        e = by_iso[f"iso:{iso}"]
        e.lookup_only = sorted(set(e.lookup_only) | set(names))
    return records, by_iso


def _office_place(curated: dict, holders: dict, by_iso: dict[str, KbEntity]):
    """The function from an office's ``at`` (an ISO code or an organization key) to an entity id."""
    org_keys = {o["key"] for src in (curated, holders) for o in src.get("organizations", [])}

    def at_id(at: str) -> str:
        if re.fullmatch(r"[A-Z]{2}", at):
            return by_iso[f"iso:{at}"].entity_id
        if at in org_keys:
            return f"organization:{at}"
        raise ValueError(f"office at {at!r}: neither an ISO country code nor an organization key")

    return at_id


def _offices(item: dict, country: str, holders: dict, at_id) -> list[dict]:
    """The offices of a curated entry, each with its title and the entity it was held at."""
    offices_table = holders.get("offices", {})
    country_titles = holders.get("country_titles", {})
    offices = []
    for o in item.get("offices", []):
        o = parse_office(o, country)
        if o["office"] not in offices_table:
            raise ValueError(f"{item['key']}: unknown office {o['office']!r}")
        code = o["at"]
        o.setdefault("title", country_titles.get(code, {}).get(o["office"])
                     or offices_table[o["office"]]["title"])  # fmt: skip
        o["at"] = at_id(code)
        offices.append(o)
    return offices


def _country_code(item: dict) -> str | None:
    """The ISO code of a curated entry's country, checked to be a string."""
    country = item.get("country")
    if country is not None and not isinstance(country, str):  # YAML reads a bare NO as false
        raise ValueError(f"{item['key']}: country {country!r} is not an ISO code (quote it)")
    return country


def _entity(item: dict, typ: str, country: str | None, offices: list[dict], by_iso: dict[str, KbEntity]) -> KbEntity:
    """One person, organization or location of the curated file or the office-holder list."""
    aliases = set(item.get("aliases", []))
    aliases |= {f for f in map(ascii_form, [item["en"], *aliases]) if f}
    return KbEntity(
        entity_id=f"{typ}:{item['key']}", type=typ, en=item["en"], zh=item.get("zh", ""),
        aliases=sorted(aliases - {item["en"]}), kb_id=item.get("kb_id", ""),
        country=by_iso[f"iso:{country}"].entity_id if country else "",
        offices=sorted(offices, key=lambda o: (o["from"], o["office"], o["at"])),
        lookup_only=sorted(set(item.get("lookup_only", []))),
    )  # fmt: skip


def _curated_records(curated: dict, holders: dict, by_iso: dict[str, KbEntity]) -> list[KbEntity]:
    """The entries of the curated file, then of the office-holder list (a person once)."""
    at_id = _office_place(curated, holders, by_iso)
    records: list[KbEntity] = []
    seen_persons: set[str] = set()
    for src in (curated, holders):
        for section, typ in _SECTIONS:
            for item in src.get(section, []):
                country = _country_code(item)
                offices = _offices(item, country or "", holders, at_id)
                if typ == "person":
                    if item["key"] in seen_persons:
                        raise ValueError(f"person {item['key']!r} listed twice")
                    seen_persons.add(item["key"])
                records.append(_entity(item, typ, country, offices, by_iso))
    return records


def _merged(records: list[KbEntity], regional_configs: tuple[str, ...]) -> list[KbEntity]:
    """One record per entity id (a curated location may refine an ISO entry: Taiwan, Hong
    Kong) with the regional forms of its Chinese names, sorted by id."""
    merged: dict[str, KbEntity] = {}
    for r in records:
        if r.entity_id in merged:
            m = merged[r.entity_id]
            m.aliases = sorted(set(m.aliases) | set(r.aliases) | ({r.zh} - {m.zh, ""}))
            m.kb_id = m.kb_id or r.kb_id
        else:
            merged[r.entity_id] = r
    for r in merged.values():
        r.aliases = sorted(set(r.aliases) | (regional_forms([r.zh, *r.aliases], regional_configs) - {r.zh, r.en}))
        r.lookup_only = sorted(set(r.lookup_only) | regional_forms(r.lookup_only, regional_configs))
    return sorted(merged.values(), key=lambda r: r.entity_id)


def build(curated_path: Path, office_holders_path: Path | None = None, *,
          regional_configs: tuple[str, ...] = ("s2twp", "s2hk")) -> list[dict]:  # fmt: skip
    """Build the KB records from CLDR/ISO, the curated file and the office-holder list."""
    curated = yaml.safe_load(curated_path.read_text(encoding="utf-8"))
    holders = yaml.safe_load(office_holders_path.read_text(encoding="utf-8")) if office_holders_path else {}
    holders = holders or {}
    records, by_iso = _country_records(curated)
    records += _curated_records(curated, holders, by_iso)
    out = [vars(r) for r in _merged(records, regional_configs)]
    offices_table = holders.get("offices", {})
    meta = {
        "demonyms": demonyms(curated.get("demonyms", {}), by_iso),
        "zh_abbreviations": {k: by_iso[f"iso:{v}"].entity_id for k, v in curated.get("zh_abbreviations", {}).items()},
        "iso": {k[4:]: e.entity_id for k, e in sorted(by_iso.items()) if k.startswith("iso:")},
        "offices": {k: {"title": v["title"], "forms": list(v.get("forms", []))} for k, v in offices_table.items()},
    }
    return [{"_meta": meta}, *out]


def regional_forms(names: list[str], configs: tuple[str, ...] = ("s2twp", "s2hk")) -> set[str]:
    """The forms under which the pipeline may meet a Chinese name: OpenCC's Taiwan and
    Hong Kong spellings (奥巴马 → 歐巴馬, 新西兰 → 紐西蘭) and, for each, the simplified
    view that look-ups compare (歐巴馬 → 欧巴马, 紐西蘭 → 纽西兰)."""
    out = set()
    for name in names:
        if not name or not has_cjk(name):
            continue
        for form in {name, *(opencc_converter(c).convert(name) for c in configs)}:
            out |= {form, simplified_view(form)}
    return out


def _bounds(date: str) -> tuple[str, str]:
    """The first and last day a date of any precision may mean (2023 → 2023-01-01, 2023-12-31)."""
    parts = date.split("-")
    lo = "-".join([*parts, *["01"] * (3 - len(parts))])
    hi = "-".join([*parts, *(["12", "31"][len(parts) - 1 :] if len(parts) < 3 else [])])
    return lo, hi


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
            for n in [*e.names(), *e.lookup_only]:
                ids = self.by_name.setdefault(name_key(n), [])
                if e.entity_id not in ids:
                    ids.append(e.entity_id)
        self.demonyms = {name_key(k): v for k, v in self.meta.get("demonyms", {}).items()}
        self.zh_abbr: dict[str, str] = self.meta.get("zh_abbreviations", {})
        self.iso: dict[str, str] = self.meta.get("iso", {})
        # office key → its forms in the title table ("Secretary of State", 外长) and back
        self.office_titles: dict[str, dict] = self.meta.get("offices", {})
        self.office_by_form: dict[str, list[str]] = {}
        for key, o in self.office_titles.items():
            for form in o.get("forms", []):
                self.office_by_form.setdefault(name_key(form), []).append(key)
        # (office, country or organization id) → [(person id, from, to)]
        self.terms: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        for e in self.entities.values():
            for o in e.offices:
                self.terms.setdefault((o["office"], o["at"]), []).append((e.entity_id, o["from"], o["to"]))

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

    def office_keys(self, title: str) -> list[str]:
        """The office keys a title names: a key itself (``foreign_minister``) or a form of
        the title table (Foreign Minister, Secretary of State, 外长 → ``foreign_minister``)."""
        if title in self.office_titles:
            return [title]
        return list(self.office_by_form.get(name_key(title), []))

    def _place_id(self, where: str) -> str:
        """The entity id of a country or organization given as an id, an ISO code or a name."""
        if where in self.entities:
            return where
        if where.upper() in self.iso and len(where) == 2:
            return self.iso[where.upper()]
        e = self.lookup(where, types=("country", "organization")) or self.demonym(where)
        return e.entity_id if e else ""

    def holder(self, title: str, country: str, date: str | None = None) -> str | None:
        """Who held an office of a country or organization on a date.

        Args:
            title: an office key (``head_of_state``, ``foreign_minister``…) or a title as
                the title table writes it ("Prime Minister", "Secretary-General", 外长).
            country: an ISO alpha-2 code ("CN"), an entity id (``country:china``,
                ``organization:united-nations``) or a name the KB knows ("中国").
            date: "YYYY", "YYYY-MM" or "YYYY-MM-DD"; None for the holder now (an open term).

        Returns:
            The person's entity id when exactly one holder fits; None when nobody or
            several do (a year in which the office changed hands, with year-precise terms).
        """
        at = self._place_id(country)
        if not at:
            return None
        for key in self.office_keys(title):
            terms = self.terms.get((key, at), [])
            if date is None:
                now = {eid for eid, _, to in terms if not to}
                if now:
                    return next(iter(now)) if len(now) == 1 else None
                continue
            d_lo, d_hi = _bounds(str(date)[:10])
            possible, sure = set(), set()
            for eid, start, end in terms:
                s_lo, s_hi = _bounds(start) if start else ("0000", "0000")
                e_lo, e_hi = _bounds(end) if end else ("9999", "9999")
                if s_lo <= d_hi and d_lo <= e_hi:
                    possible.add(eid)
                    if s_hi <= d_lo and d_hi <= e_lo:
                        sure.add(eid)
            if len(sure) == 1:
                return next(iter(sure))
            if len(possible) == 1:
                return next(iter(possible))
            if possible:
                return None
        return None

    def offices_of(self, entity_id: str, date: str | None = None) -> list[dict]:
        """A person's offices ({office, title, at, from, to}), those that may have been held on
        ``date`` when one is given, in the order they began."""
        e = self.entities.get(entity_id)
        if e is None:
            return []
        if date is None:
            return list(e.offices)
        d_lo, d_hi = _bounds(str(date)[:10])
        return [o for o in e.offices
                if (_bounds(o["from"])[0] if o["from"] else "0000") <= d_hi
                and d_lo <= (_bounds(o["to"])[1] if o["to"] else "9999")]  # fmt: skip

    def affiliations_of(self, entity_id: str, date: str | None = None) -> list[str]:
        """The countries and organizations a person belongs to: the person's country, then
        the places of the offices held (on ``date`` when given), each once, in that order."""
        e = self.entities.get(entity_id)
        if e is None:
            return []
        out = [e.country] if e.country else []
        for o in self.offices_of(entity_id, date):
            if o["at"] not in out:
                out.append(o["at"])
        return out

    def demonym(self, word: str) -> KbEntity | None:
        """Country of an English demonym ('Chinese' → China)."""
        eid = self.demonyms.get(name_key(word))
        return self.entities.get(eid) if eid else None


def main(argv: list[str] | None = None) -> int:
    from pipeline.contract import write_jsonl
    from pipeline.params import load_section, stage_parser

    p = stage_parser("build-kb", "Build models/kb/entities.jsonl.")
    p.add_argument("--curated", type=Path, default=Path("models/kb/curated.yaml"))
    p.add_argument("--office-holders", type=Path, default=Path("models/kb/office_holders.yaml"))
    p.add_argument("--output", type=Path, default=Path("models/kb/entities.jsonl"))
    a = p.parse_args(argv)
    params = load_section(a.params if a.params.exists() else None, "kb")
    recs = build(a.curated, a.office_holders if a.office_holders.exists() else None,
                 regional_configs=params.regional_configs)  # fmt: skip
    write_jsonl(a.output, recs)
    ents = recs[1:]
    counts = {t: sum(r["type"] == t for r in ents) for t in ("country", "location", "organization", "person")}
    counts["persons_with_zh"] = sum(r["type"] == "person" and bool(r["zh"]) for r in ents)
    counts["persons_with_offices"] = sum(bool(r["offices"]) for r in ents)
    counts["offices"] = sum(len(r["offices"]) for r in ents)
    logger.info("knowledge base: %d entities (%s)", len(ents), json.dumps(counts))
    if a.metrics:
        a.metrics.parent.mkdir(parents=True, exist_ok=True)
        a.metrics.write_text(json.dumps(counts, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0
