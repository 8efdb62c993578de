# idlink-mock: command-line output and the problem documents' detail texts.

## Problem `detail`s (English is byte-identical to what the mock always sent). `type`, `code`,
## header names, IDs and values are the same in both languages.
detail-facility-mismatch = IDLink-Facility is { $declared } but account { $account } belongs to facility { $facility }
detail-unknown-destination = appliance { $appliance } is not known to the service center; known: { $known }
detail-consent-missing = patient { $patient } of facility { $facility } has no consent record for ID-Link storage; record the consent first, or send to a region-shared appliance
detail-upload-in-progress = an upload with idempotency key { $key } is still being processed; retry after it finishes
detail-digest-mismatch = Content-Digest says sha-256 { $declared } but the { $size } bytes received hash to { $actual }; nothing was stored
detail-idempotency-key-reused = idempotency key { $key } was already used for other content (receipt { $receipt }); use a new key for a new document
detail-duplicate = the same bytes are already stored for patient { $patient } under idempotency key { $key } (receipt { $receipt }); treat the document as delivered
detail-too-large = the document is larger than the { $limit }-byte limit (at least { $size } bytes); nothing was stored
detail-dicom-body = the body is a DICOM file (preamble and DICM magic): the service center never accepts DICOM; send the report as PDF instead
detail-dicom-media-type = DICOM (application/dicom) is never accepted by the service center; send the report as PDF instead
detail-validation-failed = { $errors ->
    [one] { $errors } error
   *[other] { $errors } errors
} in the { $kind } document{ $first }; nothing was stored
detail-validation-first = {" "}(first: { $code } at { $location }: { $message })
detail-no-msh = the HL7 message has no readable MSH segment; nothing was stored
detail-patient-mismatch = IDLink-Patient-Id is { $declared } but PID-3 of the message is { $found }; send the message under its own patient ID
detail-pid-missing = missing
detail-data-kind-mismatch = IDLink-Data-Kind { $declared } does not fit MSH-9 { $message_type } (expected { $expected }); nothing was stored
detail-data-kind-unknown = IDLink-Data-Kind { $code } is not an SS-MIX2 data kind (e.g. OMP-01, OML-11, ADT-00)
detail-header-missing = the required header { $header } is missing
detail-header-not-ascii = { $header } is not visible ASCII
detail-header-repeated = { $header } was sent { $count } times; send it exactly once
detail-document-kind = IDLink-Document-Kind { $kind } is not accepted; use hl7, nsips, pdf or text
detail-content-type-mismatch = Content-Type { $media } does not match document kind { $kind }; send { $expected }
detail-data-kind-required = the header IDLink-Data-Kind is required for HL7 (an SS-MIX2 data kind such as OMP-01)
detail-injected = { $title } (injected by the scenario engine); nothing was stored
detail-wrong-listener = account { $account } is a VPN account: connect through the on-demand VPN listener
detail-certificate-facility = the client certificate carries { $found }, but account { $account } belongs to facility { $facility }: use the certificate issued to facility { $facility }
detail-certificate-facility-found = facility { $facility }
detail-certificate-facility-none = no facility code
detail-receipt-not-found = no receipt { $receipt } for facility { $facility }
detail-no-endpoint = no such endpoint: { $method } { $path }; protocol v1 has GET { $whoami }, POST { $documents } and GET { $receipts }/{"{"}receipt_id{"}"}
detail-method-not-allowed = { $method } is not supported on { $path }; use { $allowed } (see docs/protocol.md)
detail-care-date-mismatch = IDLink-Care-Date is { $declared } but { $source }: { $fix }; nothing was stored
detail-care-date-not-applicable = { $kind } documents have no care date and are always stored under "-"
detail-care-date-file-name = the SS-MIX2 file name's care date is { $stored }
detail-care-date-message = the message's care date ({ $fields }, the care-date field of { $kind }) is { $stored }
detail-care-date-empty = the message's care-date field { $fields } is empty and no SS-MIX2 file name was sent, so the document has no care date ("-")
detail-care-date-fix-fill = fill { $fields } with the care date, or send IDLink-Care-Date: - or leave the header out
detail-care-date-fix-send = send IDLink-Care-Date: { $stored } or leave the header out
detail-order-number = ORC-2 { $order } cannot be used as an SS-MIX2 order number (1 to 22 ASCII letters or digits); nothing was stored
detail-charset-not-taken = Content-Type { $media } takes no charset parameter (only hl7, nsips and text documents do); send { $expected }
detail-charset-unknown = charset { $charset } is not accepted; use iso-2022-jp, utf-8 or shift_jis (also spelt shift-jis, sjis, windows-31j or cp932)
detail-data-kind-unsafe = IDLink-Data-Kind { $value } must be 1 to 64 of A-Z a-z 0-9 . _ - (not starting with '.')
detail-content-length = Content-Length is not a number
detail-transfer-encoding = Transfer-Encoding { $codings } is not implemented: send the document's bytes unchanged, with Content-Length or Transfer-Encoding: chunked only
# A refused login, by problem code. English clients get the accounts module's own sentence;
# these are what a client asking for another language reads.
detail-auth-unauthenticated = no usable account credentials were sent; send the account from the transfer account sheet as HTTP Basic credentials
detail-auth-bad-credentials = the account ID or password is wrong; check both against the transfer account sheet
detail-auth-account-locked = account { $account } is locked after too many failed logins; ask the service center to unlock it
detail-auth-password-expired = the password of account { $account } has expired; set a new one with the service center
detail-auth-account-disabled = account { $account } is disabled; contact the service center

