#!/usr/bin/env python3
"""idlink-mock vs nginx, same curl workload, same PKI, same run: rate and server CPU per item.

Both servers: loopback, TLS 1.3 only, client certificate mandatory and verified against the same
test CA (made by `idlink-certs init`, which idlink-mock also loads from DATA/pki), Basic auth
checked, every body stored to disk under a new name. nginx 1.22 (Debian): `ssl_verify_client on`
+ `ssl_crl`, `auth_basic` ({PLAIN} password, as the mock compares plain text), WebDAV
`dav_methods PUT` (body to a temp file in the same file system, then renamed), access log on,
2 worker processes. idlink-mock: POST /v1/documents with the protocol headers; it also validates
every document, fsyncs the body, every directory up to the storage root and its transaction log
before answering, and journals every event; nginx fsyncs nothing.

Workloads (one curl process each; every run is checked: curl exit 0 and the expected status for
every request, and the stored count on each side):
  small-h1   N x ~2 KB valid SS-MIX2 HL7 (default 1000), sequential, 1 kept-alive HTTP/1.1
             connection, no `Expect`
  small-h2   same over HTTP/2
  big        one 256 MiB text document, HTTP/1.1, streamed with `curl -T` (PUT to nginx,
             POST to the mock, whose limit is raised to 300 MiB by a bench config)

Server CPU = utime+stime of the server's processes (mock: its one process; nginx: master +
workers) from /proc/PID/stat before and after each run (10 ms ticks).
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as b  # noqa: E402

ACCOUNT = "fac-0112345678"
FACILITY = "0112345678"
DEST = "appliance:region-01"
WORKLOADS = ["small-h1", "small-h2", "big"]

NGINX_CONF = """\
{user}worker_processes {workers};
daemon off;
master_process on;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/www/.tmp;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    client_max_body_size 300m;
    server {{
        listen 127.0.0.1:{port} ssl http2;
        ssl_protocols TLSv1.3;
        ssl_certificate {server_chain};
        ssl_certificate_key {server_key};
        ssl_client_certificate {ca};
        ssl_verify_client on;
        ssl_verify_depth 4;
        ssl_crl {crl};
        auth_basic "idlink";
        auth_basic_user_file {d}/htpasswd;
        root {d}/www;
        location /v1/documents/ {{
            dav_methods PUT;
            create_full_put_path on;
            dav_access user:rw;
        }}
    }}
}}
"""


class Nginx:
    def __init__(self, d: str, pki: dict, user: str, password: str, workers: int = 2):
        for sub in ("www/.tmp", "www/v1/documents", "tmp"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        with open(os.path.join(d, "htpasswd"), "w") as f:
            f.write(f"{user}:{{PLAIN}}{password}\n")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            # Run as root (a CI container), workers would drop to `nobody` and could not read
            # the 0700 temporary directory; this nginx listens on loopback only.
            user = "user root;\n" if os.geteuid() == 0 else ""
            f.write(NGINX_CONF.format(d=d, port=port, user=user, workers=workers, **pki))
        self.dir = d
        self.url = f"https://localhost:{port}"
        self.proc = subprocess.Popen(["nginx", "-p", d, "-c", conf, "-e", os.path.join(d, "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "stderr"), "ab"))
        deadline = time.monotonic() + 20
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited {self.proc.returncode}: see {d}/stderr, {d}/error.log")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                if len(b.children_of(self.proc.pid)) >= workers:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("nginx not listening in time")
            time.sleep(0.05)  # bounded poll for the listener
        self.pid = self.proc.pid

    def cpu(self) -> float:
        return b.proc_cpu_seconds([self.pid] + b.children_of(self.pid))

    def clear(self) -> None:
        docs = os.path.join(self.dir, "www", "v1", "documents")
        shutil.rmtree(docs, ignore_errors=True)
        os.makedirs(docs)

    def stored(self) -> int:
        return len(os.listdir(os.path.join(self.dir, "www", "v1", "documents")))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM to the master we started: fast shutdown
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000, help="small files per run (1..5000)")
    ap.add_argument("--big-mib", type=int, default=256, help="big upload size (1..290)")
    ap.add_argument("--rounds", type=int, default=3, help="(1..10)")
    ap.add_argument("--only", help="comma-separated workloads: " + ",".join(WORKLOADS))
    ap.add_argument("--json-out")
    ap.add_argument("--tmpdir", help="where the work directory (mock data, files) goes, e.g. "
                    "/dev/shm to take the disk's fsync latency out of the comparison")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    if not (1 <= args.files <= 5000 and 1 <= args.big_mib <= 290 and 1 <= args.rounds <= 10):
        ap.error("out of bounds")
    b.require(["curl", "nginx"], ["idlink-mock", "idlink-certs"])
    workloads = args.only.split(",") if args.only else WORKLOADS

    tmp = tempfile.mkdtemp(prefix="idlink-bench-server-", dir=args.tmpdir)
    mock = nginx = None
    try:
        b.log(f"workdir {tmp}")
        data = os.path.join(tmp, "data")
        pki_dir = os.path.join(data, "pki")
        subprocess.run([b.binary("idlink-certs"), "init", "--out", pki_dir], check=True, timeout=120,
                       stdout=subprocess.DEVNULL)
        cfg = os.path.join(tmp, "mock.toml")
        demo = subprocess.run([b.binary("idlink-mock"), "config", "--demo"], check=True,
                              capture_output=True, text=True, timeout=60).stdout
        with open(cfg, "w") as f:
            f.write(raise_limit(demo, 300 * 2**20))
        mock = b.Mock(data, config=cfg)
        if mock.ready.get("pki_generated"):
            raise RuntimeError("idlink-mock generated its own PKI instead of loading idlink-certs init's")
        # A PKI loaded from disk gets no client kit: take the files from the PKI itself and the
        # password from the demo configuration.
        password = account_password(demo, ACCOUNT)
        pki = locate_pki(pki_dir)
        nginx = Nginx(os.path.join(tmp, "nginx"), pki, ACCOUNT, password)
        client = {"ca": pki["ca"], "cert": os.path.join(pki_dir, "client", "valid.chain.pem"),
                  "key": os.path.join(pki_dir, "client", "valid.key.pem"),
                  "user": f"{ACCOUNT}:{password}"}

        hl7 = os.path.join(tmp, "hl7")
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "gen_hl7.py"),
                        "--count", str(args.files), "--out", hl7], check=True, timeout=120)
        files = sorted(os.path.join(hl7, n) for n in os.listdir(hl7))
        big = os.path.join(tmp, "big.txt")
        if "big" in workloads:
            make_text(big, args.big_mib)
            big_digest = b.content_digest(big)

        results: dict[str, list[dict]] = {}
        servers = {"mock": mock, "nginx": nginx}
        fsync_ms = []
        for rnd in range(args.rounds):
            fsync_ms.append(b.fsync_probe(tmp) * 1e3)
            b.log(f"round {rnd}: fsync of a 2 KB file {fsync_ms[-1]:.2f} ms")
            for w in workloads:
                for name in (["mock", "nginx"] if rnd % 2 == 0 else ["nginx", "mock"]):
                    srv = servers[name]
                    mock.reset()
                    nginx.clear()
                    out = os.path.join(tmp, f"out-{w}-{name}-{rnd}.txt")
                    cfgfile = os.path.join(tmp, f"curl-{w}-{name}-{rnd}.cfg")
                    with open(cfgfile, "w") as f:
                        if w == "big":
                            f.write(request(name, srv.url, big, f"big-{rnd}", client, "text",
                                            big_digest, "9999013", upload=True, http="http1.1"))
                            n, unit_count = 1, args.big_mib
                        else:
                            for i, p in enumerate(files):
                                f.write(request(name, srv.url, p, f"{w}-{rnd}-{i}", client, "hl7",
                                                b.content_digest(p), os.path.basename(p).split("_")[0],
                                                http="http2" if w == "small-h2" else "http1.1"))
                                if i + 1 < len(files):
                                    f.write("next\n")
                            n, unit_count = len(files), len(files)
                    argv = ["curl", "--silent", "--show-error", "-K", cfgfile]
                    s0 = srv.cpu()
                    t = b.run_timed(argv, args.timeout, stdout=out, stderr=out + ".err")
                    s1 = srv.cpu()
                    codes = b.count_codes(out)
                    stored = mock.document_count() if name == "mock" else nginx.stored()
                    if t.rc != 0 or codes.get("201") != n or stored != n:
                        raise RuntimeError(f"{w}/{name} round {rnd}: rc {t.rc}, codes {codes}, "
                                           f"stored {stored}/{n}; see {out}*")
                    row = {"round": rnd, "n": n, "units": unit_count, "wall": t.wall,
                           "client_cpu": t.cpu, "server_cpu": s1 - s0, "rate": unit_count / t.wall}
                    if w == "big" and name == "nginx":
                        # What nginx did not do: make the stored file durable.
                        stored_path = os.path.join(nginx.dir, "www", "v1", "documents", f"big-{rnd}")
                        t0 = time.perf_counter()
                        fd = os.open(stored_path, os.O_RDONLY)
                        os.fsync(fd)
                        os.close(fd)
                        row["fsync_after"] = time.perf_counter() - t0
                    results.setdefault(f"{w}/{name}", []).append(row)
                    unit = "MiB/s" if w == "big" else "req/s"
                    b.log(f"round {rnd} {w:8s} {name:5s} {row['rate']:9.1f} {unit}  server "
                          f"{b.fmt_time((s1 - s0) / unit_count)}/{'MiB' if w == 'big' else 'req'}"
                          + (f"  fsync after {row['fsync_after']:.2f} s" if "fsync_after" in row else "")
                          + f"  load {b.loadavg()}")
        mock.reset()
        nginx.clear()
        peaks = {"mock": b.peak_rss_kib(mock.pid),
                 "nginx": max(b.peak_rss_kib(p) for p in [nginx.pid] + b.children_of(nginx.pid))}
        report(results, workloads, args, fsync_ms, b.fs_of(tmp))
        print(f"\nPeak RSS over the whole run: idlink-mock {peaks['mock'] / 1024:.0f} MiB, "
              f"largest nginx process {peaks['nginx'] / 1024:.0f} MiB")
        if args.json_out:
            with open(args.json_out, "w") as f:
                json.dump({"machine": b.machine_line(), "args": vars(args), "results": results,
                       "peak_rss_kib": peaks, "fsync_ms": fsync_ms}, f, indent=1)
        return 0
    finally:
        for srv in (nginx, mock):
            if srv:
                srv.stop()
        if args.keep:
            b.log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def request(server: str, url: str, path: str, key: str, client: dict, kind: str, digest: str,
            patient: str, upload: bool = False, http: str = "http1.1") -> str:
    name = os.path.basename(path)
    headers = ["Expect:",
               "Content-Type: " + ("application/hl7-v2" if kind == "hl7" else "text/plain"),
               f"IDLink-Document-Kind: {kind}", f"IDLink-Facility: {FACILITY}",
               f"IDLink-Patient-Id: {patient}", f"IDLink-Destination: {DEST}",
               f"IDLink-File-Name: {name}", f"Content-Digest: {digest}", f"Idempotency-Key: {key}"]
    if kind == "hl7":
        headers.append("IDLink-Data-Kind: ADT-00")
    if server == "mock":
        return b.curl_block(url + "/v1/documents", headers=headers, body=path, upload=upload,
                            method="POST" if upload else None, http=http, **client)
    return b.curl_block(f"{url}/v1/documents/{key}", headers=headers, body=path, upload=upload,
                        method=None if upload else "PUT", http=http, **client)


def account_password(toml: str, account: str) -> str:
    """The password of `account` in the `config --demo` TOML ([[accounts]] id, then password)."""
    current = None
    for line in toml.splitlines():
        k, _, v = (x.strip() for x in line.partition("="))
        if k == "id":
            current = v.strip('"')
        elif k == "password" and current == account:
            return v.strip('"')
    raise RuntimeError(f"no password for {account} in the demo configuration")


def raise_limit(toml: str, limit: int) -> str:
    out, in_limits, done = [], False, False
    for line in toml.splitlines():
        s = line.strip()
        if s.startswith("["):
            if in_limits and not done:
                out.append(f"max_body_bytes = {limit}")
                done = True
            in_limits = s == "[limits]"
        if in_limits and s.split("=")[0].strip() == "max_body_bytes":
            out.append(f"max_body_bytes = {limit}")
            done = True
            continue
        out.append(line)
    if not done:
        if in_limits:
            out.append(f"max_body_bytes = {limit}")
        else:
            out += ["", "[limits]", f"max_body_bytes = {limit}"]
    return "\n".join(out) + "\n"


def locate_pki(pki_dir: str) -> dict:
    """Server chain/key, root CA and CRLs from `idlink-certs init`'s manifest.json."""
    with open(os.path.join(pki_dir, "manifest.json")) as f:
        manifest = json.load(f)
    return pki_from_manifest(pki_dir, manifest)


