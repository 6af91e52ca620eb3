"""A conversation as one self-contained web page that reads like the app's transcript.

Everything the page needs is inside it: inline CSS (light, and dark when the reader's system
is), code highlighted into CSS classes, no scripts, nothing loaded from elsewhere; a Content
Security Policy says so to the browser too, in case anything slipped through. Every piece of
text from the conversation (title, model names, settings, messages, reasoning, errors) is
escaped, and replies' Markdown goes through ``html_markdown`` with raw HTML off.
"""

from __future__ import annotations

from html import escape

from desktop_llm import __version__
from desktop_llm.storage import ConversationRecord, MessageRecord
from desktop_llm.transcripts.html_markdown import code_css, render_markdown
from desktop_llm.transcripts.json_export import now_utc
from desktop_llm.transcripts.presentation import (
    local_time,
    message_byline,
    message_note,
    message_stats,
    role_label,
    settings_text,
)
from desktop_llm.transcripts.transcript import Transcript

# Nothing may load (no scripts, images, fonts, frames, forms); only the page's own <style>.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'"

# The window's colours (ui/markdown_render.Theme, ui/transcript_view's role colours).
_PAGE_CSS = """
:root {
  color-scheme: light dark;
  --text: #1f2328; --background: #ffffff; --muted: #6b7280; --link: #2563eb;
  --border: #d0d7de; --inline-code: #eef0f3; --code: #f8f8f8;
  --user: #2563eb; --assistant: #059669; --system: #6b7280; --error: #dc2626;
}
@media (prefers-color-scheme: dark) {
  :root {
    --text: #e6e6e6; --background: #1e1f22; --muted: #9ca3af; --link: #8ab4f8;
    --border: #3d444d; --inline-code: #2d2f33; --code: #272822;
    --user: #60a5fa; --assistant: #34d399; --system: #9ca3af; --error: #f87171;
  }
}
html { background: var(--background); color: var(--text); }
body {
  margin: 0 auto; max-width: 52rem; padding: 1.5rem 1.25rem 3rem;
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
    "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif;
  overflow-wrap: break-word;
}
a { color: var(--link); }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
.meta { color: var(--muted); font-size: .9rem; margin: 0 0 1rem; }
.meta dt { float: left; clear: left; font-weight: 600; margin-right: .5em; }
.meta dd { margin: 0 0 .15rem 0; }
.settings { display: inline; }
.settings span { white-space: nowrap; margin-right: .9em; }
.system-prompt, .message { border-top: 1px solid var(--border); padding-top: .5rem; }
.role { font-size: 1rem; margin: .9rem 0 .2rem; }
.role-user { color: var(--user); }
.role-assistant { color: var(--assistant); }
.role-system { color: var(--system); }
.note { color: var(--muted); font-weight: normal; }
.plain { white-space: pre-wrap; margin: .2rem 0 .4rem; }
.error { color: var(--error); white-space: pre-wrap; }
.reasoning { color: var(--muted); margin: .2rem 0 .5rem; }
.reasoning summary { cursor: pointer; }
.reasoning-text { white-space: pre-wrap; font-style: italic; margin: .2rem 0 0 1rem; }
.stats { color: var(--muted); font-size: .8rem; margin: .1rem 0 .6rem; }
code, pre { font-family: ui-monospace, "SF Mono", Menlo, Consolas, "Liberation Mono",
  "Noto Sans Mono CJK SC", monospace; font-size: .9em; }
:not(pre) > code { background: var(--inline-code); padding: .1em .3em; border-radius: 4px; }
.code { margin: .5rem 0 .8rem; }
.code-label { color: var(--muted); font-size: .8rem; }
.code pre { background: var(--code); padding: .6rem .8rem; border-radius: 6px;
  overflow-x: auto; margin: 0; }
table { border-collapse: collapse; margin: .3rem 0 .8rem; }
th, td { border: 1px solid var(--border); padding: .25rem .5rem; }
blockquote { color: var(--muted); margin-left: 1rem; padding-left: .8rem;
  border-left: 3px solid var(--border); }
.image-alt { font-style: italic; }
footer { color: var(--muted); font-size: .8rem; margin-top: 2rem;
  border-top: 1px solid var(--border); padding-top: .5rem; }
"""


def to_html(transcript: Transcript) -> str:
    conversation = transcript.conversation
    body = [_header(conversation)]
    if conversation.system_prompt:
        body.append(
            '<section class="system-prompt"><h2 class="role role-system">System prompt</h2>'
            f'<div class="plain">{escape(conversation.system_prompt)}</div></section>'
        )
    body += [_message(message) for message in transcript.shown()]
    body.append(
        f"<footer>Exported from desktop-llm {escape(__version__)} on "
        f"{escape(local_time(now_utc()))}.</footer>"
    )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            "<html>",
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
            '<meta name="referrer" content="no-referrer">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="color-scheme" content="light dark">',
            f'<meta name="generator" content="desktop-llm {escape(__version__)}">',
            f"<title>{escape(conversation.title)}</title>",
            f"<style>{_PAGE_CSS}{code_css()}</style>",
            "</head>",
            "<body>",
            "<main>",
            *body,
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )


def _header(conversation: ConversationRecord) -> str:
    rows = [
        ("Model", escape(conversation.model or "none")),
        ("Created", escape(local_time(conversation.created_at))),
        ("Updated", escape(local_time(conversation.updated_at))),
    ]
    if conversation.settings:
        settings = "".join(
            f"<span>{escape(str(key))} {escape(settings_text(value))}</span>"
            for key, value in conversation.settings.items()
        )
        rows.append(("Settings", f'<span class="settings">{settings}</span>'))
    items = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)
    return f'<header><h1>{escape(conversation.title)}</h1><dl class="meta">{items}</dl></header>'


def _message(message: MessageRecord) -> str:
    role = message.role if message.role in ("user", "assistant", "system") else "system"
    note = message_note(message)
    note_html = f' <span class="note">· {escape(note)}</span>' if note else ""
    parts = [
        f'<article class="message message-{role}" id="m{int(message.id)}">',
        f'<h2 class="role role-{role}">{escape(role_label(message.role))}{note_html}</h2>',
    ]
    if message.reasoning:
        parts.append(
            '<details class="reasoning"><summary>Reasoning</summary>'
            f'<div class="reasoning-text">{escape(message.reasoning)}</div></details>'
        )
    if message.content:
        if message.role == "assistant":
            parts.append(f'<div class="markdown">{render_markdown(message.content)}</div>')
        else:
            # As the window shows them: what a person typed, exactly, not Markdown.
            parts.append(f'<div class="plain">{escape(message.content)}</div>')
    if message.error:
        parts.append(f'<p class="error">{escape(message.error)}</p>')
    footer = " · ".join(part for part in (message_byline(message), message_stats(message)) if part)
    parts.append(f'<p class="stats">{escape(footer)}</p>')
    parts.append("</article>")
    return "\n".join(parts)
