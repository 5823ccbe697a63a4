"""Accessibility checked, not claimed: axe-core's WCAG 2.1 A and AA rules on every page of the app.

Each page of :data:`dashboard.navigation.PAGES` is opened in headless Chromium once Streamlit has finished
(no script running, charts drawn), every expander is opened (the tables behind the charts), and axe-core
audits the page, then each of its other tabs. Any violation fails the test, listed with its rule, impact,
target selectors and axe's failure summary. What axe cannot decide is measured here: the page's language
and title, and the contrast of the text drawn inside the SVG charts (axe leaves it « to review »). axe-core is an npm package pinned in ``tests/browser/
package.json`` and installed by ``.ci/run`` (``npm ci``); without it the tests skip, except in CI.
"""

from __future__ import annotations

import time

import pytest

from dashboard.navigation import PAGES
from tests.browser.conftest import ROOT, require, screenshot, wait_for_streamlit

AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module", autouse=True)
def axe_installed() -> None:
    require(
        AXE.exists(),
        f"axe-core absent ({AXE.relative_to(ROOT)}) : lancez « npm ci --prefix tests/browser » pour ce test. "
        "/ axe-core not installed: run `npm ci --prefix tests/browser`.",
    )


def audit(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it stands (rule, impact, nodes)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
            }));
        }""",
        WCAG_21_AA,
    )


def describe(violations: list[dict], where: str) -> str:
    """The violations as a readable report: one block per rule, one line per node."""
    lines = []
    for v in violations:
        lines.append(f"[{where}] {v['id']} ({v['impact']}) : {v['help']} — {len(v['nodes'])} nœud(s)")
        for node in v["nodes"]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {' > '.join(map(str, node['target']))} : {summary}")
    return "\n".join(lines)


def open_expanders(page) -> None:
    """Open every closed expander one can see (not those of the other tabs), so that the tables
    behind the charts are audited too."""
    summaries = page.locator('[data-testid="stExpander"] details > summary')
    for i in range(summaries.count()):
        summary = summaries.nth(i)
        if summary.evaluate("s => !s.parentElement.open && !s.closest('[inert]') && s.offsetParent !== null"):
            summary.click()
            time.sleep(0.2)


URLS = ["" if i == 0 else p[3] for i, p in enumerate(PAGES)]  # the default page lives at the root


@pytest.mark.parametrize("url_path", URLS, ids=[p[3] for p in PAGES])
def test_page_has_no_wcag_violation(app_url, page, url_path):
    page.goto(f"{app_url}/{url_path}", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    assert page.locator('[data-testid="stDialog"]').count() == 0  # e.g. Streamlit's « page not found »
    title = next(t for _, t, _, u in PAGES if u == (url_path or PAGES[0][3]))
    assert page.evaluate("() => document.documentElement.lang") == "fr"  # WCAG 3.1.1, RGAA 8.3
    assert page.title() == f"{title} · Baromètre"  # WCAG 2.4.2, RGAA 8.5–8.6
    open_expanders(page)
    wait_for_streamlit(page)
    reports = [describe(audit(page), url_path or "/")]
    tabs = page.get_by_role("tab")
    for i in range(1, tabs.count()):  # the first tab is the one already audited
        tabs.nth(i).click()
        wait_for_streamlit(page)
        open_expanders(page)
        reports.append(describe(audit(page), f"{url_path or '/'}, onglet « {tabs.nth(i).inner_text()} »"))
    screenshot(page, f"accessibilite-{url_path or PAGES[0][3]}")
    found = "\n".join(r for r in reports if r)
    assert not found, f"Violations WCAG 2.1 A/AA relevées par axe-core :\n{found}"


def luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG relative luminance of an sRGB colour (0–255 channels)."""
    lin = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def chart_texts(page) -> list[dict]:
    """Every visible text of the SVG charts: its words, colour, size, weight, and the colour behind the
    chart (the first opaque background among its ancestors, white by default)."""
    return page.evaluate(
        """() => {
            const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
            const behind = el => {
                for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
                    const c = rgb(getComputedStyle(e).backgroundColor);
                    if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
                }
                return [255, 255, 255];
            };
            return [...document.querySelectorAll('.vega-embed svg text')].flatMap(t => {
                const s = getComputedStyle(t);
                const shown = +s.opacity > 0 && +s.fillOpacity > 0 && s.fill.startsWith('rgb')
                    && s.visibility !== 'hidden' && t.textContent.trim() && t.getBBox().width > 0;
                return shown ? [{text: t.textContent, fill: rgb(s.fill).slice(0, 3),
                    alpha: +s.opacity * +s.fillOpacity, size: parseFloat(s.fontSize),
                    bold: +s.fontWeight >= 700, bg: behind(t.closest('.vega-embed'))}] : [];
            });
        }"""
    )


