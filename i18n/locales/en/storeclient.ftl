# storeclient: errors, hints, the run summary and --help. The English texts are the errors'
# own `#[error]` texts (a test in client/src/messages.rs keeps them equal). Result words
# (delivered, invalid, auth-failed, rejected, queued, not-attempted), problem codes, slugs and
# exit codes are stable codes and stay the same in both languages.

## How the parts of an error chain are joined: "what failed: why: root cause".
client-chain-separator = {": "}
client-warning = storeclient: warning: { $message }
client-error = storeclient: { $message }

## The configuration file
client-config-read = cannot read the configuration file { $path } (run `storeclient init` to write a template)
client-config-parse = { $path }:{ $line }:{ $column }: { $message }
client-config-invalid = { $path }: `{ $key }`: { $message }
client-config-secret-file = { $path }: `{ $key }`: cannot read the password file { $file }
client-config-nsips-profile = { $path }: `upload.nsips_profile`
client-config-secret-env = { $path }: `{ $key }`: the environment variable { $var } is not set (or not UTF-8)
client-invalid-not-a-url = { $value } is not a URL: { $error }
client-invalid-not-https = { $value } must start with https:// (the service center speaks HTTPS only)
client-invalid-facility = { $error }
client-invalid-empty-account = the account ID must not be empty
client-invalid-pem-needs-files = mode "pem" needs both `cert` and `key`
client-invalid-pkcs12-needs-file = mode "pkcs12" needs `file`
client-invalid-destination = { $error }
client-invalid-concurrency = expected 1 to 64
client-invalid-max-attempts = expected at least 1
client-invalid-jitter = expected a fraction from 0.0 to 1.0
client-invalid-time-scale = expected a factor above 0
client-invalid-seconds = expected a non-negative number of seconds
client-invalid-both-secrets = set either `{ $file_key }` or `{ $env_key }`, not both
client-invalid-no-secret = no password configured: set `{ $file_key }` (a file holding only the password) or `{ $env_key }` (an environment variable name)
client-invalid-empty-password-file = the password file { $file } is empty
client-permission-warning = the { $what } { $file } can be read by other users (mode { $mode }); run `chmod 600 { $file }`
client-secret-private-key = private key
client-secret-pkcs12-file = PKCS#12 file
client-secret-password-file = password file
client-log-folder-warning = cannot create the log folder { $dir }: { $error }; logging to stderr only
client-runtime-error = cannot start the async runtime: { $error }

## Resolving the command line
client-plan-nsips-profile = --nsips-profile
client-plan-no-spool = no spool folder: pass --spool DIR or set `spool.dir` in { $path }
client-plan-bad-seconds = { $flag }: expected a positive number of seconds

## Running
client-run-exists = { $path } already exists; pass --force to overwrite it
client-run-write = cannot write { $path }
client-init-wrote = wrote { $path }: fill in the values from your transfer account sheet, then run `storeclient doctor`
client-check-error = { $document }: error: { $message }

## The TLS client and its identity
client-credentials = the account ID or password contains characters that cannot be sent
client-http = cannot build the HTTP client
client-identity-ca-file = the CA bundle named by `service.ca`
client-identity-ca = CA file { $path }: { $message }; check `service.ca`
client-identity-ca-empty = no certificate found
client-identity-ca-unparsable = no certificate in it could be parsed
client-identity-load = client identity
client-identity-rustls = client identity { $path }: rustls refused it

## The spool folder
client-spool-io = spool { $path }: { $action }
client-spool-locked = spool { $path } is in use by another storeclient (lock file { $path }/.lock); run only one sender per spool
client-spool-bad-key = spool key file { $path } is damaged: { $message }; delete it to send the document with a new key
client-trace = trace file { $path }
client-access-log = access log { $path }

