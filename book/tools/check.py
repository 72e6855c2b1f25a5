#!/usr/bin/python3
"""make book-check: look at every page of the book in a real browser.

    check.py [OUT]      (default: build/book-check/)

Renders the book into OUT, then opens each page in headless Chromium twice: once
with a small script that measures the laid-out page and reports, through the
DOM Chromium dumps, what a reader would trip over, and once for a screenshot of
the whole page (OUT/screenshots/PAGE.png, 1280 pixels wide, to look at):

  - a table cell whose text wraps onto more than two lines,
  - a picture that did not load,
  - a page wider than the window (sideways scrolling for the whole page).

Exits 1 and lists them when there are any, 2 when Chromium is missing.
"""
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
WIDTH, HEIGHT = 1280, 2000
MAX_HEIGHT = 16000       # Chromium draws no taller screenshot
MAX_LINES = 2            # a cell may wrap once

# Runs in the page once it is laid out; leaves its findings as JSON in a <pre>.
MEASURE = """<script>
window.addEventListener("load", () => {
  const found = [];
  for (const cell of document.querySelectorAll("td, th")) {
    const range = document.createRange();
    range.selectNodeContents(cell);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    if (tops.size > %d)
      found.push(`a table cell wraps onto ${tops.size} lines: ` +
                 JSON.stringify(cell.textContent.trim().slice(0, 60)));
  }
  for (const img of document.images)
    if (!img.complete || img.naturalWidth === 0)
      found.push(`a picture did not load: ${img.getAttribute("src")}`);
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    found.push(`the page is ${document.documentElement.scrollWidth} pixels wide, ` +
               `wider than the window's ${window.innerWidth}`);
  const out = document.createElement("pre");
  out.id = "book-check";
  out.textContent = JSON.stringify({found: found,
                                    height: document.documentElement.scrollHeight});
  document.body.appendChild(out);
});
</script>
""" % MAX_LINES


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return name
    return ""


def browse(browser: str, page: Path, *action: str, height=HEIGHT) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--hide-scrollbars",
             f"--user-data-dir={profile}", f"--window-size={WIDTH},{height}",
             *action, page.as_uri()],
            capture_output=True, text=True, timeout=120)


def measure(browser: str, page: Path) -> dict:
    """{"found": [problems], "height": the page's height in pixels}."""
    probe = page.with_name(f".check-{page.name}")
    probe.write_text(page.read_text().replace("</body>", MEASURE + "</body>"))
    try:
        dom = browse(browser, probe, "--virtual-time-budget=5000", "--dump-dom").stdout
    finally:
        probe.unlink()
    found = re.search(r'<pre id="book-check">(.*?)</pre>', dom, re.S)
    if not found:
        return {"found": ["the page's check did not run (no result in the dumped DOM)"],
                "height": HEIGHT}
    return json.loads(found[1].replace("&lt;", "<").replace("&gt;", ">")
                      .replace("&quot;", '"').replace("&amp;", "&"))


def main() -> int:
    out = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT / "build" / "book-check"
    browser = chromium()
    if not browser:
        print("book-check: error: Chromium is not installed (apt-get install chromium)",
              file=sys.stderr)
        return 2
    subprocess.run(["/usr/bin/python3", ROOT / "book" / "tools" / "render.py", out], check=True)
    shots = out / "screenshots"
    shots.mkdir(exist_ok=True)
    failures = []
    for page in sorted(out.glob("*.html")):
        seen = measure(browser, page)
        failures += [f"{page.name}: {problem}" for problem in seen["found"]]
        browse(browser, page, f"--screenshot={shots / page.with_suffix('.png').name}",
               height=min(seen["height"], MAX_HEIGHT))
    print(f"book-check: screenshots of every page in {shots}/")
    for failure in failures:
        print(f"book-check: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
