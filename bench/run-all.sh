#!/usr/bin/env bash
# Runs the comparisons (storeclient vs curl, idlink-mock vs nginx, full handshakes) in one go and keeps the
# printed tables and the raw measurements. Installs and builds nothing: it lists what is missing.
#
#   bench/run-all.sh                      # 3 rounds, 1000 files, 100 per-process files, 256 MiB
#   ROUNDS=5 OUT=/tmp/bench-run bench/run-all.sh
#
# Each comparison runs twice: with its work directory (mock data, nginx root, files) on the
# disk (/tmp, what a deployment sees, dominated by the disk's fsync latency), then on tmpfs
# (/dev/shm, fsync is free: what is left is TLS, HTTP, validation and the clients themselves).
#
# Environment: CARGO_TARGET_DIR (default: the repository's target/), ROUNDS (3), FILES (1000),
# PER_PROCESS_FILES (100), BIG_MIB (256), OUT (a new /tmp/idlink-bench-results.* directory),
# TMPFS (/dev/shm; empty to skip the tmpfs pass), LIMIT_SECONDS (time limit per script, 1800).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$(cd "$(dirname "$0")/.." && pwd)/target}
ROUNDS=${ROUNDS:-3} FILES=${FILES:-1000} PER_PROCESS_FILES=${PER_PROCESS_FILES:-100}
BIG_MIB=${BIG_MIB:-256} LIMIT_SECONDS=${LIMIT_SECONDS:-1800} TMPFS=${TMPFS-/dev/shm}

missing=0
for tool in python3 curl timeout; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; missing=1; }
done
for bin in storeclient idlink-mock idlink-certs; do
  [[ -x $CARGO_TARGET_DIR/release/$bin ]] || { echo "missing: $CARGO_TARGET_DIR/release/$bin" >&2; missing=1; }
done
if ((missing)); then
  echo "build: CARGO_TARGET_DIR=$CARGO_TARGET_DIR cargo build --release -p storeclient -p idlink-mock -p idlink-certs" >&2
  exit 2
fi
nginx_ok=1
command -v nginx >/dev/null || { nginx_ok=0; echo "nginx not installed (Debian: apt-get install -y nginx-light): skipping server vs nginx" >&2; }
places=(disk)
if [[ -n $TMPFS ]]; then
  if [[ -d $TMPFS && -w $TMPFS ]]; then places+=(tmpfs); else echo "TMPFS=$TMPFS not writable: skipping the tmpfs pass" >&2; fi
fi

OUT=${OUT:-$(mktemp -d /tmp/idlink-bench-results.XXXXXX)}
mkdir -p "$OUT"
echo "results in $OUT" >&2
for place in "${places[@]}"; do
  tmpdir=()
  [[ $place == tmpfs ]] && tmpdir=(--tmpdir "$TMPFS")
  timeout -k 10 "$LIMIT_SECONDS" python3 "$here/client_vs_curl.py" --rounds "$ROUNDS" --files "$FILES" \
    --per-process-files "$PER_PROCESS_FILES" "${tmpdir[@]}" --json-out "$OUT/client_vs_curl.$place.json" \
    | tee "$OUT/client_vs_curl.$place.md"
  if ((nginx_ok)); then
    timeout -k 10 "$LIMIT_SECONDS" python3 "$here/server_vs_nginx.py" --rounds "$ROUNDS" --files "$FILES" \
      --big-mib "$BIG_MIB" "${tmpdir[@]}" --json-out "$OUT/server_vs_nginx.$place.json" \
      | tee "$OUT/server_vs_nginx.$place.md"
  fi
done
if ((nginx_ok)) && command -v openssl >/dev/null && command -v taskset >/dev/null; then
  timeout -k 10 "$LIMIT_SECONDS" python3 "$here/handshakes_vs_nginx.py" --rounds "$ROUNDS" \
    --json-out "$OUT/handshakes_vs_nginx.json" | tee "$OUT/handshakes_vs_nginx.md"
fi
