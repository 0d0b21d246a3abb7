"""Run `python -m atiende …` under cProfile and write the profile when the server stops.

    .venv/bin/python bench/chat_profile.py /tmp/serve.prof serve --port 8000

On Python 3.12 cProfile listens through `sys.monitoring`, which covers every thread: the event
loop and the thread pool that runs Django's synchronous code are both counted. Call stacks of
different threads interleave, so read `tottime` (time in the function itself), not `cumtime`.
Besides the binary profile (`pstats`), a text file `<out>.txt` lists the top functions.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import runpy
import signal
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    sys.argv = ["atiende", *argv[1:]]
    # uvicorn re-raises the SIGTERM it caught once it has shut down, which would end the process
    # before the profile is written: whatever handler is installed then gets it, so a no-op.
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    profile = cProfile.Profile()
    profile.enable()
    try:
        runpy.run_module("atiende", run_name="__main__")
    except SystemExit:
        pass
    finally:
        profile.disable()
        profile.dump_stats(out)
        text = io.StringIO()
        stats = pstats.Stats(profile, stream=text)
        stats.sort_stats("tottime").print_stats(60)
        out.with_suffix(".txt").write_text(text.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
