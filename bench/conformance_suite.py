#!/usr/bin/env python3
"""Wall time of the shipped conformance suite against storeclient, `--jobs 1` beside `--jobs 2`.

The suite is what a vendor runs before every release and what CI runs on every change, so its
wall time is a product figure (issue 14). Each round runs the release `idlink-harness` (the
README's main command: the shipped suite against our own storeclient through the vendor
interface) once with `--jobs 1` and once with `--jobs 2`, in flipped order every other round, and
reports per run: wall time, CPU (user+sys of the harness and everything it started: the mock
centers run in process, every uploader is a child), scenarios passed, and the jobs-2/jobs-1
ratio of the same round. A run whose harness exits non-zero (a scenario failed, or the harness
broke) aborts the benchmark: a fast failing suite is not a figure.

    cargo build --release                      # idlink-harness (the root package)
    python3 bench/conformance_suite.py --rounds 3
    python3 bench/conformance_suite.py --rounds 1 --filter 'RETRY-*'

Bounded: every run is killed after --timeout seconds (600 by default).
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as b  # noqa: E402


def one_run(jobs: int, args, work: str) -> dict:
    report = os.path.join(work, f"report-j{jobs}.json")
    argv = [b.binary("idlink-harness"), "run", "--suite", os.path.join(b.ROOT, "scenarios"),
            "--jobs", str(jobs), "--json", report]
    if args.filter:
        argv += ["--filter", args.filter]
    log = os.path.join(work, f"harness-j{jobs}.log")
    timed = b.run_timed(argv, args.timeout, stdout=log, stderr=log)
    if timed.rc != 0:
        raise SystemExit(f"idlink-harness --jobs {jobs} exited {timed.rc}; see {log}")
    with open(report) as f:
        scenarios = json.load(f)["summary"]["scenarios"]
    return {"jobs": jobs, "wall_s": timed.wall, "cpu_s": timed.cpu,
            "passed": scenarios["passed"], "total": scenarios["total"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, choices=range(1, 11), metavar="1..10")
    parser.add_argument("--filter", help="only scenarios whose ID matches (the runner's --filter)")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--json-out", help="write the raw rows here")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    b.require([], ["idlink-harness"])
    work = tempfile.mkdtemp(prefix="idlink-bench-suite.")
    rows = []
    print(f"machine: {b.machine_line()}")
    for r in range(args.rounds):
        order = (1, 2) if r % 2 == 0 else (2, 1)
        pair = {}
        for jobs in order:
            row = one_run(jobs, args, work)
            row["round"] = r + 1
            row["load"] = b.loadavg()
            pair[jobs] = row
            rows.append(row)
            b.log(f"round {r + 1} jobs {jobs}: {row['wall_s']:.1f} s wall, {row['cpu_s']:.1f} s CPU, "
                  f"{row['passed']}/{row['total']} passed (load {row['load']})")
        pair[2]["ratio_wall_vs_j1"] = pair[2]["wall_s"] / pair[1]["wall_s"]
    print()
    print("| jobs | wall time, median (min-max) | CPU (user+sys) | scenarios passed | wall vs jobs 1 |")
    print("|---|---|---|---|---|")
    for jobs in (1, 2):
        mine = [x for x in rows if x["jobs"] == jobs]
        walls = [x["wall_s"] for x in mine]
        cpu = b.median([x["cpu_s"] for x in mine])
        ratio = "1.00x" if jobs == 1 else f"{b.median([x['ratio_wall_vs_j1'] for x in mine]):.2f}x"
        print(f"| {jobs} | {b.median(walls):.1f} s ({min(walls):.1f}-{max(walls):.1f}) | {cpu:.1f} s "
              f"| {mine[0]['passed']}/{mine[0]['total']} | {ratio} |")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(rows, f, indent=2)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        b.log(f"kept {work}")


if __name__ == "__main__":
    main()
