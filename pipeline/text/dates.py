"""Date expressions in English and Chinese news, resolved against the publication date.

The publication date (a ``date`` header at day, month or year precision, a dateline, or
metadata: :class:`Anchor`) anchors every relative expression: weekdays ("on Sunday",
周四), the day of the report and the days before it ("today", "yesterday", 今日, 昨日,
前天), the weekend before ("over the weekend", 上周末: its Saturday to Sunday) and a
weekday of the week before (上周三), a day of the month alone (17日), "earlier this
month", "last month", 本月, 上月, a month without a year, and ranges ("May 14-16",
5月14日至16日). A wire dateline's day (华盛顿16日电, filed the day before its page's
date) anchors them in place of the page's date (:func:`dateline_anchor`). An expression that needs
more precision than the anchor has (a weekday against a month-only header) gives no date:
no date is better than an invented one. Nothing depends on today's date.

What stays hand-written, and why. dateparser (``search_dates``) was weighed for English:
in running text it finds far more false dates ("May" the verb, "March" the noun, bare
numbers), fills missing fields with values of the anchor rather than saying it does not
know them (a month-only expression comes back as a day), and has no notion of the
precision an analyst needs; its ``parse`` of an isolated expression covers what the
dozen patterns below already do. For Chinese, JioNLP's time parser is a large
dependency (its dictionaries load at import) for the handful of forms wire copy uses,
and cn2an would replace the eight lines of :func:`_zh_number` only. The patterns are
the forms news uses, each returning its character span so that evidence can be shown;
the unit tests (tests/unit/test_dates.py) list them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["Anchor", "DateMention", "anchor_of", "dateline_anchor", "find_dates", "find_publication_date", "parse_iso"]

MONTHS = {m.lower(): i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"], 1)}  # fmt: skip
MONTHS.update({k[:3]: v for k, v in list(MONTHS.items())})
MONTHS["sept"] = 9
WEEKDAYS = {d: i for i, d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}
ZH_DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}

_MONTH_NAMES = r"Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
_MON = rf"(?P<mon>{_MONTH_NAMES})\.?"
_ZN = r"[0-9〇零○一二三四五六七八九十]"

EN_PATTERNS = [
    ("iso", re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b")),
    # ranges: "May 14-16", "May 14 to 16, 2024", "14-16 May"
    (
        "md_range",
        re.compile(
            rf"\b{_MON}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:-|–|to|and)\s*(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b(?:\s*,?\s*(?P<y>\d{{4}}))?(?![\d:])"
        ),
    ),
    (
        "dm_range",
        re.compile(
            rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:-|–|to|and)\s*(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MON}\b(?:\s*,?\s*(?P<y>\d{{4}}))?"
        ),
    ),
    ("mdy", re.compile(rf"\b{_MON}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*,\s*|\s+)(?P<y>\d{{4}})\b")),
    ("dmy", re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MON}\s*,?\s+(?P<y>\d{{4}})\b")),
    ("md", re.compile(rf"\b{_MON}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*,?\s*\d{{4}})(?![\d:])")),
    ("dm", re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MON}\b(?!\s*,?\s*\d{{4}})")),
    ("my", re.compile(rf"\b{_MON}\s*,?\s+(?P<y>\d{{4}})\b")),
    (
        "m",
        re.compile(
            r"\b(?:in|since|during|of|last|this|early|late|mid-?)\s+(?:early\s+|late\s+|mid-?)?(?P<mon>January|February|March|April|May|June|July|August|September|October|November|December)\b(?!\s+\d)"
        ),
    ),
    (
        "m_poss",
        re.compile(
            r"\b(?P<mon>January|February|March|April|May|June|July|August|September|October|November|December)'s\b"
        ),
    ),
    (
        "weekday",
        re.compile(
            # a weekday followed by its date in brackets ("Thursday (Oct 30)") gives way to the date
            r"\b(?:(?:on|last|this|earlier on)\s+)?(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
            rf"(?!\s*[(（]\s*(?:{_MONTH_NAMES})\.?\s*\d)"
        ),
    ),
    # the weekend before the report: "last weekend", "over the weekend" (a two-day range)
    ("weekend", re.compile(r"\b(?:last|over the|at the|on the|past) weekend\b", re.IGNORECASE)),
    # the day of the report and the day before it
    ("today", re.compile(r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b", re.IGNORECASE)),
    ("yesterday", re.compile(r"\b(?:yesterday|last night)\b", re.IGNORECASE)),
    ("this_month", re.compile(r"\b(?:earlier|later)?\s*this month\b", re.IGNORECASE)),
    ("last_month", re.compile(r"\blast month\b", re.IGNORECASE)),
    ("this_year", re.compile(r"\b(?:this|earlier this|later this)\s+year\b", re.IGNORECASE)),
    ("year", re.compile(r"\b(?:in|since|during)\s+(?P<y>(?:19|20)\d{2})\b(?!\s*[-–]\s*\d)")),
]
ZH_PATTERNS = [
    (
        "zh_rel",
        re.compile(rf"(?P<rel>今年|去年|明年|前年|本年)\s?(?P<m>{_ZN}{{1,2}})\s?月(?:(?P<d>{_ZN}{{1,3}})[日号])?"),
    ),
    (
        "zh_ymd",
        re.compile(
            rf"(?P<y>{_ZN}{{4}})年(?P<m>{_ZN}{{1,2}})月(?P<d>{_ZN}{{1,3}})[日号](?:(?:至|到|—|-|－)(?:(?P<m2>{_ZN}{{1,2}})月)?(?P<d2>{_ZN}{{1,3}})[日号])?"
        ),
    ),
    (
        "zh_md",
        re.compile(
            rf"(?<![0-9〇零○一二三四五六七八九十年])(?P<m>{_ZN}{{1,2}})月(?P<d>{_ZN}{{1,3}})[日号](?:(?:至|到|—|-|－)(?:(?P<m2>{_ZN}{{1,2}})月)?(?P<d2>{_ZN}{{1,3}})[日号])?"
        ),
    ),
    ("zh_ym", re.compile(rf"(?P<y>{_ZN}{{4}})年(?P<m>{_ZN}{{1,2}})月(?!{_ZN})")),
    ("zh_m", re.compile(rf"(?<![0-9〇零○一二三四五六七八九十年])(?P<m>{_ZN}{{1,2}})月(?!{_ZN}|份?[0-9])")),
    ("zh_y", re.compile(rf"(?P<y>(?:19|20)\d{{2}}|[一二]〇[〇一二三四五六七八九]{{2}})年(?!{_ZN}{{1,2}}月|代)")),
    ("zh_this_year", re.compile(r"今年|本年")),
    ("zh_this_month", re.compile(r"本月|这个月|当月")),
    ("zh_last_month", re.compile(r"上月|上个月")),
    # 上周末: the weekend of the week before; 上周三: a weekday of the week before
    ("zh_last_weekend", re.compile(r"(?:上个?周|上个?星期|上礼拜)末")),
    ("zh_last_week_day", re.compile(r"(?:上个?周|上个?星期|上礼拜)(?P<wd>[一二三四五六日天])")),
    (
        "zh_weekday",
        re.compile(
            rf"(?:星期|周)(?P<wd>[一二三四五六日天])(?![\s（(]*{_ZN}{{1,3}}[日号])"
            r"(?P<will>(?=[^，。；]{0,2}?(?:将|要|会(?![见晤谈面议])|还将)))?"
        ),
    ),  # 周四（9日）: the day; 星期三将/会…: the coming one
    ("zh_relday", re.compile(r"(?P<rel>今天|今日|昨天|昨日|前天|前日|明天|明日)")),
    # a day of the month alone (17日): the report's month, or the month before
    (
        "zh_d",
        re.compile(
            r"(?<![0-9〇零○一二三四五六七八九十月年])(?<!为期|结束|完成|展开|开始)"  # 为期4日, 结束4日访华: days, not a date
            r"(?:(?P<d>[0-9]{1,2})[日号]|(?P<dz>[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])日)(?![0-9本])"
        ),
    ),
]
ZH_REL_DAYS = {"今天": 0, "今日": 0, "昨天": -1, "昨日": -1, "前天": -2, "前日": -2, "明天": 1, "明日": 1}
_RELATIVE_DAY = ("weekday", "zh_weekday", "today", "yesterday", "zh_relday", "weekend", "zh_last_weekend",
                 "zh_last_week_day")  # fmt: skip


@dataclass(frozen=True)
class Anchor:
    """The publication date as far as it is known: ``date`` is the last day it may be
    (the month's last day for a month-only header), ``precision`` day, month or year."""

    date: dt.date
    precision: str = "day"

    @property
    def iso(self) -> str:
        return self.date.isoformat()[: {"day": 10, "month": 7, "year": 4}[self.precision]]


def anchor_of(value: str | None) -> Anchor | None:
    """``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (a document's date) → its :class:`Anchor`."""
    if not value:
        return None
    value = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", value):
            return Anchor(dt.date.fromisoformat(value[:10]), "day")
        if re.fullmatch(r"\d{4}-\d{2}", value):
            y, m = int(value[:4]), int(value[5:7])
            if not 1 <= m <= 12:
                return None
            nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
            return Anchor(nxt - dt.timedelta(days=1), "month")
        if re.fullmatch(r"\d{4}", value):
            return Anchor(dt.date(int(value), 12, 31), "year")
    except ValueError:
        return None
    return None


@dataclass(frozen=True)
class DateMention:
    """A date expression: span in the text, ISO value and precision (day/month/year)."""

    start: int
    end: int
    iso: str
    precision: str
    end_iso: str = ""  # for ranges (11月27日至28日)


def _zh_number(s: str) -> int:
    """Chinese or Arabic numerals to int: 2022, 二〇二二, 十一, 二十八."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        left, _, right = s.partition("十")
        return (ZH_DIGITS.get(left, 1) if left else 1) * 10 + (ZH_DIGITS.get(right, 0) if right else 0)
    return int("".join(str(ZH_DIGITS[c]) for c in s))


def parse_iso(value: str | None) -> dt.date | None:
    """``YYYY-MM-DD`` → date, else None."""
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _valid(y: int, m: int, d: int | None = None) -> bool:
    try:
        dt.date(y, m, d or 1)
        return 1900 <= y <= 2100
    except ValueError:
        return False


def _year_for(month: int, day: int | None, ref: dt.date | None) -> int | None:
    """Year of a month (and day) without year: the latest one not after ``ref`` (+2 days)."""
    if ref is None:
        return None
    y = ref.year
    if (month, day or 1) > (ref.month, ref.day + 2 if day else 31):
        y -= 1
    return y


class _Ref(NamedTuple):
    """The reference day of :func:`find_dates` and how far it is known."""

    date: dt.date | None
    to_day: bool
    to_month: bool


_Value = tuple[str, str] | tuple[str, str, str] | None  # (iso, precision[, end iso]) or nothing


def _day_range(kind: str, g: dict, mon: int | None, m: re.Match, ref: _Ref) -> _Value:
    """A range of days in one month: "May 14-16", "14-16 May"."""
    d, d2 = int(g["d"]), int(g["d2"])
    y = int(g["y"]) if g.get("y") else _year_for(mon, d, ref.date)
    if y and d < d2 and _valid(y, mon, d) and _valid(y, mon, d2):
        return f"{y:04d}-{mon:02d}-{d:02d}", "day", f"{y:04d}-{mon:02d}-{d2:02d}"
    return None


def _this_or_last_month(kind: str, g: dict, mon: int | None, m: re.Match, ref: _Ref) -> _Value:
    """The report's month or the one before: "this month", 上个月."""
    if not ref.to_month:
        return None
    y, mo = ref.date.year, ref.date.month
    if "last" in kind:
        y, mo = (y, mo - 1) if mo > 1 else (y - 1, 12)
    return f"{y:04d}-{mo:02d}", "month"


def _full_date(kind: str, g: dict, mon: int | None, m: re.Match, ref: _Ref) -> _Value:
    """A day with its year: 2024-05-14, "May 14, 2024", "14 May 2024"."""
    y, mo, d = int(g["y"]), mon or int(g["m"]), int(g["d"])
    return (f"{y:04d}-{mo:02d}-{d:02d}", "day") if _valid(y, mo, d) else None


def _month_day(kind: str, g: dict, mon: int | None, m: re.Match, ref: _Ref) -> _Value:
    """A day in the year of the report: "May 14", "14 May"."""
    d = int(g["d"])
    y = _year_for(mon, d, ref.date)
    return (f"{y:04d}-{mon:02d}-{d:02d}", "day") if y and _valid(y, mon, d) else None


def _month_year(kind: str, g: dict, mon: int | None, m: re.Match, ref: _Ref) -> _Value:
    """A month with its year: "May 2024"."""
    y = int(g["y"])
    return (f"{y:04d}-{mon:02d}", "month") if _valid(y, mon) else None


def _month(kind: str, g: dict, mon: int | None, m: re.Match, ref: _Ref) -> _Value:
    """A month in the year of the report: "in May", "May's"."""
    y = _year_for(mon, None, ref.date)
    return (f"{y:04d}-{mon:02d}", "month") if y else None


def _weekday(kind: str, g: dict, mon: int | None, m: re.Match, ref: _Ref) -> _Value:
    """A weekday ("on Tuesday", 周二): the last such day, or the coming one (星期三将会见)."""
    day = ref.date
    if day is None:
        return None
    wd = WEEKDAYS[g["wd"].lower()] if kind == "weekday" else ZH_WEEKDAYS[g["wd"]]
    if g.get("will") is not None:  # 星期三将会见: the coming Wednesday
        return (day + dt.timedelta(days=(wd - day.weekday()) % 7)).isoformat(), "day"
    return (day - dt.timedelta(days=(day.weekday() - wd) % 7)).isoformat(), "day"


def _weekend(kind: str, g: dict, mon: int | None, m: re.Match, ref: _Ref) -> _Value:
    """The Saturday and Sunday before the report's week ("last weekend", 上周末); "over
    the weekend" said on a Saturday or Sunday is that weekend."""
    day = ref.date
    monday = day - dt.timedelta(days=day.weekday())
    sat = monday - dt.timedelta(days=2)
    if kind == "weekend" and not m.group().lower().startswith("last") and day.weekday() >= 5:
        sat = monday + dt.timedelta(days=5)
    sun = min(sat + dt.timedelta(days=1), day)
    return sat.isoformat(), "day", sun.isoformat() if sun > sat else ""


def _last_week_day(kind: str, g: dict, mon: int | None, m: re.Match, ref: _Ref) -> _Value:
    """上周三: a weekday of the week before the report's."""
    monday = ref.date - dt.timedelta(days=ref.date.weekday() + 7)
    return (monday + dt.timedelta(days=ZH_WEEKDAYS[g["wd"]])).isoformat(), "day"


def _relative_day(kind: str, g: dict, mon: int | None, m: re.Match, ref: _Ref) -> _Value:
    """A day counted from the report's: "today", "yesterday", 前天, 明日."""
    if ref.date is None:
        return None
    days = {"today": 0, "yesterday": -1}.get(kind) if kind != "zh_relday" else ZH_REL_DAYS[g["rel"]]
    return (ref.date + dt.timedelta(days=days)).isoformat(), "day"


def _zh_day(kind: str, g: dict, mon: int | None, m: re.Match, ref: _Ref) -> _Value:
    """17日 alone: the report's month, or the month before for a day later than the report's."""
    d = _zh_number(g["d"] or g["dz"])
    if not (ref.to_month and 1 <= d <= 31):
        return None
    y, mo = ref.date.year, ref.date.month
    if d > ref.date.day + 2:  # a day later in the month than the report: the month before
        y, mo = (y, mo - 1) if mo > 1 else (y - 1, 12)
    return (f"{y:04d}-{mo:02d}-{d:02d}", "day") if _valid(y, mo, d) else None


def _this_year(kind: str, g: dict, mon: int | None, m: re.Match, ref: _Ref) -> _Value:
    """The report's year: "this year", 今年."""
    return (f"{ref.date.year:04d}", "year") if ref.date is not None else None


def _year(kind: str, g: dict, mon: int | None, m: re.Match, ref: _Ref) -> _Value:
    """A year: "in 2019"."""
    return g["y"], "year"


def _zh_month_day(kind: str, g: dict, mon: int | None, m: re.Match, ref: _Ref) -> _Value:
    """2024年5月14日, 5月14日至16日: a day (or a range of days), with its year or the report's."""
    mo, d = _zh_number(g["m"]), _zh_number(g["d"])
    y = _zh_number(g["y"]) if g.get("y") else _year_for(mo, d, ref.date)
    if not (y and _valid(y, mo, d)):
        return None
    end_iso = ""
    if g.get("d2"):
        mo2 = _zh_number(g["m2"]) if g.get("m2") else mo
        d2 = _zh_number(g["d2"])
        if _valid(y, mo2, d2):
            end_iso = f"{y:04d}-{mo2:02d}-{d2:02d}"
    return f"{y:04d}-{mo:02d}-{d:02d}", "day", end_iso


def _zh_month(kind: str, g: dict, mon: int | None, m: re.Match, ref: _Ref) -> _Value:
    """2024年5月, 5月: a month, with its year or the report's."""
    mo = _zh_number(g["m"])
    y = _zh_number(g["y"]) if g.get("y") else _year_for(mo, None, ref.date)
    return (f"{y:04d}-{mo:02d}", "month") if y and _valid(y, mo) else None


def _zh_relative_month(kind: str, g: dict, mon: int | None, m: re.Match, ref: _Ref) -> _Value:
    """去年5月, 明年3月8日: a month or day of a year counted from the report's."""
    if ref.date is None:
        return None
    y = ref.date.year + {"今年": 0, "本年": 0, "去年": -1, "前年": -2, "明年": 1}[g["rel"]]
    mo = _zh_number(g["m"])
    d = _zh_number(g["d"]) if g.get("d") else None
    if d and _valid(y, mo, d):
        return f"{y:04d}-{mo:02d}-{d:02d}", "day"
    if d is None and _valid(y, mo):
        return f"{y:04d}-{mo:02d}", "month"
    return None


def _zh_year(kind: str, g: dict, mon: int | None, m: re.Match, ref: _Ref) -> _Value:
    """2019年, 二〇一九年: a year."""
    y = _zh_number(g["y"])
    return (f"{y:04d}", "year") if 1900 <= y <= 2100 else None


# pattern kind → how its match becomes a date
_RESOLVE = {
    "md_range": _day_range, "dm_range": _day_range,
    "this_month": _this_or_last_month, "zh_this_month": _this_or_last_month,
    "last_month": _this_or_last_month, "zh_last_month": _this_or_last_month,
    "iso": _full_date, "mdy": _full_date, "dmy": _full_date,
    "md": _month_day, "dm": _month_day,
    "my": _month_year,
    "m": _month, "m_poss": _month,
    "weekday": _weekday, "zh_weekday": _weekday,
    "weekend": _weekend, "zh_last_weekend": _weekend,
    "zh_last_week_day": _last_week_day,
    "today": _relative_day, "yesterday": _relative_day, "zh_relday": _relative_day,
    "zh_d": _zh_day,
    "this_year": _this_year, "zh_this_year": _this_year,
    "year": _year,
    "zh_ymd": _zh_month_day, "zh_md": _zh_month_day,
    "zh_ym": _zh_month, "zh_m": _zh_month,
    "zh_rel": _zh_relative_month,
    "zh_y": _zh_year,
}  # fmt: skip


def find_dates(text: str, ref: dt.date | Anchor | None = None) -> list[DateMention]:
    """All date expressions of ``text``, resolved against the reference date ``ref``.

    ``ref`` is a day, or an :class:`Anchor` known to the month or year only. Expressions
    that need the reference (a weekday, a month without year) are dropped when ``ref`` is
    None, and those that need a day ("yesterday", a weekday) when it is not known to the
    day: no date is better than an invented one.
    """
    anchor = ref if isinstance(ref, Anchor) else (Anchor(ref) if ref is not None else None)
    known = _Ref(
        anchor.date if anchor else None,
        anchor is not None and anchor.precision == "day",
        anchor is not None and anchor.precision in ("day", "month"),
    )
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pat in EN_PATTERNS + ZH_PATTERNS:
        resolve = _RESOLVE.get(kind)
        for m in pat.finditer(text):
            g = m.groupdict()
            mon = MONTHS.get(g["mon"].lower().rstrip(".")) if g.get("mon") else None
            if resolve is None or (kind in _RELATIVE_DAY and not known.to_day):
                continue
            value = resolve(kind, g, mon, m, known)
            if value is None or any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append(DateMention(m.start(), m.end(), *value))
    return sorted(found, key=lambda x: x.start)


def dateline_anchor(anchor: Anchor | None, date_text: str | None) -> Anchor | None:
    """The day a wire dateline gives ("BEIJING, May 14", 华盛顿16日电), as the anchor of the
    story's relative expressions ("today", 今天, 昨日), when it falls on the publication
    date or in the three days before it (a page stamped the next day, in another time zone),
    or inside a publication month known only to the month. Else ``anchor`` unchanged."""
    if anchor is None or not date_text:
        return anchor
    day = next((d for d in find_dates(date_text, anchor) if d.precision == "day"), None)
    if day is None:
        return anchor
    when = dt.date.fromisoformat(day.iso)
    if anchor.precision == "day" and 0 <= (anchor.date - when).days <= 3:
        return Anchor(when, "day")
    if anchor.precision == "month" and day.iso[:7] == anchor.iso:
        return Anchor(when, "day")
    return anchor


def find_publication_date(head: str) -> str | None:
    """The first complete (day-precision, with year) date in the head of an article."""
    for d in find_dates(head, None):
        if d.precision == "day":
            return d.iso
    return None
