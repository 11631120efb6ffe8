"""The rendered site, tested in a real browser (headless Debian chromium, driven by Playwright).

The pages come from ``_toc.yml``: every page it lists must load with its title, every chapter
(a page with a ``.ipynb``) must show its figures, its run time, its launch and download
buttons and its solutions folded away; the sidebar and the next-page links must reach every
page; no local link, image, stylesheet or script may be broken; axe must find no serious or
critical accessibility violation. Screenshots go to ``test-artifacts/site/``.

The site tested is the quick build, ``_build/quick/_build/html``. By default the session first
runs that build (``tools/build_site.py quick``), last in the session: the notebooks the tests
just executed are in its execution cache (root ``conftest.py``), so it renders them without
running them again. Without Chromium the browser tests skip, saying how to install it. With
``LAB_SITE_PREBUILT=1`` (``make site-test``) it tests the folder as it is and fails if it is
missing.
"""

from __future__ import annotations

import functools
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml
from axe_playwright_python.sync_playwright import Axe
from playwright import sync_api as playwright_sync

from labhelpers import plots
from tools import build_site  # the repository root is on sys.path (root conftest.py)

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "site"
CHROMIUM = os.environ.get("LAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
# Console messages of the stock sphinx-book-theme / pydata theme that are not our bugs.
# External requests are blocked in this test (the site must work offline, apart from the
# launch services), so their failures are expected too.
CONSOLE_ALLOWLIST = [
    re.compile(r"net::ERR_FAILED|net::ERR_BLOCKED_BY_CLIENT|ERR_INTERNET_DISCONNECTED"),
    re.compile(r"Failed to load resource"),
    re.compile(r"\[PST\]"),  # pydata-sphinx-theme's own diagnostics (version switcher, ...)
    # sphinx-thebe's script is included twice by Jupyter Book 1.x (harmless redeclaration)
    re.compile(r"Identifier 'THEBE_JS_URL' has already been declared"),
    # pydata-sphinx-theme, before a colour mode is stored in localStorage
    re.compile(r"Got invalid theme mode: \. Resetting to auto\."),
]
SERIOUS = ("serious", "critical")
PHONE_WIDTH = 390
# The chapters draw at 100 dpi with 12-point text (plots.use_book_style). A phone shrinks a
# wider PNG to its 340 px column, and past this width that text falls under 9 px.
MAX_FIGURE_PX = round(plots.legible_width(12) * 100)
TIMEOUT_MS = int(os.environ.get("LAB_SITE_TIMEOUT_MS", "120000"))


SITE = build_site.html_dir("quick")


def toc_pages() -> list[str]:
    """Every page of _toc.yml, in reading order (the root first), without extension."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return pages


PAGES = toc_pages()
CHAPTERS = [page for page in PAGES if (ROOT / f"{page}.ipynb").exists()]


def repository() -> tuple[str, str, str]:
    """(owner/name, branch, path_to_book) from _config.yml."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]
    owner_name = urllib.parse.urlparse(repo["url"]).path.strip("/")
    return owner_name, repo.get("branch", "main"), (repo.get("path_to_book") or "").strip("/")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def site() -> Path:
    if os.environ.get("LAB_SITE_PREBUILT") == "1":
        assert (SITE / "index.html").exists(), (
            f"no built site in {SITE.relative_to(ROOT)}: run `make book-quick` "
            f"(or `python tools/build_site.py quick`) first"
        )
    else:
        status = build_site.build("quick")
        assert status == 0, (
            "the quick site did not build (a chapter failed or Sphinx warned): read the log "
            "above, or run `python tools/build_site.py quick`"
        )
    for page in PAGES:
        assert (SITE / f"{page}.html").exists(), (
            f"{page} is in _toc.yml but {page}.html was not built: rebuild the site"
        )
    return SITE


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def base_url(site) -> str:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(site)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"python -m http.server did not start on port {port}")
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}, so the browser test of the site is skipped. To run "
            "it: `sudo apt install chromium` (Debian/Ubuntu), or set LAB_CHROMIUM to a "
            "Chromium or Chrome binary"
        )
    with playwright_sync.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visit:
    """A browser tab on one page of the site, with its console errors."""

    def __init__(self, browser, base_url: str, width: int = 1280):
        self.base_url = base_url
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        # Generous: on a busy 2-core machine a chapter page can take more than the
        # default 30 s to load and lay out.
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.set_default_navigation_timeout(TIMEOUT_MS)
        self.blocked: list[str] = []
        self.context.route("**/*", self._only_local)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on(
            "console",
            lambda msg: self.errors.append(msg.text) if msg.type == "error" else None,
        )
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def _only_local(self, route):
        if route.request.url.startswith(self.base_url):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort("blockedbyclient")

    def open(self, page_name: str):
        response = self.page.goto(self.base_url + f"{page_name}.html", wait_until="load")
        assert response is not None and response.ok, (
            f"{page_name}.html answered {response.status if response else 'nothing'}"
        )
        return self.page

    def unexpected_console_errors(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in CONSOLE_ALLOWLIST)]

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, base_url):
    tab = Visit(browser, base_url)
    yield tab
    tab.close()


