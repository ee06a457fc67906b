"""A command run as an operator runs it at a terminal: stdin, stdout and stderr a pseudo-terminal
(a `rich` bar shows only there), everything it wrote read back."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys


def at_a_terminal(*args: str, env: dict[str, str], timeout: float = 120.0
                  ) -> tuple[int, str]:
    """`python -m tongban <args>`: its exit status and the text the terminal showed (colours
    and cursor moves left out)."""
    main, child = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "tongban", *args], stdin=child,
                               stdout=child, stderr=child, close_fds=True,
                               env={**os.environ, "COLUMNS": "120", **env})
    os.close(child)
    shown = bytearray()
    try:
        while chunk := os.read(main, 65536):
            shown += chunk
    except OSError:  # EIO: the command ended and closed its side
        pass
    finally:
        os.close(main)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown.decode(errors="replace"))
    return process.wait(timeout=timeout), text
