"""Chat templates are judged the way llama-cpp-python will compile them."""

from __future__ import annotations

import pytest

from desktop_llm.model_files import chat_template_problem


def test_a_working_template() -> None:
    assert chat_template_problem("{% for m in messages %}{{ m.content }}{% endfor %}") is None


def test_a_broken_template_says_why() -> None:
    assert chat_template_problem("{% for m in messages %}{{ m.content }") == "unexpected '}'"


def test_the_line_is_named_in_a_long_template() -> None:
    problem = chat_template_problem("{% for m in messages %}\n{{ m.content }}\n")
    assert problem is not None
    assert "'endfor'" in problem and problem.endswith("on line 2")


@pytest.mark.parametrize(
    "template",
    [
        # Hugging Face's training tag and loop controls: llama-cpp-python accepts both.
        "{% for m in messages %}{% generation %}{{ m.content }}{% endgeneration %}{% endfor %}",
        "{% for m in messages %}{% if loop.index > 2 %}{% break %}{% endif %}{% endfor %}",
        "{{ messages | tojson }}",
    ],
)
def test_what_llama_cpp_python_accepts_is_accepted(template: str) -> None:
    assert chat_template_problem(template) is None


def test_an_unknown_filter_is_a_problem() -> None:
    assert chat_template_problem("{{ messages | shout }}") == "No filter named 'shout'"
