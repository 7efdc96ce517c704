"""The knowledge base's source files hold together: unique keys, real ISO codes, Chinese names
in Chinese script, no alias shared by two persons unless both mark it ambiguous, no surname
that many people bear as an alias, offices of the office table with sane dates, and the
title forms of the office table in the meeting rules' title table."""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import pycountry
import pytest
import yaml

from pipeline.kb import _bounds, name_key, parse_office
from pipeline.text.textnorm import has_cjk, simplified_view

ROOT = Path(__file__).resolve().parents[2]
KB_DIR = ROOT / "models" / "kb"
SECTIONS = ("persons", "organizations", "locations")
# surnames borne by too many people to name one (Chinese, Korean, Vietnamese and English
# ones) and English words that are also surnames: never an alias on their own
COMMON_SURNAMES = {
    "li", "wang", "zhang", "liu", "chen", "yang", "zhao", "huang", "zhou", "wu", "xu", "sun", "hu", "zhu", "gao", "lin",
    "he", "guo", "ma", "luo", "kim", "lee", "park", "choi", "nguyen", "tran", "le", "pham", "singh", "khan", "ali",
    "smith", "johnson", "brown", "jones", "williams", "miller", "davis", "wilson", "taylor", "harris", "martin",
    "may", "hunt", "rice", "cooper", "king", "long", "young", "white", "black", "green", "austin", "kerry", "bolton",
    "sharif", "hussein", "hassan", "abdullah", "mohammed", "muhammad", "ahmed", "rodriguez", "fernandez", "castro",
    "李", "王", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "金", "朴",
}  # fmt: skip


@lru_cache(maxsize=1)
def sources() -> dict[str, dict]:
    return {name: yaml.safe_load((KB_DIR / name).read_text(encoding="utf-8"))
            for name in ("curated.yaml", "office_holders.yaml")}  # fmt: skip


def items(section: str) -> list[dict]:
    return [item for src in sources().values() for item in src.get(section) or []]


def persons() -> list[dict]:
    return items("persons")


