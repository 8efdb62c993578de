#!/usr/bin/env python3
"""An example ID-Link store-client uploader, written from docs/protocol.md alone.

What it is
    A small, careful third-party-style uploader for the idlink-harness conformance runner. It
    reads the "vendor interface" environment variables (IDLINK_*), uploads every document of the
    manifest with ``POST /v1/documents`` (protocol v1) and exits 0 only when every document was
    delivered. It uses the Python 3.11 standard library only, so a vendor can read it top to
    bottom and compare it with their own client.

    It also carries deliberately broken variants (``--defect NAME``), each changing exactly one
    behaviour, so the conformance suite can prove that it catches each class of mistake.
    ``--list-defects`` prints them; README.md next to this file says which expectation should
    catch each one.

Usage (the runner sets the variables; by hand see README.md)
    python3 vendor_uploader.py                 # the correct uploader
    python3 vendor_uploader.py --defect no-retry
    python3 vendor_uploader.py --list-defects

Output
    stdout: exactly one line per manifest document, in manifest order:
        OK   <file>: delivered (201 created), receipt rcpt-..., 1 attempt
        FAIL <file>: <status> <code>: <detail> [request req-...]. <what to do>.
    stderr: progress (one line per attempt and per wait) and the totals.
    Secrets (the account password, the private key) are never printed.

Exit codes
    0  every document was delivered (201, 200 idempotent replay, or 409 duplicate)
    1  at least one document was not delivered (the stdout lines say which and why)
    2  the configuration is unusable (missing variable, unreadable manifest or file): nothing
       was sent
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime
import email.utils
import hashlib
import http.client
import json
import os
import random
import re
import ssl
import sys
import tempfile
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field

# --------------------------------------------------------------------------------------------
# Protocol constants (docs/protocol.md, protocol v1)
# --------------------------------------------------------------------------------------------

UPLOAD_PATH = "/v1/documents"

#: PROTO-UP-003: the Content-Type that goes with each IDLink-Document-Kind.
CONTENT_TYPES = {
    "hl7": "application/hl7-v2",
    "nsips": "text/csv",
    "pdf": "application/pdf",
    "text": "text/plain",
}

#: PROTO-UP-003: the only charset parameters the server accepts.
CHARSETS = ("iso-2022-jp", "utf-8", "shift_jis")

#: PROTO-UP-006: the facility's local patient ID.
PATIENT_ID_RE = re.compile(r"^[A-Za-z0-9]{1,15}$")

#: PROTO-UP-007: `storage` or `appliance:<id>`. The appliance ID syntax is not specified, so we
#: only refuse what could never be a header value; the server says 422 unknown-destination.
DESTINATION_RE = re.compile(r"^(storage|appliance:[\x21-\x7e]+)$")

#: PROTO-UP-012: IDLink-Care-Date.
CARE_DATE_RE = re.compile(r"^[0-9]{8}$")

#: PROTO-UP-010: the server's default size limit. Refusing locally saves sending 64 MiB twice.
MAX_BODY_BYTES = 64 * 1024 * 1024

#: PROTO-CLI-003: problem codes that may succeed later. Everything else 4xx is final.
RETRYABLE_CODES = {"upload-in-progress", "rate-limited", "internal-error", "maintenance"}

#: What a problem code means for the person at the keyboard (the server's `detail` is printed
#: too; this is the "what to do next" part).
ADVICE = {
    "invalid-request": "a required header is missing or malformed: check the manifest entry",
    "digest-mismatch": "the file changed while it was being sent (or was altered in transit): "
    "run again once the file is stable",
    "unauthenticated": "check IDLINK_ACCOUNT_ID and IDLINK_ACCOUNT_PASSWORD_FILE",
    "bad-credentials": "check the account ID and password against the transfer account sheet "
    "(repeated failures lock the account)",
    "account-locked": "ask the service center to unlock the account",
    "password-expired": "set a new password with the service center",
    "account-disabled": "the account is disabled: contact the service center",
    "certificate-facility-mismatch": "the client certificate belongs to another facility: use "
    "this facility's certificate",
    "wrong-listener": "certificate accounts use the mTLS URL, VPN accounts the VPN URL: check "
    "IDLINK_URL",
    "facility-mismatch": "IDLINK_FACILITY is not the account's facility",
    "consent-missing": "the patient has no consent record for storage: register consent or "
    "send to an appliance",
    "duplicate": "already stored",
    "too-large": "the document is over the server's size limit",
    "unsupported-media-type": "check the document kind and charset (DICOM is never accepted)",
    "validation-failed": "fix the document (see the findings) and send it again",
    "patient-mismatch": "IDLink-Patient-Id must equal PID-3: check the manifest's patient_id",
    "unknown-destination": "the appliance is not known to the service center: check the "
    "destination",
    "idempotency-key-reused": "this document's saved idempotency key was used for other bytes: "
    "the file changed since the first attempt",
    "rate-limited": "the server is busy: run again later",
    "internal-error": "the server failed (nothing was stored): run again later",
    "maintenance": "the service center is in maintenance: run again later",
    "upload-in-progress": "another upload of this document is still running: run again later",
}

EXIT_ALL_DELIVERED = 0
EXIT_NOT_DELIVERED = 1
EXIT_CONFIG = 2

USER_AGENT = "idlink-vendor-example/1.0 (python-stdlib)"

# --------------------------------------------------------------------------------------------
# Behaviour and the deliberate defects
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Behaviour:
    """Every decision a defect can change, one field each. The defaults are the correct client.

    Keeping the switches in one place (instead of `if defect == ...` scattered through the code)
    makes it obvious that each defect changes exactly one behaviour and nothing else.
    """

    #: PROTO-CLI-002/003: retry retryable failures at all.
    retry_retryable: bool = True
    #: PROTO-CLI-001: one key per document, kept across attempts and runs.
    stable_key: bool = True
    #: PROTO-CLI-002: when set, every retry waits this many seconds, whatever the server said.
    fixed_retry_delay: float | None = None
    #: "The body is the document's bytes, unchanged" (Uploading a document): when set, HL7 in
    #: ISO-2022-JP or Shift_JIS is decoded and re-encoded as UTF-8 before sending.
    reencode_hl7_to_utf8: bool = False
    #: PROTO-CLI-004: verify the server certificate and host name.
    verify_server: bool = True
    #: PROTO-CLI-004: judge the certificate's validity dates by this computer's clock.
    check_cert_dates: bool = True
    #: Print the password and private key (never do this).
    leak_secrets: bool = False
    #: Exit status reflects the outcome.
    honest_exit_status: bool = True
    #: PROTO-CLI-003: every 4xx other than the retryable ones is final.
    retry_final_4xx: bool = False
    #: PROTO-TLS-003: present the client certificate when one is configured.
    present_client_cert: bool = True


@dataclass(frozen=True)
class Defect:
    """One deliberately broken variant: the single Behaviour field it changes, and why."""

    changes: dict
    summary: str
    caught_by: str


DEFECTS: dict[str, Defect] = {
    "no-retry": Defect(
        {"retry_retryable": False},
        "gives up after the first retryable failure (503, 429, reset, upload-in-progress)",
        "PROTO-CLI-002/003 in any fault scenario (503 + Retry-After, store-then-reset): "
        "`stored` fails (the document is missing) and `exit` expects zero",
    ),
    "fresh-key": Defect(
        {"stable_key": False},
        "uses a new Idempotency-Key on every attempt (and every run)",
        "PROTO-CLI-001: `same-key` fails; after store-then-reset the retry gets 409 duplicate "
        "instead of a 200 replay",
    ),
    "ignore-retry-after": Defect(
        {"fixed_retry_delay": 0.001},
        "retries after 1 ms, whatever Retry-After says (and without backoff)",
        "PROTO-CLI-002: `respects-retry-after` fails (gap < Retry-After x time scale); "
        "`backoff` fails without Retry-After",
    ),
    "reencode": Defect(
        {"reencode_hl7_to_utf8": True},
        "sends ISO-2022-JP / Shift_JIS HL7 re-encoded as UTF-8, same headers, digest of the "
        "new bytes",
        "'the body is the document's bytes, unchanged' (Uploading a document; "
        "PROTO-STORE-001): `stored` fails (not byte-identical; strict validation "
        "answers 422 validation-failed), the request is not recognised as the scenario's "
        "document (`no-unexpected`)",
    ),
    "insecure": Defect(
        {"verify_server": False},
        "accepts any server certificate (CERT_NONE, no host name check)",
        "PROTO-CLI-004 / PROTO-TLS-006: `refused-server-certificate` fails with a wrong-host or "
        "unknown-ca server certificate (a request and the credentials reached the server)",
    ),
    "ignore-cert-dates": Defect(
        {"check_cert_dates": False},
        "verifies the server certificate's chain and host name but not its validity dates "
        "(OpenSSL X509_V_FLAG_NO_CHECK_TIME), as a client does that 'fixes' a wrong clock",
        "PROTO-CLI-004: `refused-server-certificate` fails when the center's clock (and its "
        "PKI) is days off the uploader's (TLS-CLOCK-CENTER-AHEAD, -BEHIND) or its certificate "
        "expired (TLS-SERVER-CERT-EXPIRED)",
    ),
    "leak-secrets": Defect(
        {"leak_secrets": True},
        "prints the account password and the private key file to stdout",
        "`no-secrets` fails: the command's output holds the password and a PEM private key",
    ),
    "exit-zero": Defect(
        {"honest_exit_status": False},
        "always exits 0, even when a document was not delivered",
        "`exit` with status = non-zero fails in any scenario where delivery is impossible "
        "(consent-missing, validation-failed, locked account, untrusted server)",
    ),
    "retry-forever-on-4xx": Defect(
        {"retry_final_4xx": True},
        "retries final 4xx answers (validation-failed, bad-credentials, ...) up to the attempt "
        "bound",
        "PROTO-CLI-003: `attempts` with max = 1 fails after a 422 validation-failed or a 403; "
        "a wrong password retried 6 times also locks the account (PROTO-AUTH-003)",
    ),
    "no-client-cert": Defect(
        {"present_client_cert": False},
        "never presents the client certificate",
        "PROTO-TLS-003: `handshake-rejected` shows 'peer sent no certificates' and `stored` fails "
        "on the mTLS listener",
    ),
}


def behaviour_for(defect: str | None) -> Behaviour:
    """The correct behaviour, or the correct behaviour with one defect's field changed."""
    if defect is None:
        return Behaviour()
    return dataclasses.replace(Behaviour(), **DEFECTS[defect].changes)