## Command-line output of `idlink-mock serve` and `config` (`--lang ja|en`, else the locale).
mock-ready-title = idlink-mock service center (TEST ONLY)
mock-ready-mtls = {"  "}mTLS listener : { $url }
mock-ready-vpn = {"  "}VPN listener  : { $url }
mock-ready-admin = {"  "}admin         : { $url }/  (Authorization: Bearer { $token })
mock-ready-data = {"  "}data          : { $path }
mock-ready-pki = {"  "}PKI           : { $path } ({ $how })
mock-ready-pki-generated = generated now
mock-ready-pki-reused = reused
mock-ready-journal = {"  "}journal       : { $path }
mock-ready-kits = {"  "}client kits (CA ca.pem, client.chain.pem + client.key.pem or client.p12, account.password):
mock-ready-file = {"  "}ready file    : { $path }
mock-ready-stop = Press Ctrl-C to stop.
mock-stopping = idlink-mock: stopping (waiting for open exchanges)
mock-stopped = idlink-mock: stopped
mock-config-nothing = nothing to print: use `idlink-mock config --demo`

## `idlink-mock --help` (keys as i18n's `clap_help` names them). English is the derive's own text,
## byte for byte (a test in mock-server/src/cli.rs compares them).
mock-help-about = The mock ID-Link service center: mutual TLS, accounts, validation, durable SS-MIX2 storage, journal.
mock-help-lang = The language of the messages printed (`ja` or `en`); without it, LC_ALL / LC_MESSAGES / LANG (ja_JP.* is Japanese), else English. `--print-json` and ready.json are the same in both
mock-help-serve = Run the service center until Ctrl-C or SIGTERM
mock-help-config = Print a configuration
mock-help-config-demo = Print the built-in demo configuration as TOML
mock-help-serve-config = The configuration (TOML); default: the built-in demo configuration
mock-help-serve-data = Data directory: documents, transaction log, journal, PKI and client kits
mock-help-serve-mtls-port = Port of the mutual-TLS listener (0: an ephemeral port, so runs never collide)
mock-help-serve-vpn-port = Port of the VPN listener (0: ephemeral)
mock-help-serve-admin-port = Port of the admin listener (0: ephemeral)
mock-help-serve-print-json = Print exactly one JSON line on stdout when ready (human text goes to stderr)
mock-help-serve-scenario = Run this scenario (`docs/scenarios.md`): its setup replaces the configuration's accounts and consents, its state machine decides how the center behaves
mock-help-serve-time-scale = Multiplies every scenario duration (1.0 = real time)