def test_kb_data_keys_unique():
    for section in SECTIONS:
        keys = [i["key"] for i in items(section)]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        assert not dup, f"{section}: keys listed twice: {dup}"
        bad = [k for k in keys if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", k)]
        assert not bad, f"{section}: keys not in lower-case-hyphen form: {bad}"


def test_kb_data_iso_codes():
    codes = {c.alpha_2 for c in pycountry.countries}
    for section in SECTIONS:
        # a bare NO is YAML's false: Norway's code must be quoted
        bad = [(i["key"], i["country"]) for i in items(section) if "country" in i and i["country"] not in codes]
        assert not bad, f"{section}: not ISO 3166 alpha-2: {bad}"


def test_kb_data_names_in_their_script():
    for section in SECTIONS:
        for i in items(section):
            assert i.get("en") and not has_cjk(i["en"]), i["key"]
            if i.get("zh"):
                assert has_cjk(i["zh"]) and not re.search(r"[A-Za-z]", i["zh"]), i["key"]
                assert simplified_view(i["zh"]) == i["zh"], f"{i['key']}: zh {i['zh']!r} is not simplified"
            if i.get("kb_id"):
                assert re.fullmatch(r"Q\d+", i["kb_id"]), i["key"]


def _names(person: dict) -> set[str]:
    names = [person["en"], person.get("zh", ""), *person.get("aliases", []), *person.get("lookup_only", [])]
    return {name_key(n) for n in names if n}


def test_kb_data_no_alias_shared_by_two_persons_unless_ambiguous():
    owners = defaultdict(set)
    for p in persons():
        for n in _names(p):
            owners[n].add(p["key"])
    ambiguous = {p["key"]: {name_key(a) for a in p.get("ambiguous", [])} for p in persons()}
    bad = {n: sorted(keys) for n, keys in owners.items()
           if len(keys) > 1 and not all(n in ambiguous[k] for k in keys)}  # fmt: skip
    assert not bad, f"names shared by several persons (mark them `ambiguous` in each): {bad}"
    for p in persons():  # an ambiguous name must be one of the person's names
        assert ambiguous[p["key"]] <= _names(p), p["key"]


def test_kb_data_no_common_surname_or_short_alias():
    for p in persons():
        for a in p.get("aliases", []):
            k = name_key(a)
            assert k not in COMMON_SURNAMES, f"{p['key']}: alias {a!r} names too many people"
            if has_cjk(a):
                assert len(a) >= 2, f"{p['key']}: one-character alias {a!r}"
            else:
                assert len(a.replace(".", "").replace(" ", "")) >= 3, f"{p['key']}: alias {a!r} too short"


@lru_cache(maxsize=1)
def _dictionary() -> dict[str, int]:
    """jieba's general Chinese dictionary: word → frequency."""
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    return {w: int(f) for w, f, *_ in (line.split() for line in path.read_text(encoding="utf-8").splitlines())}


def test_kb_data_short_chinese_names_inside_common_words_are_lookup_only():
    """A Chinese form of a foreign name, two or three characters, that mostly occurs inside other words of a
    general dictionary (比亚 in 利比亚, 哥伦比亚; 黑格 in 黑格尔) would be found in text where it
    names nobody: it is a look-up name only, and the person's zh is the full form."""
    words = _dictionary()
    bad = []
    for p in persons():
        if p.get("country") in ("CN", "HK", "MO", "TW"):
            continue  # a Chinese name inside a longer one (刘鹤 in 刘鹤年) is another person's, tagged whole
        for n in [p.get("zh", ""), *p.get("aliases", [])]:
            if not n or not has_cjk(n) or len(n) > 3 or "·" in n:
                continue
            inside = sum(f for w, f in words.items() if n in w and w != n)
            # two characters: a transliteration that common (拉索 in 斜拉索, 比奥 in 比奥利) names
            # others too; three: when it occurs inside other words more than alone
            if (len(n) == 2 and inside >= 20) or (inside >= 100 and inside > words.get(n, 0)):
                bad.append((p["key"], n, inside))
    assert not bad, f"move these to lookup_only: {bad}"


def test_kb_data_offices_sane():
    holders = sources()["office_holders.yaml"]
    table = holders["offices"]
    org_keys = {o["key"] for o in items("organizations")}
    codes = {c.alpha_2 for c in pycountry.countries}
    terms = defaultdict(list)
    for p in persons():
        for raw in p.get("offices", []):
            o = parse_office(raw, p.get("country", ""))
            assert o["office"] in table, f"{p['key']}: unknown office {o['office']}"
            assert o["at"] in codes or o["at"] in org_keys, f"{p['key']}: office at {o['at']!r}"
            assert "1940" <= o["from"] <= "2026-12-31", f"{p['key']}: from {o['from']}"
            assert not o["to"] or o["to"] <= "2026-12-31", f"{p['key']}: to {o['to']}"
            terms[(o["office"], o["at"])].append((p["key"], o["from"], o["to"]))
    # one holder at a time, but where the office is shared: terms may meet only at their ends
    clashes = []
    for (office, at), ts in terms.items():
        if table[office].get("shared"):
            continue
        for i, (a, af, at_) in enumerate(ts):
            for b, bf, bt in ts[i + 1 :]:
                if a == b:
                    continue
                a_lo, a_hi = _bounds(af)[1], _bounds(at_)[0] if at_ else "9999"
                b_lo, b_hi = _bounds(bf)[1], _bounds(bt)[0] if bt else "9999"
                if a_lo < b_hi and b_lo < a_hi:
                    clashes.append((office, at, a, b))
    assert not clashes, f"overlapping terms of one office: {clashes}"


def test_kb_data_office_forms_are_in_the_title_table():
    rules = yaml.safe_load((ROOT / "models" / "rules" / "meetings.yaml").read_text(encoding="utf-8"))
    forms = {f for t in rules["titles"] for lang in ("en", "zh") for f in t.get(lang, [])}
    table = sources()["office_holders.yaml"]["offices"]
    missing = {k: [f for f in o.get("forms", []) if f not in forms] for k, o in table.items()}
    assert not {k: v for k, v in missing.items() if v}, missing


@pytest.mark.parametrize("section", ["persons"])
def test_kb_data_breadth(section):
    """The office list stays broad (hundreds of persons, nearly all with a Chinese name)."""
    ps = items(section)
    assert len(ps) >= 400
    assert sum(bool(p.get("zh")) for p in ps) >= 0.95 * len(ps)