def low_contrast(texts: list[dict]) -> list[str]:
    """The chart texts under WCAG 1.4.3's 4.5:1 (3:1 for large text: 24 px, or 18.66 px bold)."""
    found = []
    for t in texts:
        fill = [t["alpha"] * c + (1 - t["alpha"]) * b for c, b in zip(t["fill"], t["bg"], strict=True)]
        ratio = contrast(tuple(fill), tuple(t["bg"]))
        large = t["size"] >= 24 or (t["bold"] and t["size"] >= 18.66)
        if ratio < (3 if large else 4.5):
            found.append(f"« {t['text']} » : {ratio:.2f}:1 (texte rgb{tuple(t['fill'])}, {t['size']:g} px)")
    return found


@pytest.mark.parametrize("url_path", URLS, ids=[p[3] for p in PAGES])
def test_chart_text_contrast(app_url, page, url_path):
    """axe leaves the text of SVG charts « to review » (it cannot tell what lies behind): measured here."""
    page.goto(f"{app_url}/{url_path}", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    texts = chart_texts(page)
    charts = page.locator(".vega-embed")
    # every chart drawn as SVG (a canvas would hide its text from the check); the overview's
    # sparklines carry no text at all, the other charts' texts must all have been measured
    assert page.locator(".vega-embed svg").count() == charts.count()
    assert texts or not page.locator(".vega-embed svg text").count()
    found = low_contrast(texts)
    assert not found, f"{url_path or '/'} : textes de graphique sous 4,5:1 :\n" + "\n".join(found)


def test_low_contrast_flags_pale_small_text_only():
    """The failure case of the chart check: the measured colours, against white."""
    texts = [
        {"text": "pâle", "fill": [213, 94, 0], "alpha": 1, "size": 11, "bold": False, "bg": [255] * 3},
        {"text": "grand", "fill": [213, 94, 0], "alpha": 1, "size": 24, "bold": False, "bg": [255] * 3},
        {"text": "encre", "fill": [27, 27, 31], "alpha": 1, "size": 11, "bold": False, "bg": [255] * 3},
        {"text": "voilé", "fill": [27, 27, 31], "alpha": 0.3, "size": 12, "bold": False, "bg": [255] * 3},
    ]
    found = low_contrast(texts)
    assert [f.split(" » ")[0] for f in found] == ["« pâle", "« voilé"]
    assert "3.87:1" in found[0]


INACCESSIBLE = """<!doctype html><html lang="fr"><head><title>Essai</title></head><body><main>
<h1>Essai</h1><p style="color:#999999;background:#ffffff">Texte gris pâle sur blanc</p>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="10" height="10">
</main></body></html>"""


def test_audit_reports_rule_impact_target_and_summary(page):
    """The failure case: a page with pale text and an image without text alternative is caught."""
    page.set_content(INACCESSIBLE)
    violations = audit(page)
    by_rule = {v["id"]: v for v in violations}
    assert {"color-contrast", "image-alt"} <= set(by_rule)
    report = describe(violations, "essai")
    assert "[essai] color-contrast (serious)" in report
    assert "html > body > main > p" in report or "p :" in report
    assert "contrast of 2.84" in report  # axe's own summary, with the measured ratio
    assert "image-alt (critical)" in report


def test_audit_finds_nothing_on_an_accessible_page(page):
    page.set_content(INACCESSIBLE.replace("#999999", "#595959").replace("<img ", '<img alt="Pixel" '))
    assert audit(page) == []
