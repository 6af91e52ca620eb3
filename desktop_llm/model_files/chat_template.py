"""Does a chat template compile the way llama-cpp-python will compile it?"""

from __future__ import annotations

from typing import ClassVar

import jinja2
import jinja2.ext
import jinja2.nodes
import jinja2.parser
from jinja2.sandbox import ImmutableSandboxedEnvironment


class _IgnoreGenerationTags(jinja2.ext.Extension):
    """Hugging Face's ``{% generation %}`` tag, passed through as llama-cpp-python does."""

    tags: ClassVar[set[str]] = {"generation"}

    def parse(self, parser: jinja2.parser.Parser) -> list[jinja2.nodes.Node]:
        parser.stream.skip(1)
        return parser.parse_statements(("name:endgeneration",), drop_needle=True)


def _environment() -> ImmutableSandboxedEnvironment:
    # The same settings as llama_cpp.llama_chat_format.Jinja2ChatFormatter (0.3.x), which
    # model_files may not import: a template that compiles here compiles there.
    return ImmutableSandboxedEnvironment(
        loader=jinja2.BaseLoader(),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=[_IgnoreGenerationTags, jinja2.ext.loopcontrols],
    )


def chat_template_problem(template: str) -> str | None:
    """None when ``template`` compiles; otherwise a short reason, e.g. "unexpected '}'".

    The reason has no final full stop: callers put it inside their own sentence.
    """
    try:
        _environment().from_string(template)
    except jinja2.TemplateSyntaxError as error:
        where = f" on line {error.lineno}" if "\n" in template.strip() else ""
        return f"{(error.message or 'syntax error').rstrip('.')}{where}"
    except jinja2.TemplateError as error:
        return (error.message or type(error).__name__).rstrip(".")
    except RecursionError:
        return "it is nested too deeply to compile"
    return None
