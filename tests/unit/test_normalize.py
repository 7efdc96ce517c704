"""Unit tests for pipeline.normalize: decoding, language and script, metadata, reading inputs."""

import json

import pytest

from pipeline.normalize import (
    DecodeError,
    RawDoc,
    decode_bytes,
    detect_language,
    detect_script,
    find_boilerplate,
    find_dateline,
    guess_title,
    html_to_text,
    normalize_document,
    read_inputs,
    safe_id,
)
from pipeline.params import NormalizeParams

EN = "The Chinese president met the Mongolian president in Beijing on Tuesday to discuss trade and energy."
ZH = "中华人民共和国主席习近平在北京人民大会堂会见蒙古国总统。双方就中蒙关系深入交换意见。"
ZH_TRAD = "中華人民共和國主席習近平在北京人民大會堂會見蒙古國總統。雙方就中蒙關係深入交換意見。"
FR = "Le président chinois a rencontré le président mongol à Pékin mardi pour discuter du commerce."
RU = "Президент Китая встретился с президентом Монголии в Пекине во вторник, чтобы обсудить торговлю."
PARAMS = NormalizeParams()


# --------------------------------------------------------------------------- decode_bytes


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        (EN.encode("utf-8"), EN, "utf-8"),
        (ZH.encode("utf-8"), ZH, "utf-8"),
        (b"\xef\xbb\xbf" + ZH.encode("utf-8"), ZH, "utf-8-sig"),
        (b"\xff\xfe" + ZH.encode("utf-16-le"), ZH, "utf-16-le"),
        (b"\xfe\xff" + ZH.encode("utf-16-be"), ZH, "utf-16-be"),
        (b"\xff\xfe" + EN.encode("utf-16-le"), EN, "utf-16-le"),
        (ZH.encode("utf-16"), ZH, "utf-16-le"),  # Python's utf-16 writes a little-endian BOM
        (b"", "", "utf-8"),
    ],
)
def test_normalize_decode_bytes_boms_and_utf8(data, text, encoding):
    assert decode_bytes(data) == (text, encoding)


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Café Ulaanbaatar: the Chinese president met the Mongolian president.", "utf-16-le"),
        ("Café Ulaanbaatar: the Chinese president met the Mongolian president.", "utf-16-be"),
        (ZH, "utf-16-le"),
        (ZH, "utf-16-be"),
    ],
)
def test_normalize_decode_bytes_utf16_without_bom(text, codec):
    decoded, encoding = decode_bytes(text.encode(codec))
    assert decoded == text
    assert encoding.replace("_", "-").lower() == codec


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_normalize_decode_bytes_ascii_utf16_without_bom(codec):
    text, _ = decode_bytes(EN.encode(codec))
    assert text == EN


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_normalize_decode_bytes_utf16_without_bom_with_date_line(codec):
    text = "date 2022-11-28\n" + ZH
    assert decode_bytes(text.encode(codec))[0] == text


@pytest.mark.parametrize("codec", ["gb18030", "gbk"])
def test_normalize_decode_bytes_chinese_legacy_encodings(codec):
    text, encoding = decode_bytes((ZH * 3).encode(codec))
    assert text == ZH * 3
    assert encoding == "gb18030"  # GBK is read as its superset


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00", "binary"),
        (bytes(range(256)) * 4, "binary"),
    ],
)
def test_normalize_decode_bytes_binary_raises(data, message):
    with pytest.raises(DecodeError, match=message):
        decode_bytes(data)


