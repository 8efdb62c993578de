#!/usr/bin/env python3
"""Full mutual-TLS handshakes: idlink-mock vs nginx, each server on one core, same client load.

A facility's uploader may open a new connection for every run (one process per document, the
way many EHRs call it), so the cost of a full handshake is a server figure of its own (issue 14:
"full mTLS handshakes, server on one core, vs nginx: keep >= 1.0x").

Both servers use the same PKI (`idlink-certs init`), TLS 1.3, a mandatory client certificate
checked against the CA and its CRL. nginx 1.22 (Debian) runs one worker; idlink-mock runs as
always (its threads), both pinned to CPU 0 with `taskset`. The client is OpenSSL's own
`openssl s_time -new`: every connection a full handshake (no session is offered for reuse),
then `GET /v1/whoami` without credentials, answered 401 by both servers, so each connection is
a whole exchange and neither server does work past the handshake that the other does not. K
s_time processes (default 4) run for --seconds each, pinned to CPU 1, so the client side is
the same for both servers and the server's one core is what limits the rate.

Reported per round and as medians: handshakes/s (connections s_time completed, summed over its
processes, over the wall time), server CPU per handshake (utime+stime from /proc/PID/stat of the
server's processes, before and after) and the mock/nginx ratios of the same round. The order of
the two servers flips every round.

    cargo build --release -p idlink-mock -p idlink-certs
    python3 bench/handshakes_vs_nginx.py --rounds 3
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as b  # noqa: E402
import server_vs_nginx as sv  # noqa: E402


def pin(pids: list[int], cpu: int) -> None:
    for pid in pids:
        subprocess.run(["taskset", "-a", "-p", "-c", str(cpu), str(pid)], check=True,
                       stdout=subprocess.DEVNULL, timeout=10)


def s_time(url: str, client: dict, seconds: int, procs: int) -> tuple[int, float]:
    """Runs `procs` `openssl s_time -new` clients on CPU 1; returns (connections, wall s)."""
    host_port = url.removeprefix("https://").replace("localhost", "127.0.0.1")
    argv = ["taskset", "-c", "1", "openssl", "s_time", "-connect", host_port, "-new",
            "-time", str(seconds), "-cert", client["cert"], "-key", client["key"],
            "-CAfile", client["ca_chain"], "-www", "/v1/whoami"]
    t0 = time.perf_counter()
    ps = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
          for _ in range(procs)]
    total = 0
    for p in ps:
        out, _ = p.communicate(timeout=seconds + 60)
        m = re.search(r"(\d+) connections in [\d.]+ real seconds, (\d+) bytes read per connection", out)
        if p.returncode != 0 or not m:
            raise RuntimeError(f"s_time against {url} failed (exit {p.returncode}):\n{out[-2000:]}")
        if int(m.group(2)) == 0:
            raise RuntimeError(f"s_time against {url} read no answer: the handshake was refused\n{out[-2000:]}")
        total += int(m.group(1))
    return total, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="(1..10)")
    ap.add_argument("--seconds", type=int, default=10, help="per server per round (1..60)")
    ap.add_argument("--clients", type=int, default=4, help="s_time processes (1..16)")
    ap.add_argument("--json-out")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if not (1 <= args.rounds <= 10 and 1 <= args.seconds <= 60 and 1 <= args.clients <= 16):
        ap.error("out of bounds")
    if (os.cpu_count() or 1) < 2:
        ap.error("needs 2 CPUs: one for the server, one for the clients")
    b.require(["openssl", "nginx", "taskset"], ["idlink-mock", "idlink-certs"])

    tmp = tempfile.mkdtemp(prefix="idlink-bench-handshakes-")
    mock = nginx = None
    try:
        data = os.path.join(tmp, "data")
        pki_dir = os.path.join(data, "pki")
        subprocess.run([b.binary("idlink-certs"), "init", "--out", pki_dir], check=True,
                       timeout=120, stdout=subprocess.DEVNULL)
        cfg = os.path.join(tmp, "mock.toml")
        demo = subprocess.run([b.binary("idlink-mock"), "config", "--demo"], check=True,
                              capture_output=True, text=True, timeout=60).stdout
        with open(cfg, "w") as f:
            f.write(demo)
        mock = b.Mock(data, config=cfg)
        pki = sv.locate_pki(pki_dir)
        password = sv.account_password(demo, sv.ACCOUNT)
        nginx = sv.Nginx(os.path.join(tmp, "nginx"), pki, sv.ACCOUNT, password, workers=1)
        chain = os.path.join(pki_dir, "client", "valid.chain.pem")
        # s_time sends only the first certificate of -cert; OpenSSL completes the chain from
        # the trust store, so the intermediate goes in beside the root.
        with open(chain) as f:
            certs = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n?", f.read(), re.S)
        ca_chain = os.path.join(tmp, "ca-and-intermediates.pem")
        with open(ca_chain, "w") as out, open(pki["ca"]) as root:
            out.write(root.read() + "".join(certs[1:]))
        client = {"cert": chain, "key": os.path.join(pki_dir, "client", "valid.key.pem"),
                  "ca_chain": ca_chain}
        pin([mock.pid], 0)
        pin([nginx.pid] + b.children_of(nginx.pid), 0)
        servers = {"mock": (mock.url, lambda: mock.cpu()), "nginx": (nginx.url, lambda: nginx.cpu())}

        rows: dict[str, list[dict]] = {"mock": [], "nginx": []}
        print(f"machine: {b.machine_line()}")
        for rnd in range(args.rounds):
            for name in (["mock", "nginx"] if rnd % 2 == 0 else ["nginx", "mock"]):
                url, cpu = servers[name]
                c0 = cpu()
                n, wall = s_time(url, client, args.seconds, args.clients)
                c1 = cpu()
                row = {"round": rnd, "handshakes": n, "wall": wall, "rate": n / wall,
                       "server_cpu": c1 - c0, "cpu_per_handshake": (c1 - c0) / n, "load": b.loadavg()}
                rows[name].append(row)
                b.log(f"round {rnd} {name:5s} {row['rate']:8.0f} handshakes/s  server "
                      f"{b.fmt_time(row['cpu_per_handshake'])}/handshake  load {row['load']}")
        ratios = [m["rate"] / n["rate"] for m, n in zip(rows["mock"], rows["nginx"])]
        cpu_ratios = [m["cpu_per_handshake"] / n["cpu_per_handshake"]
                      for m, n in zip(rows["mock"], rows["nginx"])]
        print(f"\n{args.rounds} rounds of {args.seconds} s, {args.clients} `openssl s_time -new` "
              "clients on CPU 1, server on CPU 0\n")
        print("| server | handshakes/s, median (min-max) | server CPU per handshake | rate vs nginx | CPU vs nginx |")
        print("|---|---:|---:|---:|---:|")
        for name in ("mock", "nginx"):
            rates = [r["rate"] for r in rows[name]]
            cpu = b.median([r["cpu_per_handshake"] for r in rows[name]])
            rr = f"{b.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})" if name == "mock" else "-"
            cr = f"{b.median(cpu_ratios):.2f}" if name == "mock" else "-"
            print(f"| {'idlink-mock' if name == 'mock' else 'nginx 1.22, 1 worker'} | "
                  f"{b.median(rates):,.0f} ({min(rates):,.0f}-{max(rates):,.0f}) | "
                  f"{b.fmt_time(cpu)} | {rr} | {cr} |")
        if args.json_out:
            with open(args.json_out, "w") as f:
                json.dump({"machine": b.machine_line(), "args": vars(args), "rows": rows}, f, indent=1)
        return 0
    finally:
        for srv in (nginx, mock):
            if srv:
                srv.stop()
        if args.keep:
            b.log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
