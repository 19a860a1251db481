"""Cell text rules shared by readers and writers: formula neutralisation (OWASP CSV injection)
and its exact inverse, so a neutralised export imports back verbatim.

>>> neutralise("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> unneutralise(neutralise("-5")) == "-5" and unneutralise(neutralise("'x")) == "'x"
True
"""

from __future__ import annotations

from typing import Final

#: A text cell starting with one of these is prefixed with ``'`` so no spreadsheet reads it as a
#: formula. ``'`` itself is included so the prefix can always be removed again unambiguously.
DANGEROUS_START: Final = frozenset("=+-@\t\r'")


def neutralise(text: str) -> str:
    """``text`` made safe for a spreadsheet cell: prefixed with ``'`` if it could start a formula."""
    return "'" + text if text and text[0] in DANGEROUS_START else text


def unneutralise(text: str) -> str:
    """The inverse of ``neutralise``: a leading ``'`` before a dangerous character is removed."""
    if len(text) > 1 and text[0] == "'" and text[1] in DANGEROUS_START:
        return text[1:]
    return text
