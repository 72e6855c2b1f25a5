#!/usr/bin/python3
"""Keep the book's code listings identical to the sources they show.

A source file marks a region with two lines of their own:

    /* ANCHOR: name */
    ...
    /* ANCHOR_END: name */

and a chapter shows it with a comment line followed by a fenced block:

    <!-- listing: stage01-stackvm/src/interp.c#dispatch-switch -->
    ```c
    ...filled in by this tool...
    ```

    listings.py --check    report every listing that differs from its region (exit 1)
    listings.py --update   rewrite the listings from the regions

Anchor lines of other regions nested inside a region are left out of the
listing.  A region may not contain an exercise's solution: the book must not
give the answers away.
"""
import argparse
import difflib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
LISTING = re.compile(r"^<!-- listing: (?P<path>[^#\s]+)#(?P<name>[\w.-]+) -->$")
ANCHOR_LINE = re.compile(r"\bANCHOR(_END)?: [\w.-]+")


class ListingError(Exception):
    pass


def region(root: Path, path: str, name: str) -> list:
    """The lines of region name in path (relative to the top of the kit)."""
    source = root / path
    if not source.is_file():
        raise ListingError(f"{path}: no such file")
    lines = source.read_text().split("\n")
    begin = [i for i, line in enumerate(lines) if re.search(rf"\bANCHOR: {re.escape(name)}(?![\w.-])", line)]
    end = [i for i, line in enumerate(lines) if re.search(rf"\bANCHOR_END: {re.escape(name)}(?![\w.-])", line)]
    if len(begin) != 1 or len(end) != 1 or end[0] < begin[0]:
        raise ListingError(f"{path}: region '{name}' is not marked by exactly one "
                           f"ANCHOR: {name} line and one ANCHOR_END: {name} line after it")
    body = [line for line in lines[begin[0] + 1:end[0]] if not ANCHOR_LINE.search(line)]
    if any("BEGIN EXERCISE" in line for line in body):
        raise ListingError(f"{path}: region '{name}' holds an exercise's solution")
    return body


def refresh(root: Path, chapter: Path) -> tuple:
    """Returns (new text, problems) for one chapter."""
    lines = chapter.read_text().split("\n")
    out, problems, i = [], [], 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        i += 1
        match = LISTING.match(line.strip())
        if not match:
            continue
        where = f"{chapter.relative_to(root)}:{i}"
        if i >= len(lines) or not lines[i].startswith("```"):
            problems.append(f"{where}: a listing comment must be followed by a ``` fence")
            continue
        close = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), None)
        if close is None:
            problems.append(f"{where}: the listing's fence is never closed")
            continue
        old = lines[i + 1:close]
        try:
            body = region(root, match["path"], match["name"])
        except ListingError as err:
            problems.append(f"{where}: {err}")
            body = old
        if body != old:
            diff = difflib.unified_diff(old, body, "book", f"{match['path']}#{match['name']}",
                                        lineterm="")
            problems.append(f"{where}: listing differs from its region:\n" + "\n".join(diff))
        out.append(lines[i])
        out.extend(body)
        out.append(lines[close])
        i = close + 1
    return "\n".join(out), problems


def main() -> int:
    parser = argparse.ArgumentParser(description="Check or refresh the book's code listings.")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="report listings that differ (exit 1)")
    mode.add_argument("--update", action="store_true", help="rewrite listings from their regions")
    parser.add_argument("--root", type=Path, default=ROOT, help="top of the kit (default: this one)")
    args = parser.parse_args()

    failed = False
    for chapter in sorted((args.root / "book").glob("*.md")):
        text, problems = refresh(args.root, chapter)
        stale = [p for p in problems if "differs from its region" in p]
        broken = [p for p in problems if p not in stale]
        for problem in broken + ([] if args.update else stale):
            print(problem, file=sys.stderr)
        failed |= bool(broken) or (args.check and bool(stale))
        if args.update and text != chapter.read_text():
            chapter.write_text(text)
            print(f"updated {chapter.relative_to(args.root)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
