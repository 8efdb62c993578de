//! Every problem code the center can produce, one table row per cause, each checked for its
//! status, code, requirement and `PROTO-ERR-001` members.

use idlink_certs::Variant;
use idlink_mock::{Fault, JournalEvent, MockCenter, MockConfig};
use idlink_protocol::{ContentDigest, ProblemCode};
use reqwest::{Client, RequestBuilder};

use crate::support::*;

/// What a row can use to build its request.
struct Ctx {
    mtls: Client,
    vpn: Client,
    other_cert: Client,
    mtls_url: String,
    vpn_url: String,
}

fn upload(ctx: &Ctx) -> RequestBuilder {
    hl7_upload(
        &ctx.mtls,
        &ctx.mtls_url,
        CERT_ACCOUNT,
        "key-problem",
        SAMPLE_OMP01,
    )
}

fn whoami(client: &Client, base: &str, account: (&str, &str)) -> RequestBuilder {
    client
        .get(format!("{base}/v1/whoami"))
        .basic_auth(account.0, Some(account.1))
}

/// `RequestBuilder::header` appends; a row that overrides a header must replace it.
trait Set {
    fn set(self, name: &'static str, value: impl AsRef<str>) -> Self;
}

impl Set for RequestBuilder {
    fn set(self, name: &'static str, value: impl AsRef<str>) -> Self {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(name, value.as_ref().parse().unwrap());
        self.headers(headers)
    }
}

/// An upload without a `Content-Digest` header at all.
fn without_digest(c: &Ctx) -> RequestBuilder {
    c.mtls
        .post(format!("{}/v1/documents", c.mtls_url))
        .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
        .header("content-type", "application/hl7-v2")
        .header("idlink-document-kind", "hl7")
        .header("idlink-data-kind", "OMP-01")
        .header("idlink-facility", "0112345678")
        .header("idlink-patient-id", "9999013")
        .header("idlink-destination", "storage")
        .header("idempotency-key", "k")
        .body(SAMPLE_OMP01)
}

const BROKEN_HL7: &[u8] = include_bytes!("../../formats/tests/data/broken/escape-jis-roman.hl7");
const DICOM: &[u8] = include_bytes!("../../formats/tests/data/dicom/preamble.dcm");

/// (case, request, expected code, fragment of the detail or header).
type Row = (
    &'static str,
    fn(&Ctx) -> RequestBuilder,
    ProblemCode,
    &'static str,
);

const ROWS: &[Row] = &[
    // PROTO-AUTH-001
    (
        "no credentials",
        |c| c.mtls.get(format!("{}/v1/whoami", c.mtls_url)),
        ProblemCode::Unauthenticated,
        "Authorization",
    ),
    // PROTO-AUTH-002: the same answer for a wrong password and an unknown account.
    (
        "wrong password",
        |c| whoami(&c.mtls, &c.mtls_url, ("fac-0112345678", "nope")),
        ProblemCode::BadCredentials,
        "wrong",
    ),
    (
        "unknown account",
        |c| whoami(&c.mtls, &c.mtls_url, ("nobody", "x")),
        ProblemCode::BadCredentials,
        "wrong",
    ),
    (
        "locked account",
        |c| {
            whoami(
                &c.mtls,
                &c.mtls_url,
                ("locked-0112345678", "demo-locked-pass"),
            )
        },
        ProblemCode::AccountLocked,
        "unlock",
    ),
    // PROTO-AUTH-004
    (
        "expired password",
        |c| {
            whoami(
                &c.mtls,
                &c.mtls_url,
                ("expired-0112345678", "demo-expired-pass"),
            )
        },
        ProblemCode::PasswordExpired,
        "expired",
    ),
    // PROTO-AUTH-005
    (
        "disabled account",
        |c| {
            whoami(
                &c.mtls,
                &c.mtls_url,
                ("disabled-0112345678", "demo-disabled-pass"),
            )
        },
        ProblemCode::AccountDisabled,
        "disabled",
    ),
    (
        "certificate of another facility",
        |c| whoami(&c.other_cert, &c.mtls_url, CERT_ACCOUNT),
        ProblemCode::CertificateFacilityMismatch,
        "0198765432",
    ),
    // PROTO-AUTH-007: on the VPN listener a certificate account is an unknown account.
    (
        "certificate account on the VPN listener",
        |c| whoami(&c.vpn, &c.vpn_url, CERT_ACCOUNT),
        ProblemCode::BadCredentials,
        "wrong",
    ),
    (
        "VPN account on the mTLS listener",
        |c| whoami(&c.mtls, &c.mtls_url, VPN_ACCOUNT),
        ProblemCode::WrongListener,
        "VPN",
    ),
    (
        "unknown route",
        |c| c.mtls.get(format!("{}/v1/nothing", c.mtls_url)),
        ProblemCode::NotFound,
        "no such endpoint",
    ),
    (
        "unknown receipt",
        |c| {
            c.mtls
                .get(format!("{}/v1/receipts/rcpt-NOPE", c.mtls_url))
                .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
        },
        ProblemCode::NotFound,
        "rcpt-NOPE",
    ),
    // PROTO-UP-002: missing or malformed headers, named in `header`.
    (
        "missing header",
        without_digest,
        ProblemCode::InvalidRequest,
        "Content-Digest",
    ),
    (
        "empty patient ID",
        |c| upload(c).set("idlink-patient-id", ""),
        ProblemCode::InvalidRequest,
        "IDLink-Patient-Id",
    ),
    (
        "path-unsafe data kind",
        |c| {
            hl7_upload(&c.mtls, &c.mtls_url, CERT_ACCOUNT, "k", SAMPLE_OMP01)
                .set("idlink-data-kind", "../x")
        },
        ProblemCode::InvalidRequest,
        "IDLink-Data-Kind",
    ),
    // PROTO-IDEM-001
    (
        "malformed idempotency key",
        |c| upload(c).set("idempotency-key", "a b"),
        ProblemCode::InvalidRequest,
        "Idempotency-Key",
    ),
    // PROTO-UP-005
    (
        "declared facility of another facility",
        |c| upload(c).set("idlink-facility", "0198765432"),
        ProblemCode::FacilityMismatch,
        "0198765432",
    ),
    (
        "no consent for the patient",
        |c| {
            let bytes = sample_with_patient("9999099");
            hl7_upload(&c.mtls, &c.mtls_url, CERT_ACCOUNT, "k", &bytes)
                .set("idlink-patient-id", "9999099")
        },
        ProblemCode::ConsentMissing,
        "9999099",
    ),
    (
        "unknown appliance",
        |c| upload(c).set("idlink-destination", "appliance:nowhere"),
        ProblemCode::UnknownDestination,
        "appliance:region-01",
    ),
    // PROTO-UP-006
    (
        "patient header differs from PID-3",
        |c| upload(c).set("idlink-patient-id", "9999014"),
        ProblemCode::PatientMismatch,
        "PID-3",
    ),
    // PROTO-UP-009
    (
        "body differs from Content-Digest",
        |c| upload(c).set("content-digest", ContentDigest::of(b"other").to_string()),
        ProblemCode::DigestMismatch,
        "hash to",
    ),
    (
        "declared length over the limit",
        |c| upload(c),
        ProblemCode::TooLarge,
        "limit",
    ),
    // PROTO-UP-004: what a client must never send (PROTO-CLI-005) is refused here too.
    (
        "DICOM media type",
        |c| upload(c).set("content-type", "application/dicom"),
        ProblemCode::UnsupportedMediaType,
        "DICOM",
    ),
    (
        "DICOM bytes declared as PDF",
        |c| {
            hl7_upload(&c.mtls, &c.mtls_url, CERT_ACCOUNT, "k", DICOM)
                .set("content-type", "application/pdf")
                .set("idlink-document-kind", "pdf")
        },
        ProblemCode::UnsupportedMediaType,
        "DICOM",
    ),
    // PROTO-UP-003
    (
        "charset on a PDF",
        |c| {
            upload(c)
                .set("content-type", "application/pdf; charset=utf-8")
                .set("idlink-document-kind", "pdf")
        },
        ProblemCode::UnsupportedMediaType,
        "takes no charset",
    ),
    // PROTO-UP-002: a repeated header is refused, not resolved to its first value.
    (
        "repeated patient ID",
        |c| upload(c).header("idlink-patient-id", "9999014"),
        ProblemCode::InvalidRequest,
        "IDLink-Patient-Id",
    ),
    (
        "repeated Authorization",
        |c| upload(c).header("authorization", "Basic Zm9vOmJhcg=="),
        ProblemCode::InvalidRequest,
        "Authorization",
    ),
    // PROTO-ERR-004
    (
        "wrong method on a known route",
        |c| {
            c.mtls
                .delete(format!("{}/v1/whoami", c.mtls_url))
                .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
        },
        ProblemCode::MethodNotAllowed,
        "use GET",
    ),
    (
        "media type not matching the kind",
        |c| upload(c).set("content-type", "text/plain"),
        ProblemCode::UnsupportedMediaType,
        "does not match",
    ),
    (
        "unknown charset",
        |c| upload(c).set("content-type", "application/hl7-v2; charset=latin1"),
        ProblemCode::UnsupportedMediaType,
        "latin1",
    ),
    (
        "broken HL7",
        |c| {
            hl7_upload(&c.mtls, &c.mtls_url, CERT_ACCOUNT, "k", BROKEN_HL7)
                .set("idlink-data-kind", "ADT-00")
        },
        ProblemCode::ValidationFailed,
        "nothing was stored",
    ),
    // PROTO-UP-012
    (
        "data kind not matching MSH-9",
        |c| upload(c).set("idlink-data-kind", "OML-11"),
        ProblemCode::ValidationFailed,
        "MSH-9",
    ),
];

#[tokio::test]
async fn every_cause_gets_its_problem_code_status_and_requirement() {
    // PROTO-ERR-001 / PROTO-ERR-003 / PROTO-CONN-002 and each row's own requirement.
    for (case, request, code, fragment) in ROWS {
        // Arrange: a fresh center per row, so lockouts and stored documents do not leak.
        let mut config = MockConfig::demo();
        if *case == "declared length over the limit" {
            config.limits.max_body_bytes = 100;
        }
        let center = MockCenter::start(config).await.unwrap();
        let ctx = Ctx {
            mtls: mtls_client(&center),
            vpn: vpn_client(&center),
            other_cert: client_with(
                pki(&center),
                Some(pki(&center).client(Variant::OtherFacility)),
                false,
            ),
            mtls_url: center.mtls_url(),
            vpn_url: center.vpn_url(),
        };

        // Act
        let response = request(&ctx).send().await.unwrap();

        // Assert
        assert_eq!(response.headers()["idlink-protocol"], "v1", "{case}");
        if code.status() == 401 {
            assert_eq!(
                response.headers()["www-authenticate"],
                "Basic realm=\"idlink\"",
                "{case}"
            );
        }
        let problem = problem(response).await;
        assert_eq!(problem.code, code.as_str(), "{case}: {}", problem.detail);
        assert_eq!(problem.requirement, code.requirement(), "{case}");
        assert_eq!(problem.retryable, code.retryable(), "{case}");
        let said = format!(
            "{} {}",
            problem.detail,
            problem.header.clone().unwrap_or_default()
        );
        assert!(
            said.contains(fragment),
            "{case}: {said:?} lacks {fragment:?}"
        );
        if *code == ProblemCode::ValidationFailed {
            assert!(!problem.findings.is_empty(), "{case}: findings are listed");
            assert!(
                problem
                    .findings
                    .iter()
                    .all(|f| f.get("code").is_some() && f.get("location").is_some())
            );
        }
        assert!(
            center.store().documents().is_empty(),
            "{case}: nothing is stored"
        );
        let entry = response_entry(&center, problem.request_id.as_deref().unwrap()).await;
        assert!(
            matches!(entry.event, idlink_mock::JournalEvent::Response { code: Some(c), .. } if c == *code),
            "{case}: the journal has the code"
        );
        center.shutdown().await;
    }
}

#[tokio::test]
async fn a_stream_longer_than_the_limit_is_cut_off_with_413() {
    // PROTO-UP-010: no Content-Length (chunked), the server counts.
    let mut config = MockConfig::demo();
    config.limits.max_body_bytes = 1000;
    let center = MockCenter::start(config).await.unwrap();
    let client = mtls_client(&center);
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        SAMPLE_OMP01.chunks(100).map(|c| Ok(c.to_vec())).collect();

    let response = hl7_upload(
        &client,
        &center.mtls_url(),
        CERT_ACCOUNT,
        "k-stream",
        SAMPLE_OMP01,
    )
    .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
        chunks,
    )))
    .send()
    .await
    .unwrap();

    assert_eq!(problem(response).await.code, "too-large");
    assert!(center.store().documents().is_empty());
    center.shutdown().await;
}

