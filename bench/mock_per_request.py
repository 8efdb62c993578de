#!/usr/bin/env python3
"""idlink-mock alone: server CPU and system calls per keep-alive upload (issue 14).

One `idlink-mock serve` in a new data directory, one curl process sending N distinct ~2 KB
SS-MIX2 documents (gen_hl7.py) over one kept-alive HTTP/1.1 connection, as server_vs_nginx.py's
small-h1 workload does. Reported: server CPU per request (utime+stime of the mock from
/proc/PID/stat before and after the loop, 10 ms ticks) and, with --strace, the system calls of
the mock during the loop (`strace -f -c` attached to it), in total and per request; with
--perf, `perf stat` counts system calls, context switches and task-clock per request, at a
fraction of strace's overhead (so batching behaves as it does unobserved).

CPU time and system-call counts, unlike wall-clock rates, are what a busy shared machine does not
distort much; strace itself slows the server several-fold, so take CPU figures from a run without
--strace. Any build works (--bin); compare builds of the same profile only.

    python3 bench/mock_per_request.py --files 500 --tmpdir /dev/shm
    python3 bench/mock_per_request.py --files 200 --strace --bin target/debug/idlink-mock
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
import server_vs_nginx as s  # noqa: E402

ACCOUNT = "fac-0112345678"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=500, help="uploads in the loop (1..5000)")
    ap.add_argument("--bin", default=b.binary("idlink-mock"), help="the idlink-mock binary")
    ap.add_argument("--strace", action="store_true", help="count system calls with strace -f -c")
    ap.add_argument("--record", metavar="FILE",
                    help="sample the mock with `perf record -g` into FILE (read it with perf report)")
    ap.add_argument("--perf", action="store_true",
                    help="count system calls and context switches with perf stat (cheaper than strace)")
    ap.add_argument("--tmpdir", help="where the work directory goes, e.g. /dev/shm")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    if not 1 <= args.files <= 5000:
        ap.error("--files out of bounds")
    if sum(map(bool, (args.strace, args.perf, args.record))) > 1:
        ap.error("one of --strace, --perf, --record")
    need = ["curl"] + (["strace"] if args.strace else []) + (["perf"] if args.perf or args.record else [])
    if any(shutil.which(tool) is None for tool in need):
        b.log(f"missing one of: {', '.join(need)}")
        return 2
    b.RELEASE = os.path.dirname(os.path.abspath(args.bin))
    tmp = tempfile.mkdtemp(prefix="idlink-bench-mock-", dir=args.tmpdir)
    mock = tracer = None
    try:
        demo = subprocess.run([args.bin, "config", "--demo"], check=True, capture_output=True,
                              text=True, timeout=60).stdout
        cfg = os.path.join(tmp, "mock.toml")
        with open(cfg, "w") as f:
            f.write(demo)
        mock = b.Mock(os.path.join(tmp, "data"), config=cfg)
        kit = os.path.join(tmp, "data", "kit", ACCOUNT)
        with open(os.path.join(kit, "account.password")) as f:
            password = f.read().strip()
        client = {"ca": os.path.join(kit, "ca.pem"), "cert": os.path.join(kit, "client.chain.pem"),
                  "key": os.path.join(kit, "client.key.pem"), "user": f"{ACCOUNT}:{password}"}
        hl7 = os.path.join(tmp, "hl7")
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "gen_hl7.py"),
                        "--count", str(args.files), "--out", hl7], check=True, timeout=120,
                       stdout=subprocess.DEVNULL)
        files = sorted(os.path.join(hl7, n) for n in os.listdir(hl7))
        cfgfile = os.path.join(tmp, "curl.cfg")
        with open(cfgfile, "w") as f:
            for i, p in enumerate(files):
                f.write(s.request("mock", mock.url, p, f"k-{i}", client, "hl7", b.content_digest(p),
                                  os.path.basename(p).split("_")[0], http="http1.1"))
                if i + 1 < len(files):
                    f.write("next\n")
        counts = os.path.join(tmp, "strace.txt")
        if args.strace:
            tracer = subprocess.Popen(["strace", "-f", "-c", "-o", counts, "-p", str(mock.pid)],
                                      stderr=subprocess.PIPE, text=True)
            # strace prints "Process N attached" once it is attached to every thread.
            tracer.stderr.readline()
        elif args.perf:
            tracer = subprocess.Popen(["perf", "stat", "-x", ",", "-o", counts, "-e",
                                       "raw_syscalls:sys_enter,context-switches,task-clock",
                                       "-p", str(mock.pid)], stderr=subprocess.DEVNULL)
            time.sleep(0.5)  # perf attaching: measurement set-up only, bounded
        elif args.record:
            tracer = subprocess.Popen(["perf", "record", "-F", "2000", "--call-graph", "dwarf,16384",
                                       "-o", os.path.abspath(args.record), "-p", str(mock.pid)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)  # perf attaching: measurement set-up only, bounded
        c0 = mock.cpu()
        t = b.run_timed(["curl", "--silent", "--show-error", "-K", cfgfile], args.timeout,
                        stdout=os.path.join(tmp, "out.txt"), stderr=os.path.join(tmp, "err.txt"))
        c1 = mock.cpu()
        if tracer:
            tracer.send_signal(signal.SIGINT)
            tracer.wait(timeout=60)
        codes = b.count_codes(os.path.join(tmp, "out.txt"))
        if t.rc != 0 or codes.get("201") != len(files) or mock.document_count() != len(files):
            raise RuntimeError(f"curl rc {t.rc}, codes {codes}; see {tmp}")
        n = len(files)
        result = {"files": n, "fs": b.fs_of(tmp), "server_cpu_s": round(c1 - c0, 3),
                  "server_cpu_per_request_ms": round((c1 - c0) / n * 1e3, 3),
                  "wall_s": round(t.wall, 3), "load": b.loadavg()}
        if tracer and args.perf:
            with open(counts) as f:
                for line in f:
                    parts = line.strip().split(",")
                    if len(parts) > 2 and parts[0].replace(".", "").isdigit():
                        result[f"{parts[2]}_per_request"] = round(float(parts[0]) / n, 2)
        elif tracer and args.strace:
            calls = {}
            with open(counts) as f:
                for line in f:
                    parts = line.split()
                    if (len(parts) >= 5 and parts[-1].isidentifier() and parts[3].isdigit()
                            and parts[-1] != "total"):
                        calls[parts[-1]] = int(parts[3])
            result["syscalls_per_request"] = round(sum(calls.values()) / n, 1)
            result["by_call_per_request"] = {k: round(v / n, 2) for k, v in
                                             sorted(calls.items(), key=lambda kv: -kv[1])}
        print(json.dumps(result, indent=1))
        return 0
    finally:
        if tracer and tracer.poll() is None:
            tracer.kill()
        if mock:
            mock.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
