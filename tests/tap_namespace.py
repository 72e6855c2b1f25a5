#!/usr/bin/python3
"""tap_namespace.py - the host's side of stage 4's network test.

It enters a network and mount namespace of its own (unshare --net --mount,
with --map-root-user when not root), makes a TAP there with the host's address,
serves one page over HTTP on that address, runs the monitor, and writes what
the TAP counted to a JSON file.  The namespace holds only lo and the TAP, so
nothing the guest sends can leave it, and it ends with this process.

usage: tap_namespace.py TAP ADDRESS/PREFIX PAGE REPORT -- COMMAND...
  TAP       the TAP to create (the monitor's --net tap=TAP)
  ADDRESS   the host's end, e.g. 10.0.2.1/24; PAGE is served at
            http://ADDRESS:8000/ (any path)
  REPORT    a JSON file: the TAP's packet counters and the namespace's
            interfaces, written when COMMAND ends
exit status: COMMAND's; 2 if the namespace cannot be set up (1 if unshare
itself cannot make it)."""

import ctypes
import http.server
import json
import os
import signal
import subprocess
import sys
import threading

PORT = 8000
INSIDE = "--inside-the-namespace"     # how the script, run again by unshare, knows


def setup(tap: str, address: str) -> None:
    # The monitor checks /sys/class/net/TAP, and the /sys it inherits shows
    # the namespace it was mounted in: mount one that shows this namespace.
    for command in (["mount", "-t", "sysfs", "sysfs", "/sys"],
                    ["ip", "link", "set", "lo", "up"],
                    ["ip", "tuntap", "add", tap, "mode", "tap"],
                    ["ip", "address", "add", address, "dev", tap],
                    ["ip", "link", "set", tap, "up"]):
        subprocess.run(command, check=True)


def serve(host: str, page: bytes) -> http.server.HTTPServer:
    """Binds now, so the page is there before the guest can ask for it."""
    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):           # the console is the guest's
            pass

    server = http.server.ThreadingHTTPServer((host, PORT), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def die_with_parent() -> None:
    """In the monitor's child, before exec: if this script is killed (a
    test that gives up kills it), the monitor goes with it."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def report(tap: str) -> dict:
    def counter(name):
        with open(f"/sys/class/net/{tap}/statistics/{name}") as f:
            return int(f.read())
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True,
                           check=True).stdout
    return {"interfaces": [line.split(":")[1].strip() for line in links.splitlines()],
            **{name: counter(name) for name in ("rx_packets", "tx_packets", "rx_errors",
                                                "tx_errors")}}


def main(argv: list) -> int:
    inside = argv[:1] == [INSIDE]
    argv = argv[1:] if inside else argv
    if len(argv) < 6 or argv[4] != "--":
        print(__doc__.split("\n\n")[-1], file=sys.stderr)
        return 2
    if not inside:
        unshare = ["unshare", "--net", "--mount"] + (["--map-root-user"] if os.geteuid() else [])
        try:
            os.execvp("unshare", [*unshare, sys.executable, __file__, INSIDE, *argv])
        except OSError as error:
            print(f"tap_namespace.py: error: cannot run unshare: {error}", file=sys.stderr)
            return 2
    tap, address, page, report_file, command = argv[0], argv[1], argv[2], argv[3], argv[5:]
    try:
        setup(tap, address)
        with open(page, "rb") as f:
            server = serve(address.split("/")[0], f.read())
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"tap_namespace.py: error: cannot set up the namespace: {error}",
              file=sys.stderr)
        return 2
    status = subprocess.run(command, preexec_fn=die_with_parent).returncode
    server.shutdown()
    with open(report_file, "w") as f:
        json.dump(report(tap), f)
    return status if status >= 0 else 128 - status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
