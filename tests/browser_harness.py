"""A JupyterLab server and a headless Chromium for the browser tests, set up as nbgrader's own UI tests
(nbgrader/tests/ui-tests) set theirs up: one server per test module on localhost, files seeded through the
Contents API, Playwright driving the browser. Unlike theirs, the server keeps its token and XSRF checks.

Chromium is Debian's ``chromium`` package (``.ci/run`` installs it); Playwright never downloads a browser.
"""
from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect, sync_playwright

from grading import course

CHROMIUM = shutil.which("chromium")
# Chromium's own connections would be refused by a closed network, many at a time.
CHROMIUM_FLAGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]
SCREENSHOTS = course.ROOT / "artifacts" / "screenshots"  # git-ignored
STARTUP_S = 120
WAIT_MS = 60_000  # what a page may take to show something on a busy 2-core machine
expect.set_options(timeout=WAIT_MS)


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None when Chromium is installed."""
    if CHROMIUM is None:
        return "Debian's chromium is not installed (bash .ci/run installs it with apt-get; that failed or was not run)"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """``jupyter lab`` on 127.0.0.1 with a token of its own, started in ``root`` as a user starts it there; its
    Jupyter configuration, data, runtime and settings folders live in ``scratch``, so nothing of this machine's
    user leaks in. Lab's news and update checks are off (they would only fail on a closed network)."""

    def __init__(self, root: Path, scratch: Path) -> None:
        self.root, self.token, self.port = root, secrets.token_hex(16), free_port()
        self.log_path = scratch / "jupyter.log"
        self.env = course.nbgrader_env()
        # the test run's import path is not the user's; only its sitecustomize (tests/startup: a Lark grammar not built)
        self.env["PYTHONPATH"] = str(course.ROOT / "tests" / "startup")
        for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR",
                    "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR"):
            self.env[var] = str(scratch / var.lower())
        notifications = Path(self.env["JUPYTERLAB_SETTINGS_DIR"]) / "@jupyterlab" / "apputils-extension"
        notifications.mkdir(parents=True)
        (notifications / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> JupyterLab:
        """Start the server and wait until its REST API answers."""
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
                 f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0", f"--ServerApp.root_dir={self.root}",
                 f"--IdentityProvider.token={self.token}", "--ServerApp.allow_root=True", "--LabApp.news_url=None",
                 "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
                cwd=self.root, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                if self.api("GET", "api/status").ok:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"jupyter lab did not answer within {STARTUP_S} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop the server (and the kernels it started)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the server's log, to explain a failure."""
        return self.log_path.read_text(errors="replace")[-chars:]

    def url(self, path: str, token: bool = False) -> str:
        """The address of ``path`` on this server, with the token for a browser's first visit."""
        return f"http://127.0.0.1:{self.port}/{path}" + (f"?token={self.token}" if token else "")

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One request to the server's REST API, authenticated by the token."""
        return requests.request(method, self.url(path), headers={"Authorization": f"token {self.token}"},
                                timeout=60, **kwargs)

    def upload(self, local: Path, remote: str) -> None:
        """Copy a file or a folder (recursively, without caches) into the server through the Contents API."""
        if local.is_dir():
            self.api("PUT", f"api/contents/{remote}", json={"type": "directory"}).raise_for_status()
            for child in sorted(local.iterdir()):
                if child.name != "__pycache__":
                    self.upload(child, f"{remote}/{child.name}")
            return
        if local.suffix == ".ipynb":
            model = {"type": "notebook", "format": "json", "content": json.loads(local.read_text())}
        else:
            model = {"type": "file", "format": "base64", "content": base64.b64encode(local.read_bytes()).decode()}
        self.api("PUT", f"api/contents/{remote}", json=model).raise_for_status()

    def notebook(self, remote: str) -> dict:
        """A notebook as the server has it saved now."""
        response = self.api("GET", f"api/contents/{remote}", params={"content": 1})
        response.raise_for_status()
        return response.json()["content"]


@contextmanager
def jupyter_lab(root: Path, scratch: Path) -> Iterator[JupyterLab]:
    """A running :class:`JupyterLab`, stopped at the end."""
    lab = JupyterLab(root, scratch)
    try:
        yield lab.start()
    finally:
        lab.stop()


@contextmanager
def chromium(scratch: Path) -> Iterator[BrowserContext]:
    """Headless Chromium with a fresh profile, driven by Playwright (no sandbox as root: it refuses to start)."""
    flags = CHROMIUM_FLAGS + (["--no-sandbox"] if os.geteuid() == 0 else [])
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(scratch / "chromium-profile"), executable_path=CHROMIUM, headless=True, args=flags,
            viewport={"width": 1400, "height": 900})
        context.set_default_timeout(WAIT_MS)
        try:
            yield context
        finally:
            context.close()


class Console:
    """The errors a page reports: console.error messages and uncaught exceptions."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("console", self._message)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _message(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console.error: {message.text} ({message.location.get('url')})")


def screenshot(page: Page, name: str) -> Path:
    """Save a screenshot of the page as a test artifact, artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def open_lab(page: Page, lab: JupyterLab, path: str = "") -> None:
    """Open JupyterLab (at a notebook when ``path`` is one) with the token, and wait for its main area."""
    page.goto(lab.url(f"lab/tree/{path}" if path else "lab", token=True))
    page.locator("#jp-main-dock-panel").wait_for()


def menu(page: Page, top: str, command: str) -> None:
    """Click a command in JupyterLab's main menu, as a user does: the top-level menu, then the item."""
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel").filter(has_text=re.compile(f"^{top}$")).click()
    page.locator(f'.lm-Menu li[data-command="{command}"]').click()