## Pre-flight and metadata
client-preflight-read = cannot read { $path }
client-preflight-invalid = { $count } error(s) in { $path }; nothing was sent
client-preflight-metadata = { $path }
client-meta-missing = the { $field } is not known: { $how }
client-meta-invalid = the { $field } { $value } is not valid: expected { $expected }
client-meta-sidecar = sidecar { $path }: { $message }
client-meta-conflict = the { $field } given ({ $given }) differs from the document's ({ $found })
client-field-document-kind = document kind
client-field-charset = charset
client-field-data-kind = data kind
client-field-ssmix2-data-kind = SS-MIX2 data kind
client-field-patient-id = patient ID
client-field-destination = destination
client-field-care-date = care date
client-how-document-kind = it is not recognisable from the content; pass --kind hl7|nsips|pdf|text or set `kind` in the sidecar
client-how-patient-id = pass --patient ID or set `patient` in the sidecar NAME.meta.toml
client-how-data-kind = the message type allows several; pass --data-kind (e.g. OMP-01) or use an SS-MIX2 file name
client-expected-document-kind = hl7, nsips, pdf or text
client-expected-charset-flag = iso-2022-jp, utf-8 or shift_jis
client-expected-charset-header = iso-2022-jp, utf-8 or shift_jis (also shift-jis, sjis, windows-31j, cp932)
client-expected-no-charset-for-pdf = no charset for a PDF (it declares its own encodings)
client-expected-data-kind = an SS-MIX2 data kind such as OMP-01
client-expected-patient-id = 1 to 15 ASCII letters or digits
client-expected-destination = storage or appliance:<id>
client-expected-care-date = a date as YYYYMMDD, e.g. 20261124, or - for no care date
client-found-care-date-file-name = { $date }, from the SS-MIX2 file name
client-found-care-date-message = { $date }, from { $fields }
client-found-care-date-empty = -, { $fields } is empty
client-found-care-date-none = -, { $kind } has no care date

## Uploading
client-upload-read = cannot read { $path }
client-upload-changed = { $path } changed while it was being uploaded ({ $expected } bytes, now { $found }); send it again once it is complete
client-upload-refused = { $path }: not sent: { $reason }
client-refused-bad-header = the value for header { $name } cannot be sent (non-ASCII or control characters)
client-upload-rejected = the service center refused it: { $code } ({ $status }): { $detail }
client-upload-unexpected = unexpected response from the service center: HTTP { $status }: { $body }
client-upload-tls-rejected = TLS rejected by the server (reason not given): check that the client certificate is the one issued for this facility, is not expired or revoked, and that `identity` in the configuration points at it
client-upload-exhausted = gave up after { $attempts } attempts; last error: { $last }
client-transport-unreachable = cannot connect to the service center: { $detail }
client-transport-timeout = the attempt timed out
client-transport-tls-alert = TLS rejected by the server: it sent the alert { $alert }; check the client certificate
client-transport-server-certificate = the server's certificate is not trusted ({ $detail }); check `service.ca` and `service.url`
client-transport-tls = TLS failed: { $detail }
client-transport-closed = the connection closed before any response ({ $detail })
client-transport-network = network error: { $detail }

## The run summary
client-not-attempted = not sent: authentication failed earlier in this run
client-delivery-stored = stored
client-delivery-replayed = already stored, receipt replayed
client-delivery-duplicate = duplicate of an earlier upload
client-after-attempts = {" "}after { $attempts } attempts
client-summary-count = { $count } { $result }
client-summary-count-separator = {", "}
client-summary-nothing = nothing to do
client-summary-total = { $total ->
    [one] { $total } document
   *[other] { $total } documents
}: { $counts } (exit { $code })
client-failed-problem = problem: { $code } ({ $status }), requirement { $requirement }
client-failed-request-id = server request ID: { $id } (quote it when you contact the service center)