#[tokio::test]
async fn the_nth_failed_login_locks_the_account_until_an_operator_unlocks_it() {
    // PROTO-AUTH-003 (demo threshold 5)
    let center = demo_center().await;
    let client = mtls_client(&center);
    let ask = |password: &'static str| {
        client
            .get(format!("{}/v1/whoami", center.mtls_url()))
            .basic_auth(CERT_ACCOUNT.0, Some(password))
            .send()
    };

    for _ in 0..5 {
        assert_eq!(
            problem(ask("wrong").await.unwrap()).await.code,
            "bad-credentials"
        );
    }
    let locked = problem(ask(CERT_ACCOUNT.1).await.unwrap()).await;
    assert!(center.accounts().unlock(CERT_ACCOUNT.0));
    let unlocked = ask(CERT_ACCOUNT.1).await.unwrap();

    assert_eq!(locked.code, "account-locked");
    assert_eq!(unlocked.status(), 200);
    center.shutdown().await;
}

#[tokio::test]
async fn a_certificate_account_on_the_vpn_listener_is_indistinguishable_from_an_unknown_account() {
    // PROTO-AUTH-002 / PROTO-AUTH-007: without the facility's certificate nobody may learn
    // whether a certificate account's password is right, nor lock the account (demo threshold 5).
    let center = demo_center().await;
    let vpn = vpn_client(&center);
    let ask = |account: &'static str, password: &'static str| {
        whoami(&vpn, &center.vpn_url(), (account, password)).send()
    };
    let unknown = problem(ask("nobody-0112345678", "x").await.unwrap()).await;

    // Act: the right password, a wrong one six times, and a locked certificate account.
    let right = problem(ask(CERT_ACCOUNT.0, CERT_ACCOUNT.1).await.unwrap()).await;
    let mut wrong = Vec::new();
    for _ in 0..6 {
        wrong.push(problem(ask(CERT_ACCOUNT.0, "wrong").await.unwrap()).await);
    }
    let locked = problem(ask("locked-0112345678", "demo-locked-pass").await.unwrap()).await;
    let counted = center
        .accounts()
        .list()
        .into_iter()
        .find(|a| a.id == CERT_ACCOUNT.0)
        .map(|a| a.failed_logins);
    let on_mtls = whoami(&mtls_client(&center), &center.mtls_url(), CERT_ACCOUNT)
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(unknown.code, "bad-credentials");
    for answer in std::iter::once(&right).chain(&wrong).chain([&locked]) {
        assert_eq!(
            (answer.status, &answer.code, &answer.detail),
            (unknown.status, &unknown.code, &unknown.detail)
        );
    }
    assert_eq!(
        counted,
        Some(0),
        "VPN failures do not count against the account"
    );
    assert_eq!(
        on_mtls.status(),
        200,
        "VPN failures do not lock the account"
    );
    center.shutdown().await;
}

