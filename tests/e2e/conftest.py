"""Browser journeys: Debian's Chromium driven by Playwright against the live site.

Every page a journey visits is checked with axe-core (no serious or critical
violations) and for width at 375 px (nothing scrolls sideways: not the page,
not a box inside it) and, at the end of the journey, with the Nu HTML
Checker (no errors). Screenshots at desktop and phone width go to tests/e2e/artifacts/.
"""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
OVERFLOWING = """() => {
  const root = document.documentElement, found = [];
  if (root.scrollWidth > root.clientWidth + 1) {
    found.push(`page: ${root.scrollWidth}px`);
    const wide = [...document.body.querySelectorAll('*')].filter(el => el.getBoundingClientRect().right > root.clientWidth + 1);
    const leaves = wide.filter(el => !wide.some(other => other !== el && el.contains(other)));
    for (const el of leaves.slice(0, 3)) found.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 40)}"`);
  }
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
      found.push(`${el.tagName.toLowerCase()}.${el.className}: ${el.scrollWidth}px in ${el.clientWidth}px`);
  }
  return found;
}"""


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--no-first-run", "--disable-quic"],
    )
    yield browser
    browser.close()
    playwright.stop()


class Journey:
    """Visit pages, check each with axe, keep their HTML for the Nu checker, take screenshots."""

    def __init__(self, name, browser, base_url):
        self.name = name
        self.base_url = base_url
        self.context = browser.new_context(viewport=DESKTOP)
        self.page = self.context.new_page()
        self.folder = ARTIFACTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        (self.folder / "html").mkdir(parents=True)
        self.checked = 0
        self.page.on("response", self._keep_html)

    def _keep_html(self, response):
        if response.request.resource_type == "document" and "text/html" in response.headers.get("content-type", ""):
            try:
                body = response.text()
            except Exception:  # a redirect has no body to keep
                return
            self.checked += 1
            path = response.url.replace(self.base_url, "").split("?")[0].strip("/").replace("/", "_") or "home"
            (self.folder / "html" / f"{self.checked:02d}-{path[:60]}.html").write_text(body)

    def url(self, path):
        return f"{self.base_url}{path}"

    def goto(self, path):
        response = self.page.goto(self.url(path))
        assert response.status < 400, (path, response.status)
        self.axe()
        return response

    def fits_phone(self):
        """Fail if, at 375 px, the page or any box inside it scrolls sideways."""
        self.page.set_viewport_size(PHONE)
        try:
            overflowing = self.page.evaluate(OVERFLOWING)
        finally:
            self.page.set_viewport_size(DESKTOP)
        assert not overflowing, f"wider than 375 px on {self.page.url}: {overflowing}"

    def axe(self):
        """Fail on any axe violation of impact serious or critical on the current page; check its width too."""
        self.fits_phone()
        self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["html"] for n in v["nodes"]][:3]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")
        ]
        assert not bad, f"axe on {self.page.url}: {json.dumps(bad, indent=1)}"

    def after_navigation(self):
        """Check the page a click or form post led to."""
        self.page.wait_for_load_state("load")
        self.axe()

    def shot(self, name):
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            self.page.set_viewport_size(size)
            self.page.screenshot(path=str(self.folder / f"{name}-{label}.png"), full_page=True)
        self.page.set_viewport_size(DESKTOP)

    def validate_html(self):
        """Run the Nu HTML Checker over every page kept; fail on any error."""
        files = sorted(str(p) for p in (self.folder / "html").glob("*.html"))
        assert files, "no pages were kept"
        result = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
                                capture_output=True, text=True, timeout=300)
        messages = json.loads(result.stderr or '{"messages": []}')["messages"]
        errors = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}" for m in messages if m.get("type") == "error"]
        assert not errors, "\n".join(errors)
        return len(files)

    def close(self):
        self.context.close()


@pytest.fixture
def journey(browser, site_url, settings):
    settings.SHOP_BASE_URL = site_url  # the links in emails lead to the site under test
    journeys = []

    def start(name):
        j = Journey(name, browser, site_url)
        journeys.append(j)
        return j

    yield start
    for j in journeys:
        j.close()
