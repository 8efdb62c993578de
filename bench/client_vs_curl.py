#!/usr/bin/env python3
"""storeclient vs curl, same idlink-mock, same files, same run: files/s and client CPU per file.

Workloads (every run starts from an empty store: admin reset; every run is checked: all N
documents stored, storeclient exit 0, curl 201 for each request):

  batch (N files, default 1000 x ~2 KB valid SS-MIX2 ADT-00, destination appliance:region-01)
    sc-c1        storeclient upload, all files in one process, [upload] concurrency = 1
    sc-c4        same, concurrency = 4 (the default until 2026-11-30)
    sc-c8        same, concurrency = 8 (the default)
    curl-seq-h2  one curl process, sequential, one kept-alive HTTP/2 connection
    curl-seq-h1  same over HTTP/1.1 with `Expect:` removed (only with --only)
    curl-par8-h2 one curl process, --parallel --parallel-max 8, HTTP/2 (one multiplexed connection)
  one process per file (first M files, default 100)
    sc-proc      `storeclient upload FILE` once per file (new process, new TLS handshake)
    curl-proc    `curl ... FILE` once per file

Client CPU = user+sys of the timed process(es) from wait4(); server CPU = idlink-mock's
utime+stime from /proc/PID/stat before and after (10 ms ticks). Medians of --rounds rounds; the
order of the variants rotates every round. Nothing is installed; missing tools are listed.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as b  # noqa: E402

ACCOUNT = "fac-0112345678"
FACILITY = "0112345678"
DEST = "appliance:region-01"

# variant -> (its curl reference for the ratio, description)
BATCH = {
    "sc-c1": ("curl-seq-h2", "storeclient, 1 process, concurrency 1"),
    "sc-c4": ("curl-par8-h2", "storeclient, 1 process, concurrency 4"),
    "sc-c8": ("curl-par8-h2", "storeclient, 1 process, concurrency 8 (default)"),
    "curl-seq-h2": (None, "curl, 1 process, sequential, HTTP/2 keep-alive"),
    "curl-seq-h1": (None, "curl, 1 process, sequential, HTTP/1.1 keep-alive, no Expect"),
    "curl-par8-h2": (None, "curl, 1 process, --parallel-max 8, HTTP/2"),
}
BLOCKS = [["sc-c1", "curl-seq-h2", "curl-seq-h1"], ["sc-c4", "curl-par8-h2", "sc-c8"],
          ["sc-proc", "curl-proc"]]
PER_PROCESS = {
    "sc-proc": ("curl-proc", "storeclient, one process per file"),
    "curl-proc": (None, "curl, one process per file (HTTP/2)"),
}


def headers_for(path: str, key: str, patient: str) -> list[str]:
    return [
        "Content-Type: application/hl7-v2",
        "IDLink-Document-Kind: hl7",
        "IDLink-Data-Kind: ADT-00",
        f"IDLink-Facility: {FACILITY}",
        f"IDLink-Patient-Id: {patient}",
        f"IDLink-Destination: {DEST}",
        f"IDLink-File-Name: {os.path.basename(path)}",
        f"Content-Digest: {b.content_digest(path)}",
        f"Idempotency-Key: {key}",
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000, help="batch size (1..5000)")
    ap.add_argument("--per-process-files", type=int, default=100, help="(1..1000)")
    ap.add_argument("--rounds", type=int, default=3, help="(1..10)")
    ap.add_argument("--only", help="comma-separated variants to run (default: all)")
    ap.add_argument("--json-out", help="write every measurement here")
    ap.add_argument("--tmpdir", help="where the work directory (mock data, files) goes, e.g. "
                    "/dev/shm to take the disk's fsync latency out of the comparison")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--timeout", type=float, default=300, help="per timed run, seconds")
    args = ap.parse_args()
    if not (1 <= args.files <= 5000 and 1 <= args.per_process_files <= min(1000, args.files)
            and 1 <= args.rounds <= 10):
        ap.error("out of bounds: --files 1..5000, --per-process-files 1..min(1000, files), --rounds 1..10")
    b.require(["curl"], ["storeclient", "idlink-mock"])
    # curl-seq-h1 only on request (--only): it adds a minute per round and server_vs_nginx.py
    # measures the same HTTP/1.1 sequential workload against the mock.
    variants = [v for v in list(BATCH) + list(PER_PROCESS) if v != "curl-seq-h1"]
    if args.only:
        variants = [v for v in args.only.split(",") if v in BATCH or v in PER_PROCESS]

    tmp = tempfile.mkdtemp(prefix="idlink-bench-client-", dir=args.tmpdir)
    mock = None
    try:
        b.log(f"workdir {tmp}")
        hl7 = os.path.join(tmp, "hl7")
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "gen_hl7.py"),
                        "--count", str(args.files), "--out", hl7], check=True, timeout=120)
        files = sorted(os.path.join(hl7, n) for n in os.listdir(hl7))
        single = files[: args.per_process_files]

        mock = b.Mock(os.path.join(tmp, "data"))
        kit = os.path.join(tmp, "data", "kit", ACCOUNT)
        ca, cert, key = (os.path.join(kit, n) for n in ("ca.pem", "client.chain.pem", "client.key.pem"))
        with open(os.path.join(kit, "account.password")) as f:
            user = f"{ACCOUNT}:{f.read().strip()}"
        base_toml = os.path.join(kit, "storeclient.toml")
        with open(base_toml) as f:
            toml = f.read()
        configs = {}
        for c in (1, 4, 8):
            path = os.path.join(kit, f"bench-c{c}.toml")
            with open(path, "w") as f:
                f.write(set_concurrency(toml, c))
            configs[c] = path

        # Pre-flight once, outside the timing: every generated file must be valid.
        chk = subprocess.run([b.binary("storeclient"), "--config", base_toml, "check",
                              *files[:20]], capture_output=True, text=True, timeout=120)
        if chk.returncode != 0:
            b.log(chk.stdout + chk.stderr)
            raise RuntimeError("storeclient check refused the generated files")

        results: dict[str, list[dict]] = {v: [] for v in variants}
        fsync_ms = []
        for rnd in range(args.rounds):
            # Each storeclient variant runs right next to its curl reference (the disk's fsync
            # latency, which dominates, drifts within minutes); the order flips every round.
            order = [v for blk in BLOCKS for v in (blk if rnd % 2 == 0 else blk[::-1]) if v in variants]
            fsync_ms.append(b.fsync_probe(tmp) * 1e3)
            b.log(f"round {rnd}: fsync of a 2 KB file {fsync_ms[-1]:.2f} ms")
            for v in order:
                batch = v in BATCH
                n = len(files) if batch else len(single)
                mock.reset()
                if mock.document_count() != 0:
                    raise RuntimeError("reset left documents behind")
                s0 = mock.cpu()
                out = os.path.join(tmp, f"out-{v}-{rnd}.txt")
                if v.startswith("sc-c"):
                    c = int(v[4:])
                    t = b.run_timed([b.binary("storeclient"), "--config", configs[c], "upload",
                                     "--destination", DEST, *files], args.timeout,
                                    stdout=out, stderr=out + ".err")
                    ok = t.rc == 0
                elif v.startswith("curl-") and batch:
                    cfg = os.path.join(tmp, f"curl-{v}-{rnd}.cfg")
                    with open(cfg, "w") as f:
                        for i, p in enumerate(files):
                            hs = headers_for(p, f"bench-{rnd}-{v}-{i}", patient_of(p))
                            if v == "curl-seq-h1":
                                hs.append("Expect:")
                            f.write(b.curl_block(mock.url + "/v1/documents", ca=ca, cert=cert,
                                                 key=key, user=user, headers=hs, body=p,
                                                 http="http1.1" if v == "curl-seq-h1" else "http2"))
                            if i + 1 < len(files):
                                f.write("next\n")
                    argv = ["curl", "--silent", "--show-error", "-K", cfg]
                    if v == "curl-par8-h2":
                        argv[1:1] = ["--parallel", "--parallel-max", "8"]
                    t = b.run_timed(argv, args.timeout, stdout=out, stderr=out + ".err")
                    codes = b.count_codes(out)
                    ok = t.rc == 0 and codes.get("201") == n
                elif v == "sc-proc":
                    t = per_process(
                        [[b.binary("storeclient"), "--config", base_toml, "upload",
                          "--destination", DEST, p] for p in single], args.timeout, out)
                    ok = t.rc == 0
                else:  # curl-proc
                    argvs = []
                    for i, p in enumerate(single):
                        argv = ["curl", "--silent", "--show-error", "--http2", "--cacert", ca,
                                "--cert", cert, "--key", key, "-u", user, "-o", "/dev/null",
                                "-w", "%{http_code}\\n", "--data-binary", "@" + p]
                        for h in headers_for(p, f"bench-{rnd}-{v}-{i}", patient_of(p)):
                            argv += ["-H", h]
                        argv.append(mock.url + "/v1/documents")
                        argvs.append(argv)
                    t = per_process(argvs, args.timeout, out)
                    ok = t.rc == 0 and b.count_codes(out).get("201") == n
                s1 = mock.cpu()
                stored = mock.document_count()
                if not ok or stored != n:
                    raise RuntimeError(f"{v} round {rnd}: rc {t.rc}, stored {stored}/{n}; see {out}*")
                row = {"round": rnd, "n": n, "wall": t.wall, "client_cpu": t.cpu,
                       "server_cpu": s1 - s0, "files_per_s": n / t.wall}
                results[v].append(row)
                b.log(f"round {rnd} {v:13s} {n / t.wall:8.1f} files/s  client {b.fmt_time(t.cpu / n)}/file"
                      f"  server {b.fmt_time((s1 - s0) / n)}/file  load {b.loadavg()}")
        mock.reset()
        report(results, args, b.machine_line() + "; work dir on " + b.fs_of(tmp), fsync_ms)
        if args.json_out:
            with open(args.json_out, "w") as f:
                json.dump({"machine": b.machine_line(), "args": vars(args), "results": results,
                       "fsync_ms": fsync_ms}, f, indent=1)
        return 0
    finally:
        if mock:
            mock.stop()
        if args.keep:
            b.log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def patient_of(path: str) -> str:
    return os.path.basename(path).split("_", 1)[0]


def set_concurrency(toml: str, c: int) -> str:
    """The kit's storeclient.toml with `[upload] concurrency = c` (added or replaced)."""
    lines = toml.splitlines()
    out, in_upload, done = [], False, False
    for line in lines:
        s = line.strip()
        if s.startswith("["):
            if in_upload and not done:
                out.append(f"concurrency = {c}")
                done = True
            in_upload = s == "[upload]"
        if in_upload and s.split("=")[0].strip() == "concurrency":
            continue
        out.append(line)
    if in_upload and not done:
        out.append(f"concurrency = {c}")
        done = True
    if not done:
        out += ["", "[upload]", f"concurrency = {c}"]
    return "\n".join(out) + "\n"