## --help (the English help is the one in the code; these are the same sentences)
client-help-about = Uploads clinical documents (HL7 v2.5, NSIPS, PDF, text) to the ID-Link service center
client-help-help = Print help
client-help-help-subcommand = Print this message or the help of the given subcommand(s)
client-help-version = Print version
client-help-config = Configuration file (default: ./storeclient.toml)
client-help-json = Print the report as JSON on stdout instead of the human summary
client-help-trace = Write every HTTP attempt as a JSON line to FILE (secrets redacted)
client-help-lang = Language of the messages: ja or en (default: from LC_ALL, LC_MESSAGES, LANG; else en)
client-help-verbose = More log output on stderr (-v info, -vv debug); RUST_LOG overrides
client-help-init = Write a commented configuration template
client-help-init-path = Where to write it
client-help-init-force = Overwrite an existing file
client-help-check = Validate documents offline, as the service center would (nothing is sent)
client-help-check-files = Documents to check
client-help-check-nsips-profile = NSIPS record-schema profile (TOML) to check NSIPS files against (default: `upload.nsips_profile` from the configuration, if there is one)
client-help-upload = Validate and upload documents now
client-help-upload-files = Documents to upload
client-help-send = Upload everything in SPOOL/outbox once, then exit
client-help-spool = The spool folder (default: `spool.dir` from the configuration)
client-help-watch = Keep uploading what appears in SPOOL/outbox until stopped (Ctrl-C, SIGTERM)
client-help-poll-seconds = Seconds between looks into outbox/ (default: `spool.poll_seconds`)
client-help-exit-when-idle = Exit once outbox/ and work/ are empty
client-help-max-runtime = Exit after this many seconds (after finishing the documents in progress)
client-help-doctor = Check the configuration, the identity and the connection, and say what to fix
client-help-patient = Patient ID (HL7 messages carry it in PID-3)
client-help-data-kind = SS-MIX2 data kind for HL7 (e.g. OMP-01), or an extended-storage kind for other documents
client-help-care-date = Care date, YYYYMMDD
client-help-kind = Document kind when it cannot be detected: hl7, nsips, pdf, text
client-help-destination = Destination: storage or appliance:<id> (default from the configuration)
client-help-charset = Character set override: iso-2022-jp, utf-8, shift_jis
client-help-strictness = Pre-flight strictness (default from the configuration, else strict)
client-help-exit-codes = Exit codes:
client-help-exit-0 = success: every document delivered (a duplicate or replayed receipt counts as delivered)
client-help-exit-2 = usage or configuration error; nothing was sent
client-help-exit-3 = local validation failure (pre-flight findings, missing metadata, unreadable file, DICOM)
client-help-exit-4 = authentication or certificate failure (account, password, client certificate, TLS)
client-help-exit-5 = rejected by the service center (problem code and detail in the report)
client-help-exit-6 = transient failure, retries exhausted; the files are kept for the next run
client-help-exit-mixed = Mixed outcomes: the most urgent wins, in this order: 4 > 5 > 6 > 3 > 0.

## What the spool was doing (SpoolAction)
client-spool-action-create-folder = create folder
client-spool-action-open-lock-file = open lock file
client-spool-action-lock = lock
client-spool-action-remove-stale-key = remove stale key
client-spool-action-claim-sidecar = claim sidecar
client-spool-action-claim = claim
client-spool-action-read-key = read key
client-spool-action-move-out-of-work = move out of work/
client-spool-action-move-sidecar = move sidecar
client-spool-action-remove-key = remove key
client-spool-action-list = list
client-spool-action-create = create
client-spool-action-write = write
client-spool-action-fsync-folder = fsync folder
client-spool-action-fsync = fsync
client-spool-action-rename-into-place = rename into place
client-refused-dicom = it is a DICOM file; ID-Link does not accept DICOM
client-summary-receipt = { $receipt } ({ $how })

## Usage errors (English shows clap's own text; these keys exist for the catalogue's symmetry)
client-usage-unknown-argument = unexpected argument '{ $arg }' found
client-usage-unknown-subcommand = unrecognized subcommand '{ $subcommand }'
client-usage-missing-argument = the following required arguments were not provided: { $arg }
client-usage-invalid-value = invalid value '{ $value }' for '{ $arg }'
client-usage-valid-values = {" "}[possible values: { $values }]
client-usage-see-help = For more information, try '--help'.
client-usage-suggested = ; did you mean '{ $suggested }'?

## Words of other libraries that storeclient says itself in Japanese (English shows them as they are)
client-toml-unknown-field = unknown field `{ $field }`, expected { $expected }
client-toml-missing-field = missing field `{ $field }`
client-io-not-found = No such file or directory (os error { $os })
client-io-permission-denied = Permission denied (os error { $os })
client-io-already-exists = File exists (os error { $os })
client-io-is-a-directory = Is a directory (os error { $os })
client-io-not-a-directory = Not a directory (os error { $os })
client-io-storage-full = No space left on device (os error { $os })
client-io-read-only = Read-only file system (os error { $os })
