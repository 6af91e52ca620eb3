"""Replies' Markdown as HTML for a web browser (the HTML export), made safe to open.

Model output and user text are untrusted: raw HTML is off, so a tag shows as text; a link is
an anchor only when its address starts with http:, https: or mailto: (anything else, such as
``javascript:`` however it is spelled or encoded, shows as its text); an image shows as its
alt text (a link to it when http(s)), so opening the file never loads anything. Code is
highlighted by Pygments into CSS classes, the colours of which ``code_css`` gives for light
and dark reading.

The window draws the same Markdown for Qt's rich text (``ui/markdown_render.py``), which
needs inline styles and tables Qt understands; a browser needs neither.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

LIGHT_CODE_STYLE = "default"
DARK_CODE_STYLE = "monokai"
# Checked on the address as the browser will read it: after markdown-it has decoded entities
# and percent-encoded anything odd, so "JaVaScRiPt:" or "java&#115;cript:" cannot pass.
_SAFE_HREF = re.compile(r"(?i)^(?:https?://|mailto:)")
CODE_CLASS = "highlight"


def safe_href(url: str) -> bool:
    return bool(_SAFE_HREF.match(url))


def _fence(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    token = tokens[idx]
    language = token.info.split(maxsplit=1)[0] if token.info.strip() else ""
    return code_block(token.content, language)


def _code_block(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    return code_block(tokens[idx].content, "")


def code_block(code: str, language: str) -> str:
    """A code block: its language named above it, its tokens in Pygments' CSS classes."""
    label = f'<div class="code-label">{html.escape(language)}</div>' if language else ""
    lexer = _lexer(language) if language else None
    if lexer is None:
        body = html.escape(code.rstrip("\n"), quote=False)
    else:
        body = highlight(code, lexer, _formatter()).rstrip("\n")
    return f'<div class="code">{label}<pre class="{CODE_CLASS}"><code>{body}</code></pre></div>\n'


def _link_open(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    href = str(tokens[idx].attrGet("href") or "")
    allowed = safe_href(href)
    env["links"].append(allowed)
    if not allowed:
        return ""
    return f'<a href="{html.escape(href, quote=True)}" rel="noopener noreferrer">'


def _link_close(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    return "</a>" if env["links"].pop() else ""


def _image(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env) or "image"
    text = f'<span class="image-alt">[{html.escape(alt)}]</span>'
    src = str(token.attrGet("src") or "")
    if safe_href(src):
        return f'<a href="{html.escape(src, quote=True)}" rel="noopener noreferrer">{text}</a>'
    return text


def _new_parser() -> MarkdownIt:
    # breaks: a model's single newlines are meant, as the window shows them.
    parser = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable(
        ["table", "strikethrough"]
    )
    for name, rule in {
        "fence": _fence,
        "code_block": _code_block,
        "link_open": _link_open,
        "link_close": _link_close,
        "image": _image,
    }.items():
        parser.add_render_rule(name, rule)
    return parser


_PARSER = _new_parser()


def render_markdown(text: str) -> str:
    """``text`` (Markdown) as HTML safe to put in a page."""
    return _PARSER.render(text, {"links": []})


@lru_cache(maxsize=1)
def _formatter() -> HtmlFormatter:
    # nowrap: the block's <pre> is ours; classes (not inline styles) so one stylesheet serves
    # light and dark reading.
    return HtmlFormatter(nowrap=True, classprefix="")


@lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer | None:
    try:
        return get_lexer_by_name(language.lower(), stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def code_css() -> str:
    """The code colours: one style for light reading, another when the reader's system is
    dark. Each under its own media query, so no colour of one leaks into the other."""
    light = HtmlFormatter(style=LIGHT_CODE_STYLE).get_style_defs(f".{CODE_CLASS}")
    dark = HtmlFormatter(style=DARK_CODE_STYLE).get_style_defs(f".{CODE_CLASS}")
    return (
        f"@media not all and (prefers-color-scheme: dark) {{\n{light}\n}}\n"
        f"@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
    )