def per_process(argvs: list[list[str]], timeout: float, out: str) -> "b.Timed":
    """Runs each argv in turn (one process each); sums wall and CPU; first non-zero rc wins."""
    wall = cpu = 0.0
    rc = 0
    deadline = time.monotonic() + timeout
    with open(out, "wb") as sink, open(out + ".err", "ab") as err:
        for argv in argvs:
            t = b.run_timed(argv, max(1.0, deadline - time.monotonic()), stdout=sink, stderr=err)
            wall += t.wall
            cpu += t.cpu
            rc = rc or t.rc
    return b.Timed(wall, cpu, rc)


def report(results, args, machine, fsync_ms) -> None:
    med = {v: {k: b.median([r[k] for r in rows]) for k in ("files_per_s", "client_cpu", "server_cpu", "n")}
           for v, rows in results.items() if rows}
    print(f"\n## storeclient vs curl ({machine})\n")
    print(f"{args.files} files (batch), {args.per_process_files} files (per process), {args.rounds} rounds; "
          f"fsync of a 2 KB file per round: {', '.join(f'{x:.1f}' for x in fsync_ms)} ms. "
          "Rates and CPU are medians over rounds; ratios are medians of the per-round ratios "
          "(storeclient / its curl reference, measured next to each other): files/s > 1 is "
          "faster, CPU < 1 is cheaper.\n")
    print("| variant | what | files/s (min-max) | vs curl | client CPU/file | vs curl | server CPU/file |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for v in list(BATCH) + list(PER_PROCESS):
        if v not in med:
            continue
        ref, what = (BATCH | PER_PROCESS)[v]
        m = med[v]
        rates = [r["files_per_s"] for r in results[v]]
        cpu_f = m["client_cpu"] / m["n"]
        ratio_rate = ratio_cpu = "-"
        if ref and ref in med:
            pairs = [(r, q) for r in results[v] for q in results[ref] if r["round"] == q["round"]]
            ratio_rate = (f"{b.median([r['files_per_s'] / q['files_per_s'] for r, q in pairs]):.2f} "
                          f"({min(r['files_per_s'] / q['files_per_s'] for r, q in pairs):.2f}-"
                          f"{max(r['files_per_s'] / q['files_per_s'] for r, q in pairs):.2f})")
            cpu_pairs = [r["client_cpu"] / q["client_cpu"] for r, q in pairs if q["client_cpu"] > 0]
            ratio_cpu = f"{b.median(cpu_pairs):.2f}" if cpu_pairs else "n/a"
        print(f"| {v} | {what} | {b.fmt_rate(m['files_per_s'])} ({b.fmt_rate(min(rates))}-"
              f"{b.fmt_rate(max(rates))}) | {ratio_rate} | {b.fmt_time(cpu_f)} | {ratio_cpu} | "
              f"{b.fmt_time(m['server_cpu'] / m['n'])} |")
    refs = ", ".join(f"{v} -> {ref}" for v, (ref, _) in (BATCH | PER_PROCESS).items() if ref)
    print(f"\nReferences: {refs}.")


if __name__ == "__main__":
    sys.exit(main())
