"""What the command line prints: image rows (table, json, csv) streamed as they arrive, a plan, a report."""

from __future__ import annotations

import csv
import json
from typing import Any, Iterable, TextIO

from ..cleanup import CleanupReport, Selection
from ..models import ImageInfo

COLUMNS = ("id", "name", "tags", "digest", "size", "created_at", "uri")


def row(image: ImageInfo) -> dict[str, Any]:
    """The inventory fields of one image."""
    return {"id": image.id, "name": image.name, "tags": list(image.tags), "digest": image.digest,
            "size": int(image.compressed_size), "created_at": image.created_at, "uri": image.uri}


def _cells(image: ImageInfo, no_tags: str = "-") -> list[str]:
    values = row(image)
    values["tags"] = ",".join(image.tags) or no_tags
    return [str(values[name]) for name in COLUMNS]


def stream_images(images: Iterable[ImageInfo], fmt: str, out: TextIO) -> int:
    """Write the images as they come (pages are fetched on demand); returns how many were written."""
    count = 0
    if fmt == "json":  # one JSON array, written item by item
        out.write("[")
        for image in images:
            out.write(("," if count else "") + "\n  " + json.dumps(row(image)))
            count += 1
            out.flush()
        out.write("\n]\n" if count else "]\n")
        return count
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for image in images:
            writer.writerow(_cells(image, no_tags=""))  # no tags: an empty field
            count += 1
            out.flush()
        return count
    rows = [_cells(image) for image in images]  # a table aligns: widths from every row (csv and json stream)
    if rows:
        widths = [max([len(name)] + [len(cells[n]) for cells in rows]) for n, name in enumerate(COLUMNS)]
        out.write("  ".join(name.upper().ljust(w) for name, w in zip(COLUMNS, widths)).rstrip() + "\n")
        for cells in rows:
            out.write("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip() + "\n")
        out.flush()
    return len(rows)


def plan_text(scope: str, selection: Selection, by_id: dict[str, ImageInfo], dry_run: bool = True) -> str:
    """The plan: every image that would be deleted, every image kept and why (printed before ``--yes`` deletes)."""
    total = len(selection.selected) + len(selection.protected)
    lines = [f"Plan for {scope}: delete {len(selection.selected)} of {total} images, keep "
             f"{len(selection.protected)}"]
    for image in selection.selected:
        lines.append(f"  delete  {image.id}  {image.name}  tags={','.join(image.tags) or '-'}  "
                     f"created {image.created_at}")
    for image_id, reason in selection.protected.items():
        image = by_id[image_id]
        lines.append(f"  keep    {image.id}  {image.name}  tags={','.join(image.tags) or '-'}  because {reason}")
    lines.append("Dry run: nothing was deleted; run again with --yes to delete." if dry_run else
                 "Deleting the images marked delete (each re-read first; none outside this plan).")
    return "\n".join(lines)


def plan_json(scope: str, selection: Selection, by_id: dict[str, ImageInfo]) -> str:
    return json.dumps({
        "scope": scope, "dry_run": True,
        "delete": [row(image) for image in selection.selected],
        "keep": [{**row(by_id[image_id]), "reason": reason} for image_id, reason in selection.protected.items()],
    }, indent=2)


def report_text(report: CleanupReport) -> str:
    """The summary, one line per image deleted (id, tags), then one line per image that did not go."""
    lines = [report.summary()]
    lines += [f"  deleted  {report.describe(image_id)}" for image_id in report.deleted]
    if not report.read_only:  # a read-only registry: the summary names the one refusal, once
        lines += [f"  failed   {image_id}: {why}" for image_id, why in report.failed.items()]
    lines += [f"  kept     {image_id}: {why}" for image_id, why in report.skipped.items()]
    lines += [f"  kept     {image_id}: {why}" for image_id, why in report.kept.items()]
    lines += [f"  not attempted {image_id}" for image_id in report.not_attempted]
    lines += [f"  not in the plan {report.describe(image_id)}" for image_id in report.not_in_plan]
    return "\n".join(lines)


def report_json(report: CleanupReport) -> str:
    return json.dumps(report.to_dict(), indent=2)


__all__ = ["COLUMNS", "plan_json", "plan_text", "report_json", "report_text", "row", "stream_images"]
