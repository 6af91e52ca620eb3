"""Replies as Qt rich text: Markdown through markdown-it-py, code through Pygments.

Qt's rich text is a subset of HTML 4 and CSS 2 (no flexbox, no borders on spans, no
``border-left``), so the renderer emits what it understands: tables with ``border`` and
``cellpadding`` attributes, code blocks as a one-column table with a background colour,
Pygments colours as inline ``<span style>``.

Model output is untrusted. Raw HTML is off (it shows as text); a link becomes an anchor only
for http(s) and mailto, anything else shows as its text; an image shows as its alt text (a
link to it when it is http(s)), so rendering never loads anything. Internal anchors (copy a
code block) use the ``dllm:`` scheme, which no link in a reply can produce.

Nothing here imports Qt: the view turns its palette into a ``Theme``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.style import Style
from pygments.styles import get_style_by_name
from pygments.token import Text
from pygments.util import ClassNotFound

from desktop_llm.transcripts.html_markdown import safe_href

ACTION_SCHEME = "dllm"
LIGHT_CODE_STYLE = "default"
DARK_CODE_STYLE = "monokai"


@dataclass(frozen=True)
class Theme:
    """Colours (``#rrggbb``) for the rendered text, taken from the system palette."""

    dark: bool = False
    text: str = "#1f2328"
    muted: str = "#6b7280"
    link: str = "#2563eb"
    border: str = "#d0d7de"
    inline_code_bg: str = "#eef0f3"

    @property
    def code_style(self) -> str:
        return DARK_CODE_STYLE if self.dark else LIGHT_CODE_STYLE


@dataclass(frozen=True)
class Rendered:
    html: str
    code_blocks: tuple[str, ...]  # the text of each fenced or indented code block, in order


def safe_link(url: str) -> bool:
    """One rule for the window and the HTML export: http(s) and mailto addresses only."""
    return safe_href(url)


def code_copy_href(key: str, index: int) -> str:
    return f"{ACTION_SCHEME}:copy-code/{key}/{index}"


# --- Markdown -------------------------------------------------------------------------------


def _new_parser(*, breaks: bool) -> MarkdownIt:
    # breaks: a model's single newlines are meant (poems, addresses, step lists), as in most
    # chat apps; the block-only parser below does not care.
    return MarkdownIt("commonmark", {"html": False, "breaks": breaks}).enable(
        ["table", "strikethrough"]
    )


def _fence(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    token = tokens[idx]
    code = token.content
    language = token.info.split(maxsplit=1)[0] if token.info.strip() else ""
    return _code_block_html(code, language, env)


def _code_block(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    return _code_block_html(tokens[idx].content, "", env)


def _code_block_html(code: str, language: str, env: dict) -> str:
    theme: Theme = env["theme"]
    blocks: list[str] = env["code_blocks"]
    index = env["first_code"] + len(blocks)
    blocks.append(code.rstrip("\n"))
    style = _code_style(theme.code_style)
    body = highlight_code(code, language, theme.code_style)
    label = html.escape(language) if language else env["code_label"]
    # No label, no link: a printed transcript has nothing to copy with.
    copy = (
        f'&nbsp;&nbsp;<a href="{code_copy_href(env["key"], index)}"'
        f' style="color:{style.link}; font-size:small; text-decoration:none;">'
        f'{env["copy_label"]}</a>' if env["copy_label"] else ""
    )
    # A <pre> with a block background, not a one-cell table: Qt lays tables out many times
    # slower, and a long conversation holds many code blocks.
    return (
        f'<p style="background-color:{style.background}; margin-top:6px; margin-bottom:0;">'
        f'&nbsp;<span style="color:{style.muted}; font-size:small;">{label}</span>{copy}</p>'
        f'<pre style="background-color:{style.background}; color:{style.text};'
        f' margin-top:0; margin-bottom:8px;">{body}</pre>\n'
    )


def _code_inline(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    theme: Theme = env["theme"]
    return (
        f'<code style="background-color:{theme.inline_code_bg};">'
        f"{html.escape(tokens[idx].content)}</code>"
    )


def _link_open(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    href = str(tokens[idx].attrGet("href") or "")
    allowed = safe_link(href)
    env["links"].append(allowed)
    if not allowed:
        return ""
    theme: Theme = env["theme"]
    return f'<a href="{html.escape(href)}" style="color:{theme.link};">'


def _link_close(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    return "</a>" if env["links"].pop() else ""


def _image(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env) or "image"
    src = str(token.attrGet("src") or "")
    text = f"<i>[{html.escape(alt)}]</i>"
    if safe_link(src):
        theme: Theme = env["theme"]
        return f'<a href="{html.escape(src)}" style="color:{theme.link};">{text}</a>'
    return text


def _table_open(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    theme: Theme = env["theme"]
    return (
        f'<table border="1" cellspacing="0" cellpadding="5" style="border-style:solid;'
        f' border-color:{theme.border}; margin-top:4px; margin-bottom:8px;">\n'
    )


def _blockquote_open(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    theme: Theme = env["theme"]
    return f'<blockquote style="color:{theme.muted}; margin-left:16px;">\n'


_PARSER = _new_parser(breaks=True)
for _name, _rule in {
    "fence": _fence,
    "code_block": _code_block,
    "code_inline": _code_inline,
    "link_open": _link_open,
    "link_close": _link_close,
    "image": _image,
    "table_open": _table_open,
    "blockquote_open": _blockquote_open,
}.items():
    _PARSER.add_render_rule(_name, _rule)

# Only the block structure, for finding where a streaming reply's finished blocks end.
_BLOCKS = _new_parser(breaks=False)
_BLOCKS.disable("inline")


@lru_cache(maxsize=1024)
def render_markdown(
    text: str,
    theme: Theme,
    key: str = "",
    first_code: int = 0,
    copy_label: str = "Copy",
    code_label: str = "code",
) -> Rendered:
    """``text`` as Qt rich text. Code blocks are numbered from ``first_code`` in their copy
    anchors (``dllm:copy-code/<key>/<n>``) and returned in order, for the copy action.

    An empty ``copy_label`` leaves the copy links out (a PDF); ``code_label`` names a code
    block that does not say its language.

    Cached: showing a conversation again (after each reply, on a theme change) re-renders
    only what changed."""
    env: dict[str, Any] = {
        "theme": theme,
        "key": key,
        "first_code": first_code,
        "code_blocks": [],
        "links": [],
        "copy_label": html.escape(copy_label),
        "code_label": html.escape(code_label),
    }
    rendered = _PARSER.render(text, env)
    return Rendered(rendered, tuple(env["code_blocks"]))


# --- Code ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CodeStyle:
    css: dict[Any, str]  # token type -> inline CSS ("" for none), filled as types are met
    pygments_style: type[Style]
    background: str
    text: str
    muted: str
    link: str

    def css_for(self, token_type: Any) -> str:
        css = self.css.get(token_type)
        if css is None:
            # Lexers may invent token types the style never heard of (YAML's
            # Literal.Scalar.Plain): those take the style of their nearest known parent.
            known = token_type
            while True:
                try:
                    found = self.pygments_style.style_for_token(known)
                    break
                except KeyError:
                    if known.parent is None:
                        raise
                    known = known.parent
            parts = [f"color:#{found['color']}"] if found["color"] else []
            if found["bold"]:
                parts.append("font-weight:bold")
            if found["italic"]:
                parts.append("font-style:italic")
            if found["underline"]:
                parts.append("text-decoration:underline")
            css = self.css[token_type] = "; ".join(parts)
        return css


@lru_cache(maxsize=8)
def _code_style(name: str) -> _CodeStyle:
    style = get_style_by_name(name)
    text = style.style_for_token(Text)["color"]
    dark = name == DARK_CODE_STYLE
    return _CodeStyle(
        css={},
        pygments_style=style,
        background=style.background_color or ("#272822" if dark else "#f6f8fa"),
        text=f"#{text}" if text else ("#f8f8f2" if dark else "#1f2328"),
        muted="#a0a0a0" if dark else "#6b7280",
        link="#8ab4f8" if dark else "#2563eb",
    )


@lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer | None:
    try:
        return get_lexer_by_name(language.lower(), stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def highlight_code(code: str, language: str, style: str) -> str:
    """``code`` escaped, its tokens in inline-styled spans, without the trailing newline.

    Pygments' own HtmlFormatter is several times slower here (it rebuilds each token's
    style); a long conversation holds many code blocks."""
    code = code.rstrip("\n")
    lexer = _lexer(language) if language else None
    if lexer is None:
        return html.escape(code, quote=False)
    code_style = _code_style(style)
    out: list[str] = []
    run: list[str] = []
    run_css = ""
    for token_type, value in lexer.get_tokens(code):
        css = code_style.css_for(token_type)
        if css != run_css and run:
            out.append(_span(run_css, "".join(run)))
            run = []
        run_css = css
        run.append(value)
    if run:
        out.append(_span(run_css, "".join(run)))
    return "".join(out).rstrip("\n")


# The languages models write most; compiling a lexer's patterns takes tens of milliseconds
# the first time, which would stall the window in the middle of a streaming reply.
COMMON_LANGUAGES = (
    "python", "javascript", "typescript", "bash", "json", "c", "cpp", "java", "rust", "go",
    "html", "css", "sql", "yaml",
)


def warm_up_highlighting() -> None:
    """Compile the common lexers and styles ahead of time (off the GUI thread)."""
    for style in (LIGHT_CODE_STYLE, DARK_CODE_STYLE):
        for language in COMMON_LANGUAGES:
            highlight_code("x = 1\n", language, style)


def _span(css: str, text: str) -> str:
    escaped = html.escape(text, quote=False)
    return f'<span style="{css}">{escaped}</span>' if css else escaped


# --- Streaming -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenFence:
    """A code fence the stream has opened and not closed yet."""

    marker: str  # the opening run of backticks or tildes
    indent: int
    body_start: int  # where the code starts in the text (after the opener line)

    def closes(self, line: str) -> bool:
        """Whether ``line`` (without its newline) closes this fence (CommonMark's rule)."""
        stripped = line.lstrip(" ")
        if len(line) - len(stripped) > 3:
            return False
        run = len(stripped) - len(stripped.lstrip(self.marker[0]))
        return run >= len(self.marker) and not stripped[run:].strip()


def settle(text: str) -> tuple[int, OpenFence | None]:
    """How much of a streaming ``text`` is made of finished top-level blocks (the length of
    that prefix: a block is finished once another one has started after it, and nothing
    later can change it), and whether the last block is a code fence still open.

    Parsing only the unfinished end of a reply keeps each append's cost flat."""
    tokens = [t for t in _BLOCKS.parse(text) if t.level == 0 and t.nesting >= 0 and t.map]
    if not tokens:
        return 0, None
    last = tokens[-1]
    assert last.map is not None
    last_start = _line_offset(text, last.map[0])
    settled = last_start if len(tokens) > 1 else 0
    fence = _open_fence(text, last_start, last) if last.type == "fence" else None
    return settled, fence


def _open_fence(text: str, start: int, token: Token) -> OpenFence | None:
    newline = text.find("\n", start)
    if newline < 0:
        return None  # the opener line itself is not finished
    opener = text[start:newline]
    indent = len(opener) - len(opener.lstrip(" "))
    fence = OpenFence(marker=token.markup, indent=indent, body_start=newline + 1)
    lines = text[fence.body_start:].split("\n")
    # The last element is the unfinished line (or "" after a final newline).
    if any(fence.closes(line) for line in lines[:-1]):
        return None
    return fence


def _line_offset(text: str, line: int) -> int:
    offset = 0
    for _ in range(line):
        found = text.find("\n", offset)
        if found < 0:
            return len(text)
        offset = found + 1
    return offset