#[tokio::test]
async fn refusals_journal_the_account_tried_and_a_lockout_is_journaled() {
    // Issue 10 item 10 (demo threshold 5).
    let center = demo_center().await;
    let client = mtls_client(&center);
    let send = |account: (&'static str, &'static str)| {
        let request = whoami(&client, &center.mtls_url(), account).send();
        async move {
            let response = request.await.unwrap();
            response.headers()["idlink-request-id"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };

    // Act: five wrong passwords lock the account; then a disabled account.
    let mut refused = Vec::new();
    for _ in 0..5 {
        refused.push((send((CERT_ACCOUNT.0, "wrong-secret")).await, CERT_ACCOUNT.0));
    }
    let disabled = ("disabled-0112345678", "demo-disabled-pass");
    refused.push((send(disabled).await, disabled.0));
    let locked = center
        .journal()
        .wait_for(
            |e| matches!(&e.event, JournalEvent::AccountLocked { account, .. } if account == CERT_ACCOUNT.0),
            WAIT,
        )
        .await;

    // Assert
    for (request_id, account) in refused {
        let entry = response_entry(&center, &request_id).await;
        assert!(
            matches!(&entry.event, JournalEvent::Response { tried_account: Some(a), .. } if a == account),
            "{entry:?}"
        );
    }
    assert!(
        matches!(
            locked.map(|e| e.event),
            Ok(JournalEvent::AccountLocked {
                failed_logins: 5,
                ..
            })
        ),
        "the lockout is journaled once"
    );
    let journal = serde_json::to_string(&center.journal().entries()).unwrap();
    assert!(!journal.contains("wrong-secret"), "never the password");
    center.shutdown().await;
}

#[tokio::test]
async fn injected_rate_limit_maintenance_and_internal_error_carry_retry_after() {
    // PROTO-ERR-002: the Retry-After a client must honour (PROTO-CLI-002); `retryable` tells it
    // which failures it may retry at all (PROTO-CLI-003).
    let cases = [
        (ProblemCode::RateLimited, Some(2)),
        (ProblemCode::Maintenance, Some(30)),
        (ProblemCode::InternalError, None),
    ];
    let center = demo_center().await;
    let client = mtls_client(&center);
    for (code, retry_after) in cases {
        center.faults().inject(Fault::problem(code, retry_after, 1));

        let response = hl7_upload(
            &client,
            &center.mtls_url(),
            CERT_ACCOUNT,
            "k-fault",
            SAMPLE_OMP01,
        )
        .send()
        .await
        .unwrap();

        let header = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
        assert_eq!(header, retry_after, "{code}");
        let problem = problem(response).await;
        assert_eq!(problem.code, code.as_str());
        assert_eq!(problem.retry_after, retry_after);
        assert!(problem.retryable);
    }
    let after = hl7_upload(
        &client,
        &center.mtls_url(),
        CERT_ACCOUNT,
        "k-fault",
        SAMPLE_OMP01,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(
        after.status(),
        201,
        "each fault fired once, then the upload goes through"
    );
    center.shutdown().await;
}

#[tokio::test]
async fn a_wrong_method_gets_405_and_is_told_which_method_to_use() {
    // Arrange
    let center = demo_center().await;
    let client = mtls_client(&center);

    // Act: a GET on the upload endpoint, as a hand-written integration might try first
    let response = client
        .get(format!("{}/v1/documents", center.mtls_url()))
        .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
        .send()
        .await
        .unwrap();

    // Assert: PROTO-ERR-004 problem document with its own code, the HTTP status and the way out
    assert_eq!(response.status(), 405);
    assert_eq!(
        response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok()),
        Some("POST")
    );
    let problem = problem(response).await;
    assert_eq!(problem.status, 405);
    assert_eq!(problem.code, "method-not-allowed");
    assert_eq!(problem.requirement, "PROTO-ERR-004");
    assert!(!problem.retryable);
    assert!(problem.detail.contains("use POST"), "{}", problem.detail);
    center.shutdown().await;
}

#[tokio::test]
async fn problem_titles_follow_accept_language_while_type_and_code_stay() {
    // Issue 13: a Japanese reader gets the title in Japanese; what a program matches on
    // (`type`, `code`, the status) is the same in both languages.
    let center = demo_center().await;
    let client = mtls_client(&center);
    let ask = |lang: Option<&'static str>| {
        let mut request = whoami(&client, &center.mtls_url(), (CERT_ACCOUNT.0, "wrong"));
        if let Some(lang) = lang {
            request = request.header("accept-language", lang);
        }
        request.send()
    };

    let japanese = ask(Some("ja,en;q=0.5")).await.unwrap();
    assert_eq!(japanese.status(), 401);
    assert_eq!(japanese.headers()["content-language"], "ja");
    let japanese: idlink_protocol::Problem = japanese.json().await.unwrap();
    let english: idlink_protocol::Problem = ask(None).await.unwrap().json().await.unwrap();

    assert_eq!(japanese.known_code(), Some(ProblemCode::BadCredentials));
    assert_eq!(japanese.type_uri, english.type_uri);
    assert_eq!(japanese.code, english.code);
    assert_eq!(japanese.title, "アカウント ID またはパスワードが違います");
    assert_eq!(english.title, ProblemCode::BadCredentials.title());
    center.shutdown().await;
}

#[tokio::test]
async fn problem_details_follow_accept_language_while_type_code_and_ids_stay() {
    // Issue 13: the same failing request, asked in Japanese, gets a Japanese `detail`; what a
    // program matches on (status, `type`, `code`) and the IDs the detail names are the same,
    // and the English detail is what it always was. (row, a stable fragment of both details)
    const ASKED: &[(&str, &str)] = &[
        ("no consent for the patient", "9999099"),
        ("declared facility of another facility", "0198765432"),
        ("certificate of another facility", "0198765432"),
        ("VPN account on the mTLS listener", "VPN"),
        ("wrong password", ""),
        ("missing header", "Content-Digest"),
        ("repeated patient ID", "IDLink-Patient-Id"),
        ("patient header differs from PID-3", "PID-3"),
        ("body differs from Content-Digest", "Content-Digest"),
        ("unknown route", "/v1/"),
        ("path-unsafe data kind", "IDLink-Data-Kind"),
        ("unknown charset", "latin1"),
        ("charset on a PDF", "application/pdf"),
        ("broken HL7", "hl7"),
        ("data kind not matching MSH-9", "MSH-9"),
        ("declared length over the limit", "100"),
    ];
    let japanese_text = |text: &str| {
        text.chars()
            .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
    };
    for (case, stable) in ASKED {
        let (_, request, code, _) = ROWS
            .iter()
            .find(|(name, ..)| name == case)
            .unwrap_or_else(|| panic!("no row {case:?}"));
        // Arrange: a fresh center per language, so a refused login does not count twice.
        let mut answers = Vec::new();
        for lang in [None, Some("ja-JP,ja;q=0.9,en;q=0.5")] {
            let mut config = MockConfig::demo();
            if *case == "declared length over the limit" {
                config.limits.max_body_bytes = 100;
            }
            let center = MockCenter::start(config).await.unwrap();
            let ctx = Ctx {
                mtls: mtls_client(&center),
                vpn: vpn_client(&center),
                other_cert: client_with(
                    pki(&center),
                    Some(pki(&center).client(Variant::OtherFacility)),
                    false,
                ),
                mtls_url: center.mtls_url(),
                vpn_url: center.vpn_url(),
            };
            let mut builder = request(&ctx);
            if let Some(lang) = lang {
                builder = builder.header("accept-language", lang);
            }

            // Act
            let response = builder.send().await.unwrap();
            let status = response.status();
            let document: idlink_protocol::Problem = response.json().await.unwrap();
            answers.push((status, document));
            center.shutdown().await;
        }

        // Assert
        let [(en_status, english), (ja_status, japanese)] = <[_; 2]>::try_from(answers).unwrap();
        assert_eq!(ja_status, en_status, "{case}");
        assert_eq!(japanese.code, english.code, "{case}");
        assert_eq!(japanese.type_uri, english.type_uri, "{case}");
        assert_eq!(japanese.known_code(), Some(*code), "{case}");
        assert!(
            !japanese_text(&english.detail),
            "{case}: {}",
            english.detail
        );
        assert!(
            japanese_text(&japanese.detail) && japanese.detail != english.detail,
            "{case}: the Japanese detail is {:?}",
            japanese.detail
        );
        assert!(
            english.detail.contains(stable) && japanese.detail.contains(stable),
            "{case}: {stable:?} in {:?} and {:?}",
            english.detail,
            japanese.detail
        );
    }
}

#[tokio::test]
async fn the_english_detail_of_a_localized_problem_is_unchanged() {
    // The catalogue's English is byte for byte what the center sent before it had one.
    let center = demo_center().await;
    let ctx = Ctx {
        mtls: mtls_client(&center),
        vpn: vpn_client(&center),
        other_cert: client_with(pki(&center), None, false),
        mtls_url: center.mtls_url(),
        vpn_url: center.vpn_url(),
    };
    let bytes = sample_with_patient("9999099");
    let response = hl7_upload(&ctx.mtls, &ctx.mtls_url, CERT_ACCOUNT, "k", &bytes)
        .set("idlink-patient-id", "9999099")
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();

    let document: idlink_protocol::Problem = response.json().await.unwrap();

    assert_eq!(
        document.detail,
        "patient 9999099 of facility 0112345678 has no consent record for ID-Link storage; \
         record the consent first, or send to a region-shared appliance"
    );
    center.shutdown().await;
}

#[tokio::test]
async fn a_care_date_refusal_reads_in_japanese_with_both_dates() {
    // PROTO-UP-014 in Japanese: 診療日, the declared date and the one the document carries.
    let center = demo_center().await;
    let client = mtls_client(&center);
    let ask = |lang: &'static str| {
        hl7_upload(
            &client,
            &center.mtls_url(),
            CERT_ACCOUNT,
            lang,
            SAMPLE_OMP01,
        )
        .header("idlink-care-date", "20000101")
        .header("accept-language", lang)
        .send()
    };

    let japanese = problem(ask("ja").await.unwrap()).await;
    let english = problem(ask("en").await.unwrap()).await;

    assert_eq!(japanese.code, "care-date-mismatch");
    assert_eq!(japanese.code, english.code);
    assert!(
        english
            .detail
            .starts_with("IDLink-Care-Date is 20000101 but ")
    );
    assert!(
        japanese
            .detail
            .starts_with("IDLink-Care-Date は 20000101 ですが、")
            && japanese.detail.contains("診療日")
            && japanese.detail.ends_with("何も保存していません"),
        "{}",
        japanese.detail
    );
    center.shutdown().await;
}

