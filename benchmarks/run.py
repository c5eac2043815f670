#!/usr/bin/env python3
"""Runs every benchmark (benchmarks/bench_*.py) and prints their ratios against baselines of the same run.

.venv/bin/python benchmarks/run.py            full sizes
.venv/bin/python benchmarks/run.py --quick    small sizes, a smoke run
.venv/bin/python benchmarks/run.py standards  only the modules whose name contains "standards"
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("only", nargs="*", help="run only benchmarks whose file name contains one of these")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent / "src"))
    sys.path.insert(0, str(HERE.parent))
    failed = 0
    for path in sorted(HERE.glob("bench_*.py")):
        if args.only and not any(word in path.stem for word in args.only):
            continue
        print(f"\n=== {path.stem} ===", flush=True)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec
        assert spec.loader
        module = importlib.util.module_from_spec(spec)
        started = time.perf_counter()
        try:
            spec.loader.exec_module(module)
            module.main(quick=args.quick)
        except Exception as error:  # noqa: BLE001 - report and go on with the other benchmarks
            failed += 1
            print(f"{path.stem} failed: {error!r}", flush=True)
        print(f"({path.stem} took {time.perf_counter() - started:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
