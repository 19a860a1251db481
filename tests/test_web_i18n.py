"""The catalogue: every key in both languages, every key the pages use exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

from orderfarm.auth import Permission, Role
from orderfarm.supplies import ChargeMode
from orderfarm.web import helpers
from orderfarm.web.i18n import TEXTS, t

WEB = Path(__file__).resolve().parent.parent / "src" / "orderfarm" / "web"
#: Keys built at run time: f"nav_…", f"role_{role}", f"perm_{permission}", …
DYNAMIC = {
    "role_": [r.value for r in Role],
    "perm_": [p.value for p in Permission],
    "by_": ["township", "village", "crop"],
    "kind_": ["delivery", "supply", "payment"],
    "charge_": [m.value for m in ChargeMode],
    "export_": ["settlement", "statements", "bank"],
    "end_": ["cancel", "terminate", "close"],
}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_key_has_both_languages_with_the_same_placeholders() -> None:
    for key, entry in TEXTS.items():
        assert set(entry) == {"zh", "en"}, key
        assert entry["zh"].strip() and entry["en"].strip(), key
        assert _fields(entry["zh"]) == _fields(entry["en"]), key


def test_every_key_the_pages_use_exists() -> None:
    used: set[str] = set()
    for source in WEB.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        used |= set(re.findall(r'\bt\(\s*"([a-z0-9_]+)"', text))
        for prefix in re.findall(r'\bt\(\s*f"([a-z_]+)\{', text):
            assert prefix in DYNAMIC, f"{source.name}: dynamic key {prefix}… is not listed"
    for prefix, names in DYNAMIC.items():
        used |= {prefix + name for name in names}
    used |= {page.title_key for page in helpers.PAGES}
    missing = sorted(used - set(TEXTS))
    assert not missing
    assert len(used) > 150


def test_a_missing_key_shows_itself_and_placeholders_are_filled() -> None:
    assert t("no_such_key") == "no_such_key"
    assert t("slip_saved", "en", receipt="R1", amount="¥1.00") == "Slip R1 saved: ¥1.00"
    assert t("slip_saved", "zh", receipt="R1") == TEXTS["slip_saved"]["zh"]