#[tokio::test]
async fn validation_findings_follow_accept_language_while_codes_and_ids_stay() {
    // Issue 13: the formats crate's findings in a `validation-failed` document are rendered in
    // the request's language from their `message_id` and `args`; codes, locations, ids and
    // arguments are the same in both languages.
    let center = demo_center().await;
    let client = mtls_client(&center);
    let send = |key: &'static str, lang: Option<&'static str>| {
        let mut request = hl7_upload(&client, &center.mtls_url(), CERT_ACCOUNT, key, BROKEN_HL7)
            .set("idlink-data-kind", "ADT-00");
        if let Some(lang) = lang {
            request = request.header("accept-language", lang);
        }
        request.send()
    };

    // Act
    let japanese = send("ja-1", Some("ja")).await.unwrap();
    assert_eq!(japanese.headers()["content-language"], "ja");
    let japanese: idlink_protocol::Problem = japanese.json().await.unwrap();
    let english: idlink_protocol::Problem = send("en-1", None).await.unwrap().json().await.unwrap();

    // Assert
    assert_eq!(japanese.known_code(), Some(ProblemCode::ValidationFailed));
    assert!(!english.findings.is_empty());
    assert_eq!(japanese.findings.len(), english.findings.len());
    for (ja, en) in japanese.findings.iter().zip(&english.findings) {
        for same in [
            "code",
            "severity",
            "location",
            "message_id",
            "args",
            "hint_id",
        ] {
            assert_eq!(ja.get(same), en.get(same), "{same}: {ja} / {en}");
        }
        let words = |f: &serde_json::Value, key: &str| {
            f.get(key)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        assert!(en["message_id"].is_string(), "{en}");
        assert!(words(en, "message").is_ascii(), "{en}");
        assert!(!words(ja, "message").is_ascii(), "{ja}");
        if en.get("hint").is_some() {
            assert!(!words(ja, "hint").is_ascii(), "{ja}");
        }
    }
    center.shutdown().await;
}
