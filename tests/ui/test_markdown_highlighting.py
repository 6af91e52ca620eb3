"""Every lexer's tokens get a style, even token types a style has never heard of."""

from __future__ import annotations

import pytest

from desktop_llm.ui import markdown_render
from desktop_llm.ui.markdown_render import (
    COMMON_LANGUAGES,
    DARK_CODE_STYLE,
    LIGHT_CODE_STYLE,
    highlight_code,
    warm_up_highlighting,
)


@pytest.mark.parametrize("style", [LIGHT_CODE_STYLE, DARK_CODE_STYLE])
def test_yaml_scalars_are_highlighted_like_their_parent_type(style: str) -> None:
    # YAML's lexer yields Token.Literal.Scalar.Plain, which no Pygments style names.
    shown = highlight_code("name: desktop-llm\nports: [8080, 8081]\n", "yaml", style)
    assert "desktop-llm" in shown and "8080" in shown
    assert shown.count("<span") >= 2


def test_the_warm_up_covers_every_common_language() -> None:
    markdown_render._lexer.cache_clear()
    warm_up_highlighting()
    for language in COMMON_LANGUAGES:
        assert markdown_render._lexer(language) is not None, language
    assert markdown_render._lexer.cache_info().hits >= 2 * len(COMMON_LANGUAGES) - 1
