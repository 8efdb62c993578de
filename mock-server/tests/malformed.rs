//! Requests the HTTP/1.1 parser refuses (`PROTO-ERR-005`, issue 10 item 11): a raw TLS client
//! sends each defect; the answer is the protocol's problem document with a request ID, not
//! hyper's empty `400`, and the journal says what was wrong.

use idlink_mock::{JournalEvent, MockCenter};
use idlink_protocol::Problem;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::support::*;

/// One row per defect: what the client sends, and a fragment of the journaled defect.
const DEFECTS: &[(&str, &[u8], &str)] = &[
    (
        "NUL in a header value",
        b"GET /v1/whoami HTTP/1.1\r\nhost: localhost\r\nx-note: a\0b\r\n\r\n",
        "the value of the header `x-note` (line 3) contains the control character NUL (0x00)",
    ),
    (
        "HTTP/0.9 request line",
        b"GET /v1/whoami\r\n\r\n",
        "has no HTTP version: that is an HTTP/0.9 request",
    ),
    (
        "folded header line",
        b"GET /v1/whoami HTTP/1.1\r\nhost: localhost\r\nx-note: a\r\n b\r\n\r\n",
        "line 4 is a folded header line (a continuation of the header `x-note`)",
    ),
    (
        "space in a header name",
        b"GET /v1/whoami HTTP/1.1\r\nhost: localhost\r\nx note: a\r\n\r\n",
        "the header name `x note` (line 3) contains a space (0x20)",
    ),
    (
        "header line without a colon",
        b"GET /v1/whoami HTTP/1.1\r\nhost localhost\r\n\r\n",
        "header line 2 `host localhost` has no colon",
    ),
    (
        "method that is not a token",
        b"GE(T /v1/whoami HTTP/1.1\r\nhost: localhost\r\n\r\n",
        "the method `GE(T` is not an HTTP token",
    ),
];

#[tokio::test]
async fn each_request_the_http_parser_refuses_gets_a_malformed_request_problem_and_a_journal_entry()
{
    // PROTO-ERR-005
    for (name, request, defect) in DEFECTS {
        // Arrange
        let center = demo_center().await;
        let mut tls = tls_connection(&center).await;

        // Act
        tls.write_all(request).await.unwrap();
        let answer = read_answer(&mut tls).await;

        // Assert
        let problem = assert_malformed_request(name, &answer);
        let entry = malformed_entry(&center, problem.request_id.as_deref().unwrap()).await;
        let JournalEvent::MalformedRequest {
            defect: journaled,
            answered,
            ..
        } = entry.event
        else {
            unreachable!("matched by malformed_entry")
        };
        assert!(
            journaled.contains(defect),
            "{name}: journaled {journaled:?}"
        );
        assert_eq!(
            problem.detail, journaled,
            "{name}: the client reads the same words"
        );
        assert!(answered, "{name}");
        drop(tls);
        center.shutdown().await;
    }
}

#[tokio::test]
async fn a_malformed_request_after_a_good_one_on_the_same_connection_is_described_alone() {
    // PROTO-ERR-005: the capture restarts with each request, so the defect is found in the
    // second head, not in the first.
    let center = demo_center().await;
    let mut tls = tls_connection(&center).await;
    tls.write_all(b"GET /v1/whoami HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .await
        .unwrap();
    let first = read_one_response(&mut tls).await;
    assert!(
        first.starts_with(b"HTTP/1.1 401"),
        "{:?}",
        String::from_utf8_lossy(&first)
    );

    tls.write_all(b"GET /v1/whoami HTTP/1.1\r\nhost: localhost\r\nx-note: a\0b\r\n\r\n")
        .await
        .unwrap();
    let answer = read_answer(&mut tls).await;

    let problem = assert_malformed_request("second request", &answer);
    assert!(
        problem
            .detail
            .starts_with("the value of the header `x-note` (line 3)"),
        "{}",
        problem.detail
    );
    center.shutdown().await;
}

#[tokio::test]
async fn the_application_s_own_400_answers_still_reach_the_client() {
    // PROTO-UP-002: a 400 with a request ID is the application's, never taken for hyper's.
    let center = demo_center().await;
    let mut tls = tls_connection(&center).await;
    let auth = base64_basic(VPN_ACCOUNT.0, VPN_ACCOUNT.1);
    tls.write_all(
        format!(
            "POST /v1/documents HTTP/1.1\r\nhost: localhost\r\nauthorization: Basic {auth}\r\n\
             content-length: 0\r\nconnection: close\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let answer = read_answer(&mut tls).await;

    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("invalid-request"), "{text}");
    assert!(
        !center
            .journal()
            .entries()
            .iter()
            .any(|e| matches!(e.event, JournalEvent::MalformedRequest { .. })),
        "nothing was malformed"
    );
    center.shutdown().await;
}

fn base64_basic(account: &str, password: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{account}:{password}"))
}

/// The answer is `400`, `application/problem+json`, with `IDLink-Request-Id`, and its body is
/// the `malformed-request` problem carrying the same request ID.
fn assert_malformed_request(name: &str, answer: &[u8]) -> Problem {
    let text = String::from_utf8_lossy(answer);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("{name}: no complete answer: {text:?}"));
    assert!(head.starts_with("HTTP/1.1 400 "), "{name}: {head}");
    let header = |wanted: &str| {
        head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(wanted).then(|| v.trim().to_owned())
        })
    };
    assert_eq!(
        header("content-type").as_deref(),
        Some("application/problem+json"),
        "{name}: {head}"
    );
    let request_id =
        header("idlink-request-id").unwrap_or_else(|| panic!("{name}: no request ID in {head}"));
    let problem: Problem = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("{name}: the body is no problem document ({e}): {body:?}"));
    assert_eq!(problem.code, "malformed-request", "{name}");
    assert_eq!(problem.status, 400, "{name}");
    assert_eq!(problem.requirement, "PROTO-ERR-005", "{name}");
    assert_eq!(
        problem.request_id.as_deref(),
        Some(request_id.as_str()),
        "{name}"
    );
    problem
}

async fn malformed_entry(center: &MockCenter, request_id: &str) -> idlink_mock::JournalEntry {
    let id = request_id.to_owned();
    center
        .journal()
        .wait_for(
            move |e| {
                matches!(&e.event, JournalEvent::MalformedRequest { request_id, .. } if *request_id == id)
            },
            WAIT,
        )
        .await
        .expect("the malformed request is journaled")
}

/// Everything the server sends until it closes.
async fn read_answer(tls: &mut tokio_rustls::client::TlsStream<TcpStream>) -> Vec<u8> {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(WAIT, async {
        let mut buf = [0u8; 4096];
        loop {
            match tls.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server closes after answering");
    answer
}

/// One response with a `content-length` body, the connection left open.
async fn read_one_response(tls: &mut tokio_rustls::client::TlsStream<TcpStream>) -> Vec<u8> {
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(WAIT, tls.read(&mut buf))
            .await
            .expect("an answer in time")
            .unwrap();
        assert!(
            n > 0,
            "closed early: {:?}",
            String::from_utf8_lossy(&answer)
        );
        answer.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&answer).to_ascii_lowercase();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if body.len() >= length {
                return answer;
            }
        }
    }
}
