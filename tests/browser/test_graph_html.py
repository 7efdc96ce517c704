"""graph.html in headless Chromium: the nodes render, hostile names stay text, and the page
asks the network for nothing.

Run with ``make test-browser`` (``python -m pytest -m browser tests/browser``); left out of
``make test`` by the ``browser`` marker. Needs Debian's ``chromium`` (``apt-get install
chromium``) and is skipped, with that reason, without it.

The network check records Chromium's net log while the page loads, with every connection
sent to a dead proxy (127.0.0.1:9) and every host name unresolvable, so nothing could leave
even if the page tried. It then asserts that no http(s) request came from the page. The
browser's own background requests (time sync, account checks: initiator ``not an origin``,
never the file:// page) are not the page's and are not counted. A control page with a
remote image shows the check does see a page's request.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline import contract
from pipeline.graph import build_graph
from pipeline.params import GraphParams
from pipeline.views import render_html

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "<script>alert(1)</script>"
HOSTILE_ZH = "<img src=x onerror=\"document.title='pwned'\">"
FLAGS = [
    "--headless",
    "--no-sandbox",  # CI containers run as root
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--proxy-server=127.0.0.1:9",  # nothing can leave, whatever is asked for
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--virtual-time-budget=5000",
    "--window-size=1400,900",
]


@pytest.fixture(scope="module")
def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("headless Chromium is not installed (Debian: apt-get install chromium); the browser check needs it")


def _run(chromium: str, page: Path, work: Path, *extra: str) -> subprocess.CompletedProcess:
    work.mkdir(parents=True, exist_ok=True)
    cmd = [chromium, *FLAGS, f"--user-data-dir={work / 'profile'}", *extra, page.resolve().as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def _dump_dom(chromium: str, page: Path, work: Path) -> str:
    r = _run(chromium, page, work, "--dump-dom")
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def _page_requests(chromium: str, page: Path, work: Path) -> list[str]:
    """http(s) URLs the page itself asked for while loading, from Chromium's net log."""
    log = work / "net.json"
    r = _run(chromium, page, work, f"--log-net-log={log}", "--dump-dom")
    assert r.returncode == 0, r.stderr[-2000:]
    text = log.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except ValueError:  # a log cut short at exit lacks its closing brackets
        data = json.loads(text.rstrip().rstrip(",") + "]}")
    names = {v: k for k, v in data["constants"]["logEventTypes"].items()}
    urls = []
    for ev in data["events"]:
        p = ev.get("params") or {}
        url = p.get("url", "")
        if names.get(ev["type"]) != "URL_REQUEST_START_JOB" or not re.match(r"(?i)(https?|wss?|ftp)://", url):
            continue
        from_browser = p.get("initiator") == "not an origin" and "file://" not in p.get("network_isolation_key", "")
        if not from_browser:
            urls.append(url)
    return urls


def _hostile_graph_html(tmp_path: Path) -> Path:
    E = contract.Entity
    ents = [
        E("person:xi-jinping", "person", "Xi Jinping", "Xi Jinping", "习近平", "[]", "Q15031", 3, 2),
        E("person:ukhnaa-khurelsukh", "person", "Ukhnaa Khurelsukh", "Ukhnaa Khurelsukh", "呼日勒苏赫", "[]", "", 2, 2),
        E("person:evil", "person", HOSTILE, HOSTILE, HOSTILE_ZH, "[]", "", 1, 1),
        E("country:china", "country", "China", "China", "中国", "[]", "Q148", 2, 2),
        E("organization:sco", "organization", "Shanghai Cooperation Organization", "", "上海合作组织", "[]", "", 1, 1),
    ]
    mentions = [
        contract.Mention("d1", f"d1:{i}-{i + 1}", 0, i, i + 1, "x", "KB", e.entity_id) for i, e in enumerate(ents)
    ]
    meeting = contract.Meeting("d1:m0", "d1", "2025-11-18", "day", "Beijing", "", "main", "met",
                               f"Xi met Khurelsukh and {HOSTILE} in Beijing.", 0, 30, 0.9)  # fmt: skip
    parts = [contract.MeetingParticipant("d1:m0", e, "") for e in ("person:xi-jinping", "person:ukhnaa-khurelsukh",
                                                                      "person:evil")]  # fmt: skip
    affs = [contract.Affiliation("person:xi-jinping", "country:china", "President", "d1", "...")]
    g = build_graph(ents, mentions, [meeting], parts, affs, GraphParams())
    page = tmp_path / "graph.html"
    page.write_text(render_html(g, GraphParams()), encoding="utf-8")
    return page


def _pages(tmp_path: Path) -> list[Path]:
    pages = [_hostile_graph_html(tmp_path)]
    run_output = ROOT / "outputs" / "graph.html"
    if run_output.exists():  # left by `make run` / `dvc repro`
        pages.append(run_output)
    return pages


def _n_nodes(page: Path) -> int:
    m = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', page.read_text("utf-8"), re.S)
    assert m
    return len(json.loads(m.group(1))["nodes"])


def test_browser_graph_html_renders_one_circle_per_node(chromium, tmp_path):
    for i, page in enumerate(_pages(tmp_path)):
        dom = _dump_dom(chromium, page, tmp_path / f"dom{i}")
        svg = re.search(r'<svg id="graph".*?</svg>', dom, re.S)
        assert svg, page
        n = _n_nodes(page)
        assert n >= 1
        assert svg.group(0).count("<circle") == n, page
        assert svg.group(0).count('class="node"') == n
        assert svg.group(0).count("<line") >= 2, page  # drawn and hit-area lines of the edges
        assert "<title>diplograph: who met whom</title>" in dom


def test_browser_hostile_names_stay_text(chromium, tmp_path):
    page = _hostile_graph_html(tmp_path)
    dom = _dump_dom(chromium, page, tmp_path / "dom")
    assert "pwned" not in re.search(r"<title>(.*?)</title>", dom).group(1)
    labels = [htmllib.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", dom, re.S)]
    assert f"{HOSTILE} / {HOSTILE_ZH}"[:40] in "".join(labels)  # shown as text (labels are cut at 42)
    body = dom.split('<script type="application/json"')[0]
    assert "<img" not in body  # no element was made from a name
    assert "<script" not in body  # nor a script


def test_browser_graph_html_makes_no_network_request(chromium, tmp_path):
    for i, page in enumerate(_pages(tmp_path)):
        assert _page_requests(chromium, page, tmp_path / f"net{i}") == [], page


def test_browser_network_check_sees_a_remote_load(chromium, tmp_path):
    control = tmp_path / "control.html"
    control.write_text('<!DOCTYPE html><html><body><img src="http://example.com/pixel.png"></body></html>', "utf-8")
    assert _page_requests(chromium, control, tmp_path / "control") == ["http://example.com/pixel.png"]


def test_browser_screenshot(chromium, tmp_path):
    """A picture of the page for people to look at (tmp folder; CI may keep it as an artefact)."""
    page = _pages(tmp_path)[-1]
    shot = tmp_path / "graph-html.png"
    r = _run(chromium, page, tmp_path / "shot", f"--screenshot={shot}")
    assert r.returncode == 0, r.stderr[-2000:]
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000