# --------------------------------------------------------------------------------------------
# Configuration: the vendor interface environment
# --------------------------------------------------------------------------------------------


class ConfigError(Exception):
    """The configuration cannot work: reported once, nothing is sent, exit 2."""


@dataclass(frozen=True)
class Config:
    """The vendor interface, checked: only load_config() makes one."""

    host: str
    port: int
    base_path: str
    ca_file: str
    client_cert_file: str | None  # None: VPN mode (no client certificate)
    client_key_file: str | None
    account_id: str
    password: str = field(repr=False)  # repr=False: never ends up in a traceback or log
    facility: str
    manifest_file: str
    work_dir: str
    scenario: str
    time_scale: float


def _readable_file(env: dict, name: str, problems: list[str]) -> str | None:
    value = env.get(name)
    if not value:
        problems.append(f"{name} is not set")
        return None
    if not os.path.isfile(value):
        problems.append(f"{name}={value} is not a readable file")
        return None
    return value


def load_config(env: dict) -> Config:
    """Reads and checks every IDLINK_* variable, reporting all problems at once."""
    problems: list[str] = []

    url = env.get("IDLINK_URL", "")
    parsed = urllib.parse.urlsplit(url)
    if not url:
        problems.append("IDLINK_URL is not set")
    elif parsed.scheme != "https" or not parsed.hostname:
        # PROTO-TLS-001: there is no plain-HTTP listener, so an http:// URL is a mistake.
        problems.append(f"IDLINK_URL={url} must be https://HOST[:PORT]")

    ca_file = _readable_file(env, "IDLINK_CA_FILE", problems)

    cert = env.get("IDLINK_CLIENT_CERT_FILE") or None
    key = env.get("IDLINK_CLIENT_KEY_FILE") or None
    if bool(cert) != bool(key):
        problems.append(
            "set both IDLINK_CLIENT_CERT_FILE and IDLINK_CLIENT_KEY_FILE (mTLS) or neither (VPN)"
        )
    elif cert:
        cert = _readable_file(env, "IDLINK_CLIENT_CERT_FILE", problems)
        key = _readable_file(env, "IDLINK_CLIENT_KEY_FILE", problems)
    elif env.get("IDLINK_CLIENT_P12_FILE"):
        # The stdlib ssl module cannot load PKCS#12; the runner always sets the PEM pair too.
        problems.append(
            "only IDLINK_CLIENT_P12_FILE is set: this example needs the PEM pair "
            "(IDLINK_CLIENT_CERT_FILE, IDLINK_CLIENT_KEY_FILE)"
        )

    account_id = env.get("IDLINK_ACCOUNT_ID", "")
    if not account_id:
        problems.append("IDLINK_ACCOUNT_ID is not set")
    elif ":" in account_id:
        problems.append("IDLINK_ACCOUNT_ID must not contain ':' (HTTP Basic, PROTO-AUTH-001)")

    password = ""
    password_file = _readable_file(env, "IDLINK_ACCOUNT_PASSWORD_FILE", problems)
    if password_file:
        try:
            with open(password_file, "rb") as f:
                # Only the line ending goes: spaces may be part of a password.
                password = f.read().decode("utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as e:
            problems.append(f"cannot read IDLINK_ACCOUNT_PASSWORD_FILE: {type(e).__name__}")
        if password_file and not password:
            problems.append("IDLINK_ACCOUNT_PASSWORD_FILE is empty")

    facility = env.get("IDLINK_FACILITY", "")
    if not re.fullmatch(r"[0-9]{10}", facility):
        problems.append(f"IDLINK_FACILITY={facility!r} must be the 10-digit facility code")

    manifest_file = _readable_file(env, "IDLINK_MANIFEST_FILE", problems)

    work_dir = env.get("IDLINK_WORK_DIR") or os.getcwd()
    if not os.path.isdir(work_dir) or not os.access(work_dir, os.W_OK):
        problems.append(f"IDLINK_WORK_DIR={work_dir} is not a writable directory")

    time_scale = 1.0
    raw_scale = env.get("IDLINK_TIME_SCALE", "1.0")
    try:
        time_scale = float(raw_scale)
        if not 0.0 < time_scale < float("inf"):
            raise ValueError
    except ValueError:
        problems.append(f"IDLINK_TIME_SCALE={raw_scale!r} must be a number > 0 (1.0 = real time)")

    port = 443
    try:
        port = parsed.port or 443
    except ValueError:
        problems.append(f"IDLINK_URL={url} has an invalid port")

    if problems:
        raise ConfigError("; ".join(problems))

    return Config(
        host=parsed.hostname,
        port=port,
        base_path=parsed.path.rstrip("/"),
        ca_file=ca_file,
        client_cert_file=cert,
        client_key_file=key,
        account_id=account_id,
        password=password,
        facility=facility,
        manifest_file=manifest_file,
        work_dir=work_dir,
        scenario=env.get("IDLINK_SCENARIO", ""),
        time_scale=time_scale,
    )


# --------------------------------------------------------------------------------------------
# The manifest and the pre-flight check (PROTO-CLI-005)
# --------------------------------------------------------------------------------------------


class DocumentError(Exception):
    """This document cannot be sent as described; the others still go."""


@dataclass
class Document:
    """One manifest entry, resolved into exactly the headers we will send."""

    index: int
    path: str
    label: str  # what the person at the keyboard calls it: the file name
    kind: str
    patient_id: str
    destination: str
    data_kind: str | None
    care_date: str | None
    file_name: str | None
    charset: str | None
    size: int = 0
    sha256: bytes = b""

    def content_type(self) -> str:
        base = CONTENT_TYPES[self.kind]
        return f"{base}; charset={self.charset}" if self.charset else base


def load_manifest(path: str) -> list[dict]:
    try:
        with open(path, "rb") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        raise ConfigError(f"cannot read the manifest {path}: {e}") from None
    documents = manifest.get("documents") if isinstance(manifest, dict) else None
    if not isinstance(documents, list) or not all(isinstance(d, dict) for d in documents):
        raise ConfigError(f"manifest {path}: expected {{\"documents\": [{{...}}, ...]}}")
    return documents


def ssmix2_fields(name: str) -> dict | None:
    """Splits an SS-MIX2 standard-storage file name, or None when it is not one.

    `<patient>_<care date|->_<data kind>_<order>_<timestamp>_<department|->_<flag>`: used only to
    fill in a patient ID or data kind the manifest left out.
    """
    parts = name.split("_")
    if len(parts) != 7 or not PATIENT_ID_RE.match(parts[0]):
        return None
    if not (parts[1] == "-" or CARE_DATE_RE.match(parts[1])):
        return None
    if not re.fullmatch(r"[A-Z]{3}-[0-9]{2}", parts[2]):
        return None
    return {"patient_id": parts[0], "care_date": parts[1], "data_kind": parts[2]}


def _ascii_header_value(value: str) -> bool:
    return all(0x20 <= ord(c) < 0x7F for c in value)


def resolve_document(index: int, entry: dict) -> Document:
    """Turns a manifest entry into a Document, or says exactly what is wrong with it."""
    path = entry.get("path")
    if not isinstance(path, str) or not path:
        raise DocumentError("the manifest entry has no 'path'")
    label = os.path.basename(path) or path

    def member(name: str) -> str | None:
        value = entry.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise DocumentError(f"manifest member '{name}' must be a string")
        return value

    kind = member("kind")
    if kind not in CONTENT_TYPES:
        raise DocumentError(f"kind {kind!r} is not one of {', '.join(CONTENT_TYPES)}")

    from_name = ssmix2_fields(member("file_name") or label) if kind == "hl7" else None

    patient_id = member("patient_id") or (from_name or {}).get("patient_id")
    if not patient_id or not PATIENT_ID_RE.match(patient_id):
        raise DocumentError(
            f"patient_id {patient_id!r} must be 1 to 15 ASCII letters or digits (PROTO-UP-006)"
        )

    destination = member("destination") or "storage"
    if not DESTINATION_RE.match(destination):
        raise DocumentError(f"destination {destination!r} must be storage or appliance:<id>")

    data_kind = member("data_kind") or (from_name or {}).get("data_kind")
    if kind == "hl7" and not data_kind:
        raise DocumentError(
            "HL7 needs a data kind (PROTO-UP-012): add 'data_kind' (e.g. OMP-01) to the manifest"
        )
    if data_kind and (len(data_kind) > 64 or not _ascii_header_value(data_kind)):
        raise DocumentError(f"data_kind {data_kind!r} must be ASCII, at most 64 characters")

    care_date = member("care_date")
    if care_date is not None and not CARE_DATE_RE.match(care_date):
        raise DocumentError(f"care_date {care_date!r} must be YYYYMMDD")

    charset = member("charset")
    if charset is not None:
        charset = charset.lower()
        if charset not in CHARSETS:
            raise DocumentError(f"charset {charset!r} is not one of {', '.join(CHARSETS)}")

    # IDLink-File-Name: the manifest's file_name, else the file's own name, which names the
    # stored file of PDF, text and NSIPS documents. For HL7 the server cross-checks the name
    # as an SS-MIX2 file name, so there an arbitrary local name ("lab.hl7") is not sent.
    # The protocol gives header values no encoding: a non-ASCII name is left out, not mangled.
    file_name = member("file_name")
    if file_name is not None and not _ascii_header_value(file_name):
        raise DocumentError(f"file_name {file_name!r} must be printable ASCII")
    if file_name is None and _ascii_header_value(label):
        if kind != "hl7" or ssmix2_fields(label):
            file_name = label

    return Document(
        index=index,
        path=path,
        label=label,
        kind=kind,
        patient_id=patient_id,
        destination=destination,
        data_kind=data_kind,
        care_date=care_date,
        file_name=file_name,
        charset=charset,
    )


def preflight(doc: Document) -> None:
    """PROTO-CLI-005: checks we can make without an HL7 parser, before anything is sent.

    Deep validation (HL7 structure, character sets, NSIPS envelope) is the server's job and
    comes back as 422 validation-failed with findings; this only refuses what can never be
    right, so the server never sees DICOM and never gets an unreadable or oversized file.
    """
    try:
        size = os.path.getsize(doc.path)
        digest = hashlib.sha256()
        with open(doc.path, "rb") as f:
            head = f.read(132)
            digest.update(head)
            # Streamed: a 64 MiB document is never held in memory just to hash it.
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as e:
        raise DocumentError(f"cannot read {doc.path}: {e.strerror or e}") from None
    if size == 0:
        raise DocumentError("the file is empty")
    if size > MAX_BODY_BYTES:
        raise DocumentError(f"the file is {size} bytes, over the 64 MiB limit (PROTO-UP-010)")
    if head[128:132] == b"DICM":
        raise DocumentError("the file is DICOM (preamble + DICM): ID-Link never accepts DICOM")
    doc.size = size
    doc.sha256 = digest.digest()


# --------------------------------------------------------------------------------------------
# Idempotency keys that survive restarts (PROTO-CLI-001)
# --------------------------------------------------------------------------------------------


class KeyStore:
    """One idempotency key per document, written to IDLINK_WORK_DIR before its first use.

    The key must be on disk *before* the first request: if we crash after the server stored
    the document but before we saw the 201, the next run must send the same key to get the
    first receipt back (200 replay) instead of a second copy or a 409 duplicate.

    A document is identified by what makes it "the same upload" for the server: its bytes,
    patient and destination. Not its path: a runner may copy the file elsewhere between runs.
    """

    FILE_NAME = "idlink-uploader-state.json"
    SCHEMA = "idlink-vendor-example-state/1"

    def __init__(self, work_dir: str, facility: str):
        self.path = os.path.join(work_dir, self.FILE_NAME)
        self.facility = facility
        self.entries: dict[str, dict] = {}
        if os.path.exists(self.path):
            try:
                with open(self.path, "rb") as f:
                    state = json.load(f)
                if state.get("schema") != self.SCHEMA:
                    raise ValueError(f"schema is {state.get('schema')!r}")
                self.entries = state["documents"]
            except (OSError, ValueError, KeyError, AttributeError) as e:
                # Starting over silently would give every document a new key and break
                # PROTO-CLI-001, so a damaged state file stops the run.
                raise ConfigError(
                    f"the idempotency state {self.path} is damaged ({e}); move it aside to start "
                    "over (documents already stored will then answer 409 duplicate)"
                ) from None

    @staticmethod
    def identity(doc: Document) -> str:
        h = hashlib.sha256()
        for part in (doc.sha256.hex(), doc.kind, doc.patient_id, doc.destination):
            h.update(part.encode() + b"\0")
        return h.hexdigest()

    def new_key(self) -> str:
        # `<facility>-<uuid4>`: 47 characters of PROTO-IDEM-001's alphabet, unique without
        # coordination, and the facility prefix helps an operator reading the server's journal.
        return f"{self.facility}-{uuid.uuid4()}"

    def key_for(self, doc: Document) -> str:
        ident = self.identity(doc)
        entry = self.entries.get(ident)
        if entry is None:
            entry = {"idempotency_key": self.new_key(), "first_path": doc.path,
                     "sha256": doc.sha256.hex()}
            self.entries[ident] = entry
            self._save()
        return entry["idempotency_key"]

    def record(self, doc: Document, **facts) -> None:
        """Remembers the outcome (receipt ID) for the operator; keys are never changed."""
        entry = self.entries.get(self.identity(doc))
        if entry is not None:
            entry.update(facts)
            self._save()

    def _save(self) -> None:
        # Write-to-temp, fsync, rename: a crash leaves either the old or the new file, never
        # a torn one (which would lose every key).
        state = {"schema": self.SCHEMA, "documents": self.entries}
        directory = os.path.dirname(self.path)
        fd, tmp = tempfile.mkstemp(prefix=".state-", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(state, f, indent=2, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# --------------------------------------------------------------------------------------------
# TLS (PROTO-TLS-*, PROTO-CLI-004)
# --------------------------------------------------------------------------------------------


def make_tls_context(config: Config, behaviour: Behaviour) -> ssl.SSLContext:
    """A client context trusting IDLINK_CA_FILE only, with our certificate when we have one."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the peer and its host name
    # PROTO-TLS-002: TLS 1.2 is the floor; for 1.2 only ECDHE + AEAD suites (1.3 suites are all
    # AEAD and are not affected by set_ciphers).
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("ECDHE+AESGCM:ECDHE+CHACHA20")
    # http.client speaks HTTP/1.1 only; offering h2 would be a lie.
    ctx.set_alpn_protocols(["http/1.1"])
    if behaviour.verify_server:
        # Only the facility's CA: the system store must not be able to vouch for the server.
        try:
            ctx.load_verify_locations(cafile=config.ca_file)
        except (ssl.SSLError, OSError) as e:
            raise ConfigError(f"IDLINK_CA_FILE={config.ca_file} holds no usable PEM "
                              f"certificate: {getattr(e, 'reason', None) or e}") from None
        if not behaviour.check_cert_dates:
            # DEFECT ignore-cert-dates: X509_V_FLAG_NO_CHECK_TIME (not named by the ssl module).
            ctx.verify_flags |= 0x200000
    else:
        ctx.check_hostname = False  # DEFECT insecure: must be switched off before CERT_NONE
        ctx.verify_mode = ssl.CERT_NONE
    if config.client_cert_file and behaviour.present_client_cert:
        try:
            # password=b"": an encrypted key must fail here, not prompt on a terminal nobody
            # is watching (the runner gives us no stdin).
            ctx.load_cert_chain(config.client_cert_file, config.client_key_file, password=b"")
        except (ssl.SSLError, OSError) as e:
            # Deliberately not echoing file contents: the key is a secret.
            raise ConfigError(
                f"cannot load the client certificate {config.client_cert_file} with key "
                f"{config.client_key_file}: {getattr(e, 'reason', None) or e} (the key must be "
                "unencrypted PEM and match the first certificate of the chain)"
            ) from None
    return ctx


def server_alert(e: BaseException) -> str | None:
    """The TLS alert the server sent, by its RFC 8446 name (`unknown_ca`), or None.

    OpenSSL reports it as e.g. TLSV1_ALERT_UNKNOWN_CA or SSLV3_ALERT_CERTIFICATE_REVOKED."""
    reason = str(getattr(e, "reason", "") or "") if isinstance(e, ssl.SSLError) else ""
    _, found, name = reason.upper().partition("_ALERT_")
    return name.lower() if found else None


def is_certificate_alert(e: BaseException) -> bool:
    """True when the server refused our certificate (bad, unknown CA, expired, revoked, missing,
    access denied). Sending the same certificate again cannot succeed, so this is final.
    Other alerts (internal_error, handshake_failure, ...) are treated as connection failures."""
    alert = server_alert(e) or ""
    return any(word in alert for word in ("certificate", "unknown_ca", "access_denied"))


# --------------------------------------------------------------------------------------------
# One attempt: send, then classify the answer
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryAfter:
    """A server's Retry-After (RFC 9110 10.2.3), in one of its two forms."""

    seconds: float
    #: True for the HTTP-date form. The harness sends "now + the already SCALED wait" as the
    #: date, so a date is waited for as is; only delta-seconds are nominal and get scaled.
    is_date: bool

    def real_seconds(self, scale: float) -> float:
        return self.seconds if self.is_date else self.seconds * scale

    def __str__(self) -> str:
        return f"until the date ({self.seconds:.1f} s)" if self.is_date else f"{self.seconds:g} s"


@dataclass
class Attempt:
    """What one request came to."""

    delivered: bool = False
    retryable: bool = False
    status: int | None = None  # None: no HTTP response at all
    code: str = ""  # problem code, or our own category for transport failures
    how: str = ""  # for delivered: "201 created", "200 replayed", "409 duplicate"
    message: str = ""
    advice: str = ""
    receipt_id: str | None = None
    request_id: str | None = None
    retry_after: RetryAfter | None = None
    findings: list = field(default_factory=list)


def parse_retry_after(value: str | None, date_header: str | None) -> RetryAfter | None:
    """Retry-After: delta-seconds or an HTTP date; None when absent or unreadable.

    For a date we measure from the response's own Date header when there is one, so a skewed
    local clock does not change the wait (Date is truncated to the second, so this can only make
    the wait longer, never shorter).
    """
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return RetryAfter(float(int(value)), is_date=False)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = datetime.datetime.now(datetime.timezone.utc)
    if date_header:
        try:
            now = email.utils.parsedate_to_datetime(date_header)
        except (TypeError, ValueError):
            pass
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=datetime.timezone.utc)
    return RetryAfter(max(0.0, (when - now).total_seconds()), is_date=True)


def classify_response(status: int, headers: http.client.HTTPMessage, raw: bytes,
                      sent_sha256: bytes) -> Attempt:
    request_id = headers.get("IDLink-Request-Id")
    body = None
    try:
        body = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        body = None
    if not isinstance(body, dict):
        body = {}

    if status in (200, 201):
        receipt_id = body.get("receipt_id")
        replayed = headers.get("Idempotency-Replayed", "").strip().lower() == "true"
        how = "201 created" if status == 201 else ("200 replayed" if replayed else "200 ok")
        # A receipt for other bytes would mean our key belongs to another document: never call
        # that delivered.
        stored = str(body.get("sha256", "")).lower()
        if stored and stored != sent_sha256.hex():
            return Attempt(status=status, code="receipt-digest-differs", request_id=request_id,
                           receipt_id=receipt_id,
                           message=f"{how} but the receipt's sha256 {stored} is not this file's",
                           advice="the saved idempotency key belongs to other bytes: move the "
                           "state file aside and run again")
        return Attempt(delivered=True, status=status, how=how, receipt_id=receipt_id,
                       request_id=request_id, findings=body.get("warnings") or [])

    code = str(body.get("code") or "")
    detail = str(body.get("detail") or body.get("title") or "").strip()
    retry_after = parse_retry_after(headers.get("Retry-After"), headers.get("Date"))
    if retry_after is None and isinstance(body.get("retry_after"), (int, float)):
        retry_after = RetryAfter(float(body["retry_after"]), is_date=False)
    attempt = Attempt(status=status, code=code or f"http-{status}", request_id=request_id,
                      retry_after=retry_after, findings=body.get("findings") or [],
                      receipt_id=body.get("receipt_id"))

    if status == 409 and code == "duplicate":
        # PROTO-IDEM-005: the same bytes are already stored (under another key): delivered.
        attempt.delivered, attempt.how = True, "409 duplicate"
        return attempt

    attempt.retryable = status >= 500 or status == 429 or code in RETRYABLE_CODES
    attempt.message = f"{status} {code or http.client.responses.get(status, '')}".strip()
    if detail:
        attempt.message += f": {detail}"
    attempt.advice = ADVICE.get(code, "")
    if not attempt.advice and not attempt.retryable:
        attempt.advice = "unexpected answer from the server: see its journal for the request ID"
    return attempt


# The phase an attempt failed in: it decides whether the server can have stored the document.
CONNECTING = "connecting (TCP + TLS handshake)"
SENDING = "sending the request"
AWAITING = "waiting for the answer"


def transport_failure(phase: str, e: BaseException, config: Config) -> Attempt:
    """A failure with no HTTP response. Names the phase, never guesses the server's reason."""
    what = f"{type(e).__name__}: {getattr(e, 'reason', None) or e}"
    if isinstance(e, ssl.SSLCertVerificationError):
        # Not retryable: the server's certificate will not become trusted by waiting.
        return Attempt(code="server-certificate-untrusted",
                       message=f"the server certificate was not accepted "
                       f"({e.verify_message or what})",
                       advice=f"check IDLINK_CA_FILE ({config.ca_file}) and IDLINK_URL's host "
                       "name; never disable verification")
    if is_certificate_alert(e):
        # PROTO-CLI-006: the server refused our TLS side. The alert is all we know; the exact
        # reason is only in the server's journal, and we do not guess it.
        return Attempt(code="tls-rejected",
                       message=f"TLS rejected by the server (it sent the TLS alert "
                       f"{server_alert(e)})",
                       advice="check the client certificate (valid, not expired or revoked, this "
                       "facility's) and the CA; the server's journal has the exact reason")
    if phase in (SENDING, AWAITING) and isinstance(
            e, (ConnectionError, ssl.SSLEOFError, ssl.SSLZeroReturnError,
                http.client.HTTPException)):
        # A fresh connection closed before any answer. PROTO-CLI-006: under TLS 1.3 this is how
        # a refused client certificate often looks, so we say so without inventing a reason.
        # It is also how a server restart or a lost answer looks, which is why it is retried:
        # if the whole request went out the server may have stored the document, and the same
        # Idempotency-Key turns the retry into a 200 replay (PROTO-IDEM-002).
        stage = ("after the whole request was sent (the document may be stored)"
                 if phase == AWAITING else "while the request was being sent")
        return Attempt(retryable=True, code="closed-before-response",
                       message=f"TLS rejected by the server (reason not given), or the "
                       f"connection was lost: closed before any response, {stage} ({what})",
                       advice="if this persists, check the client certificate (valid, not "
                       "revoked, this facility's); the server's journal has the exact reason")
    if isinstance(e, TimeoutError):
        return Attempt(retryable=True, code="timeout", message=f"timed out {phase}",
                       advice="check the network path to IDLINK_URL (the same key makes a "
                       "retry safe even if the server stored the document)")
    return Attempt(retryable=True, code="connection-failed",
                   message=f"connection failed {phase} ({what})",
                   advice="check that IDLINK_URL is reachable")


def send_once(config: Config, ctx: ssl.SSLContext, doc: Document, body: bytes | None,
              key: str, timeout: float) -> Attempt:
    """One fresh TLS connection, one request. `body` None means: stream the file."""
    auth = base64.b64encode(f"{config.account_id}:{config.password}".encode()).decode()
    content_length = len(body) if body is not None else doc.size
    digest = hashlib.sha256(body).digest() if body is not None else doc.sha256
    headers = {
        "Authorization": f"Basic {auth}",
        "Content-Type": doc.content_type(),
        "Content-Length": str(content_length),
        "Content-Digest": f"sha-256=:{base64.b64encode(digest).decode()}:",
        "Idempotency-Key": key,
        "IDLink-Document-Kind": doc.kind,
        "IDLink-Facility": config.facility,
        "IDLink-Patient-Id": doc.patient_id,
        "IDLink-Destination": doc.destination,
        "Accept": "application/json, application/problem+json",
        "User-Agent": USER_AGENT,
    }
    if doc.data_kind:
        headers["IDLink-Data-Kind"] = doc.data_kind
    if doc.care_date:
        headers["IDLink-Care-Date"] = doc.care_date
    if doc.file_name:
        headers["IDLink-File-Name"] = doc.file_name

    # Opened before connecting: a file that vanished is a local error (raised to the caller),
    # not a connection failure to retry.
    stream = open(doc.path, "rb") if body is None else None
    conn = http.client.HTTPSConnection(config.host, config.port, context=ctx, timeout=timeout)
    try:
        try:
            conn.connect()  # TCP + TLS handshake: a distrusted server stops us here
        except (OSError, ssl.SSLError) as e:
            return transport_failure(CONNECTING, e, config)

        send_error = None
        try:
            conn.request("POST", config.base_path + UPLOAD_PATH,
                         body=stream if stream is not None else body, headers=headers)
        except OSError as e:
            # The server may have answered early (413 before reading the body) and closed;
            # the answer can still be in our receive buffer, so try to read it.
            send_error = e

        try:
            response = conn.getresponse()
            raw = response.read(1 << 20)  # problem documents and receipts are small
        except (OSError, http.client.HTTPException) as e:
            if send_error is None:
                return transport_failure(AWAITING, e, config)
            # Of the two errors, a TLS alert is the one that explains the other.
            return transport_failure(SENDING, e if server_alert(e) else send_error, config)
        return classify_response(response.status, response.headers, raw, digest)
    finally:
        if stream is not None:
            stream.close()
        conn.close()


# --------------------------------------------------------------------------------------------
# One document: attempts, waits, the verdict
# --------------------------------------------------------------------------------------------


@dataclass
class Options:
    max_attempts: int
    budget_seconds: float  # nominal; scaled like every other wait
    first_backoff: float  # nominal ceiling of the first backoff; doubles each retry
    max_backoff: float  # nominal
    timeout: float  # real seconds of socket inactivity (already scaled, see run())


def reencode_as_utf8(doc: Document) -> bytes | None:
    """DEFECT reencode: the bytes a naive 'normalise to UTF-8' step would produce.

    Returns None (send the file unchanged) for anything but HL7 in a Japanese legacy charset.
    """
    if doc.kind != "hl7":
        return None
    with open(doc.path, "rb") as f:
        data = f.read()
    if doc.charset == "shift_jis":
        codec = "cp932"
    elif doc.charset == "iso-2022-jp" or (doc.charset is None and b"\x1b" in data):
        codec = "iso2022_jp"
    else:
        return None
    return data.decode(codec, errors="replace").encode("utf-8")


class Backoff:
    """Exponential backoff with "equal jitter", never shrinking, in nominal seconds.

    Each wait is drawn between half and all of a ceiling that doubles per retry (2, 4, 8, ...
    up to a cap). Full jitter (0 to the ceiling) spreads clients best but can come out near 0,
    which is no backoff at all; equal jitter keeps a floor while clients still spread out. A
    wait is never shorter than the previous one, also once the cap is reached.
    """

    def __init__(self, first_ceiling: float, cap: float):
        self.first_ceiling = first_ceiling
        self.cap = cap
        self.retries = 0
        self.previous = 0.0

    def next(self) -> float:
        ceiling = min(self.cap, self.first_ceiling * 2 ** self.retries)
        self.retries += 1
        self.previous = max(self.previous, random.uniform(ceiling / 2, ceiling))
        return self.previous


def next_wait(result: Attempt, behaviour: Behaviour, backoff: Backoff,
              scale: float) -> tuple[float, str]:
    """Real seconds to wait before the next attempt, and why (for the log)."""
    if behaviour.fixed_retry_delay is not None:
        return behaviour.fixed_retry_delay, "fixed delay"  # DEFECT ignore-retry-after
    if result.retry_after is not None:
        # PROTO-CLI-002: not before Retry-After. The small extra (at most 100 ms nominal) keeps
        # many clients from coming back in the same millisecond; it never makes a wait shorter.
        wait = result.retry_after.real_seconds(scale) + random.uniform(0.0, 0.1) * scale
        how = "" if result.retry_after.is_date else f" x scale {scale:g}"
        return wait, f"Retry-After {result.retry_after}{how}"
    nominal = backoff.next()
    return nominal * scale, f"backoff {nominal:.2f} s x scale {scale:g}"


@dataclass
class Verdict:
    doc_label: str
    delivered: bool
    line: str


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def describe_failure(result: Attempt) -> str:
    """The answer in one line: status and code, detail, first finding, request ID."""
    text = result.message or result.code
    # The first error (warnings do not block), unless the server's detail already quotes it.
    findings = [f for f in result.findings if isinstance(f, dict)]
    errors = [f for f in findings if f.get("severity", "error") == "error"] or findings
    if errors and str(errors[0].get("code")) not in text:
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        text += f"; first error {errors[0].get('code')}: {errors[0].get('message')}{more}"
    if result.request_id:
        # IDLink-Request-Id is also in the server's journal (PROTO-CONN-002).
        text += f" [request {result.request_id}]"
    return text


def deliver(doc: Document, config: Config, ctx: ssl.SSLContext, keys: KeyStore,
            behaviour: Behaviour, options: Options, prefix: str) -> Verdict:
    """Sends one document until it is delivered, a final answer comes, or we run out."""
    body = reencode_as_utf8(doc) if behaviour.reencode_hl7_to_utf8 else None
    stable_key = keys.key_for(doc) if behaviour.stable_key else None
    deadline = time.monotonic() + options.budget_seconds * config.time_scale
    backoff = Backoff(options.first_backoff, options.max_backoff)
    result = Attempt()

    for attempt_no in range(1, options.max_attempts + 1):
        key = stable_key or keys.new_key()  # DEFECT fresh-key: a new one every attempt
        result = send_once(config, ctx, doc, body, key, options.timeout)
        if result.delivered:
            log(f"{prefix} attempt {attempt_no}: {result.how}, receipt {result.receipt_id}")
            keys.record(doc, receipt_id=result.receipt_id, outcome=result.how)
            for warning in result.findings:
                if isinstance(warning, dict):
                    log(f"{prefix}   warning {warning.get('code')}: {warning.get('message')}")
            attempts = "1 attempt" if attempt_no == 1 else f"{attempt_no} attempts"
            return Verdict(doc.label, True,
                           f"OK   {doc.label}: delivered ({result.how}), receipt "
                           f"{result.receipt_id}, {attempts}")

        log(f"{prefix} attempt {attempt_no}: {describe_failure(result)}")
        for finding in result.findings:
            if isinstance(finding, dict):
                where = finding.get("location")
                where = f" at {json.dumps(where, ensure_ascii=False)}" if where else ""
                hint = f" (hint: {finding['hint']})" if finding.get("hint") else ""
                log(f"{prefix}   {finding.get('severity', 'error')} {finding.get('code')}{where}: "
                    f"{finding.get('message')}{hint}")

        is_4xx = result.status is not None and 400 <= result.status < 500
        if not (result.retryable or (behaviour.retry_final_4xx and is_4xx)):
            return Verdict(doc.label, False,
                           f"FAIL {doc.label}: {describe_failure(result)}. Not retried (a final "
                           f"answer): {result.advice}.")
        if not behaviour.retry_retryable:
            return Verdict(doc.label, False,
                           f"FAIL {doc.label}: {describe_failure(result)}. Gave up without "
                           "retrying.")
        if attempt_no == options.max_attempts:
            break
        wait, why = next_wait(result, behaviour, backoff, config.time_scale)
        if time.monotonic() + wait > deadline:
            return Verdict(doc.label, False,
                           f"FAIL {doc.label}: {describe_failure(result)}. Not retried: the wait "
                           f"({why}) would end after the time budget (--budget); "
                           f"{result.advice or 'run again later'}.")
        log(f"{prefix} waiting {wait:.3f} s before attempt {attempt_no + 1} ({why})")
        time.sleep(wait)

    return Verdict(doc.label, False,
                   f"FAIL {doc.label}: {describe_failure(result)}. Still failing after "
                   f"{options.max_attempts} attempts: {result.advice or 'run again later'} "
                   "(the next run reuses this document's idempotency key).")


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Example ID-Link uploader (protocol v1) driven by the IDLINK_* environment "
        "of the conformance runner. Exit 0: all delivered; 1: some not delivered; 2: bad "
        "configuration.")
    parser.add_argument("--defect", choices=sorted(DEFECTS),
                        help="run a deliberately broken variant (see --list-defects)")
    parser.add_argument("--list-defects", action="store_true",
                        help="print the defects, what each breaks and what should catch it")
    parser.add_argument("--max-attempts", type=int, default=6,
                        help="attempts per document, first one included (default 6)")
    parser.add_argument("--budget", type=float, default=300.0, metavar="SECONDS",
                        help="nominal time budget per document, scaled by IDLINK_TIME_SCALE; "
                        "no wait may end after it (default 300)")
    parser.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS",
                        help="nominal socket inactivity timeout, scaled by IDLINK_TIME_SCALE "
                        "with a floor of 1 real second (default 20)")
    args = parser.parse_args(argv)
    if args.max_attempts < 1:
        parser.error("--max-attempts must be at least 1")
    return args


