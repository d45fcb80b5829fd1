"""The destroy-safety rules are written where users read them: the README's safety list and the Image docstring."""

from __future__ import annotations

from harness import REPO_ROOT
from pulumi_yc_registry import Image


def safety_section() -> str:
    """The README's "What keeps `pulumi destroy` safe" list."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("What keeps `pulumi destroy` safe")
    return text[start:text.index("\n\n", start)]


def test_the_readme_states_the_pinned_image_rule_and_the_target_caveat() -> None:
    section = " ".join(safety_section().split())
    assert "pinned to the image id it adopted" in section and "tag_moved_to" in section
    # the two-Images rule and, next to it, the deployment that cannot see the other Image
    two_images = section.index("a second `Image` on it, never deletes it")
    assert "`pulumi destroy --target`" in section[two_images:two_images + 400]
    assert "spares every image an `Image` of the same deployment adopts" in section


def test_the_image_docstring_states_the_rule_and_the_target_caveat() -> None:
    doc = " ".join((Image.__doc__ or "").split())
    assert "pinned to the image id it adopted" in doc and "tag_moved_to" in doc
    assert "pulumi destroy --target" in doc and "does not see the other Image" in doc
