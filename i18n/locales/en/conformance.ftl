# idlink-conformance: the grader's explanations (grade.rs) and the reports a person reads
# (console, HTML, JUnit). Check names, scenario IDs, requirement IDs, problem codes and exit
# codes are never translated. The JSON and CTRF reports keep these English texts. Quoted names
# were Rust `{:?}` quotes before this catalogue; plain names (no quote or backslash) read the same.

## How a run of the client command ended
grade-run-killed-at-deadline = killed at the deadline after { $seconds } s
grade-run-exit = exit { $code }
grade-run-signal = killed by signal { $signal }
grade-run-unknown = unknown exit

## exit
grade-exit-description = the command's exit status (run { $run })
grade-exit-expected-zero = exit 0 (every document delivered)
grade-exit-expected-nonzero = a non-zero exit (the upload did not succeed)
grade-exit-skip-folder = folder mode: the runner stops the daemon, so its exit status says nothing
grade-exit-skip-no-run = run { $run } did not happen
grade-exit-fail-zero = the command did not report success, although it must deliver every document of the manifest and exit 0
grade-exit-fail-nonzero = the command exited 0 although the upload could not succeed: an uploader must not report a failure as success

## stored
grade-stored-description-doc = document "{ $doc }" is stored once, byte-identical to the manifest's file
grade-stored-description-all = every document is stored once, byte-identical to the manifest's file
grade-stored-expected-path = one stored copy per document, path containing "{ $path }"
grade-stored-expected = one stored copy per document
grade-stored-reencoded = { $name }: not stored; { $uploads } upload(s) arrived but none declared this document's SHA-256 { $digest }: the bytes were changed before sending (re-encoded?)
grade-stored-missing = { $name }: not stored after { $attempts } attempt(s); the last answered { $last }
grade-stored-differs = { $name }: the stored file { $path } differs from the manifest's bytes
grade-stored-wrong-path = { $name }: stored at { $path }, which does not contain "{ $want }"
grade-stored-many = { $name }: stored { $n } times
grade-stored-ok = stored once, byte-identical

## not-stored
grade-not-stored-description-doc = document "{ $doc }" is not stored
grade-not-stored-description-all = nothing is stored
grade-not-stored-expected = no stored copy
grade-not-stored-ok = nothing stored
grade-not-stored-actual = stored: { $paths }
grade-not-stored-fail = a document the center must not keep was stored

## no-duplicates
grade-no-duplicates-description = no bytes stored twice
grade-no-duplicates-expected = each document stored at most once
grade-no-duplicates-copies = patient { $patient } sha-256 { $sha256 }: { $n } copies
grade-no-duplicates-ok = { $n } document(s), no duplicates
grade-no-duplicates-fail = the same document was stored more than once

## attempts
grade-attempts-between = { $min } to { $max } upload attempts
grade-attempts-at-least = at least { $min } upload attempts
grade-attempts-at-most = at most { $max } upload attempts
grade-attempts-any = any number of upload attempts
grade-attempts-description = upload attempts per document
grade-attempts-description-doc = upload attempts per document ({ $doc })
grade-attempts-count = { $name }: { $n }
grade-attempts-too-many = { $name }: { $n } attempts, more than { $max } (the last answered { $last }): a refusal that retrying cannot fix must not be retried, and retries are bounded
grade-attempts-too-few = { $name }: { $n } attempt(s), fewer than { $min } (the last answered { $last }): a retryable failure (connection lost, 5xx, 429, 503) must be retried with the same key

## How the last attempt was answered
grade-last-nothing = nothing: no upload of this document arrived
grade-answer-none = no answer

## respects-retry-after
grade-retry-after-description = retries wait at least the Retry-After the center sent
grade-retry-after-expected = each retry ≥ Retry-After × time scale { $scale }
grade-retry-after-early = { $name }: retried { $waited } ms after Retry-After: { $value } asked for { $required } ms
grade-retry-after-skip = no attempt answered with Retry-After was followed by a retry
grade-retry-after-ok = { $n } retry wait(s) checked, all long enough
grade-retry-after-fail = the client retried before the Retry-After it was given had passed

## backoff
grade-backoff-description = retries after failures without Retry-After back off
grade-backoff-expected = each wait ≥ { $ms } ms (scaled), and no wait shorter than half the one before
grade-backoff-too-soon = { $name }: retried after { $waited } ms (attempt { $from } → { $to })
grade-backoff-shrank = { $name }: the wait shrank from { $before } ms to { $waited } ms
grade-backoff-skip = no retry after a failure without Retry-After happened
grade-backoff-ok = { $n } wait(s) checked
grade-backoff-fail = the client retried without backing off (exponential backoff with jitter is required)

