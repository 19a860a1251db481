"""End to end: ``orderfarm app`` from a folder with nothing of the source checkout in it, as an
installed package runs it: the demo database is created there, the page is served with its own
settings, and the printed administrator can log in. Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pytest
from e2e_server import answers, free_port, serving

from orderfarm.cli import APP_SCRIPT, DEMO_DB

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")


def test_orderfarm_app_serves_the_demo_page_from_any_folder(tmp_path: Path) -> None:
    assert APP_SCRIPT.is_file() and APP_SCRIPT.parent.name == "orderfarm"  # inside the package
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "ORDERFARM_DB"}
    env["PYTHONUNBUFFERED"] = "1"
    command = [
        sys.executable, "-c", "import sys; from orderfarm.cli import main; sys.exit(main())",
        "app", "--server.port", str(port), "--server.address", "127.0.0.1",
    ]  # fmt: skip
    log = tmp_path / "app.log"
    with serving(command, url, log, cwd=tmp_path, env=env):
        assert (tmp_path / DEMO_DB).is_file()  # the demo database, made where it was started
        password = re.search(r"初始密码 (\S+?)（", log.read_text(encoding="utf-8"))
        assert password is not None
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(locale="zh-CN")
            page.set_default_timeout(20_000)
            page.goto(url)
            page.get_by_label("用户名").fill("admin")
            page.get_by_label("密码").fill(password[1])
            page.get_by_role("button", name="登录").click()
            heading = page.get_by_role("heading", name="总览", exact=True)
            playwright_api.expect(heading).to_be_visible()
            # the page's own settings hold outside the checkout: uploads are capped at 50 MB
            page.get_by_role("link", name="导入导出", exact=True).click()
            playwright_api.expect(page.get_by_text("50MB").first).to_be_visible()
            browser.close()
    # stopping ``orderfarm app`` stops its server: nothing answers on the port any more
    deadline = time.monotonic() + 20
    while answers(url):
        assert time.monotonic() < deadline, "the page's server outlived orderfarm app"
        time.sleep(0.3)
