"""Drives an interactive psql in a pseudo-terminal so that readline's tab completion runs.

Usage: python3 psql_tab_completion.py KEYS EXPECT [KEYS EXPECT ...]
Each KEYS (Python escapes: \\t is TAB, \\x15 clears the line) is typed, then the terminal output
is read until EXPECT appears (a failure after 30 s). psql's connection comes from the libpq
environment. Prints the whole terminal output at the end; exits 1 when an EXPECT never appeared.
"""

import os
import pty
import select
import sys
import time


def main():
    pairs = sys.argv[1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("psql", ["psql", "-X"])
    output = b""

    def read_until(expected, seconds, start=0):
        """Reads until `expected` appears after `start`; False on timeout or end of output."""
        nonlocal output
        deadline = time.monotonic() + seconds
        while expected is None or expected.encode() not in output[start:]:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    return False
                if not chunk:
                    return False
                output += chunk
        return True

    ok = read_until("=>", 30)
    for keys, expected in zip(pairs[0::2], pairs[1::2]):
        if not ok:
            break
        start = len(output)
        os.write(fd, keys.encode().decode("unicode_escape").encode())
        ok = read_until(expected, 30, start)
    os.write(fd, b"\x15\\q\n")
    read_until(None, 30)  # until psql has exited and the terminal is closed
    os.waitpid(pid, 0)
    sys.stdout.write(output.decode(errors="replace"))
    sys.exit(0 if ok else 1)


main()