## same-key
grade-same-key-description = the same Idempotency-Key on every attempt of one document
grade-same-key-expected = one key per document
grade-same-key-different = { $name }: { $n } different keys
grade-same-key-skip = the scenario has no document
grade-same-key-ok = one key per document
grade-same-key-fail = a retry used a new Idempotency-Key: after a lost answer the center cannot tell a retry from a new document

## refused-server-certificate
grade-refuse-cert-description = the client refuses a server certificate it must not trust and sends nothing
grade-refuse-cert-expected = no completed handshake on a bad certificate, no request, no credentials
grade-refuse-cert-no-connection = no connection was made
grade-refuse-cert-never-connected = the client never connected, so it cannot be shown to refuse the certificate
grade-refuse-cert-ok = { $n } connection(s), every handshake aborted by the client
grade-refuse-cert-accepted = { $accepted } handshake(s) completed, { $requests } request(s) sent on them
grade-refuse-cert-fail = the client accepted a server certificate it must refuse (expired or not yet valid by its own clock, wrong host or unknown CA) and sent its request — with the account password — to that server

## handshake-rejected
grade-handshake-description = the center rejects the client certificate in the handshake ({ $text })
grade-handshake-expected = a handshake rejected with a reason containing "{ $text }"
grade-handshake-none = no handshake was rejected
grade-handshake-not-presented = the client did not present the certificate it was given (or never connected)
grade-handshake-other = the handshake failed for another reason

## no-unexpected
grade-unexpected-description = no request the scenario does not expect
grade-unexpected-expected = no unexpected request
grade-unexpected-none = none
grade-unexpected-count = { $n } unexpected request(s)
grade-unexpected-fail = the client sent requests the scenario's state machine did not expect (an extra upload, or one after the sequence ended)

## no-secrets
grade-secrets-description = no password or private key in the command's output
grade-secrets-expected = no secret in stdout or stderr
grade-secrets-pem = run { $run }: a PEM private key
grade-secrets-password = run { $run }: a password or key material
grade-secrets-ok = none found
grade-secrets-fail = the uploader printed a secret: logs end up in tickets and CI artifacts (the report shows the output redacted)

## answered
grade-answered-description = the center answered { $want }
grade-answered-description-doc = the center answered { $want } to { $doc }
grade-answered-expected = at least one answer { $want }
grade-answered-no-upload = no upload arrived
grade-answered-fail = the request that should have drawn this answer never reached the center in that form

## requests
grade-requests-description = requests on { $path }
grade-requests-at-least = at least { $min }{" "}
grade-requests-at-most = at most { $max }
grade-requests-between = at least { $min } at most { $max }
grade-requests-count = { $n } request(s) on { $path }

# Several findings in one sentence (joined by list-semicolon or list-comma).
grade-joined = { $items }

## Reports a person reads (console, HTML, JUnit). English is what the reports said before
## they had a Japanese form; verdict codes, check names and IDs are the same in both.
report-verdict-pass = PASS
report-verdict-fail = FAIL
report-verdict-skip = SKIP
report-verdict-error = ERROR
report-severity-error = error
report-severity-warning = warning
report-level-required = required
report-level-optional = optional
report-level-strict = strict
report-col-verdict = VERDICT
report-col-scenario = SCENARIO
report-col-duration = DURATION
report-col-failed = FAILED
report-col-title = TITLE
report-optional-note = {" "}(optional: reported, does not fail the run)
report-reason = reason: { $reason }
report-label-expected = expected:
report-label-actual = actual:
report-label-message = message:
report-more-evidence-console = ... { $n } more evidence lines in the JSON/HTML report
report-totals-scenarios = scenarios: { $totals }
report-totals-expectations = expectations: { $totals }
report-totals = { $total } total, { $passed } passed, { $failed } failed, { $skipped } skipped, { $errored } errored
report-run-time = run time: { $duration }, { $seed }
report-seed-own = each scenario with its own seed
report-seed = seed { $seed }
report-scaled = scaled run (time scale { $scale }): results cannot certify conformance
report-outcome-timed-out = timed out (killed at the deadline)
report-outcome-exit = exit { $code }
report-outcome-signal = killed by signal { $signal }
report-outcome-none = no exit status
report-detail-expected = expected: { $text }
report-detail-actual = actual: { $text }
report-detail-requirement = requirement: { $id }
report-detail-severity = severity: { $severity }
report-detail-evidence = evidence:
report-detail-more = ... { $n } more evidence lines in the JSON report
report-system-out-run = --- run { $index }: { $outcome } after { $ms } ms ---
report-case-harness-no-reason = the harness failed; no reason was recorded
report-case-skip-no-reason = skipped; no reason was recorded
report-case-fail-no-expectation = failed; no failing expectation was recorded
# Never shown (a passing case has no message); the key exists so every verdict has one.
report-case-pass = {""}

