"""The README's TypeScript and Go examples are the programs tests/e2e/test_languages.py runs, word for word."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.M | re.S)


@pytest.mark.parametrize("language, program", [("typescript", "examples/typescript/index.ts"),
                                               ("go", "examples/go/main.go")])
def test_the_readme_shows_the_program_the_e2e_test_runs(language: str, program: str) -> None:
    # given the README and the example the e2e test copies
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    source = (REPO_ROOT / program).read_text(encoding="utf-8")
    # then one of the README's blocks in that language is the whole program
    assert source in code_blocks(readme, language)


def test_the_plugin_guide_writes_typescript_in_camel_case() -> None:
    """The generated TypeScript SDK rejects snake_case (TS2561 ... Did you mean 'repositoryName'?)."""
    guide = (REPO_ROOT / "docs" / "PLUGIN.md").read_text(encoding="utf-8")
    blocks = code_blocks(guide, "typescript")
    assert blocks
    for block in blocks:
        assert not re.search(r"\b[a-z]+_[a-z_]+\s*:", block), block