def pki_from_manifest(pki_dir: str, manifest: dict) -> dict:
    files = {}
    for root, _, names in os.walk(pki_dir):
        for n in names:
            files[os.path.relpath(os.path.join(root, n), pki_dir)] = os.path.join(root, n)

    def pick(*cands):
        for c in cands:
            if c in files:
                return files[c]
        raise RuntimeError(f"none of {cands} in {pki_dir}: {sorted(files)}")

    crl = pick("ca/crl.pem", "ca/crls.pem", "crl.pem")
    # nginx wants the CRL of every CA in the chain when ssl_verify_depth > 1 and a CRL is set.
    return {"server_chain": pick("server/server.chain.pem", "server/valid.chain.pem", "server.chain.pem"),
            "server_key": pick("server/server.key.pem", "server/valid.key.pem", "server.key.pem"),
            "ca": pick("ca/root-ca.pem"), "crl": crl}


def make_text(path: str, mib: int) -> None:
    head = b"idlink-harness benchmark text document, plain ASCII, 100 bytes per line. "
    line = head + b"x" * (99 - len(head)) + b"\n"
    block = line * (2**20 // 100) + b"y" * (2**20 - (2**20 // 100) * 100 - 1) + b"\n"
    with open(path, "wb") as f:
        for _ in range(mib):
            f.write(block)


def report(results, workloads, args, fsync_ms, fs) -> None:
    print(f"\n## idlink-mock vs nginx ({b.machine_line()}; work dir on {fs})\n")
    print(f"{args.rounds} rounds; fsync of a 2 KB file per round: "
          f"{', '.join(f'{x:.1f}' for x in fsync_ms)} ms. Rates and CPU are medians over rounds; "
          "ratios (mock / nginx) are medians of the per-round ratios, the two servers measured "
          "back to back: rate > 1 is faster, CPU < 1 is cheaper.\n")
    print("| workload | server | rate (min-max) | vs nginx | server CPU/item | vs nginx | client CPU/item |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for w in workloads:
        unit, item = ("MiB/s", "MiB") if w == "big" else ("req/s", "req")
        mock_rows = results.get(f"{w}/mock", [])
        nginx_rows = results.get(f"{w}/nginx", [])
        pairs = [(m, n) for m in mock_rows for n in nginx_rows if m["round"] == n["round"]]
        for name, rows in (("mock", mock_rows), ("nginx", nginx_rows)):
            if not rows:
                continue
            med = {k: b.median([r[k] for r in rows]) for k in ("rate", "server_cpu", "client_cpu", "units")}
            rates = [r["rate"] for r in rows]
            scpu = med["server_cpu"] / med["units"]
            rr = rc = "-"
            if name == "mock" and pairs:
                ratios = [m["rate"] / n["rate"] for m, n in pairs]
                rr = f"{b.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"
                cpu = [m["server_cpu"] / n["server_cpu"] for m, n in pairs if n["server_cpu"] > 0]
                rc = f"{b.median(cpu):.2f}" if cpu else "n/a (nginx < 1 tick)"
            extra = ""
            if any("fsync_after" in r for r in rows):
                extra = f"; fsync of the stored file afterwards {b.median([r['fsync_after'] for r in rows]):.2f} s"
            print(f"| {w} | {name} | {b.fmt_rate(med['rate'])} {unit} ({b.fmt_rate(min(rates))}-"
                  f"{b.fmt_rate(max(rates))}){extra} | {rr} | {b.fmt_time(scpu)}/{item} | {rc} | "
                  f"{b.fmt_time(med['client_cpu'] / med['units'])}/{item} |")


if __name__ == "__main__":
    sys.exit(main())
