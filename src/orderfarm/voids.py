"""A void's reason said in one language.

A clerk's reason is kept as typed. The voids the store makes itself, when a void or a
correction prices the later slips of a contract again, carry their reason in both languages,
"中文 / English", in the record (and so in its audit entry, which cannot change): a receipt,
a table or a checklist in one language shows that language's half (``reason_in``).
"""

from __future__ import annotations

import re
from typing import Final

from orderfarm.messages import Lang

#: the store's own reasons: the Chinese, then " / " (or "/" after a full-width bracket) and
#: the English, which starts with one of these words
_BOTH: Final = re.compile(
    r"(?P<zh>(?:重新计价|按原顺序重新记录)：.*?) ?/ (?P<en>(?:re-priced|recorded again in order): .*)",
    re.DOTALL,
)


def reason_in(reason: str, lang: Lang) -> str:
    """``reason`` as said in ``lang``: the half in that language of a reason the store wrote
    in both, any other reason as it was typed."""
    found = _BOTH.fullmatch(reason)
    if found is None:
        return reason
    return found["zh"] if lang == "zh" else found["en"]


__all__ = ["reason_in"]
