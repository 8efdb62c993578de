"""Shared helpers for the idlink-harness benchmarks (Python 3 standard library only).

Nothing here installs anything: `require()` prints what is missing and how to get it, then the
script exits with code 2. Every child process runs with a time limit; every server the scripts
start is stopped by its own process ID when the script ends (also on Ctrl-C).
"""
import base64
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
RELEASE = os.path.join(TARGET, "release")
CLK_TCK = os.sysconf("SC_CLK_TCK")

BUILD_HINT = (
    "build them first: cd {root} && CARGO_TARGET_DIR={target} cargo build --release "
    "-p storeclient -p idlink-mock -p idlink-certs"
)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def binary(name: str) -> str:
    return os.path.join(RELEASE, name)


def require(tools: list[str], binaries: list[str]) -> None:
    """Exit 2 with a list of what is missing (never installs anything)."""
    missing = []
    for tool in tools:
        if shutil.which(tool) is None:
            pkg = {"nginx": "nginx-light (or nginx)"}.get(tool, tool)
            missing.append(f"  {tool}: not on PATH (Debian: apt-get install -y {pkg})")
    for name in binaries:
        if not os.access(binary(name), os.X_OK):
            missing.append(f"  {binary(name)}: not built")
    if missing:
        log("missing prerequisites:\n" + "\n".join(missing))
        if any("not built" in m for m in missing):
            log(BUILD_HINT.format(root=ROOT, target=TARGET))
        sys.exit(2)


def proc_cpu_seconds(pids: list[int]) -> float:
    """utime+stime of processes (all their threads), from /proc/PID/stat, in seconds."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except FileNotFoundError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / CLK_TCK


def fs_of(path: str) -> str:
    """`fstype (device)` of the mount holding `path`, from /proc/mounts (longest prefix)."""
    path = os.path.realpath(path)
    best = ("", "?", "?")
    with open("/proc/mounts") as f:
        for line in f:
            dev, mnt, fstype = line.split()[:3]
            if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best[0]):
                best = (mnt, fstype, dev)
    return f"{best[1]} ({best[2]} on {best[0]})"


def fsync_probe(directory: str, count: int = 20) -> float:
    """Median seconds to write 2 KB to a new file and fsync it, in `directory`. On this kind of
    VM the disk's fsync latency changes several-fold within minutes (other jobs' writes), and
    the mock's throughput follows it, so every round records it."""
    times = []
    for i in range(count):
        path = os.path.join(directory, f".fsync-probe-{i}")
        t0 = time.perf_counter()
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        os.write(fd, b"x" * 2048)
        os.fsync(fd)
        os.close(fd)
        times.append(time.perf_counter() - t0)
        os.remove(path)
    return median(times)


