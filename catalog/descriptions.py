"""Product descriptions are written in Markdown and shown as HTML that cannot run anything.

markdown-it-py renders CommonMark with raw HTML switched off (a ``<script>`` in the text stays text), and nh3
(the Rust ammonia sanitiser) then keeps only the tags and attributes below, with http, https and mailto links
only: no script, no event handler, no ``javascript:`` URL, whatever the renderer let through.
"""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "pre", "blockquote", "h2", "h3", "h4", "hr",
                "table", "thead", "tbody", "tr", "th", "td"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
_renderer = MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")


def description_html(text: str) -> str:
    """The description's Markdown as safe HTML ("" for none)."""
    if not text:
        return ""
    return nh3.clean(_renderer.render(text), tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="nofollow noopener noreferrer")
