"""Run every bench of bench/ that exists, each in its own process with its default arguments,
and gather what they wrote under bench/results/ into bench/results/summary.json.

    .venv/bin/python bench/run_all.py [--only api,inbox_search] [--timeout 900]

A bench that fails or runs out of time is recorded as such; the others still run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
# These first, in this order, then any other bench_*.py; a script not there is skipped.
BENCHES = ["bench_api.py", "bench_inbox_search.py"]


def run_one(script: Path, timeout: float) -> dict[str, Any]:
    """Run one bench; it is killed on time-out, and with us on SIGTERM or Ctrl-C."""
    began = time.monotonic()
    print(f"== {script.name}", flush=True)
    child = subprocess.Popen([sys.executable, str(script)], cwd=ROOT)

    def stop(signum: int, frame: FrameType | None) -> None:
        child.terminate()
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        status: dict[str, Any] = {"returncode": child.wait(timeout)}
    except subprocess.TimeoutExpired:
        child.terminate()
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        status = {"returncode": None, "error": f"timed out after {timeout:.0f} s"}
    except BaseException:
        child.terminate()
        child.wait(30)
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
    status["seconds"] = round(time.monotonic() - began, 1)
    return status


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma-separated names, e.g. api")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per bench")
    args = parser.parse_args(argv)
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    runs: dict[str, Any] = {}
    others = sorted(p.name for p in BENCH.glob("bench_*.py") if p.name not in BENCHES)
    for name in [*BENCHES, *others]:
        script = BENCH / name
        short = name.removeprefix("bench_").removesuffix(".py")
        if not script.exists() or (wanted and short not in wanted):
            continue
        runs[short] = run_one(script, args.timeout)
    results: dict[str, Any] = {}
    for path in sorted(RESULTS.glob("*.json")):
        if path.name == "summary.json":
            continue
        try:
            results[path.stem] = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            results[path.stem] = {"unreadable": str(exc)}
    summary = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "runs": runs,
        "results": results,
    }
    (RESULTS / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"wrote {RESULTS / 'summary.json'}")
    failed = [name for name, status in runs.items() if status.get("returncode") != 0]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
