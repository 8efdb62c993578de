#!/usr/bin/env bash
# Peak memory of `storeclient upload` for a 1 GiB PDF-like file versus a 2 KB one, against a
# local idlink-mock. Not a test: it writes ~1 GiB to a temp dir and takes a minute or so.
#
#   client/benches/bench-upload-memory.sh            # from the workspace root
#
# Prints one line per size with the client's peak RSS (`/usr/bin/time -v`, "Maximum resident set
# size"), the mock's peak RSS during that upload (VmHWM from /proc, reset before each upload by
# writing 5 to /proc/PID/clear_refs), the wall time and the client's exit code. The mock's size
# limit is raised to 2 GiB so the 1 GiB file is delivered (exit 0), not merely streamed.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release -q -p storeclient -p idlink-mock
BIN="$CARGO_TARGET_DIR/release"
WORK="$(mktemp -d)"
trap 'kill "$MOCK_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

# A demo center whose size limit admits 1 GiB (PROTO-UP-010's default is 64 MiB).
"$BIN/idlink-mock" config --demo > "$WORK/mock.toml"
python3 - "$WORK/mock.toml" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
if re.search(r"^max_body_bytes\s*=", s, re.M):
    s = re.sub(r"^max_body_bytes\s*=.*$", "max_body_bytes = 2147483648", s, flags=re.M)
else:
    s += "\n[limits]\nmax_body_bytes = 2147483648\n"
open(p, "w").write(s)
PY
"$BIN/idlink-mock" serve --config "$WORK/mock.toml" --data "$WORK/mock" --print-json > "$WORK/ready.json" 2> "$WORK/mock.log" &
MOCK_PID=$!
ready() { python3 -c 'import json,sys; json.loads(open(sys.argv[1]).readline())' "$WORK/ready.json" 2>/dev/null; }
for _ in $(seq 600); do ready && break; sleep 0.1; done
ready || { echo "idlink-mock did not become ready:"; cat "$WORK/mock.log"; exit 1; }
KIT=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["kits"]["fac-0112345678"])' "$WORK/ready.json")

# Documents: a 2 KB text and a 1 GiB PDF-like file (PDF header, random body, trailer).
mkdir -p "$WORK/docs"
head -c 2048 /dev/urandom | base64 > "$WORK/docs/small.txt"
{ printf '%%PDF-1.4\n'; head -c $((1024 * 1024 * 1024)) /dev/urandom; printf '\n%%%%EOF\n'; } > "$WORK/docs/big.pdf"
for f in small.txt big.pdf; do
  printf 'patient = "9999013"\ncare_date = "20261124"\n' > "$WORK/docs/$f.meta.toml"
done

for f in small.txt big.pdf; do
  size=$(stat -c %s "$WORK/docs/$f")
  set +e
  # Resets the mock's high-water mark so each line shows the peak of its own upload only.
  echo 5 > "/proc/$MOCK_PID/clear_refs" 2>/dev/null || true
  /usr/bin/time -v "$BIN/storeclient" --config "$KIT" upload "$WORK/docs/$f" > "$WORK/$f.out" 2> "$WORK/$f.time"
  code=$?
  set -e
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/$f.time")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/$f.time")
  mock_rss=$(awk '/^VmHWM:/ {print $2}' "/proc/$MOCK_PID/status")
  printf '%-10s %12d bytes  client peak RSS %7d KiB  mock peak RSS %7d KiB  wall %s  exit %d  %s\n' \
    "$f" "$size" "$rss" "$mock_rss" "$wall" "$code" "$(head -c 200 "$WORK/$f.out" | head -n 1)"
done
