#!/usr/bin/env python3
"""Unit tests for the pure parts of vendor_uploader.py (no network, no mock).

    python3 -m unittest conformance/tests/uploaders/test_vendor_uploader.py

The network behaviour is exercised against the real mock by try_against_mock.sh.
"""

import dataclasses
import email.message
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import vendor_uploader as vu  # noqa: E402  (the path above makes it importable)


def headers(**values: str) -> email.message.Message:
    """A stand-in for http.client.HTTPMessage (same case-insensitive get)."""
    message = email.message.Message()
    for name, value in values.items():
        message[name.replace("_", "-")] = value
    return message


def problem(status: int, code: str, **extra) -> bytes:
    return json.dumps({"type": f"https://idlink-harness.invalid/problems/{code}",
                       "title": "t", "status": status, "detail": "d", "code": code,
                       "retryable": False, "request_id": "req-1", **extra}).encode()


class DefectTable(unittest.TestCase):
    def test_every_defect_changes_exactly_one_behaviour(self):
        correct = dataclasses.asdict(vu.Behaviour())
        for name in vu.DEFECTS:
            with self.subTest(defect=name):
                broken = dataclasses.asdict(vu.behaviour_for(name))
                changed = [k for k in correct if correct[k] != broken[k]]
                self.assertEqual(len(changed), 1, changed)

    def test_no_two_defects_change_the_same_behaviour(self):
        fields = [next(iter(d.changes)) for d in vu.DEFECTS.values()]
        self.assertEqual(len(fields), len(set(fields)))

    def test_the_brief_names_are_all_there(self):
        self.assertEqual(set(vu.DEFECTS), {
            "no-retry", "fresh-key", "ignore-retry-after", "reencode", "insecure",
            "leak-secrets", "exit-zero", "retry-forever-on-4xx", "no-client-cert"})


class RetryAfterParsing(unittest.TestCase):
    def test_delta_seconds_are_nominal_and_scaled(self):
        ra = vu.parse_retry_after("3", None)
        self.assertEqual(ra, vu.RetryAfter(3.0, is_date=False))
        self.assertAlmostEqual(ra.real_seconds(0.1), 0.3)

    def test_a_date_is_measured_from_the_date_header_and_not_scaled(self):
        ra = vu.parse_retry_after("Sun, 29 Nov 2026 10:00:05 GMT",
                                  "Sun, 29 Nov 2026 10:00:00 GMT")
        self.assertEqual(ra, vu.RetryAfter(5.0, is_date=True))
        self.assertEqual(ra.real_seconds(0.1), 5.0)

    def test_a_past_date_means_now(self):
        ra = vu.parse_retry_after("Sun, 29 Nov 2026 09:00:00 GMT",
                                  "Sun, 29 Nov 2026 10:00:00 GMT")
        self.assertEqual(ra.seconds, 0.0)

    def test_garbage_is_ignored(self):
        self.assertIsNone(vu.parse_retry_after("soon", None))
        self.assertIsNone(vu.parse_retry_after(None, None))


class ResponseClassification(unittest.TestCase):
    SHA = bytes(32)

    def classify(self, status, body=b"", **hdrs):
        return vu.classify_response(status, headers(**hdrs), body, self.SHA)

    def test_created_and_replayed_are_delivered(self):
        receipt = json.dumps({"receipt_id": "rcpt-1", "sha256": self.SHA.hex()}).encode()
        self.assertEqual(self.classify(201, receipt).how, "201 created")
        replay = self.classify(200, receipt, Idempotency_Replayed="true")
        self.assertTrue(replay.delivered)
        self.assertEqual(replay.how, "200 replayed")

    def test_a_receipt_for_other_bytes_is_not_delivered(self):
        receipt = json.dumps({"receipt_id": "rcpt-1", "sha256": "ab" * 32}).encode()
        result = self.classify(200, receipt)
        self.assertFalse(result.delivered)
        self.assertFalse(result.retryable)

    def test_duplicate_is_delivered_with_the_first_receipt(self):
        result = self.classify(409, problem(409, "duplicate", receipt_id="rcpt-first"))
        self.assertTrue(result.delivered)
        self.assertEqual(result.receipt_id, "rcpt-first")

    def test_retryable_answers(self):
        for status, code in [(409, "upload-in-progress"), (429, "rate-limited"),
                             (500, "internal-error"), (503, "maintenance"), (502, "")]:
            with self.subTest(code=code):
                result = self.classify(status, problem(status, code), Retry_After="2")
                self.assertTrue(result.retryable)
                self.assertFalse(result.delivered)
                self.assertEqual(result.retry_after, vu.RetryAfter(2.0, is_date=False))

    def test_final_answers_carry_code_and_advice(self):
        for status, code in [(400, "invalid-request"), (401, "bad-credentials"),
                             (403, "consent-missing"), (413, "too-large"),
                             (415, "unsupported-media-type"), (422, "validation-failed"),
                             (422, "idempotency-key-reused")]:
            with self.subTest(code=code):
                result = self.classify(status, problem(status, code))
                self.assertFalse(result.retryable)
                self.assertEqual(result.code, code)
                self.assertTrue(result.advice)

    def test_the_problem_member_is_the_fallback_for_retry_after(self):
        result = self.classify(429, problem(429, "rate-limited", retry_after=4))
        self.assertEqual(result.retry_after, vu.RetryAfter(4.0, is_date=False))