def leak_secrets(config: Config) -> None:
    """DEFECT leak-secrets: exactly what a client must never do."""
    print(f"DEBUG account {config.account_id} password {config.password}")
    if config.client_key_file:
        with open(config.client_key_file, encoding="utf-8", errors="replace") as f:
            print(f"DEBUG client key {config.client_key_file}:\n{f.read()}", end="")


def run(args: argparse.Namespace, behaviour: Behaviour) -> int:
    try:
        config = load_config(dict(os.environ))
        entries = load_manifest(config.manifest_file)
        ctx = make_tls_context(config, behaviour)
        keys = KeyStore(config.work_dir, config.facility)
    except ConfigError as e:
        print(f"FAIL configuration: {e}")
        return EXIT_CONFIG

    if behaviour.leak_secrets:
        leak_secrets(config)

    mode = "mTLS" if config.client_cert_file else "VPN (no client certificate)"
    log(f"uploading {len(entries)} document(s) to {config.host}:{config.port} as "
        f"{config.account_id} (facility {config.facility}, {mode}, time scale "
        f"{config.time_scale:g}{', scenario ' + config.scenario if config.scenario else ''}"
        f"{', DEFECT ' + args.defect if args.defect else ''})")

    # The harness scales its stalls and hangs ("store-then-hang") and the run's deadline, so a
    # fixed real timeout would outlive a scaled deadline: scale it too, with a floor so that a
    # tiny scale still leaves time for a TLS handshake.
    options = Options(max_attempts=args.max_attempts, budget_seconds=args.budget,
                      first_backoff=2.0, max_backoff=30.0,
                      timeout=max(1.0, args.timeout * config.time_scale))
    verdicts: list[Verdict] = []
    for index, entry in enumerate(entries):
        prefix = f"[{index + 1}/{len(entries)}]"
        try:
            doc = resolve_document(index, entry)
            prefix += f" {doc.label}"
            preflight(doc)
        except DocumentError as e:
            name = os.path.basename(str(entry.get("path", ""))) or f"document #{index + 1}"
            verdicts.append(Verdict(name, False, f"FAIL {name}: not sent (pre-flight check): {e}."))
            log(f"{prefix} not sent: {e}")
            continue
        try:
            verdicts.append(deliver(doc, config, ctx, keys, behaviour, options, prefix))
        except OSError as e:
            # E.g. the state file could not be written: without a saved key we must not send.
            verdicts.append(Verdict(doc.label, False,
                                    f"FAIL {doc.label}: local error ({e}). Check "
                                    "IDLINK_WORK_DIR and the file."))

    for verdict in verdicts:
        print(verdict.line, flush=True)
    delivered = sum(v.delivered for v in verdicts)
    log(f"{delivered} of {len(verdicts)} document(s) delivered")
    return EXIT_ALL_DELIVERED if delivered == len(verdicts) else EXIT_NOT_DELIVERED


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.list_defects:
        for name, defect in sorted(DEFECTS.items()):
            print(f"{name}\n  breaks: {defect.summary}\n  caught by: {defect.caught_by}")
        return 0
    behaviour = behaviour_for(args.defect)
    status = run(args, behaviour)
    return status if behaviour.honest_exit_status else 0  # DEFECT exit-zero


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
