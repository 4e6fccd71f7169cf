"""The HTML report in a real headless Chromium (Debian's /usr/bin/chromium, never a downloaded browser).

Built from sample_data/ with the fake embedder and one synthetic document carrying a script tag. Checks: no
console error, no network request, one map mark per sampled document, hovering a mark shows its text,
every section present, the injected script inert but readable. Screenshots go to tests/artifacts/.
"""
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, in_ci, reference_package

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "tests" / "artifacts"
PAYLOAD = "<script>window.__pwned=1</script>"


def _need_browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("AUDIT_REQUIRE_BROWSER") == "1" or in_ci():
            pytest.fail(f"{CHROMIUM} is missing under CI (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed (a failure under CI)")
    reference_package("playwright.sync_api")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    _need_browser()
    from audit.pipeline import AuditOptions, run_audit
    from reports.html import render_html

    tmp = tmp_path_factory.mktemp("browser")
    real = tmp / "real.jsonl"
    shutil.copy(ROOT / "sample_data" / "real.jsonl", real)
    lines = (ROOT / "sample_data" / "synth.jsonl").read_text(encoding="utf-8").splitlines()
    first_real = json.loads(real.read_text(encoding="utf-8").splitlines()[0])
    # replaces a line (not appended) so that equal-size sampling keeps it; a copy of a real text, so it is
    # also shown as a copied pair
    lines[0] = json.dumps({"id": "injected-1", "text": PAYLOAD + " " + first_real["text"]})
    synth = tmp / "synth.jsonl"
    synth.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_audit(AuditOptions(real=str(real), synth=str(synth), embedder="hash", use_cache=False))
    html = tmp / "report.html"
    html.write_text(render_html(result), encoding="utf-8")
    return result, html


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def opened(report, browser):
    result, html = report
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    url = html.resolve().as_uri()
    t0 = time.perf_counter()
    page.goto(url, wait_until="load")
    load_s = time.perf_counter() - t0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "browser_timing.json").write_text(json.dumps(
        {"load_seconds": round(load_s, 3), "html_bytes": html.stat().st_size}) + "\n")
    yield page, result, url, errors, requests
    page.close()


def test_no_console_errors_and_no_network(opened):
    page, _, url, errors, requests = opened
    assert errors == []
    assert requests == [url]


def test_injected_script_is_inert_and_shown_as_text(opened):
    page = opened[0]
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.querySelectorAll('script').length") == 3
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    shown = page.locator(".doctext", has_text=PAYLOAD)
    assert shown.count() >= 1
    # folded sections (all-ok families) hold it too: unfold every <details>, then it reads as text
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert any(shown.nth(i).is_visible() for i in range(shown.count()))  # in the copied pairs, as text


def test_sections_present(opened):
    page, result = opened[0], opened[1]
    for sel in ("#summary", "#map", "#family-diversity", "#family-duplication", "#family-drift", "#family-bias",
                "#family-properties", "#inputs", "nav#nav"):
        assert page.locator(sel).count() == 1, sel
    assert page.locator("table.metrics tbody tr").count() == len(result.metrics)
    for anchor in ("family-duplication", "inputs"):  # the nav works from the keyboard
        page.locator(f'nav a[href="#{anchor}"]').focus()
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == f"#{anchor}"


def test_map_has_one_mark_per_sampled_document(opened):
    page, result = opened[0], opened[1]
    n = page.evaluate("window.auditReport.charts.map.data.datasets.reduce((a, d) => a + d.data.length, 0)")
    assert n == len(result.sections["map"]["points"]) > 0
    styles = page.evaluate("window.auditReport.charts.map.data.datasets.map(d => d.pointStyle)")
    assert styles == ["circle", "triangle"]  # two shapes, readable without colour


HOVER_JS = """
([key, target]) => {
  const ch = window.auditReport.charts.map, m = window.auditReport.data.map;
  const pts = [];
  ch.data.datasets.forEach((d, di) => ch.getDatasetMeta(di).data.forEach((el, i) =>
      pts.push({key: d._key, i: d.data[i].i, x: el.x, y: el.y})));
  let best = null;
  if (target) {
    best = pts.find(p => m[p.key].id[p.i] === target);
  } else {  // the most isolated mark, so that the mouse lands on it and on nothing else
    let bestD = -1;
    for (const p of pts) {
      let d = Infinity;
      for (const q of pts) if (q !== p) d = Math.min(d, (p.x - q.x) ** 2 + (p.y - q.y) ** 2);
      if (d > bestD) { bestD = d; best = p; }
    }
  }
  const r = ch.canvas.getBoundingClientRect();
  return {x: r.left + best.x, y: r.top + best.y, id: m[best.key].id[best.i], text: m[best.key].text[best.i]};
}
"""


def _hover(page, target=None):
    page.locator("#map").scroll_into_view_if_needed()
    page.mouse.move(5, 5)
    p = page.evaluate(HOVER_JS, [None, target])
    page.mouse.move(p["x"], p["y"])
    tip = page.locator("#chart-tooltip")
    tip.wait_for(state="visible", timeout=5000)
    return p, tip.text_content()


def test_hover_shows_the_document_text(opened):
    page = opened[0]
    p, shown = _hover(page)
    assert p["id"] in shown and p["text"][:60] in shown
    p, shown = _hover(page, "injected-1")
    assert PAYLOAD in shown  # as text, in the HTML tooltip
    assert page.evaluate("typeof window.__pwned") == "undefined"
    page.screenshot(path=str(ARTIFACTS / "report_map_hover.png"))


def test_screenshots(opened):
    page = opened[0]
    page.mouse.move(5, 5)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "report_top.png"))
    page.evaluate("document.getElementById('nav').style.position = 'static'")  # not over element shots
    page.locator("#map").screenshot(path=str(ARTIFACTS / "report_map.png"))
    page.locator("#family-duplication").screenshot(path=str(ARTIFACTS / "report_duplication.png"))
    page.evaluate("document.getElementById('nav').style.position = ''")
    page.evaluate("window.scrollTo(0, 0)")
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator("nav#nav").is_hidden()
    assert page.evaluate("[...document.querySelectorAll('details.help')].every(d => d.open)")
    page.screenshot(path=str(ARTIFACTS / "report_print.png"))
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    page.emulate_media(media="screen")
    for name in ("report_top", "report_map", "report_duplication", "report_print"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000
