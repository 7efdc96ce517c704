"""Unit tests for pipeline.text.dates: English and Chinese date expressions, resolved to the past."""

import datetime as dt
import itertools

import pytest

from pipeline.text.dates import Anchor, anchor_of, dateline_anchor, find_dates, find_publication_date, parse_iso

REF = dt.date(2025, 11, 19)  # a Wednesday
MAY15 = dt.date(2025, 5, 15)


@pytest.mark.parametrize(
    ("text", "ref", "iso", "precision", "end_iso"),
    [
        # English, relative to the publication date
        ("said on Tuesday", REF, "2025-11-18", "day", ""),
        ("said on Wednesday", REF, "2025-11-19", "day", ""),  # the day itself
        ("said on Thursday", REF, "2025-11-13", "day", ""),  # never in the future
        ("in September", REF, "2025-09", "month", ""),
        ("in December", MAY15, "2024-12", "month", ""),  # a later month → the previous year
        ("in May", MAY15, "2025-05", "month", ""),
        ("since early March", REF, "2025-03", "month", ""),
        ("this year", REF, "2025", "year", ""),
        ("earlier this year", REF, "2025", "year", ""),
        ("BEIJING, May 14 (Xinhua) --", MAY15, "2025-05-14", "day", ""),
        ("on May 17", MAY15, "2025-05-17", "day", ""),  # two days ahead: the same year
        ("on June 20", MAY15, "2024-06-20", "day", ""),  # well ahead: last year
        # English, absolute
        ("May 15, 2025", None, "2025-05-15", "day", ""),
        ("Sept. 3, 2024", None, "2024-09-03", "day", ""),
        ("15 May 2025", None, "2025-05-15", "day", ""),
        ("on 2025-11-19", None, "2025-11-19", "day", ""),
        ("in May 2024", None, "2024-05", "month", ""),
        ("in 2019", None, "2019", "year", ""),
        # Chinese
        ("于2022年11月27日至28日", None, "2022-11-27", "day", "2022-11-28"),
        ("2022年11月30日至12月2日", None, "2022-11-30", "day", "2022-12-02"),
        ("（二〇二二年十一月二十八日  北京）", None, "2022-11-28", "day", ""),
        ("9月2日上午", REF, "2025-09-02", "day", ""),
        ("12月5日", MAY15, "2024-12-05", "day", ""),
        ("2025年9月", None, "2025-09", "month", ""),
        ("今年", REF, "2025", "year", ""),
        ("星期二", REF, "2025-11-18", "day", ""),
        ("2024年", None, "2024", "year", ""),
        # the day of the report and the days before it
        ("met Scholz today in Berlin", REF, "2025-11-19", "day", ""),
        ("met this morning", REF, "2025-11-19", "day", ""),
        ("held talks yesterday", REF, "2025-11-18", "day", ""),
        ("Wang and Lavrov met Friday in Moscow", REF, "2025-11-14", "day", ""),  # a bare weekday
        ("昨日，市长会见了代表团", REF, "2025-11-18", "day", ""),
        ("前天", REF, "2025-11-17", "day", ""),
        ("今天在人民大会堂举行会谈", REF, "2025-11-19", "day", ""),
        ("李强17日在北京会见", REF, "2025-11-17", "day", ""),  # a day alone: the report's month
        ("李强28日在北京会见", REF, "2025-10-28", "day", ""),  # later than the report: the month before
        ("十二日电", REF, "2025-11-12", "day", ""),
        ("去年 11 月", REF, "2024-11", "month", ""),
        ("met on Monday (Nov 17) in Busan", REF, "2025-11-17", "day", ""),  # the date in brackets, not the weekday
        ("于周一（17日）在钓鱼台接见", REF, "2025-11-17", "day", ""),
        # the weekend before the report's week, and a weekday of the week before
        ("the ministers met over the weekend in Geneva", REF, "2025-11-15", "day", "2025-11-16"),
        ("talks held last weekend", REF, "2025-11-15", "day", "2025-11-16"),
        ("over the weekend", dt.date(2025, 11, 16), "2025-11-15", "day", "2025-11-16"),  # said on the Sunday
        ("两国外长上周末在日内瓦会晤", REF, "2025-11-15", "day", "2025-11-16"),
        ("上周三在河内会见", REF, "2025-11-12", "day", ""),
        ("上星期五", REF, "2025-11-14", "day", ""),
        ("星期五将会见外长", REF, "2025-11-21", "day", ""),  # a plan: the coming Friday
        ("周一会见了外长", REF, "2025-11-17", "day", ""),  # 会见 is the meeting, not "will"
    ],
)
def test_dates_find_first(text, ref, iso, precision, end_iso):
    found = find_dates(text, ref)
    assert found, f"no date in {text!r}"
    d = found[0]
    assert (d.iso, d.precision, d.end_iso) == (iso, precision, end_iso)
    assert 0 <= d.start < d.end <= len(text)


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("May I ask a question?", REF),  # "May" the verb
        ("the 15th Five-Year Plan (2026-2030)", REF),
        ("March forward together", REF),  # "March" the verb
        ("in 2026-2030", REF),  # a range of years is not a year
        ("February 30, 2025", None),  # no such day
        ("2025年13月", None),  # no such month
        ("20世纪80年代", None),  # a decade, not a year
        ("日本外相茂木敏充", REF),  # 日 of 日本
        ("总统乘坐空军一号专机抵达", REF),  # 一号 names the plane: not the 1st
        ("地铁二号线", REF),
        ("总统结束4日访华行程", REF),  # four days, not the 4th
        ("为期3日的访问", REF),
        ("", REF),
    ],
)
def test_dates_no_false_dates(text, ref):
    assert find_dates(text, ref) == []


