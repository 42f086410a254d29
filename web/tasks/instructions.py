"""The instructions of a step (bpmn:documentation) as safe HTML: paragraphs and bullet lists.

The text comes from an uploaded diagram, so it is escaped; only blank lines (paragraphs),
line breaks and lines starting with "- " or "・" (list items) are given structure.
"""

from __future__ import annotations

import re
from itertools import groupby

from markupsafe import Markup, escape

BULLET = re.compile(r"^\s*(?:-|・)\s*")


def render_instructions(text: str | None) -> Markup:
    if not text:
        return Markup("")
    html: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip().replace("\r\n", "\n")):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        # Runs of bullet lines become a list, other runs a paragraph with line breaks.
        for is_item, run in groupby(lines, key=lambda line: bool(BULLET.match(line))):
            if is_item:
                html.append("<ul>" + "".join(f"<li>{escape(BULLET.sub('', line))}</li>" for line in run) + "</ul>")
            else:
                html.append("<p>" + "<br>".join(str(escape(line)) for line in run) + "</p>")
    return Markup("".join(html))  # noqa: S704 - every piece of text above is escaped
