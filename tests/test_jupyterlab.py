"""A chapter as a student sees it: opened in JupyterLab in a real browser, then "Run All".

JupyterLab runs on 127.0.0.1 over a temporary copy of the chapter (so nothing in book/ is
saved over), with its own settings folder: every cell is rendered (no virtual scrolling), so
the checks see the whole notebook. After "Run All" the chapter must show no error, no stderr
box (TensorFlow's start-up lines are not the student's business), no solution or answer line
until the student opens it, and no raw MyST markup that only the site understands.
Screenshots go to ``test-artifacts/jupyterlab/``. Without Chromium the test skips, saying how
to install it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright import sync_api as playwright_sync

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "jupyterlab"
CHROMIUM = os.environ.get("LAB_CHROMIUM", "/usr/bin/chromium")
CHAPTERS = ["00_getting_started", "02_model_complexity"]
RUN_ALL_TIMEOUT_S = 600
RAW_MARKUP = (":class: dropdown", ":::{", "```{", "{glue}", "{admonition}", "{note}")
ANSWER_LINES = ("✅ Right", "✅ Passed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving a folder with copies of the tested chapters; yields (url, token)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}, so the JupyterLab browser test is skipped. To run "
            "it: `sudo apt install chromium` (Debian/Ubuntu), or set LAB_CHROMIUM to a "
            "Chromium or Chrome binary"
        )
    folder = tmp_path_factory.mktemp("lab")
    for chapter in CHAPTERS:
        shutil.copy(ROOT / "book" / f"{chapter}.ipynb", folder)
    settings = folder / ".settings"
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))  # render every cell
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false"}))  # no "Jupyter news?" pop-up
    port, token = _free_port(), "lab-book-test"
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(folder / ".workspaces"))
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={folder}", "--ServerApp.open_browser=False", "--allow-root"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("JupyterLab did not start (python -m jupyterlab)")
            time.sleep(0.5)
    yield url, token
    server.terminate()
    server.wait(timeout=20)


@pytest.fixture(scope="module")
def browser(lab):
    with playwright_sync.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


def _fail(page, message: str) -> None:
    """Fail with a screenshot, naming any dialog JupyterLab shows."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "run-all-failed.png"))
    dialog = page.locator(".jp-Dialog")
    shown = f"; a dialog shows: {dialog.first.inner_text()!r}" if dialog.count() else ""
    pytest.fail(message + shown)


def _wait_until_ready(page) -> None:
    """Wait until the kernel is idle and no dialog is open, two polls in a row; a slow start
    may first ask which kernel to use, and the test answers "Select"."""
    dialog = page.locator(".jp-Dialog")
    choose_kernel = dialog.get_by_role("button", name="Select", exact=True)
    kernel_idle = page.locator(".jp-StatusBar-Widget", has_text="| Idle")
    deadline, ready_polls = time.monotonic() + 180, 0
    while ready_polls < 2:
        if choose_kernel.count():
            choose_kernel.click()
        ready = kernel_idle.count() and not dialog.count()
        ready_polls = ready_polls + 1 if ready else 0
        if time.monotonic() > deadline:
            _fail(page, "the notebook's kernel was not ready in 180 s")
        time.sleep(1)


def _run_all(page) -> None:
    """Click Run > Run All Cells and wait until no cell is queued or running.

    Only one notebook is open (its own workspace), and only its prompts count. A click that
    starts nothing in 60 s (a slow machine, a kernel still connecting) is repeated, up to
    three times."""
    panel = page.locator(".jp-NotebookPanel:visible")
    panel.locator(".jp-Cell").first.wait_for()
    prompts: list[str] = []
    for _attempt in range(3):
        _wait_until_ready(page)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        start_deadline = time.monotonic() + 60
        deadline = time.monotonic() + RUN_ALL_TIMEOUT_S
        idle_polls = 0
        while time.monotonic() < deadline:
            prompts = [p.strip() for p in
                       panel.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()]
            started = any(p.strip("[]:").isdigit() or p == "[*]:" for p in prompts)
            if not started and time.monotonic() > start_deadline:
                break  # the click started nothing: click again
            idle_polls = idle_polls + 1 if started and "[*]:" not in prompts else 0
            if idle_polls >= 2:  # an error stops Run All: the cells after it stay "[ ]:"
                return
            time.sleep(2)
        else:
            break
    _fail(page, f"Run All did not finish in {RUN_ALL_TIMEOUT_S} s; prompts: {prompts}")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_chapter_after_run_all_in_jupyterlab(lab, browser, chapter):
    url, token = lab
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        # its own empty workspace: JupyterLab would otherwise reopen the chapters tested before
        page.goto(f"{url}/lab/workspaces/{chapter}/tree/{chapter}.ipynb?reset&token={token}")
        _run_all(page)
        panel = page.locator(".jp-NotebookPanel:visible")
        errors = panel.locator("[data-mime-type='application/vnd.jupyter.error']")
        stderr = panel.locator("[data-mime-type='application/vnd.jupyter.stderr']")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{chapter}.png"))
        assert errors.count() == 0, f"{chapter}: error output:\n{errors.first.inner_text()}"
        assert stderr.count() == 0, f"{chapter}: stderr box:\n{stderr.first.inner_text()}"
        text = panel.inner_text()
        shown = [m for m in RAW_MARKUP if m in text]
        assert not shown, f"{chapter}: raw MyST markup shows in JupyterLab: {shown}"
        answers = [line for line in text.splitlines() if line.startswith(ANSWER_LINES)]
        assert not answers, f"{chapter}: Run All reveals answers: {answers}"
        solutions = panel.locator("details")
        assert solutions.count() >= 1, f"{chapter}: no folded solution (<details>)"
        for i in range(solutions.count()):
            block = solutions.nth(i)
            assert block.get_attribute("open") is None, f"{chapter}: solution {i} is open"
            body = block.locator(":scope > :not(summary)")
            assert body.count() == 0 or not body.first.is_visible(), (
                f"{chapter}: solution {i} shows before it is opened"
            )
    finally:
        context.close()