@pytest.mark.parametrize(
    "text",
    [
        "said on Tuesday",
        "in September",
        "May 14",
        "9月2日上午",
        "9月",
        "this year",
        "今年",
        "星期二",
        "today",
        "17日",
        "昨日",
    ],
)
def test_dates_relative_without_reference_gives_nothing(text):
    assert find_dates(text, None) == []


def test_dates_span_points_at_the_expression():
    text = "Xi met Khurelsukh in Beijing on Tuesday, and in September they spoke again."
    found = find_dates(text, REF)
    assert [text[d.start : d.end] for d in found] == ["on Tuesday", "in September"]
    assert [d.iso for d in found] == ["2025-11-18", "2025-09"]


def test_dates_sorted_and_not_overlapping():
    text = "新华社北京2022年11月28日电 11月27日至28日，双方会谈。今年是建交年，9月"
    found = find_dates(text, dt.date(2022, 11, 28))
    starts = [d.start for d in found]
    assert starts == sorted(starts)
    for a, b in itertools.pairwise(found):
        assert a.end <= b.start
    assert [d.iso for d in found] == ["2022-11-28", "2022-11-27", "2022", "2022-09"]


def test_dates_this_year_with_month_keeps_month_precision():
    found = find_dates("今年9月，双方签署协议。", dt.date(2022, 11, 28))
    assert [(d.iso, d.precision) for d in found] == [("2022-09", "month")]


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("BEIJING, Nov. 19, 2025 (Xinhua) -- Chinese Premier Li Qiang said on Tuesday", "2025-11-19"),
        ("新华社北京2022年11月28日电 国家主席习近平28日下午会见", "2022-11-28"),
        ("ULAN BATOR, May 14 (Xinhua) -- no year here", None),  # needs a reference: not a publication date
        ("in September 2025 the two sides met", None),  # month precision only
        ("", None),
    ],
)
def test_dates_find_publication_date(head, expected):
    assert find_publication_date(head) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-11-19", dt.date(2025, 11, 19)),
        ("2025-11-19T08:00:00", dt.date(2025, 11, 19)),
        ("2025-02-30", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_dates_parse_iso(value, expected):
    assert parse_iso(value) == expected


@pytest.mark.parametrize(
    ("text", "value", "iso", "precision", "end_iso"),
    [
        ("3月26日会见", "2024-03", "2024-03-26", "day", ""),  # a month-only header anchors the year
        ("26日会见", "2024-03", "2024-03-26", "day", ""),  # … and the month of a day alone
        ("in February", "2024-03", "2024-02", "month", ""),
        ("上月", "2024-03", "2024-02", "month", ""),
        ("earlier this month", "2025-11-19", "2025-11", "month", ""),
        ("last month", "2025-01-10", "2024-12", "month", ""),
        ("本月", "2025-11-19", "2025-11", "month", ""),
        ("met on May 14-16", "2025-11-19", "2025-05-14", "day", "2025-05-16"),
        ("from 3 to 5 March 2024", "2025-11-19", "2024-03-03", "day", "2024-03-05"),
    ],
)
def test_dates_anchor_precision(text, value, iso, precision, end_iso):
    (d,) = find_dates(text, anchor_of(value))
    assert (d.iso, d.precision, d.end_iso) == (iso, precision, end_iso)


@pytest.mark.parametrize(("text", "value"), [("on Tuesday", "2024-03"), ("yesterday", "2024-03"), ("昨日", "2024"),
                                             ("26日", "2024")])  # fmt: skip
def test_dates_relative_day_needs_a_day_anchor(text, value):
    assert find_dates(text, anchor_of(value)) == []


@pytest.mark.parametrize(("value", "iso", "precision"), [("2024-03-05", "2024-03-05", "day"), ("2024-02", "2024-02", "month"),
                                                         ("2024", "2024", "year"), ("", None, None), ("2024-13", None, None)])  # fmt: skip
def test_dates_anchor_of(value, iso, precision):
    a = anchor_of(value)
    assert (a.iso if a else None, a.precision if a else None) == (iso, precision)


@pytest.mark.parametrize(
    ("value", "date_text", "iso"),
    [
        ("2025-10-17", "16日", "2025-10-16"),  # filed the day before the page's date: 今天 is the 16th
        ("2025-10-17", "Oct. 17", "2025-10-17"),
        ("2025-10", "16日", "2025-10-16"),  # a month-only header learns the day
        ("2025-10-17", "2日", "2025-10-17"),  # too far from the publication date: not this story's day
        ("2025-10-17", "", "2025-10-17"),
    ],
)
def test_dates_dateline_anchor(value, date_text, iso):
    assert dateline_anchor(anchor_of(value), date_text).iso == iso


def test_dates_dateline_anchor_resolves_today_to_the_dateline_day():
    ref = dateline_anchor(Anchor(dt.date(2025, 10, 17)), "16日")
    assert [d.iso for d in find_dates("两国外长今天在白宫举行会谈", ref)] == ["2025-10-16"]
