"""The page's server and client settings, as ``streamlit run`` options.

``orderfarm app`` passes them on the command line, so they hold wherever it is started; a
source checkout's ``.streamlit/config.toml`` says the same for ``streamlit run
app_streamlit.py``. Options given after ``orderfarm app`` (``--server.port 8502``) come later
and win.
"""

from __future__ import annotations

from typing import Final

#: ``section.option`` → value, as ``.streamlit/config.toml`` writes them
PAGE_SETTINGS: Final[dict[str, str | int | bool]] = {
    "server.headless": True,
    # no file watcher, no rerun on save: a package updated under a running server is not
    # reloaded module by module mid-session (出现意外错误); restart the server to take it up
    "server.fileWatcherType": "none",
    "server.runOnSave": False,
    "server.enableXsrfProtection": True,
    "server.enableCORS": True,
    "server.maxUploadSize": 50,
    "client.toolbarMode": "minimal",
    "client.showErrorDetails": "none",
    "browser.gatherUsageStats": False,
    "theme.base": "light",
}


def page_options() -> list[str]:
    """``PAGE_SETTINGS`` as ``streamlit run`` options: ``--server.headless true`` …"""
    options: list[str] = []
    for name, value in PAGE_SETTINGS.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        options += [f"--{name}", text]
    return options
