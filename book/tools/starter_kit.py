#!/usr/bin/python3
"""Write a student's starter kit: the kit with every exercise's solution taken out.

    starter_kit.py DEST

copies every file the kit's git repository tracks into DEST (which must not
exist yet; the history is not copied, since it holds the answers), and in each
source file replaces every exercise region

    /* BEGIN EXERCISE ex1.2 */
    ...the solution...
    /* STUB ex1.2
    ...the stub...
    END STUB */
    /* END EXERCISE ex1.2 */

by its BEGIN line, the lines of its stub, and its END line.  A region with no
stub is an error (the student would start from nothing that compiles or says
what is missing).  The tests stay: they are how students check their work.
"""
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BEGIN = re.compile(r"\bBEGIN EXERCISE (ex[\d.]+)\b")
END = re.compile(r"\bEND EXERCISE (ex[\d.]+)\b")
STUB = re.compile(r"\bSTUB (ex[\d.]+)\b")
END_STUB = re.compile(r"\bEND STUB\b")
SOURCE_SUFFIXES = {".c", ".h", ".S"}


class MarkerError(Exception):
    pass


def strip_solutions(text: str, where: str) -> tuple:
    """Returns (text with solutions replaced by stubs, ids of the exercises found)."""
    out, found = [], []
    lines = iter(enumerate(text.split("\n"), start=1))
    for number, line in lines:
        out.append(line)
        begin = BEGIN.search(line)
        if not begin:
            if END.search(line) or STUB.search(line):
                raise MarkerError(f"{where}:{number}: exercise marker outside a BEGIN/END pair")
            continue
        ident = begin[1]
        found.append(ident)
        stub, in_stub, has_stub = [], False, False
        for number, line in lines:
            if END.search(line):
                if END.search(line)[1] != ident or in_stub:
                    raise MarkerError(f"{where}:{number}: END EXERCISE does not close {ident}")
                break
            if in_stub:
                if END_STUB.search(line):
                    in_stub = False
                else:
                    stub.append(line)
            elif STUB.search(line):
                if STUB.search(line)[1] != ident:
                    raise MarkerError(f"{where}:{number}: STUB names another exercise than {ident}")
                in_stub = has_stub = True
            elif BEGIN.search(line):
                raise MarkerError(f"{where}:{number}: exercise {ident} is not closed")
        else:
            raise MarkerError(f"{where}: exercise {ident} is never closed")
        if not has_stub:
            raise MarkerError(f"{where}:{number}: exercise {ident} has no STUB block: write the "
                              "code students start from between /* STUB " + ident +
                              " and END STUB */")
        out.extend(stub)
        out.append(line)
    return "\n".join(out), found


def tracked_files(root: Path) -> list:
    listing = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], check=True,
                             capture_output=True).stdout.decode()
    return [Path(name) for name in listing.split("\0") if name]


def main() -> int:
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        print("usage: starter_kit.py DEST", file=sys.stderr)
        return 2
    dest = Path(sys.argv[1])
    if dest.exists():
        print(f"starter_kit: error: {dest} already exists", file=sys.stderr)
        return 2
    exercises = []
    try:
        for name in tracked_files(ROOT):
            source, target = ROOT / name, dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if name.suffix in SOURCE_SUFFIXES:
                text, found = strip_solutions(source.read_text(), str(name))
                target.write_text(text)
                shutil.copymode(source, target)
                exercises += found
            else:
                shutil.copy2(source, target)
    except MarkerError as err:
        shutil.rmtree(dest, ignore_errors=True)
        print(f"starter_kit: error: {err}", file=sys.stderr)
        return 2
    print(f"starter kit written to {dest}: {len(set(exercises))} exercises stubbed out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
