"""The book: listings equal their source regions, every chapter has its exercises,
and the rendered HTML has no broken internal link or image."""
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ROOT, run

BOOK = ROOT / "book"
# Each stage chapter, and the code whose arrival makes the chapter due.
STAGE_CHAPTERS = {
    "01-stack-machine.md": "stage01-stackvm/src",
    "02-register-machine.md": "stage02-regvm/src",
    "03-stack-vs-register.md": "common/toy_parser.c",
    "04-kvm-hello.md": "stage03-kvm-hello/src",
    "05-kvm-linux.md": "stage04-kvm-linux/src",
    "06-results.md": "stage01-stackvm/src/profile.c",
}
DUE_CHAPTERS = [chapter for chapter, code in STAGE_CHAPTERS.items() if (ROOT / code).exists()]


def test_listings_match_their_source_regions():
    result = run(["/usr/bin/python3", BOOK / "tools" / "listings.py", "--check"])
    assert result.status == 0, result.err


def test_listing_tool_reports_a_stale_listing_and_a_missing_region(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "src.c").write_text("/* ANCHOR: add */\nint add;\n/* ANCHOR_END: add */\n")
    chapter = tmp_path / "book" / "01-x.md"
    chapter.write_text("<!-- listing: src.c#add -->\n```c\nint old;\n```\n"
                       "<!-- listing: src.c#gone -->\n```c\n```\n")
    check = run(["/usr/bin/python3", BOOK / "tools" / "listings.py", "--check", "--root", tmp_path])
    assert check.status == 1
    assert "book/01-x.md:1: listing differs from its region" in check.err
    assert "-int old;\n+int add;" in check.err
    assert "book/01-x.md:5: src.c: region 'gone' is not marked" in check.err
    run(["/usr/bin/python3", BOOK / "tools" / "listings.py", "--update", "--root", tmp_path])
    assert chapter.read_text().startswith("<!-- listing: src.c#add -->\n```c\nint add;\n```\n")


@pytest.mark.parametrize("chapter", DUE_CHAPTERS)
def test_every_stage_chapter_has_at_least_three_exercises(chapter):
    path = BOOK / chapter
    if not path.exists():
        pytest.fail(f"book/{chapter} is missing")
    number = int(chapter[:2])
    ids = re.findall(rf"^### (ex{number}\.\d+)\b", path.read_text(), re.M)
    assert len(set(ids)) >= 3, f"book/{chapter} states {ids}"


class LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if name in attrs and not re.match(r"[a-z]+:", attrs[name]):
                self.links.append(attrs[name])


def test_book_renders_with_every_internal_link_and_image_resolving(tmp_path):
    result = run(["/usr/bin/python3", BOOK / "tools" / "render.py", tmp_path], timeout=120)
    assert result.status == 0, result.err
    pages = {page.name: page for page in tmp_path.glob("*.html")}
    chapters = list(BOOK.glob("[0-9][0-9]-*.md"))
    assert "index.html" in pages and len(pages) == len(chapters) + 1
    parsed = {}
    for name, page in pages.items():
        parsed[name] = LinkCollector()
        parsed[name].feed(page.read_text())
    broken = []
    for name, collector in parsed.items():
        for link in collector.links:
            target, _, anchor = link.partition("#")
            target = target or name
            if not (tmp_path / target).exists():
                broken.append(f"{name}: {link}")
            elif anchor and target in parsed and anchor not in parsed[target].ids:
                broken.append(f"{name}: {link} (no such anchor)")
    assert not broken, "\n".join(broken)
