#!/usr/bin/python3
"""Render the book to HTML with pandoc: one page per chapter, an index page.

    render.py [OUT]      (default: build/book/)

Each page has a table of contents, highlighted code, and links to the previous
and next chapters and the index.  Charts that `make compare` and `make bench`
generate (referenced from a chapter as ../build/...) are copied next to the
pages; one not generated yet is replaced by a line saying how to make it.
"""
import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BOOK = ROOT / "book"
IMAGE = re.compile(r"!\[([^\]]*)\]\((\.\./build/[^)\s]+)\)")


def title_of(chapter: Path) -> str:
    for line in chapter.read_text().split("\n"):
        if line.startswith("# "):
            return line[2:].strip()
    return chapter.stem


def with_generated_images(text: str, out: Path) -> str:
    """Copies each generated picture to out/img; replaces a missing one by a note."""
    def replace(match):
        source = (BOOK / match[2]).resolve()
        if source.is_file():
            (out / "img").mkdir(exist_ok=True)
            shutil.copy2(source, out / "img" / source.name)
            return match[0]
        maker = "make bench" if "/bench/" in match[2] else "make compare"
        return f"*(Chart \"{match[1]}\" not generated yet: run `{maker}`, then `make book`.)*"
    return IMAGE.sub(replace, text)


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


STYLE = """body { max-width: 46em; margin: 2em auto; padding: 0 1em; font-family: sans-serif;
       line-height: 1.5; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 0.2em 0.5em; }
nav.chapters { margin: 1em 0; } img { max-width: 100%; }
"""


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "book"
    if shutil.which("pandoc") is None:
        print("render: error: pandoc is not installed (apt-get install pandoc)", file=sys.stderr)
        return 2
    chapters = sorted(BOOK.glob("[0-9][0-9]-*.md"))
    out.mkdir(parents=True, exist_ok=True)
    (out / "book.css").write_text(STYLE)
    for i, chapter in enumerate(chapters):
        text = with_generated_images(chapter.read_text(), out)
        pandoc(text, out / f"{chapter.stem}.html", title_of(chapter), navigation(chapters, i), True)
    contents = "# Staged VMs: the book\n\n" + "".join(
        f"{i}. [{title_of(c)}]({c.name})\n" for i, c in enumerate(chapters, start=1))
    pandoc(contents, out / "index.html", "Staged VMs", "", False)
    print(f"book written to {out}/index.html ({len(chapters)} chapters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
