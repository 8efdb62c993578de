#!/usr/bin/env bash
# Runs the example uploader (vendor_uploader.py) against a real `idlink-mock serve`, the way the
# conformance runner will: a fresh temporary directory, the IDLINK_* variables built from the
# mock's client kit, then checks from the mock's side (journal and store), not from what the
# uploader says about itself.
#
#   try_against_mock.sh                       # mock binary: $IDLINK_MOCK or /tmp/uploaders-mock/idlink-mock
#   KEEP=1 try_against_mock.sh                # keep the temporary directory for a look afterwards
#   DEFECT=fresh-key try_against_mock.sh      # the same run with a defect (expected to FAIL)
#
# Steps:
#   1. arm two faults: 503 maintenance with Retry-After 2, then a reset after store;
#   2. upload two SS-MIX2 fixtures (OMP-01, OML-11): the first goes 503 -> reset -> 200 replay,
#      the second 201; the command must exit 0;
#   3. run the command again in the same work dir: both come back as 200 replays;
#   4. check the journal: one key per document, the retry after the 503 waited
#      >= Retry-After x scale; check the store: exactly the two documents, byte-identical;
#   5. with IDLINK_CA_FILE pointing at another mock's CA, the uploader refuses the server
#      (nothing reaches it), while --defect insecure uploads anyway;
#   6. no password or private key in any output.
# Exit 0 when every check passed, 1 otherwise, 2 when the mock could not be started.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
MOCK=${IDLINK_MOCK:-/tmp/uploaders-mock/idlink-mock}
UPLOADER=(python3 "$HERE/vendor_uploader.py" ${DEFECT:+--defect "$DEFECT"})
FIXTURES=$ROOT/formats/tests/data/valid
SCALE=${IDLINK_TIME_SCALE:-0.5}
ACCOUNT=fac-0112345678

[[ -x $MOCK ]] || { echo "no mock binary at $MOCK (set IDLINK_MOCK)" >&2; exit 2; }

