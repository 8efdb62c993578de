#!/usr/bin/env python3
"""Many storeclient processes at once against one idlink-mock: request latency under load.

N uploader processes (default 200) each upload M documents (default 10) with `storeclient
upload`, all started together, against one `idlink-mock serve` (release) whose data directory
is on the disk (a temporary directory under /tmp, or --tmpdir). With --tmpfs a second pass
runs with everything in /dev/shm, where fsync costs nothing. This is the load of issue 10
item 5: before group commit every upload waited for the fsyncs of every upload ahead of it.

Reported per pass, from the mock's own journal (DATA/journal.jsonl): p50, p99 and max of the
`duration_ms` of every `POST /v1/documents` response (request received to response head, so
client start-up and TLS handshakes are not in it), the total wall time from the first process
start to the last exit, and:

  errors      upload responses with a status other than 201, plus uploader processes that
              exited non-zero (the client retries 5xx and refused connections, so an error
              answer does not always mean a failed process; both are counted)
  lost        documents whose bytes are not in the store at the end (sha-256 of each file
              against /admin/documents), or whose file is missing under DATA/storage
  duplicates  documents stored more than once (the same sha-256 under more than one receipt)
  refused     connections the mock closed at its connection limit (`connection-refused`)

Nothing is installed or built; missing binaries are listed with the build command (exit 2).
Every process is bounded by --timeout and killed by its own process group when it runs over.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as b  # noqa: E402
from client_vs_curl import ACCOUNT, DEST, set_concurrency  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--processes", type=int, default=200, help="uploader processes (1..500)")
    ap.add_argument("--docs", type=int, default=10, help="documents per process (1..100)")
    ap.add_argument("--concurrency", type=int,
                    help="storeclient [upload] concurrency (default: the kit's, i.e. storeclient's default, 8 since 2026-11-30)")
    ap.add_argument("--tmpdir", help="where the disk pass's work directory goes (default /tmp)")
    ap.add_argument("--tmpfs", action="store_true", help="also run a pass in /dev/shm")
    ap.add_argument("--json-out", help="write every measurement here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directories")
    ap.add_argument("--timeout", type=float, default=300, help="per pass, seconds")
    args = ap.parse_args()
    if not (1 <= args.processes <= 500 and 1 <= args.docs <= 100):
        ap.error("out of bounds: --processes 1..500, --docs 1..100")
    if args.concurrency is not None and not 1 <= args.concurrency <= 64:
        ap.error("--concurrency must be 1..64")
    b.require([], ["storeclient", "idlink-mock"])

    passes = [("disk", args.tmpdir)] + ([("tmpfs", "/dev/shm")] if args.tmpfs else [])
    rows = []
    for name, where in passes:
        rows.append(run_pass(name, where, args))
    print(f"\n## {args.processes} uploader processes x {args.docs} documents ({b.machine_line()})\n")
    print("| pass | work dir on | fsync 2 KB | documents | total | p50 | p99 | max | errors | "
          "lost | duplicates | refused connections |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['pass']} | {r['fs']} | {r['fsync_ms']:.2f} ms | {r['stored']}/{r['expected']} | "
              f"{r['wall']:.1f} s | {r['p50_ms']} ms | {r['p99_ms']} ms | {r['max_ms']} ms | "
              f"{r['errors']} | {r['lost']} | {r['duplicates']} | {r['refused']} |")
    if any(r["error_statuses"] for r in rows):
        print("\nError statuses: " + "; ".join(f"{r['pass']}: {r['error_statuses']}" for r in rows))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"machine": b.machine_line(), "args": vars(args), "passes": rows}, f, indent=1)
    bad = [r["pass"] for r in rows if r["errors"] or r["lost"] or r["duplicates"]]
    if bad:
        b.log(f"FAILED: errors, lost or duplicate documents in {', '.join(bad)}")
        return 1
    return 0


def run_pass(name: str, where: str | None, args) -> dict:
    tmp = tempfile.mkdtemp(prefix="idlink-bench-concurrent-", dir=where)
    mock = None
    procs: list[subprocess.Popen] = []
    try:
        b.log(f"{name}: workdir {tmp}")
        total = args.processes * args.docs
        hl7 = os.path.join(tmp, "hl7")
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "gen_hl7.py"),
                        "--count", str(total), "--out", hl7], check=True, timeout=120)
        files = sorted(os.path.join(hl7, n) for n in os.listdir(hl7))
        digests = {b.sha256_file(p).hex() for p in files}

        data = os.path.join(tmp, "data")
        mock = b.Mock(data)
        kit = os.path.join(data, "kit", ACCOUNT)
        config = os.path.join(kit, "storeclient.toml")
        if args.concurrency is not None:
            with open(config) as f:
                toml = set_concurrency(f.read(), args.concurrency)
            config = os.path.join(kit, "bench-concurrent.toml")
            with open(config, "w") as f:
                f.write(toml)
        fsync_ms = b.fsync_probe(tmp) * 1e3
        b.log(f"{name}: fsync of a 2 KB file {fsync_ms:.2f} ms; load {b.loadavg()}")

        logs = os.path.join(tmp, "logs")
        os.makedirs(logs)
        start = time.perf_counter()
        for i in range(args.processes):
            mine = files[i * args.docs:(i + 1) * args.docs]
            with open(os.path.join(logs, f"{i}.out"), "wb") as out:
                procs.append(subprocess.Popen(
                    [b.binary("storeclient"), "--config", config, "upload",
                     "--destination", DEST, *mine],
                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
        deadline = start + args.timeout
        codes = []
        for p in procs:
            try:
                codes.append(p.wait(timeout=max(0.1, deadline - time.perf_counter())))
            except subprocess.TimeoutExpired:
                raise RuntimeError(f"{name}: uploaders still running after {args.timeout:.0f} s "
                                   f"(see {logs})") from None
        wall = time.perf_counter() - start
        failed = sum(1 for c in codes if c != 0)

        docs = mock.documents()
        # The journal's file is written by its own thread, a few milliseconds behind: a clean
        # stop (SIGTERM) writes every entry before the mock exits.
        mock.stop()
        latencies, statuses, refused = journal_figures(os.path.join(data, "journal.jsonl"))
        stored = [d["receipt"]["sha256"] for d in docs]
        on_disk = sum(1 for d in docs if os.path.isfile(os.path.join(data, "storage", d["current_path"])))
        errors = sum(n for s, n in statuses.items() if s != 201) + failed
        lost = len(digests - set(stored)) + (len(docs) - on_disk)
        duplicates = len(stored) - len(set(stored))
        latencies.sort()
        row = {
            "pass": name, "fs": b.fs_of(tmp), "fsync_ms": fsync_ms, "expected": total,
            "stored": len(docs), "wall": wall, "requests": len(latencies),
            "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
            "max_ms": latencies[-1] if latencies else 0, "errors": errors,
            "failed_processes": failed, "lost": lost, "duplicates": duplicates,
            "refused": refused, "load": b.loadavg(),
            "error_statuses": {str(s): n for s, n in statuses.items() if s != 201},
        }
        b.log(f"{name}: {row}")
        return row
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        if mock:
            mock.stop()
        if args.keep:
            b.log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def journal_figures(path: str) -> tuple[list[int], dict[int, int], int]:
    """From the mock's journal: the duration_ms of every upload response, the count of each
    upload response status, and the connections refused at the connection limit."""
    uploads: set[str] = set()
    latencies: list[int] = []
    statuses: dict[int, int] = {}
    refused = 0
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            event = e.get("event")
            if event == "request" and e.get("method") == "POST" and e.get("path") == "/v1/documents":
                uploads.add(e["request_id"])
            elif event == "response" and e.get("request_id") in uploads:
                latencies.append(e["duration_ms"])
                statuses[e["status"]] = statuses.get(e["status"], 0) + 1
            elif event == "connection-refused":
                refused += 1
    return latencies, statuses, refused


def percentile(sorted_xs: list[int], p: float) -> int:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_xs:
        return 0
    rank = max(1, -(-len(sorted_xs) * p // 100))
    return sorted_xs[int(rank) - 1]


if __name__ == "__main__":
    sys.exit(main())
