#!/usr/bin/python3
"""qemu_state.py SOCKET: what the nested VM's processor is doing, read from
QEMU's QMP socket, and a nudge.  run.sh has console_watch run this when the
VM's pulse has stopped: the registers twice, a second apart, show whether the
CPU still moves (RIP and the flags change) or sits in one place (halted with
HLT=1, or looping), which says where to look next; the local APIC's state
shows whether an interrupt waits there undelivered (a bit in IRR, none in
ISR) and how its timer is set.  Then two nudges: an NMI, and a key press on
the emulated keyboard, whose interrupt makes the processor look at its APIC
again (a halted VM whose timer interrupt was left pending in IRR takes it
then, and its clock goes on).  console_watch then sees whether the pulse moves
again."""
import json
import socket
import sys
import time


def command(stream, name, **arguments):
    stream.write(json.dumps({"execute": name, "arguments": arguments}) + "\n")
    stream.flush()
    while True:                      # events may come first; the answer has "return"
        reply = json.loads(stream.readline())
        if "return" in reply or "error" in reply:
            return reply.get("return", reply.get("error"))


def main(path) -> int:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(20)
        sock.connect(path)
        stream = sock.makefile("rw")
        json.loads(stream.readline())                    # QEMU's greeting
        command(stream, "qmp_capabilities")
        for look in (1, 2):
            text = command(stream, "human-monitor-command", **{"command-line": "info registers"})
            print(f"nested: the stopped VM's CPU, look {look} of 2:", file=sys.stderr)
            # the general registers to EFER: not the FPU and vector ones
            lines = str(text).strip().split("\n")
            end = next((n for n, line in enumerate(lines) if line.startswith("EFER")), len(lines))
            print("\n".join(lines[:end + 1]), file=sys.stderr)
            time.sleep(1)
        apic = str(command(stream, "human-monitor-command", **{"command-line": "info lapic"}))
        print("nested: its local APIC:", file=sys.stderr)
        print("\n".join(line for line in apic.strip().split("\n")
                        if line.startswith(("LVT0", "LVTT", "Timer", "IRR", "ISR", "APR", "ESR"))),
              file=sys.stderr)
        command(stream, "inject-nmi")
        command(stream, "send-key", keys=[{"type": "qcode", "data": "shift"}])
        print("nested: sent the VM an NMI and a key press (shift); if its pulse moves "
              "again, it goes on", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1]))
    except (OSError, ValueError, IndexError) as error:
        print(f"qemu_state: error: cannot read the VM's state: {error}", file=sys.stderr)
        sys.exit(2)