# --------------------------------------------------------------------------- language and script


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (EN, "en"),
        (ZH, "zh"),
        (ZH_TRAD, "zh"),
        ("Xinhua 新华社：习近平会见蒙古国总统呼日勒苏赫 (Khurelsukh)", "zh"),  # mostly Chinese, some Latin
        (FR, "other"),
        (RU, "other"),
        # a short lead full of foreign names, which langdetect alone calls Finnish or Estonian
        ("President Xi Jinping met Mongolian President Ukhnaagiin Khurelsukh in Beijing on Monday.", "en"),
        ("Le président Xi Jinping a rencontré Ukhnaagiin Khurelsukh à Pékin lundi.", "other"),
        ("Präsident Xi Jinping traf Ukhnaagiin Khurelsukh am Montag in Peking.", "other"),
        ("12345 !!! 2025-11-19", "other"),  # no letters
        ("", "other"),
    ],
)
def test_normalize_detect_language(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize(
    ("text", "script"),
    [
        (ZH, "simplified"),
        (ZH_TRAD, "traditional"),
        ("习近平会见蒙古国总统", "simplified"),
        ("習近平會見蒙古國總統", "traditional"),
        (EN, ""),  # no Chinese characters at all
    ],
)
def test_normalize_detect_script(text, script):
    assert detect_script(text) == script


# --------------------------------------------------------------------------- metadata


@pytest.mark.parametrize(
    ("text", "date", "body_start"),
    [
        (f" date 2025-11-19\n{EN}", "2025-11-19", 17),
        (f"date 2025-11-19\n{EN}", "2025-11-19", 16),
        (f"\tdate 2025-11-19 \n{EN}", "2025-11-19", 18),
        (f"Date\t2022-11-28\n{ZH}", "2022-11-28", 16),
        (f"date 2025-11-19 {EN}", "2025-11-19", 16),  # the body on the same line
        (EN, "", 0),  # no date line, no date in the text
        (f"BEIJING, Nov. 19, 2025 (Xinhua) -- {EN}", "2025-11-19", 0),  # dateline in the head
        (f"Xinhua date 2025-11-19\n{EN}", "2025-11-19", 0),  # not a date line: the body starts at 0
        (f" date 2023-10\n{EN}", "2023-10", 14),  # month known only
        (f" date 2023\n{EN}", "2023", 11),  # year known only
        (f" date 2024-13-45\n{EN}", "", 17),  # a header, but no calendar date: no date (a note says so)
        (f" date 2023-02-30\n{EN}", "", 17),
    ],
)
def test_normalize_document_date_line(text, date, body_start):
    rec = normalize_document(RawDoc("d", "d.txt", text.encode("utf-8")), PARAMS)
    assert rec["status"] == "ok"
    assert rec["date"] == date
    assert rec["body_start"] == body_start
    assert rec["text"] == text
    assert rec["n_chars"] == len(text)
    assert ("not a calendar date" in rec["error"]) == (body_start > 0 and not date)


def test_normalize_document_bom_is_removed_before_the_date_line():
    data = b"\xef\xbb\xbf" + f"date 2025-11-19\n{EN}".encode()
    rec = normalize_document(RawDoc("d", "d.txt", data), PARAMS)
    assert (rec["text"], rec["date"], rec["body_start"]) == (f"date 2025-11-19\n{EN}", "2025-11-19", 16)


def test_normalize_document_english_record():
    rec = normalize_document(RawDoc("d1", "d1.txt", f"date 2025-11-19\n{EN}".encode()), PARAMS)
    assert {k: rec[k] for k in ("doc_id", "source", "lang", "script", "date", "status", "error")} == {
        "doc_id": "d1", "source": "d1.txt", "lang": "en", "script": "latin", "date": "2025-11-19",
        "status": "ok", "error": "",
    }  # fmt: skip


def test_normalize_document_chinese_record():
    rec = normalize_document(RawDoc("z", "z.txt", f"date 2022-11-28\n{ZH_TRAD}".encode()), PARAMS)
    assert (rec["lang"], rec["script"], rec["status"]) == ("zh", "traditional", "ok")


def test_normalize_document_meta_wins_over_guesses():
    raw = RawDoc(
        "j", "a.jsonl:1", EN, meta={"date": "2024-01-02T10:00:00", "title": "  Two   leaders meet ", "lang": "en-US"}
    )
    rec = normalize_document(raw, PARAMS)
    assert (rec["date"], rec["title"], rec["lang"], rec["status"]) == ("2024-01-02", "Two leaders meet", "en", "ok")


@pytest.mark.parametrize(
    ("data", "status", "error_part"),
    [
        (b"", "skipped", "too short"),
        (b"   \n\n  ", "skipped", "too short"),
        (b"short text", "skipped", "too short"),
        (b"date 2025-11-19\nshort", "skipped", "too short"),  # the date line does not count
        (FR.encode(), "skipped", "language 'other'"),
        (RU.encode(), "skipped", "language 'other'"),
        (b"%PDF-1.7\n" + b"x" * 100, "error", "cannot decode"),
        (bytes(range(256)) * 2, "error", "cannot decode"),
    ],
)
def test_normalize_document_status(data, status, error_part):
    rec = normalize_document(RawDoc("d", "d.txt", data), PARAMS)
    assert rec["status"] == status
    assert error_part in rec["error"]


def test_normalize_document_language_not_in_params_is_skipped():
    rec = normalize_document(RawDoc("z", "z.txt", ZH.encode()), NormalizeParams(languages=("en",)))
    assert (rec["lang"], rec["status"]) == ("zh", "skipped")


def test_normalize_document_raw_error_passes_through():
    rec = normalize_document(RawDoc("x", "x.pdf", b"", error="unsupported file type '.pdf'"), PARAMS)
    assert (rec["status"], rec["error"], rec["text"]) == ("error", "unsupported file type '.pdf'", "")


def test_normalize_document_long_text_is_noted_not_cut():
    text = EN * 3
    rec = normalize_document(RawDoc("d", "d.txt", text.encode()), NormalizeParams(max_chars=100))
    assert rec["status"] == "ok"
    assert "cut at 100" in rec["error"]


def test_normalize_document_html():
    page = ("<html><head><title>Xi meets Khurelsukh</title><style>p{color:red}</style></head>"
            f"<body><script>var x = 1;</script><p>{EN}</p><p>Second &amp; last.</p></body></html>")  # fmt: skip
    rec = normalize_document(RawDoc("h", "h.html", page.encode(), meta={"html": True}), PARAMS)
    assert rec["status"] == "ok"
    assert rec["title"] == "Xi meets Khurelsukh"
    assert rec["text"] == f"{EN}\n\nSecond & last."


def test_normalize_html_to_text_drops_scripts_and_styles():
    text, title = html_to_text("<title>T &amp; U</title><div>a<br>b</div><script>x()</script><noscript>y</noscript>")
    assert (text, title) == ("a\n\nb", "T & U")


@pytest.mark.parametrize(
    ("text", "spans_text"),
    [
        (f"{EN}\n(Editor: Wang Yi)\n", ["(Editor: Wang Yi)"]),
        (f"{ZH}\n【纠错】\n(责任编辑：王)", ["【纠错】", "(责任编辑：王)"]),
        (f"{EN}\nSource: Xinhua", ["Source: Xinhua"]),
        (EN, []),
    ],
)
def test_normalize_find_boilerplate(text, spans_text):
    spans = find_boilerplate(text)
    assert [text[s:e].strip() for s, e in spans] == spans_text


@pytest.mark.parametrize(
    ("text", "body_start", "title"),
    [
        (f"Xi meets Khurelsukh\n{EN}", 0, "Xi meets Khurelsukh"),
        (f"date 2025-11-19\nXi meets Khurelsukh\n{EN}", 16, "Xi meets Khurelsukh"),
        (f"{EN}\n{EN}", 0, ""),  # ends with a full stop: not a headline
        (EN, 0, ""),  # one line only
        ("习近平会见蒙古国总统\n" + ZH, 0, "习近平会见蒙古国总统"),
    ],
)
def test_normalize_guess_title(text, body_start, title):
    assert guess_title(text, body_start) == title


# --------------------------------------------------------------------------- ids and inputs


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("../../x", "x"),
        ("..", "doc"),
        (".hidden", "hidden"),
        ("a/b c", "a_b_c"),
        ("a\\b", "a_b"),
        ("///", "doc"),
        ("", "doc"),
        ("xinhua-2025-11-19.v2", "xinhua-2025-11-19.v2"),
        ("Über uns/Новости 新闻", "Über_uns_Новости_新闻"),
        ("x" * 300, "x" * 200),
    ],
)
def test_normalize_safe_id(value, expected):
    assert safe_id(value) == expected


