#!/usr/bin/python3
"""Render the book to HTML with pandoc: one page per chapter, an index page.

    render.py [OUT]      (default: build/book/)

Each page has a table of contents, highlighted code, and links to the previous
and next chapters and the index.  A chapter asks for a chart with a line

    <!-- chart: interpreters results/2026-12-01-bench.json -->

(kind `interpreters` or `compare`, and the author's results file in book/, or
`-` for none): the page then shows the author's chart, drawn from that file,
and below it the reader's own, drawn from the results.json of their last full
`make bench` or `make compare`, each captioned with its machine and date.
"""
import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BOOK = ROOT / "book"
sys.path.insert(0, str(ROOT / "tests" / "bench"))
import charts  # noqa: E402

CHART = re.compile(r"^<!-- chart: (interpreters|compare) (\S+) -->$", re.M)
# The reader's results: what the last full `make bench` / `make compare` left.
READERS = {"interpreters": ("build/bench/results.json", "make bench"),
           "compare": ("build/compare/results.json", "make compare")}


def title_of(chapter: Path) -> str:
    for line in chapter.read_text().split("\n"):
        if line.startswith("# "):
            return line[2:].strip()
    return chapter.stem


def figure(results: dict, kind: str, png: Path, whose: str, source: str) -> str:
    """The chart of results as an HTML figure, captioned with whose run it is."""
    if not charts.have_gnuplot():
        return f"*({whose} chart is not drawn: gnuplot is not installed.)*"
    charts.CHARTS[kind](results, png)
    caption = (f"{whose} (<code>{source}</code>): {html.escape(results['machine'])}, "
               f"measured on {results['date']} by <code>{html.escape(results['made_by'])}"
               "</code>.")
    return (f'<figure><img src="img/{png.name}" alt="{whose}, {results["date"]}">'
            f"<figcaption>{caption}</figcaption></figure>")


def with_charts(text: str, out: Path, root: Path) -> str:
    """Replaces each chart line by the author's figure and the reader's."""
    def replace(match):
        kind, author = match[1], match[2]
        (out / "img").mkdir(exist_ok=True)
        parts = []
        if author != "-":
            results = json.loads((BOOK / author).read_text())
            parts.append(figure(results, kind, out / "img" / f"author-{Path(author).stem}.png",
                                "The author's run, which the table above shows",
                                f"book/{author}"))
        path, maker = READERS[kind]
        if (root / path).is_file():
            results = json.loads((root / path).read_text())
            parts.append(figure(results, kind, out / "img" / f"yours-{kind}.png", "Your run",
                                path))
        else:
            parts.append(f"*Your own run appears here once you have run `{maker}` "
                         "and then `make book`.*")
        return "\n\n".join(parts)
    return CHART.sub(replace, text)


WIDE_COLUMNS = 5


def mark_wide_tables(html_text: str) -> str:
    """class="wide" on each table of WIDE_COLUMNS or more columns."""
    def mark(match):
        first_row = match[0][:match[0].find("</tr>")]
        wide = first_row.count("<th") + first_row.count("<td") >= WIDE_COLUMNS
        return match[0].replace("<table>", '<table class="wide">', 1) if wide else match[0]
    return re.sub(r"<table>.*?</table>", mark, html_text, flags=re.S)


def plain_macro_bodies(html_text: str) -> str:
    """A multi-line #define is one preprocessor token to the highlighter, which
    prints all of it in the preprocessor's italic; keep that for its first line
    and show the lines it continues onto as plain code."""
    lines, continued = [], False
    for line in html_text.split("\n"):
        if continued:
            line = line.replace('<span class="pp">', "<span>")
        text = re.sub(r"<[^>]+>", "", line)
        continued = text.rstrip().endswith("\\") and ('class="pp"' in line or continued)
        lines.append(line)
    return "\n".join(lines)


def navigation(chapters: list, index: int) -> str:
    links = []
    if index > 0:
        links.append(f'<a href="{chapters[index - 1].stem}.html">&larr; '
                     f'{html.escape(title_of(chapters[index - 1]))}</a>')
    links.append('<a href="index.html">Contents</a>')
    if index + 1 < len(chapters):
        links.append(f'<a href="{chapters[index + 1].stem}.html">'
                     f'{html.escape(title_of(chapters[index + 1]))} &rarr;</a>')
    return '<nav class="chapters">' + " | ".join(links) + "</nav>\n"


def pandoc(markdown: str, out_file: Path, title: str, nav: str, toc: bool) -> None:
    nav_file = out_file.with_suffix(".nav.html")
    nav_file.write_text(nav)
    command = ["pandoc", "--from=gfm", "--to=html5", "--standalone",
               "--highlight-style=tango", f"--lua-filter={BOOK / 'tools' / 'links.lua'}",
               f"--metadata=pagetitle:{title}", f"--include-before-body={nav_file}",
               f"--include-after-body={nav_file}", f"--css=book.css", "-o", str(out_file)]
    if toc:
        command += ["--toc", "--toc-depth=2"]
    subprocess.run(command, input=markdown.encode(), check=True)
    nav_file.unlink()
    out_file.write_text(mark_wide_tables(plain_macro_bodies(out_file.read_text())))


# Text keeps a readable measure; a table may grow past it to the window's
# right edge, and a wide one to both edges (centred on the text), so that
# their cells do not wrap more than once.
STYLE = """body { max-width: 46em; margin: 2em auto; padding: 0 1em; font-family: sans-serif;
       line-height: 1.5; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; }
table { border-collapse: collapse; width: max-content; max-width: calc(50vw + 22em);
        margin: 1em 0; }
table.wide { font-size: 0.9em; width: max-content; max-width: 96vw;
             position: relative; left: 50%; transform: translateX(-50%); }
td, th { border: 1px solid #ccc; padding: 0.2em 0.5em; }
nav.chapters { margin: 1em 0; } img { max-width: 100%; }
figure { margin: 1em 0; } figcaption { font-size: 0.9em; color: #444; }
"""


def main() -> int:
    out = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT / "build" / "book"
    if shutil.which("pandoc") is None:
        print("render: error: pandoc is not installed (apt-get install pandoc)", file=sys.stderr)
        return 2
    chapters = sorted(BOOK.glob("[0-9][0-9]-*.md"))
    out.mkdir(parents=True, exist_ok=True)
    (out / "book.css").write_text(STYLE)
    for i, chapter in enumerate(chapters):
        text = with_charts(chapter.read_text(), out, ROOT)
        pandoc(text, out / f"{chapter.stem}.html", title_of(chapter), navigation(chapters, i), True)
    # the titles carry their own numbers ("Chapter 1: ..."), the introduction none
    contents = "# Staged VMs: the book\n\n" + "".join(
        f"- [{title_of(c)}]({c.name})\n" for c in chapters)
    pandoc(contents, out / "index.html", "Staged VMs", "", False)
    print(f"book written to {out}/index.html ({len(chapters)} chapters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