class Backoff(unittest.TestCase):
    def test_waits_grow_and_never_shrink_even_at_the_cap(self):
        backoff = vu.Backoff(first_ceiling=2.0, cap=8.0)
        waits = [backoff.next() for _ in range(20)]
        self.assertTrue(1.0 <= waits[0] <= 2.0)
        self.assertEqual(waits, sorted(waits))
        self.assertLessEqual(max(waits), 8.0)


class ManifestEntries(unittest.TestCase):
    NAME = "9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1"

    def test_an_ss_mix2_name_fills_in_patient_and_data_kind(self):
        doc = vu.resolve_document(0, {"path": f"/x/{self.NAME}", "kind": "hl7"})
        self.assertEqual((doc.patient_id, doc.data_kind, doc.file_name),
                         ("9999013", "OMP-01", self.NAME))

    def test_hl7_without_a_data_kind_is_refused_naming_the_member(self):
        with self.assertRaisesRegex(vu.DocumentError, "data_kind"):
            vu.resolve_document(0, {"path": "/x/lab.hl7", "kind": "hl7", "patient_id": "1"})

    def test_a_local_hl7_name_is_not_sent_as_the_file_name(self):
        doc = vu.resolve_document(0, {"path": "/x/lab.hl7", "kind": "hl7", "patient_id": "1",
                                      "data_kind": "OML-11"})
        self.assertIsNone(doc.file_name)

    def test_content_type_carries_the_charset(self):
        doc = vu.resolve_document(0, {"path": "/x/a.hl7", "kind": "hl7", "patient_id": "1",
                                      "data_kind": "OMP-01", "charset": "Shift_JIS"})
        self.assertEqual(doc.content_type(), "application/hl7-v2; charset=shift_jis")

    def test_bad_members_are_refused(self):
        for entry in [{"kind": "pdf", "patient_id": "1"},
                      {"path": "/a", "kind": "dicom", "patient_id": "1"},
                      {"path": "/a", "kind": "pdf", "patient_id": "12345678901234567"},
                      {"path": "/a", "kind": "pdf", "patient_id": "1", "care_date": "2024-01-01"},
                      {"path": "/a", "kind": "pdf", "patient_id": "1", "charset": "euc-jp"},
                      {"path": "/a", "kind": "pdf", "patient_id": "1", "destination": "cloud"}]:
            with self.subTest(entry=entry), self.assertRaises(vu.DocumentError):
                vu.resolve_document(0, entry)

    def test_dicom_is_never_sent(self):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(b"\0" * 128 + b"DICM" + b"\0" * 16)
            f.flush()
            doc = vu.resolve_document(0, {"path": f.name, "kind": "pdf", "patient_id": "1"})
            with self.assertRaisesRegex(vu.DocumentError, "DICOM"):
                vu.preflight(doc)


class Keys(unittest.TestCase):
    def test_a_key_survives_a_restart_and_follows_the_bytes_not_the_path(self):
        with tempfile.TemporaryDirectory() as work:
            first = vu.Document(0, "/a/x.pdf", "x.pdf", "pdf", "1", "storage", None, None, None,
                                None, size=3, sha256=b"\1" * 32)
            moved = dataclasses.replace(first, path="/b/x.pdf")
            changed = dataclasses.replace(first, sha256=b"\2" * 32)
            key = vu.KeyStore(work, "0112345678").key_for(first)
            again = vu.KeyStore(work, "0112345678")  # a new process reads the file
            self.assertEqual(again.key_for(moved), key)
            self.assertNotEqual(again.key_for(changed), key)
            self.assertRegex(key, r"^0112345678-[0-9a-f-]{36}$")

    def test_a_damaged_state_file_stops_the_run(self):
        with tempfile.TemporaryDirectory() as work:
            with open(os.path.join(work, vu.KeyStore.FILE_NAME), "w") as f:
                f.write("{not json")
            with self.assertRaisesRegex(vu.ConfigError, "damaged"):
                vu.KeyStore(work, "0112345678")


class Configuration(unittest.TestCase):
    def test_every_missing_variable_is_named_at_once(self):
        with self.assertRaises(vu.ConfigError) as caught:
            vu.load_config({})
        for name in ("IDLINK_URL", "IDLINK_CA_FILE", "IDLINK_ACCOUNT_ID",
                     "IDLINK_ACCOUNT_PASSWORD_FILE", "IDLINK_FACILITY", "IDLINK_MANIFEST_FILE"):
            self.assertIn(name, str(caught.exception))

    def test_the_password_loses_its_line_ending_only_and_never_shows_in_repr(self):
        with tempfile.TemporaryDirectory() as d:
            paths = {}
            for name, text in [("ca", "x"), ("pw", " secret \n"), ("m", '{"documents": []}')]:
                paths[name] = os.path.join(d, name)
                with open(paths[name], "w") as f:
                    f.write(text)
            config = vu.load_config({
                "IDLINK_URL": "https://localhost:8443", "IDLINK_CA_FILE": paths["ca"],
                "IDLINK_ACCOUNT_ID": "fac-1", "IDLINK_ACCOUNT_PASSWORD_FILE": paths["pw"],
                "IDLINK_FACILITY": "0112345678", "IDLINK_MANIFEST_FILE": paths["m"],
                "IDLINK_WORK_DIR": d, "IDLINK_TIME_SCALE": "0.1"})
            self.assertEqual(config.password, " secret ")
            self.assertNotIn("secret", repr(config))
            self.assertIsNone(config.client_cert_file)  # VPN mode
            self.assertEqual((config.port, config.time_scale), (8443, 0.1))


if __name__ == "__main__":
    unittest.main()
