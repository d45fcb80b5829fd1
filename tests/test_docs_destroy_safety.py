"""The destroy-safety rules are written where users read them: the README's safety list and the Image docstring."""

from __future__ import annotations

from harness import REPO_ROOT
from pulumi_yc_registry import Image


def safety_section() -> str:
    """The README's "What destroy deletes, and what it never deletes" section."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## What destroy deletes, and what it never deletes")
    return text[start:text.index("\n## ", start + 1)]


def test_the_readme_states_the_pinned_image_rule_and_the_target_caveat() -> None:
    section = " ".join(safety_section().split())
    assert "pinned to the image id it adopted" in section and "tag_moved_to" in section
    # the two-Images rule and, next to it, the deployment that cannot see the other Image
    assert "a second `Image` on one image" in section and "never deletes what the stack still holds" in section
    assert "`pulumi destroy --target` on one of two `Image`s adopting the same image deletes it" in section
    # the dangerous cases come first
    assert section.index("--target` on one of two") < section.index("pinned to the image id it adopted")
    assert "spares every image an `Image` of the same deployment adopts" in section


def test_the_image_docstring_states_the_rule_and_the_target_caveat() -> None:
    doc = " ".join((Image.__doc__ or "").split())
    assert "pinned to the image id it adopted" in doc and "tag_moved_to" in doc
    assert "pulumi destroy --target" in doc and "does not see the other Image" in doc