@pytest.fixture
def phone(browser, base_url):
    """A tab as wide as a phone held upright (390 px)."""
    tab = Visit(browser, base_url, width=PHONE_WIDTH)
    yield tab
    tab.close()


def article(page):
    return page.locator("article.bd-article")


# --------------------------------------------------------------------------- every page


def test_the_quick_site_builds(site):
    """Every page of _toc.yml is rendered (the fixture builds; Sphinx warnings fail it)."""
    assert (site / "index.html").exists()


def test_toc_lists_pages_and_chapters():
    assert len(PAGES) == len(set(PAGES)), f"_toc.yml lists a page twice: {PAGES}"
    assert CHAPTERS, "_toc.yml lists no chapter notebook"


@pytest.mark.parametrize("page_name", PAGES)
def test_page_loads_with_its_title(visit, page_name):
    page = visit.open(page_name)
    heading = article(page).locator("h1").first
    assert heading.is_visible(), f"{page_name}: no visible H1 title"
    title = heading.inner_text().strip().rstrip("#").strip()
    assert title, f"{page_name}: the H1 title is empty"
    assert title in page.title(), f"{page_name}: <title> {page.title()!r} lacks {title!r}"
    (ARTIFACTS).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{page_name.replace('/', '__')}.png"))
    errors = visit.unexpected_console_errors()
    assert not errors, f"{page_name}: console errors {errors}"


@pytest.mark.parametrize("page_name", PAGES)
def test_no_serious_accessibility_violation(visit, page_name):
    page = visit.open(page_name)
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    report = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in serious
    ]
    assert not serious, f"{page_name}: axe finds serious/critical violations:\n" + "\n".join(report)