@pytest.mark.parametrize(
    "value",
    ["../../etc/passwd", "./.x", "..\\..\\x", "a/../b", " . ", "-", "~/x", "a\x00b", "\n", "…/…"],
)
def test_normalize_safe_id_is_never_a_path(value):
    s = safe_id(value)
    assert s
    assert "/" not in s and "\\" not in s and "\x00" not in s
    assert not s.startswith(".")
    assert s not in (".", "..")


def _write_inputs(folder):
    (folder / "a.txt").write_text(f"date 2025-11-19\n{EN}", encoding="utf-8")
    lines = [
        json.dumps({"id": "x1", "text": EN, "date": "2025-11-18", "title": "Talks"}),
        "{not json",
        json.dumps({"id": "x3", "title": "no text here"}),
        "",  # blank lines are not inputs
        json.dumps({"id": "x1", "text": ZH}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"text": ZH}),  # no id: one is made from the file and line
    ]
    (folder / "b.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "c.pdf").write_bytes(b"%PDF-1.4 ...")
    (folder / "Über uns 2025.txt").write_bytes(ZH.encode("gb18030"))
    (folder / "sub").mkdir()
    (folder / "sub" / "d.html").write_text(f"<p>{EN}</p>", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"\x00\x01")  # hidden files are not inputs


def test_normalize_read_inputs_accounts_for_every_input(tmp_path):
    _write_inputs(tmp_path)
    raws = read_inputs(tmp_path)
    recs = [normalize_document(r, PARAMS) for r in raws]
    got = {r["source"]: (r["doc_id"], r["status"]) for r in recs}
    assert got == {
        "a.txt": ("a", "ok"),
        "b.jsonl:1": ("x1", "ok"),
        "b.jsonl:2": ("b_line2", "error"),
        "b.jsonl:3": ("b_line3", "error"),
        "b.jsonl:5": ("x1~2", "error"),
        "b.jsonl:6": ("b_line6", "error"),
        "b.jsonl:7": ("b_line7", "ok"),
        "c.pdf": ("c", "error"),
        "sub/d.html": ("sub_d", "ok"),
        "Über uns 2025.txt": ("Über_uns_2025", "ok"),
    }
    assert len(recs) == len(got)  # each input exactly once
    assert len({r["doc_id"] for r in recs}) == len(recs)  # ids are unique


def test_normalize_read_inputs_errors_say_why(tmp_path):
    _write_inputs(tmp_path)
    errors = {r["source"]: r["error"] for r in map(lambda r: normalize_document(r, PARAMS), read_inputs(tmp_path))}
    assert "bad JSONL line" in errors["b.jsonl:2"]
    assert "no string field 'text'" in errors["b.jsonl:3"]
    assert "duplicate id 'x1'" in errors["b.jsonl:5"]
    assert "not a JSON object" in errors["b.jsonl:6"]
    assert "unsupported file type '.pdf'" in errors["c.pdf"]
    assert errors["a.txt"] == ""


def test_normalize_read_inputs_keeps_metadata(tmp_path):
    _write_inputs(tmp_path)
    recs = {r.source: normalize_document(r, PARAMS) for r in read_inputs(tmp_path)}
    assert (recs["b.jsonl:1"]["date"], recs["b.jsonl:1"]["title"]) == ("2025-11-18", "Talks")
    assert recs["Über uns 2025.txt"]["text"] == ZH
    assert recs["sub/d.html"]["text"] == EN


def test_normalize_read_inputs_order_is_deterministic(tmp_path):
    _write_inputs(tmp_path)
    first = [(r.doc_id, r.source) for r in read_inputs(tmp_path)]
    second = [(r.doc_id, r.source) for r in read_inputs(tmp_path)]
    assert first == second
    assert [s for _, s in first] == sorted([s for _, s in first], key=lambda s: s.split(":")[0])


def test_normalize_read_inputs_empty_folder(tmp_path):
    assert read_inputs(tmp_path) == []


@pytest.mark.parametrize(
    ("text", "place", "story_start"),
    [
        ("BEIJING, May 14 (Xinhua) -- Xi Jinping met Khurelsukh.", "BEIJING", "Xi Jinping"),
        ("ULAN BATOR, Nov. 19 (Xinhua) -- Li Qiang said.", "ULAN BATOR", "Li Qiang"),
        ("MOSCOW (Reuters) - Li Qiang arrived.", "MOSCOW", "Li Qiang"),
        ("date 2025-11-19\nBEIJING, May 14 (Xinhua) -- Xi spoke.", "BEIJING", "Xi spoke"),
        ("新华社北京5月14日电 国家主席习近平会见。", "北京", "国家主席"),
        ("（中央社华盛顿16日综合外电报导）美国国务卿会晤了外长。", "华盛顿", "美国国务卿"),
        ("中央社／ 圣保罗16日专电\n\n巴西外长会见了国务卿。", "圣保罗", "巴西外长"),
        ("中央社记者林明台北16日电）总统会见了代表团。", "台北", "总统"),  # the place, not the reporter
        ("（新加坡30日讯）两国总理会晤。", "新加坡", "两国总理"),
        ("王毅18日电话会谈。", None, None),  # a phone call, not a dateline
        ("NEW DELHI: Prime Minister Modi met the visiting minister.", "NEW DELHI", "Prime Minister"),
        ("WASHINGTON — The president met the visiting minister.", "WASHINGTON", "The president"),
        ("BREAKING: The president met the visiting minister.", None, None),  # not a place the gazetteer knows
        ("两国联合声明（二〇二四年五月十六日  北京）一、应邀", "北京", "一、应邀"),  # a statement's signature
        ("Xi Jinping (R) met Khurelsukh in Beijing.", None, None),  # a photo position is not an agency
        ("No dateline here, just text.", None, None),
    ],
)
def test_normalize_find_dateline(text, place, story_start):
    body_start = 16 if text.startswith("date ") else 0
    dl = find_dateline(text, body_start)
    if place is None:
        assert dl is None
        return
    assert dl["place"] == place
    assert text[dl["place_start"] : dl["place_end"]] == place
    assert text[dl["end"] :].lstrip().startswith(story_start)


def test_normalize_document_traditional_record_carries_its_simplified_view():
    text = "新華社北京5月14日電 國家主席習近平14日在人民大會堂會見蒙古國總統。\n（責任編輯：王）\n"
    rec = normalize_document(RawDoc("t", "t.txt", text.encode()), PARAMS)
    assert rec["script"] == "traditional"
    assert rec["simplified"].startswith("新华社北京5月14日电 国家主席习近平") and len(rec["simplified"]) == len(text)
    # the dateline and the credit line are found on the view; the place is quoted as written
    assert rec["dateline"]["place"] == "北京" and rec["dateline"]["date_text"] == "5月14日"
    s, e = rec["skip_spans"][0]
    assert text[s:e].strip() == "（責任編輯：王）"


def test_normalize_document_english_record_has_no_view():
    rec = normalize_document(RawDoc("d1", "d1.txt", EN.encode()), PARAMS)
    assert rec["simplified"] == ""