## HTML report
html-title = Conformance report: { $suite }
html-heading = ID-Link store client conformance report
html-scaled-strong = Scaled run: cannot certify.
html-scaled-text = {" "}This run used time scale { $scale }, so deadlines and back-off were compressed. Its results are for development only; certification needs a run at time scale 1.
html-suite = Suite
html-client-command = Client command
html-client-mode = Client mode
html-seed = Seed
html-seed-own = each scenario's own (see each scenario)
html-time-scale = Time scale
html-scaled = {" "}(scaled)
html-nominal = {" "}(nominal)
html-started = Started
html-duration = Duration
html-summary = Summary
html-total = Total
html-passed = Passed
html-failed = Failed
html-skipped = Skipped
html-errored = Errored
html-scenarios = Scenarios
html-expectations = Expectations
html-verdict = Verdict
html-id = ID
html-title-col = Title
html-level = Level
html-requirements = Requirements
html-details = Scenarios in detail
html-reason = Reason:{" "}
html-file = File
html-level-word = level
html-seed-word = seed
html-time-scale-word = time scale
html-no-expectation = No expectation was judged.
html-description = Description
html-requirement = Requirement
html-expected = Expected
html-actual = Actual
html-message = Message
html-evidence-for = Evidence for{" "}
html-client-runs = Client runs
html-not-run = The client was not run.
html-run = Run { $index }: { $outcome } after { $duration }
html-actions = Actions fired
html-none = None.
html-at-ms = At (ms)
html-state = State
html-action = Action
html-request = Request
html-connection = Connection
html-states = States visited
html-none-recorded = None recorded.
html-coverage = Requirement coverage
html-no-coverage = No requirement was verified in this run.
html-footer-before = Written by { $tool } (schema{" "}
html-footer-after = ). The JSON report is the source of truth.

## Command line
cli-no-client = no client command: give --client-cmd 'your-uploader ...' (see docs/conformance.md), or run the suite against storeclient with `cargo run --release`
cli-bad-time-scale = --time-scale { $scale } must be above 0 (1.0 = real time)
cli-cannot-write = cannot write { $path }

## Why the harness could not run a scenario (an `error` verdict, never the uploader's fault).
harness-facility = facility { $facility }: { $error }
harness-pki = cannot generate the test PKI: { $error }
harness-task = a runner task failed: { $error }
harness-data-dir = cannot create a data directory: { $error }
harness-work-dir = cannot create a work directory: { $error }
harness-center = cannot start the center: { $error }
harness-outbox-create = cannot create { $path }: { $error }
harness-outbox-drop = cannot drop { $path } into the outbox: { $error }

## `idlink-conformance --help` (keys as i18n's `clap_help` names them). English is the derive's own
## text, byte for byte (a test in conformance/src/cli.rs compares them).
conformance-help-about = Runs the ID-Link conformance suite against a store client and grades it from the mock center's journal and store.
conformance-help-after = Exit codes: 0 every required scenario passed; 1 the uploader failed at least one required scenario; 2 the harness could not run a scenario (not the uploader's fault); 3 usage.
    The vendor interface (environment variables, manifest) is in docs/conformance.md.
conformance-help-lang = The language of the console summary, the HTML report and JUnit messages (`ja` or `en`); without it, LC_ALL / LC_MESSAGES / LANG (ja_JP.* is Japanese), else English. The JSON and CTRF reports are always English
conformance-help-run = Run a suite against a client command
conformance-help-replay = Write a scenario that reproduces a saved journal or a storeclient trace
conformance-help-run-suite = The suite directory
conformance-help-run-client-cmd = The client command, run through `sh -c` in each scenario's work directory with the IDLINK_* variables (docs/conformance.md)
conformance-help-run-filter = Only scenarios whose ID or path matches (substring or `*` pattern; commas for several)
conformance-help-run-client-mode = `command` (run once per run, must exit) or `folder` (a daemon: the documents are put in IDLINK_OUTBOX_DIR, the runner stops it with SIGTERM when they are delivered)
conformance-help-run-jobs = Scenarios run at the same time
conformance-help-run-time-scale = Multiply every scenario duration and Retry-After (a scaled run cannot certify)
conformance-help-run-seed = Override every scenario's seed
conformance-help-run-json = Write the JSON report (the source of truth)
conformance-help-run-junit = Write JUnit XML
conformance-help-run-html = Write the HTML report
conformance-help-run-ctrf = Write CTRF JSON
conformance-help-run-keep-dir = Keep each scenario's work directory under DIR (for debugging a client)
conformance-help-run-quiet = No progress bar
conformance-help-replay-file = A center's `journal.jsonl` or a `storeclient --trace` file
conformance-help-replay-id = The new scenario's ID
conformance-help-replay-output = Write it here instead of stdout