def peak_rss_kib(pid: int) -> int:
    """VmHWM (peak resident set) of a process, KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def children_of(pid: int) -> list[int]:
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(x) for x in f.read().split()]
        except FileNotFoundError:
            pass
    return out


class Timed:
    """Result of one timed child: wall seconds, user+sys CPU seconds, exit code."""

    def __init__(self, wall: float, cpu: float, rc: int):
        self.wall, self.cpu, self.rc = wall, cpu, rc


def run_timed(argv, timeout: float, stdout=None, stderr=None, env=None) -> Timed:
    """Runs argv, returns wall time and the child's own user+sys (wait4 rusage, which includes
    the grandchildren it waited for). Killed (SIGKILL) after `timeout` seconds."""
    out = open(stdout, "wb") if isinstance(stdout, str) else (stdout or subprocess.DEVNULL)
    err = open(stderr, "ab") if isinstance(stderr, str) else (stderr or subprocess.DEVNULL)
    start = time.perf_counter()
    p = subprocess.Popen(argv, stdout=out, stderr=err, env=env, start_new_session=True)
    timer = threading.Timer(timeout, lambda: os.killpg(p.pid, signal.SIGKILL))
    timer.start()
    try:
        _, status, ru = os.wait4(p.pid, 0)
    finally:
        timer.cancel()
    wall = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    for f, orig in ((out, stdout), (err, stderr)):
        if isinstance(orig, str):
            f.close()
    if p.returncode == -signal.SIGKILL:
        raise RuntimeError(f"timed out after {timeout:.0f} s: {argv[:3]}")
    return Timed(wall, ru.ru_utime + ru.ru_stime, p.returncode)


def sha256_file(path: str) -> bytes:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.digest()


def content_digest(path: str) -> str:
    return "sha-256=:" + base64.b64encode(sha256_file(path)).decode() + ":"


def median(xs):
    return statistics.median(xs)


def fmt_rate(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:,.1f}"


def fmt_time(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} us"


def machine_line() -> str:
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    curl = subprocess.run(["curl", "--version"], capture_output=True, text=True).stdout
    curl = " ".join(curl.split()[:2] + [w for w in curl.split() if w.startswith("OpenSSL/")][:1])
    return (f"{os.cpu_count()} CPUs ({model}), {mem_kib / 2**20:.0f} GiB, kernel {os.uname().release}; "
            f"{curl}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average {loadavg()}")


def loadavg() -> str:
    """The 1/5/15-minute load averages: on a shared 2-core machine, > 2 means others are busy."""
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class Mock:
    """`idlink-mock serve --data DIR` (release build), stopped with SIGTERM by its PID."""

    def __init__(self, data: str, config: str | None = None, timeout: float = 60):
        self.data = data
        argv = [binary("idlink-mock"), "serve", "--data", data]
        if config:
            argv += ["--config", config]
        ready = os.path.join(data, "ready.json")
        if os.path.exists(ready):
            os.remove(ready)
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(os.path.dirname(data), "mock.stderr"), "ab"))
        deadline = time.monotonic() + timeout
        while not os.path.exists(ready):
            if self.proc.poll() is not None:
                raise RuntimeError(f"idlink-mock exited with {self.proc.returncode} (see mock.stderr)")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("idlink-mock not ready in time")
            time.sleep(0.05)  # polling a file the server writes atomically; bounded above
        with open(ready) as f:
            self.ready = json.load(f)
        self.url = self.ready["mtls_url"]
        self.admin = self.ready["admin_url"]
        self.token = self.ready["admin_token"]
        self.pid = self.proc.pid

    def _admin(self, method: str, path: str):
        req = urllib.request.Request(self.admin + path, method=method,
                                     headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read() or b"null")

    def reset(self) -> None:
        self._admin("POST", "/admin/reset")

    def documents(self) -> list[dict]:
        """The store's index (`GET /admin/documents`): receipt, current_path, superseded_by."""
        docs = self._admin("GET", "/admin/documents")
        if isinstance(docs, dict):
            docs = docs.get("documents", [])
        return docs

    def document_count(self) -> int:
        return len(self.documents())

    def cpu(self) -> float:
        return proc_cpu_seconds([self.pid])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def curl_block(url: str, *, ca: str, cert: str, key: str, user: str, headers: list[str],
               body: str, method: str | None = None, upload: bool = False,
               http: str = "http2") -> str:
    """One request in curl config-file syntax. `next` resets every per-transfer option, the
    protocol version (`http` = "http1.1" | "http2") included, so each block repeats them all."""
    q = lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'  # noqa: E731
    lines = [f"url = {q(url)}", f"cacert = {q(ca)}", f"cert = {q(cert)}", f"key = {q(key)}",
             f"user = {q(user)}", "output = /dev/null", 'write-out = "%{http_code}\\n"', http]
    if method:
        lines.append(f"request = {method}")
    lines += [f"header = {q(h)}" for h in headers]
    lines.append(f"upload-file = {q(body)}" if upload else f"data-binary = {q('@' + body)}")
    return "\n".join(lines) + "\n"


def count_codes(path: str) -> dict[str, int]:
    codes: dict[str, int] = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                codes[line] = codes.get(line, 0) + 1
    return codes