# --------------------------------------------------------------------------- chapters


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_figures_render(visit, chapter):
    page = visit.open(chapter)
    page.evaluate(
        """() => Promise.all([...document.images].map(img => img.complete ? null :
            new Promise(done => { img.onload = img.onerror = done; })))"""
    )
    images = article(page).locator(".cell_output img")
    assert images.count() >= 1, f"{chapter}: no figure in the cell outputs (was it executed?)"
    sizes = images.evaluate_all(
        "imgs => imgs.map(i => [i.currentSrc, i.naturalWidth, i.naturalHeight])"
    )
    empty = [src for src, width, height in sizes if not (width > 0 and height > 0)]
    assert not empty, f"{chapter}: figures that did not load: {empty}"
    wide = [(src.rsplit("/", 1)[-1], width) for src, width, _ in sizes if width > MAX_FIGURE_PX]
    assert not wide, (
        f"{chapter}: figures wider than {MAX_FIGURE_PX} px, whose 12-point text a phone "
        f"shrinks under 9 px: {wide}. Draw them narrower (stack the panels)."
    )
    box = images.first.bounding_box()
    assert box and box["width"] > 50 and box["height"] > 50, f"{chapter}: first figure is {box}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_shows_its_run_time_near_the_top(visit, chapter):
    page = visit.open(chapter)
    run_time = article(page).locator("p", has_text=re.compile(r"Run time", re.I)).first
    assert run_time.count() == 1, f"{chapter}: no 'Run time' line (see STYLE.md, chapter opening)"
    assert run_time.is_visible(), f"{chapter}: the 'Run time' line is not visible"
    text = run_time.inner_text()
    assert re.search(r"\bCPU\b", text) and re.search(r"\bGPU\b", text), (
        f"{chapter}: the run time must give a full-run time on a CPU and on a GPU: {text!r}"
    )
    before_first_section = page.evaluate(
        """() => {
            const art = document.querySelector('article.bd-article');
            const line = [...art.querySelectorAll('p')]
                .find(p => /Run time/i.test(p.textContent));
            const h2 = art.querySelector('h2');
            const after = line.compareDocumentPosition(h2 || line);
            return !h2 || Boolean(after & Node.DOCUMENT_POSITION_FOLLOWING);
        }"""
    )
    assert before_first_section, f"{chapter}: the 'Run time' line comes after the first section"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_launch_and_download_buttons(visit, chapter):
    page = visit.open(chapter)
    owner_name, branch, path_to_book = repository()
    notebook = "/".join(filter(None, [path_to_book, f"{chapter}.ipynb"]))

    page.locator(".dropdown-launch-buttons button").first.click()
    colab = page.locator(".dropdown-launch-buttons a", has_text="Colab")
    binder = page.locator(".dropdown-launch-buttons a", has_text="Binder")
    assert colab.is_visible() and binder.is_visible(), f"{chapter}: no Colab/Binder button"
    assert colab.get_attribute("href") == (
        f"https://colab.research.google.com/github/{owner_name}/blob/{branch}/{notebook}"
    ), f"{chapter}: Colab does not open {notebook}"
    binder_url = urllib.parse.urlparse(binder.get_attribute("href"))
    assert binder_url.path == f"/v2/gh/{owner_name}/{branch}", f"{chapter}: Binder repo/branch"
    assert urllib.parse.parse_qs(binder_url.query)["urlpath"][0].endswith(f"tree/{notebook}"), (
        f"{chapter}: Binder does not open {notebook}"
    )

    page.keyboard.press("Escape")
    page.locator(".dropdown-download-buttons button").first.click()
    download = page.locator(".dropdown-download-buttons a.btn-download-source-button")
    assert download.is_visible(), f"{chapter}: no download button"
    href = download.get_attribute("href")
    assert href.endswith(f"_sources/{chapter}.ipynb"), f"{chapter}: download gives {href}"
    with urllib.request.urlopen(urllib.parse.urljoin(page.url, href), timeout=10) as response:
        downloaded = json.loads(response.read())
    source = json.loads((ROOT / f"{chapter}.ipynb").read_text())
    assert [c["source"] for c in downloaded["cells"]] == [c["source"] for c in source["cells"]], (
        f"{chapter}: the downloaded .ipynb is not the chapter's notebook"
    )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_solutions_are_folded(visit, chapter):
    """Solutions (``<details>`` blocks, hidden cells, dropdowns) stay closed until clicked."""
    page = visit.open(chapter)
    folded = article(page).locator("details")
    dropdowns = article(page).locator(".admonition.dropdown")
    assert folded.count() + dropdowns.count() >= 1, f"{chapter}: no folded solution"
    for i in range(folded.count()):
        block = folded.nth(i)
        body = block.locator(":scope > :not(summary)")
        assert block.get_attribute("open") is None, f"{chapter}: solution {i} is open"
        if body.count():
            assert not body.first.is_visible(), f"{chapter}: solution {i} shows unfolded"
        block.locator(":scope > summary").click()
        if body.count():
            body.first.wait_for(state="visible", timeout=5000)
    for i in range(dropdowns.count()):
        box = dropdowns.nth(i)
        body = box.locator(":scope > :not(.admonition-title)")
        assert body.count() >= 1, f"{chapter}: dropdown {i} is empty"
        assert not body.first.is_visible(), f"{chapter}: solutions dropdown {i} is shown unfolded"
        box.locator(".admonition-title").click()
        body.first.wait_for(state="visible", timeout=5000)


# --------------------------------------------------------------------------- offline, phone


def test_no_page_loads_a_script_or_stylesheet_from_another_host(site):
    """MathJax and every other script come with the site: a page works with the network off."""
    remote = re.compile(r'^(https?:)?//')
    found = []
    for html in sorted(site.rglob("*.html")):
        for tag in re.findall(r"<(?:script|link)\b[^>]*>", html.read_text(errors="replace")):
            url = re.search(r'\b(?:src|href)="([^"]*)"', tag)
            is_code = tag.startswith("<script") or 'rel="stylesheet"' in tag
            if is_code and url and remote.match(url.group(1)):
                found.append(f"{html.relative_to(site)}: {url.group(1)}")
    assert not found, "pages load code from another host:\n" + "\n".join(sorted(set(found)))