TMP=$(mktemp -d -t idlink-try.XXXXXX)
MOCK_PID=
cleanup() {
  if [[ -n $MOCK_PID ]] && kill -0 "$MOCK_PID" 2>/dev/null; then
    kill -TERM "$MOCK_PID"      # SIGTERM: the mock finishes open exchanges and exits 0
    wait "$MOCK_PID" 2>/dev/null || true
  fi
  if [[ -n ${KEEP:-} ]]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

# --- start the mock on ephemeral ports; ready.json appears once the listeners accept ---------
"$MOCK" serve --data "$TMP/data" >"$TMP/mock.out" 2>"$TMP/mock.err" &
MOCK_PID=$!
for _ in $(seq 1 150); do
  [[ -s $TMP/data/ready.json ]] && break
  kill -0 "$MOCK_PID" 2>/dev/null || { echo "the mock exited:" >&2; cat "$TMP/mock.err" >&2; exit 2; }
  sleep 0.2
done
[[ -s $TMP/data/ready.json ]] || { echo "the mock did not become ready in 30 s" >&2; exit 2; }

ready() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$TMP/data/ready.json" "$1"; }
ADMIN_URL=$(ready admin_url)
ADMIN_TOKEN=$(ready admin_token)
admin() {  # admin METHOD PATH [JSON]
  curl -fsS -X "$1" -H "Authorization: Bearer $ADMIN_TOKEN" \
       ${3:+-H 'content-type: application/json' --data "$3"} "$ADMIN_URL$2"
}

# --- the vendor interface, from the kit --------------------------------------------------------
KIT=$TMP/data/kit/$ACCOUNT
export IDLINK_URL
IDLINK_URL=$(ready mtls_url)
export IDLINK_CA_FILE=$KIT/ca.pem
export IDLINK_CLIENT_CERT_FILE=$KIT/client.chain.pem
export IDLINK_CLIENT_KEY_FILE=$KIT/client.key.pem
export IDLINK_CLIENT_P12_FILE=$KIT/client.p12
export IDLINK_CLIENT_P12_PASSWORD_FILE=$KIT/client.p12.password
export IDLINK_ACCOUNT_ID=$ACCOUNT
export IDLINK_ACCOUNT_PASSWORD_FILE=$KIT/account.password
export IDLINK_FACILITY=0112345678
export IDLINK_WORK_DIR=$TMP/work
export IDLINK_SCENARIO=TRY-AGAINST-MOCK
export IDLINK_TIME_SCALE=$SCALE
export IDLINK_MANIFEST_FILE=$TMP/manifest.json
mkdir -p "$IDLINK_WORK_DIR"

# The runner copies fixtures into the work area; so do we (absolute paths in the manifest).
mkdir -p "$TMP/docs"
DOC1=9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1
DOC2=9999013_20111219_OML-11_000000011000354_20111220103059000_01_1
cp "$FIXTURES/$DOC1" "$FIXTURES/$DOC2" "$TMP/docs/"
cat >"$IDLINK_MANIFEST_FILE" <<EOF
{"documents": [
  {"path": "$TMP/docs/$DOC1", "kind": "hl7", "patient_id": "9999013", "data_kind": "OMP-01",
   "care_date": "20110701", "file_name": "$DOC1", "destination": "storage"},
  {"path": "$TMP/docs/$DOC2", "kind": "hl7", "patient_id": "9999013", "data_kind": "OML-11",
   "care_date": "20111219", "file_name": "$DOC2"}
]}
EOF

last_seq() {  # the journal's newest sequence number
  admin GET '/admin/journal?since=0&limit=10000' | python3 -c 'import json,sys
j = json.load(sys.stdin); j = j.get("entries", j) if isinstance(j, dict) else j
print(max([e["seq"] for e in j] or [0]))'
}

FAILED=0
check() {  # check DESCRIPTION COMMAND...: prints PASS/FAIL, never stops the script
  local what=$1; shift
  if "$@"; then echo "PASS  $what"; else echo "FAIL  $what"; FAILED=1; fi
}

# --- run 1: through a 503 + Retry-After and a lost answer --------------------------------------
# The admin API takes a scenario action (docs/scenarios.md) since the scenario engine; older
# builds took the flat form of mock-server/README.md. Try the new form, then the old one.
arm_fault() {  # arm_fault NEW-JSON OLD-JSON
  admin POST /admin/faults "$1" >/dev/null 2>&1 || admin POST /admin/faults "$2" >/dev/null
}
arm_fault '{"action":{"kind":"problem","code":"maintenance","retry_after":"2s"},"times":1}' \
          '{"kind":"problem","code":"maintenance","retry_after":2,"times":1}'
arm_fault '{"action":{"kind":"store-then-reset"},"times":1}' \
          '{"kind":"reset-after-store","times":1}'
echo "    armed: $(admin GET /admin/faults)"
echo "--- run 1 (faults: 503 maintenance Retry-After 2, then reset after store; scale $SCALE)"
set +e
"${UPLOADER[@]}" >"$TMP/run1.out" 2>"$TMP/run1.err"; RC1=$?
set -e
cat "$TMP/run1.out"; sed 's/^/    /' "$TMP/run1.err"
check "run 1 exits 0 (got $RC1)" test "$RC1" -eq 0
RUN1_LAST_SEQ=$(last_seq)

# --- run 2: the same command again; the saved keys give 200 replays ----------------------------
echo "--- run 2 (same work dir: every document is replayed under its saved key)"
set +e
"${UPLOADER[@]}" >"$TMP/run2.out" 2>"$TMP/run2.err"; RC2=$?
set -e
cat "$TMP/run2.out"; sed 's/^/    /' "$TMP/run2.err"
check "run 2 exits 0 (got $RC2)" test "$RC2" -eq 0
check "run 2: both documents are 200 replays" test "$(grep -c '200 replayed' "$TMP/run2.out")" -eq 2

# --- the server's view: journal and store --------------------------------------------------------
admin GET '/admin/journal?since=0&limit=10000' >"$TMP/journal.json"
admin GET /admin/documents >"$TMP/documents.json"
echo "--- the mock's journal and store"
check "journal and store agree with the protocol" python3 - "$TMP" "$SCALE" "$RUN1_LAST_SEQ" "$TMP/docs/$DOC1" "$TMP/docs/$DOC2" <<'PY'
import datetime, hashlib, json, sys

tmp, scale, run1_last_seq, paths = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
journal = json.load(open(f"{tmp}/journal.json"))
entries = journal["entries"] if isinstance(journal, dict) else journal
documents = json.load(open(f"{tmp}/documents.json"))
documents = documents["documents"] if isinstance(documents, dict) else documents
ok = True

def fail(message):
    global ok
    ok = False
    print(f"      {message}")

def at(e):
    return datetime.datetime.fromisoformat(e["at"].replace("Z", "+00:00")).timestamp()

uploads = [e for e in entries if e.get("event") == "request" and e.get("path") == "/v1/documents"]
responses = {e["request_id"]: e for e in entries if e.get("event") == "response"}
print(f"      {len(uploads)} upload requests:")
for e in uploads:
    r = responses.get(e["request_id"], {})
    print(f"        {e['at']} key {e.get('idempotency_key')} -> "
          f"{r.get('status', 'no answer')} {r.get('code') or ''}")

# One key per document (same-key): 2 distinct keys over all requests, one per file.
keys = sorted({e.get("idempotency_key") for e in uploads})
if len(keys) != 2:
    fail(f"expected 2 distinct idempotency keys (one per document), got {keys}")

# respects-retry-after: in run 1, the attempt after the 503 came >= Retry-After x scale later.
run1 = [e for e in uploads if e["seq"] <= run1_last_seq]
for i, e in enumerate(run1):
    if responses.get(e["request_id"], {}).get("status") == 503:
        later = [u for u in run1[i + 1:] if u.get("idempotency_key") == e.get("idempotency_key")]
        if not later:
            fail("run 1 did not retry after the 503 (with the same key)")
            continue
        gap = at(later[0]) - at(e)
        need = 2 * scale
        print(f"      retry after the 503 came {gap:.3f} s later (Retry-After 2 x scale {scale:g} = {need:g} s)")
        if gap < need:
            fail(f"retry after {gap:.3f} s < {need:g} s")

# stored: exactly the two documents, byte-identical.
want = sorted(hashlib.sha256(open(p, "rb").read()).hexdigest() for p in paths)
have = sorted(d.get("sha256") or d.get("receipt", {}).get("sha256") for d in documents)
if have != want:
    fail(f"store holds {have}, expected {want}")
else:
    print(f"      store holds exactly the 2 documents, byte-identical")
sys.exit(0 if ok else 1)
PY

# --- an untrusted server: the correct uploader refuses, --defect insecure does not -------------
# A second mock generates its own PKI; its CA is "a different CA" for our server. Pointing
# IDLINK_CA_FILE at it makes our server's certificate untrusted.
echo "--- untrusted server certificate (IDLINK_CA_FILE = another mock's CA)"
"$MOCK" serve --data "$TMP/other" >"$TMP/other.out" 2>"$TMP/other.err" &
OTHER_PID=$!
for _ in $(seq 1 150); do [[ -s $TMP/other/ready.json ]] && break; sleep 0.2; done
kill -TERM "$OTHER_PID"; wait "$OTHER_PID" 2>/dev/null || true
[[ -s $TMP/other/kit/$ACCOUNT/ca.pem ]] || { echo "the second mock wrote no kit" >&2; exit 2; }
mkdir -p "$TMP/work-untrusted" "$TMP/work-insecure"
SEQ=$(last_seq)
uploads_since() {
  admin GET "/admin/journal?since=$SEQ&limit=10000" | python3 -c 'import json,sys
j = json.load(sys.stdin); j = j.get("entries", j) if isinstance(j, dict) else j
print(sum(1 for e in j if e.get("event") == "request" and e.get("path") == "/v1/documents"))'
}
set +e
IDLINK_CA_FILE=$TMP/other/kit/$ACCOUNT/ca.pem IDLINK_WORK_DIR=$TMP/work-untrusted \
  python3 "$HERE/vendor_uploader.py" >"$TMP/untrusted.out" 2>"$TMP/untrusted.err"; RC_GOOD=$?
set -e
sed 's/^/    /' "$TMP/untrusted.out"
check "correct uploader refuses the untrusted server (exit $RC_GOOD, no upload reached it)" \
  test "$RC_GOOD" -ne 0 -a "$(uploads_since)" -eq 0
set +e
IDLINK_CA_FILE=$TMP/other/kit/$ACCOUNT/ca.pem IDLINK_WORK_DIR=$TMP/work-insecure \
  python3 "$HERE/vendor_uploader.py" --defect insecure >"$TMP/insecure.out" 2>"$TMP/insecure.err"; RC_BAD=$?
set -e
sed 's/^/    /' "$TMP/insecure.out"
check "--defect insecure connects anyway (exit $RC_BAD, $(uploads_since) upload(s) reached the server)" \
  test "$(uploads_since)" -gt 0
# --- no secrets in the output --------------------------------------------------------------------
PASSWORD=$(cat "$IDLINK_ACCOUNT_PASSWORD_FILE")
check "no password or private key in the command's output" \
  bash -c '! grep -qF -e "$1" -e "PRIVATE KEY" "$2"/run1.out "$2"/run1.err "$2"/run2.out "$2"/run2.err' _ "$PASSWORD" "$TMP"

if [[ $FAILED -eq 0 ]]; then echo "ALL CHECKS PASSED"; else echo "SOME CHECKS FAILED"; fi
exit "$FAILED"
