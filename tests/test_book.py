"""The book: listings equal their source regions, every chapter has its exercises,
the rendered HTML has no broken internal link or image, and each chart says
whose machine and which date it shows."""
import json
import re
import sys
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
    "03-stack-vs-register.md": "common/lang/toy_parser.c",
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


@pytest.fixture(scope="module")
def book_html(tmp_path_factory):
    """The book rendered once for this file's tests: its folder."""
    out = tmp_path_factory.mktemp("book")
    result = run(["/usr/bin/python3", BOOK / "tools" / "render.py", out], timeout=300)
    assert result.status == 0, result.err
    return out


def rendered(out):
    return {page.name: page.read_text() for page in out.glob("*.html")}


def test_book_renders_with_every_internal_link_and_image_resolving(book_html):
    tmp_path = book_html
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


def test_each_chart_of_the_authors_numbers_says_whose_machine_and_when(book_html):
    tmp_path = book_html
    pages = rendered(tmp_path)
    for page, date in (("03-stack-vs-register.html", "2026-11-25"),
                       ("03-stack-vs-register.html", "2026-12-03"),
                       ("06-results.html", "2026-12-03")):
        captions = re.findall(r"<figcaption>(.*?)</figcaption>", pages[page], re.S)
        assert any("author" in c and date in c and "AMD EPYC" in c for c in captions), captions
    assert (tmp_path / "img" / "author-2026-12-03-bench.png").stat().st_size > 0
    for text in pages.values():
        assert "../build/" not in text          # no chart straight from a build folder


def test_the_readers_own_run_is_shown_beside_the_authors_and_labelled(tmp_path):
    sys.path.insert(0, str(BOOK / "tools"))
    import render
    results = {"machine": "a test machine (1 cores)", "date": "2030-01-02",
               "made_by": "make bench",
               "interpreters": {"fib": {"stackvm threaded": 0.5, "Lua 5.4": 1.0}}}
    (tmp_path / "build" / "bench").mkdir(parents=True)
    (tmp_path / "build" / "bench" / "results.json").write_text(json.dumps(results))
    out = tmp_path / "out"
    out.mkdir()
    page = render.with_charts("<!-- chart: interpreters results/2026-12-01-bench.json -->\n",
                              out, tmp_path)
    author, yours = re.findall(r"<figcaption>(.*?)</figcaption>", page)
    assert "2026-12-01" in author and "author" in author
    assert yours.startswith("Your run") and "a test machine (1 cores)" in yours
    assert "2030-01-02" in yours and (out / "img" / "yours-interpreters.png").exists()
    # without a full run of their own, the reader is told how to get one
    page = render.with_charts("<!-- chart: compare - -->\n", out, tmp_path / "nothing")
    assert "once you have run `make compare`" in page and "<figure>" not in page


def test_the_index_and_the_introduction_list_every_chapter_once(book_html):
    pages = rendered(book_html)
    index = pages["index.html"]
    assert "<ol" not in index                 # the titles carry their own numbers
    intro = (BOOK / "00-introduction.md").read_text()
    for chapter in sorted(BOOK.glob("0[1-9]-*.md")):
        assert f"]({chapter.name})" in intro, f"the introduction's table misses {chapter.name}"
        assert f'href="{chapter.stem}.html"' in index


def test_a_listed_macro_is_highlighted_as_code_past_its_first_line(book_html):
    page = rendered(book_html)["01-stack-machine.html"]
    table = page[page.index("INSTRUCTIONS(X)"):]
    table = table[:table.index("</pre>")]
    lines = table.split("\n")
    assert len(lines) > 30
    assert not any('class="pp"' in line for line in lines[1:]), lines[1]