FORMULA_CHAPTERS = [c for c in CHAPTERS if "$$" in (ROOT / f"{c}.py").read_text()]


@pytest.mark.parametrize("chapter", FORMULA_CHAPTERS)
def test_formulas_render_with_the_network_off(visit, chapter):
    page = visit.open(chapter)  # every request to another host is blocked (Visit)
    formulas = article(page).locator("mjx-container")
    formulas.first.wait_for(state="attached")
    displayed = (ROOT / f"{chapter}.py").read_text().count("$$") // 2
    assert formulas.count() >= displayed, (
        f"{chapter}: {formulas.count()} formulas typeset, the source has {displayed} displayed"
    )
    assert article(page).locator("mjx-merror").count() == 0, f"{chapter}: a formula fails"
    assert "$$" not in article(page).inner_text(), f"{chapter}: raw LaTeX shows"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_never_scrolls_sideways_on_a_phone(phone, chapter):
    """Wide tables, outputs and code scroll inside their own box, never the page."""
    page = phone.open(chapter)
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= PHONE_WIDTH, (
        f"{chapter}: at {PHONE_WIDTH} px the page is {page_width} px wide and scrolls sideways"
    )
    if chapter == CHAPTERS[0]:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{chapter.replace('/', '__')}__phone.png"))


# --------------------------------------------------------------------------- navigation


def _page_name(url: str, base_url: str) -> str | None:
    if not url.startswith(base_url):
        return None
    path = urllib.parse.urlparse(url).path[len(urllib.parse.urlparse(base_url).path) :]
    return path[: -len(".html")] if path.endswith(".html") else None


def test_sidebar_reaches_every_page(visit):
    seen, queue = set(), [PAGES[0]]  # not index.html: it only redirects to the root page
    while queue:
        name = queue.pop()
        if name in seen:
            continue
        seen.add(name)
        page = visit.open(name)
        links = page.locator("nav.bd-docs-nav a[href]").evaluate_all("as => as.map(a => a.href)")
        queue += [n for n in (_page_name(u, visit.base_url) for u in links) if n]
    missing = [p for p in PAGES if p not in seen]
    assert not missing, f"the sidebar never links to {missing}"


def test_next_links_walk_the_book_in_order(visit):
    walked, page = [], visit.open(PAGES[0])
    for _ in range(len(PAGES) + 5):
        walked.append(_page_name(page.url, visit.base_url))
        following = page.locator("a.right-next")
        if following.count() == 0:
            break
        following.first.click()
        page.wait_for_load_state("load")
    assert walked == PAGES, f"next-page links walk {walked}, _toc.yml says {PAGES}"


@functools.cache
def _fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read()
            kind = response.headers.get("Content-Type", "")
            return response.status, body.decode("utf-8", "replace") if "html" in kind else ""
    except urllib.error.HTTPError as error:
        return error.code, ""
    except (urllib.error.URLError, http.client.HTTPException) as error:
        return 0, str(error)


def _anchors(html: str) -> set[str]:
    return set(re.findall(r"""\b(?:id|name)=["']([^"']+)["']""", html))


def test_no_broken_local_link(visit):
    broken = []
    for name in PAGES + ["genindex", "search"]:
        page = visit.open(name)
        targets = page.evaluate(
            """() => [
                ...[...document.querySelectorAll('a[href]')].map(a => a.href),
                ...[...document.querySelectorAll('link[href]')].map(l => l.href),
                ...[...document.querySelectorAll('img[src], script[src]')].map(e => e.src),
            ]"""
        )
        for url in sorted(set(targets)):
            if not url.startswith(visit.base_url):
                continue
            address, _, fragment = url.partition("#")
            status, html = _fetch(address)
            if status != 200:
                broken.append(f"{name}: {url} answers {status}")
            elif fragment and html and urllib.parse.unquote(fragment) not in _anchors(html):
                broken.append(f"{name}: {url} has no #{fragment}")
    assert not broken, "broken local links:\n" + "\n".join(broken)


def test_screenshot_a_chapter_in_full(visit):
    page = visit.open(CHAPTERS[0])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{CHAPTERS[0].replace('/', '__')}__full.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000, "the full-page screenshot is (nearly) empty"
