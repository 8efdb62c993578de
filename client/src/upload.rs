//! The uploader: one HTTP client, streaming bodies, retries, and a typed result per document.
//!
//! One [`Client`] holds one reqwest client, so connections are reused and HTTP/2 multiplexes
//! concurrent uploads over one TLS session. reqwest only learns that a connection speaks HTTP/2
//! when its TLS handshake is done (ALPN), so requests sent together before that each open
//! their own connection; [`Client`] therefore lets one request through alone until the service
//! center has answered on a connection (issue 10 item 6). Bodies are streamed from the file
//! (memory does not grow with the document size, `PROTO-UP-001`): a first pass computes the
//! `Content-Digest` (`PROTO-UP-009`), then each attempt reopens the file, because a streamed
//! body cannot be replayed. Every attempt carries the same idempotency key (`PROTO-CLI-001`).

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use idlink_protocol::headers as h;
use idlink_protocol::{
    ContentDigest, Destination, FacilityCode, IdempotencyKey, Problem, ProblemCode, Receipt, WhoAmI,
};
use reqwest::Url;
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt as _};

use crate::classify::{ErrorClass, TransportFailure};
use crate::config::{ClientConfig, Timeouts, scale};
use crate::exit::ExitStatus;
use crate::identity::{self, IdentityError};
use crate::metadata::Metadata;
use crate::retry::{RetryAfter, RetryPolicy, parse_retry_after};
use crate::trace::{AttemptRecord, ErrorRecord, RequestRecord, ResponseRecord, TraceWriter};

/// Read buffer for hashing and streaming: large enough for throughput, small enough that memory
/// stays flat however large the document is.
const CHUNK: usize = 256 * 1024;

/// An uploader bound to one configuration. Cheap to share behind an `Arc`; safe to use from
/// many tasks at once.
///
/// ```no_run
/// # async fn demo() -> anyhow::Result<()> {
/// use storeclient::{Client, ClientConfig, DocumentKind, Metadata};
/// let config = ClientConfig::from_path("storeclient.toml".as_ref())?;
/// let client = Client::from_config(&config)?;
/// let meta = Metadata::new(DocumentKind::Pdf, "9999013".parse()?);
/// let delivery = client.upload_path("report.pdf".as_ref(), &meta).await?;
/// println!("stored as {}", delivery.receipt_id);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Client {
    http: reqwest::Client,
    urls: Vec<Url>,
    facility: FacilityCode,
    destination: Destination,
    authorization: HeaderValue,
    policy: RetryPolicy,
    timeouts: Timeouts,
    /// Set once any HTTP response arrived: the server accepted our TLS identity, so a later
    /// closed connection is a network problem, not a TLS rejection (`PROTO-CLI-006`).
    verified: AtomicBool,
    /// Set when a request got an answer, cleared when one failed below HTTP: while set, the
    /// pool holds a connection that works, and concurrent requests share it (HTTP/2) or open
    /// at most one each (HTTP/1.1, so at most `concurrency`).
    warm: AtomicBool,
    /// Held by the one request that opens the connection while `warm` is clear; the others
    /// wait here instead of each racing a TLS handshake of their own (768 handshakes for 200
    /// used connections under load, issue 10 item 6). An async mutex: it is held across the
    /// request, and waiters must not block a runtime thread.
    opening: tokio::sync::Mutex<()>,
    /// Index into `urls` of the service URL in use; moves on when one is unreachable.
    current_url: AtomicUsize,
    trace: Option<Arc<TraceWriter>>,
    /// `Accept-Language` for every request ([`Client::with_language`]).
    accept_language: Option<HeaderValue>,
}

/// A delivered document.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The server's receipt ID (for a duplicate: the first upload's).
    pub receipt_id: String,
    /// The full receipt, when the server returned or could look it up.
    pub receipt: Option<Receipt>,
    /// How the server took it.
    pub kind: DeliveryKind,
    /// Attempts used.
    pub attempts: u32,
    /// The key the document was sent with.
    pub idempotency_key: IdempotencyKey,
}

/// How a delivered document was taken by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryKind {
    /// `201 Created`: stored now.
    Stored,
    /// `200` + `Idempotency-Replayed`: stored by an earlier attempt or run (`PROTO-IDEM-002`).
    Replayed,
    /// `409 duplicate`: the same bytes were already stored under another key (`PROTO-IDEM-005`).
    Duplicate,
}

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The TLS identity or CA could not be loaded.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// The account ID or password cannot be sent in a header.
    #[error("the account ID or password contains characters that cannot be sent")]
    Credentials,
    /// reqwest refused the configuration.
    #[error("cannot build the HTTP client")]
    Http(#[source] reqwest::Error),
}

/// Why a document was refused before sending ([`UploadError::Refused`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefusedReason {
    /// A metadata value that cannot be a header value.
    #[error("the value for header {0} cannot be sent (non-ASCII or control characters)")]
    BadHeader(String),
    /// DICOM is not accepted (`PROTO-CLI-005`).
    #[error("it is a DICOM file; ID-Link does not accept DICOM")]
    Dicom,
}

/// Why a document was not delivered. [`UploadError::class`] says whether to try again,
/// [`UploadError::exit_status`] which exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The document could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The document.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The document changed size between hashing and sending.
    #[error(
        "{path} changed while it was being uploaded ({expected} bytes, now {found}); send it again once it is complete"
    )]
    Changed {
        /// The document.
        path: PathBuf,
        /// Size when hashed.
        expected: u64,
        /// Size when reopened.
        found: u64,
    },
    /// Refused locally before sending (for example DICOM, `PROTO-CLI-005`).
    #[error("{path}: not sent: {reason}")]
    Refused {
        /// The document.
        path: PathBuf,
        /// Why.
        reason: RefusedReason,
    },
    /// The server answered with a problem document.
    #[error("the service center refused it: {} ({}): {}", problem.code, problem.status, problem.detail)]
    Rejected {
        /// The problem document as returned (`PROTO-ERR-001`).
        problem: Box<Problem>,
    },
    /// The server answered with something that is neither a receipt nor a problem document.
    #[error("unexpected response from the service center: HTTP {status}: {body}")]
    Unexpected {
        /// HTTP status.
        status: u16,
        /// Start of the body.
        body: String,
    },
    /// A failure below HTTP.
    #[error("{0}")]
    Transport(TransportFailure),
    /// The connection closed before any response on a fresh TLS connection, twice
    /// (`PROTO-CLI-006`). The server did not say why; we do not guess.
    #[error(
        "TLS rejected by the server (reason not given): check that the client certificate is the one issued for this facility, is not expired or revoked, and that `identity` in the configuration points at it"
    )]
    TlsRejected,
    /// Retryable failures until the attempts ran out; the document is kept.
    #[error("gave up after {attempts} attempts; last error: {last}")]
    Exhausted {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: Box<UploadError>,
    },
}

impl UploadError {
    /// Whether sending the same document again may succeed (`PROTO-CLI-003`).
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::Rejected { problem } => match problem.known_code() {
                Some(code) if code.retryable() => ErrorClass::Retryable,
                Some(_) => ErrorClass::Final,
                None if problem.status >= 500 || problem.status == 429 => ErrorClass::Retryable,
                None => ErrorClass::Final,
            },
            Self::Unexpected { status, .. } => {
                if *status >= 500 || *status == 429 || *status == 408 {
                    ErrorClass::Retryable
                } else {
                    ErrorClass::Final
                }
            }
            Self::Transport(t) => t.class(),
            Self::Read { .. }
            | Self::Changed { .. }
            | Self::Refused { .. }
            | Self::TlsRejected
            | Self::Exhausted { .. } => ErrorClass::Final,
        }
    }

    /// The exit status this failure contributes to (see [`crate::exit`]).
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Self::Read { .. } | Self::Changed { .. } | Self::Refused { .. } => {
                ExitStatus::Validation
            }
            Self::Rejected { problem } => match problem.known_code() {
                Some(code) if is_auth_problem(code) => ExitStatus::Auth,
                _ if self.class() == ErrorClass::Retryable => ExitStatus::Transient,
                _ => ExitStatus::Rejected,
            },
            Self::Unexpected { .. } => match self.class() {
                ErrorClass::Retryable => ExitStatus::Transient,
                ErrorClass::Final => ExitStatus::Rejected,
            },
            Self::Transport(t) => match t.class() {
                ErrorClass::Retryable => ExitStatus::Transient,
                ErrorClass::Final => ExitStatus::Auth,
            },
            Self::TlsRejected => ExitStatus::Auth,
            Self::Exhausted { .. } => ExitStatus::Transient,
        }
    }

    /// The problem document, when the server sent one (also inside `Exhausted`).
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Self::Rejected { problem } => Some(problem),
            Self::Exhausted { last, .. } => last.problem(),
            _ => None,
        }
    }

    /// A stable slug: the problem code, the transport kind, or the local reason.
    pub fn slug(&self) -> String {
        match self {
            Self::Read { .. } => "read-error".into(),
            Self::Changed { .. } => "file-changed".into(),
            Self::Refused { .. } => "refused-locally".into(),
            Self::Rejected { problem } => problem.code.clone(),
            Self::Unexpected { status, .. } => format!("http-{status}"),
            Self::Transport(t) => t.slug().into(),
            Self::TlsRejected => "tls-rejected".into(),
            Self::Exhausted { last, .. } => last.slug(),
        }
    }
}

/// Problem codes that mean "this account or certificate cannot get in" (exit 4).
fn is_auth_problem(code: ProblemCode) -> bool {
    matches!(
        code,
        ProblemCode::Unauthenticated
            | ProblemCode::BadCredentials
            | ProblemCode::AccountLocked
            | ProblemCode::PasswordExpired
            | ProblemCode::AccountDisabled
            | ProblemCode::CertificateFacilityMismatch
            | ProblemCode::WrongListener
    )
}

/// A failed attempt: the error and the server's `Retry-After`, if any.
/// An answered request: the answer, and when the request went out.
struct Exchanged {
    status: StatusCode,
    headers: HeaderMap,
    body: bytes::Bytes,
    sent_at: Option<Instant>,
}

struct Failed {
    error: UploadError,
    retry_after: Option<RetryAfter>,
    /// When the failed request went out (after any wait for the first connection).
    sent_at: Option<Instant>,
    /// An answer came back; without one the service center measures the wait before the retry
    /// from when the request went out (`PROTO-CLI-002`).
    answered: bool,
}

impl From<UploadError> for Failed {
    fn from(error: UploadError) -> Self {
        Self {
            error,
            retry_after: None,
            sent_at: None,
            answered: false,
        }
    }
}

impl Client {
    /// Builds a client: loads the CA and identity, and prepares one connection pool.
    pub fn from_config(config: &ClientConfig) -> Result<Self, ClientError> {
        Self::with_tls(config, identity::tls_config(config)?)
    }

    /// Builds a client on a prepared TLS configuration (e.g. [`identity::tls_config_at`] with
    /// a shifted clock, as `doctor`'s tests do).
    pub fn with_tls(config: &ClientConfig, tls: rustls::ClientConfig) -> Result<Self, ClientError> {
        let timeouts = Timeouts {
            connect: config.scaled(config.timeouts.connect),
            attempt_base: config.scaled(config.timeouts.attempt_base),
            attempt_per_mib: config.scaled(config.timeouts.attempt_per_mib),
        };
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(timeouts.connect)
            .pool_max_idle_per_host(config.concurrency.max(1))
            .user_agent(concat!("storeclient/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ClientError::Http)?;
        let credentials = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            config.account_id,
            config.password.expose()
        ));
        let mut authorization = HeaderValue::from_str(&format!("Basic {credentials}"))
            .map_err(|_| ClientError::Credentials)?;
        authorization.set_sensitive(true);
        Ok(Self {
            http,
            urls: config.service_urls.clone(),
            facility: config.facility.clone(),
            destination: config.destination.clone(),
            authorization,
            policy: RetryPolicy::from_settings(&config.retry),
            timeouts,
            verified: AtomicBool::new(false),
            warm: AtomicBool::new(false),
            opening: tokio::sync::Mutex::new(()),
            current_url: AtomicUsize::new(0),
            trace: None,
            accept_language: None,
        })
    }

    /// Asks the service center for problem details in `lang` (`Accept-Language`), so a
    /// refusal reads in the same language as the rest of the run. English sends nothing: it
    /// is every center's default.
    pub fn with_language(mut self, lang: idlink_i18n::Lang) -> Self {
        self.accept_language = match lang {
            idlink_i18n::Lang::Ja => Some(HeaderValue::from_static("ja, en;q=0.5")),
            idlink_i18n::Lang::En => None,
        };
        self
    }

    /// Writes every attempt to a JSON-lines trace.
    pub fn with_trace(mut self, trace: Arc<TraceWriter>) -> Self {
        self.trace = Some(trace);
        self
    }

    /// The facility this client uploads for.
    pub fn facility(&self) -> &FacilityCode {
        &self.facility
    }

    /// The destination used when the metadata does not name one.
    pub fn default_destination(&self) -> &Destination {
        &self.destination
    }

    /// Uploads a file, streaming it; retries transient failures with the same key.
    ///
    /// A document up to [`SMALL_DOCUMENT`] bytes (nearly every HL7 message) is read once and
    /// hashed, checked and sent from memory: opening it three times through the blocking pool
    /// cost a batch upload twice curl's CPU per file (docs/benchmarks.md). Larger ones are
    /// hashed in a first pass and streamed from the file on every attempt, so memory stays flat.
    pub async fn upload_path(&self, path: &Path, meta: &Metadata) -> Result<Delivery, UploadError> {
        let read_err = |source| UploadError::Read {
            path: path.to_owned(),
            source,
        };
        let size = tokio::fs::metadata(path).await.map_err(read_err)?.len();
        if size <= SMALL_DOCUMENT {
            let bytes = bytes::Bytes::from(tokio::fs::read(path).await.map_err(read_err)?);
            return self.upload_bytes(path, bytes, meta).await;
        }
        let label = path.display().to_string();
        let (digest, size) = digest_file(path).await?;
        self.refuse_dicom(path).await?;
        let open = || async move {
            let file = tokio::fs::File::open(path).await?;
            let found = file.metadata().await?.len();
            if found != size {
                return Err(io::Error::other(SizeChanged(found)));
            }
            Ok(file)
        };
        self.upload_with(&open, size, digest, meta, &label)
            .await
            .map_err(|e| match e {
                UploadError::Read { source, .. } => match source
                    .get_ref()
                    .and_then(|i| i.downcast_ref::<SizeChanged>())
                {
                    Some(SizeChanged(found)) => UploadError::Changed {
                        path: path.to_owned(),
                        expected: size,
                        found: *found,
                    },
                    None => UploadError::Read {
                        path: path.to_owned(),
                        source,
                    },
                },
                other => other,
            })
    }

    /// Uploads a document already in memory (pre-flight read it whole and validated these
    /// bytes: [`crate::preflight::Prepared::bytes`]); `path` names it in errors and logs.
    /// Retries send the same bytes with the same key.
    pub async fn upload_bytes(
        &self,
        path: &Path,
        bytes: bytes::Bytes,
        meta: &Metadata,
    ) -> Result<Delivery, UploadError> {
        refuse_if_dicom(path, &bytes)?;
        let digest = ContentDigest::of(&bytes);
        let open = || {
            let bytes = bytes.clone();
            async move { Ok(io::Cursor::new(bytes)) }
        };
        let label = path.display().to_string();
        self.upload_with(&open, bytes.len() as u64, digest, meta, &label)
            .await
    }

    /// Uploads from a source that can be opened more than once (once to hash, once per
    /// attempt): a streamed body cannot be replayed, so a retry needs a fresh reader.
    pub async fn upload_stream<F, Fut, R>(
        &self,
        open: F,
        meta: &Metadata,
        label: &str,
    ) -> Result<Delivery, UploadError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = io::Result<R>>,
        R: AsyncRead + Send + Sync + Unpin + 'static,
    {
        let read_err = |source| UploadError::Read {
            path: PathBuf::from(label),
            source,
        };
        let reader = open().await.map_err(read_err)?;
        let (digest, size) = digest_reader(reader).await.map_err(read_err)?;
        self.upload_with(&open, size, digest, meta, label).await
    }

    /// Calls `GET /v1/whoami` (`PROTO-CONN-001`): proves the configuration without patient data.
    pub async fn whoami(&self) -> Result<WhoAmI, UploadError> {
        let mut last = None;
        // Two tries: a connection closed before any response is retried once on a fresh
        // connection; closed again means the TLS layer refused us (PROTO-CLI-006).
        for attempt in 1..=2 {
            match self
                .get_json::<WhoAmI>(h::PATH_WHOAMI, "whoami", attempt)
                .await
            {
                Ok(w) => return Ok(w),
                Err(UploadError::Transport(TransportFailure::ClosedBeforeResponse { .. }))
                    if !self.verified.load(Ordering::Relaxed) && attempt == 2 =>
                {
                    return Err(UploadError::TlsRejected);
                }
                Err(e @ UploadError::Transport(TransportFailure::ClosedBeforeResponse { .. })) => {
                    last = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or(UploadError::TlsRejected))
    }

    /// Looks a receipt up (`PROTO-RCPT-001`).
    pub async fn receipt(&self, receipt_id: &str) -> Result<Receipt, UploadError> {
        let path = format!("{}/{receipt_id}", h::PATH_RECEIPTS);
        self.get_json::<Receipt>(&path, receipt_id, 1).await
    }

    fn base_url(&self) -> &Url {
        let i = self.current_url.load(Ordering::Relaxed) % self.urls.len().max(1);
        // Invariant: the configuration has at least one URL (`service.url` is required).
        &self.urls[i]
    }

    fn url(&self, path: &str) -> Result<Url, UploadError> {
        self.base_url()
            .join(path)
            .map_err(|e| UploadError::Unexpected {
                status: 0,
                body: format!("cannot build the URL for {path}: {e}"),
            })
    }

    fn rotate_url(&self) {
        if self.urls.len() > 1 {
            self.current_url.fetch_add(1, Ordering::Relaxed);
        }
    }

    async fn refuse_dicom(&self, path: &Path) -> Result<(), UploadError> {
        let mut head = Vec::with_capacity(132);
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|source| UploadError::Read {
                path: path.to_owned(),
                source,
            })?;
        file.take(132)
            .read_to_end(&mut head)
            .await
            .map_err(|source| UploadError::Read {
                path: path.to_owned(),
                source,
            })?;
        refuse_if_dicom(path, &head)
    }

    async fn upload_with<F, Fut, R>(
        &self,
        open: &F,
        size: u64,
        digest: ContentDigest,
        meta: &Metadata,
        label: &str,
    ) -> Result<Delivery, UploadError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = io::Result<R>>,
        R: AsyncRead + Send + Sync + Unpin + 'static,
    {
        let destination = meta.destination.as_ref().unwrap_or(&self.destination);
        let key = meta
            .idempotency_key
            .clone()
            .unwrap_or_else(|| meta.derived_key(&self.facility, destination, &digest));
        let headers = self.upload_headers(meta, destination, &digest, &key, size)?;
        let deadline = self.attempt_timeout(size);
        let mut attempt = 1;
        // The wait before the last retry as the service center saw it: from the previous
        // answer (or the previous request, when none came) to the retry going out. That can be
        // longer than the backoff chose: after a lost connection, retries queue behind the one
        // request that opens the next. The next wait is never shorter (`PROTO-CLI-002` (c):
        // no wait shorter than half the one before; this keeps a margin).
        let mut seen_wait;
        let mut wait_began: Option<Instant> = None;
        loop {
            let result = self
                .attempt(open, &headers, size, &digest, deadline, label, attempt)
                .await;
            let failed = match result {
                Ok((receipt_id, receipt, kind)) => {
                    return Ok(Delivery {
                        receipt_id,
                        receipt,
                        kind,
                        attempts: attempt,
                        idempotency_key: key,
                    });
                }
                Err(f) => f,
            };
            // The wait that ended when this attempt went out, as the center measured it.
            seen_wait = match (wait_began, failed.sent_at) {
                (Some(began), Some(sent)) => sent.saturating_duration_since(began),
                _ => Duration::ZERO,
            };
            // The next one begins at the answer, or when the request went out if none came; a
            // wait that a Retry-After set is the server's, not a backoff to keep up with.
            wait_began = match (failed.retry_after, failed.answered) {
                (Some(_), _) => None,
                (None, true) => Some(Instant::now()),
                (None, false) => failed.sent_at,
            };
            let mut error = failed.error;
            if let UploadError::Transport(TransportFailure::ClosedBeforeResponse { .. }) = &error
                && !self.verified.load(Ordering::Relaxed)
            {
                error = self.probe_after_close(error).await;
            }
            if let UploadError::Transport(TransportFailure::Unreachable { .. }) = &error {
                self.rotate_url();
            }
            if error.class() == ErrorClass::Final {
                return Err(error);
            }
            if !self.policy.allows_another(attempt) {
                return Err(UploadError::Exhausted {
                    attempts: attempt,
                    last: Box::new(error),
                });
            }
            let wait = self
                .policy
                .delay(attempt, failed.retry_after, &mut rand::rng())
                .max(seen_wait.min(self.policy.max_backoff));
            tracing::info!(document = label, attempt, error = %error, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// A connection closed before any response, and no response has ever arrived on this
    /// client: the server may have refused our certificate (TLS 1.3 reports that late) or the
    /// network may have dropped. Ask `whoami` on a fresh connection instead of guessing.
    async fn probe_after_close(&self, original: UploadError) -> UploadError {
        match self.get_json::<WhoAmI>(h::PATH_WHOAMI, "probe", 0).await {
            // Any HTTP answer, even 401, proves the TLS layer let us in: the close was the
            // network's doing, and the original error stays retryable.
            Ok(_) | Err(UploadError::Rejected { .. } | UploadError::Unexpected { .. }) => original,
            Err(UploadError::Transport(TransportFailure::ClosedBeforeResponse { .. })) => {
                UploadError::TlsRejected
            }
            Err(e @ UploadError::Transport(TransportFailure::TlsAlert { .. })) => e,
            Err(_) => original,
        }
    }

    fn upload_headers(
        &self,
        meta: &Metadata,
        destination: &Destination,
        digest: &ContentDigest,
        key: &IdempotencyKey,
        size: u64,
    ) -> Result<HeaderMap, UploadError> {
        let mut map = HeaderMap::new();
        let mut put = |name: &str, value: &str| -> Result<(), UploadError> {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad_header(name))?;
            let value = HeaderValue::from_str(value).map_err(|_| bad_header(name.as_str()))?;
            map.insert(name, value);
            Ok(())
        };
        put(http::header::CONTENT_TYPE.as_str(), &meta.content_type())?;
        put(http::header::CONTENT_LENGTH.as_str(), &size.to_string())?;
        put(h::DOCUMENT_KIND, meta.kind.as_str())?;
        put(h::FACILITY, self.facility.as_str())?;
        put(h::PATIENT_ID, meta.patient.as_str())?;
        put(h::DESTINATION, &destination.to_string())?;
        put(h::CONTENT_DIGEST, &digest.to_string())?;
        put(h::IDEMPOTENCY_KEY, key.as_str())?;
        if let Some(dk) = &meta.data_kind {
            put(h::DATA_KIND, dk)?;
        }
        if let Some(d) = &meta.care_date {
            put(h::CARE_DATE, d.as_str())?;
        }
        if let Some(n) = &meta.file_name {
            // PROTO-UP-015: plain ASCII as is, anything else as RFC 8187 `UTF-8''...`.
            put(h::FILE_NAME, &n.header_value())?;
        }
        map.insert(http::header::AUTHORIZATION, self.authorization.clone());
        Ok(map)
    }

    fn attempt_timeout(&self, size: u64) -> Duration {
        let mib = size as f64 / (1024.0 * 1024.0);
        self.timeouts.attempt_base + scale(self.timeouts.attempt_per_mib, mib)
    }

    #[allow(clippy::too_many_arguments)]
    async fn attempt<F, Fut, R>(
        &self,
        open: &F,
        headers: &HeaderMap,
        size: u64,
        digest: &ContentDigest,
        deadline: Duration,
        label: &str,
        attempt: u32,
    ) -> Result<(String, Option<Receipt>, DeliveryKind), Failed>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = io::Result<R>>,
        R: AsyncRead + Send + Sync + Unpin + 'static,
    {
        let reader = open().await.map_err(|source| UploadError::Read {
            path: PathBuf::from(label),
            source,
        })?;
        let stream = tokio_util::io::ReaderStream::with_capacity(reader, CHUNK);
        let url = self.url(h::PATH_DOCUMENTS)?;
        let request = self
            .http
            .post(url)
            .headers(headers.clone())
            .timeout(deadline)
            .body(reqwest::Body::wrap_stream(stream))
            .build()
            .map_err(|e| UploadError::Transport(TransportFailure::of_reqwest(&e)))?;
        let exchange = self
            .exchange(request, label, attempt, Some((digest, size)))
            .await;
        let Exchanged {
            status,
            headers: resp_headers,
            body,
            sent_at,
        } = exchange?;
        if status == StatusCode::CREATED || status == StatusCode::OK {
            let receipt: Receipt =
                serde_json::from_slice(&body).map_err(|_| UploadError::Unexpected {
                    status: status.as_u16(),
                    body: snippet(&body),
                })?;
            let replayed = status == StatusCode::OK
                || resp_headers
                    .get(h::IDEMPOTENCY_REPLAYED)
                    .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
            let kind = if replayed {
                DeliveryKind::Replayed
            } else {
                DeliveryKind::Stored
            };
            return Ok((receipt.receipt_id.clone(), Some(receipt), kind));
        }
        let failed = Failed {
            sent_at,
            ..problem_failure(status, &resp_headers, &body)
        };
        if let UploadError::Rejected { problem } = &failed.error
            && problem.known_code() == Some(ProblemCode::Duplicate)
            && let Some(id) = &problem.receipt_id
        {
            // PROTO-IDEM-005: the same bytes are already stored; that is delivered. The full
            // receipt is a convenience, so a failed lookup does not undo the delivery.
            let receipt = self.receipt(id).await.ok();
            return Ok((id.clone(), receipt, DeliveryKind::Duplicate));
        }
        Err(failed)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        label: &str,
        attempt: u32,
    ) -> Result<T, UploadError> {
        let request = self
            .http
            .get(self.url(path)?)
            .header(http::header::AUTHORIZATION, self.authorization.clone())
            .timeout(self.timeouts.attempt_base + self.timeouts.connect)
            .build()
            .map_err(|e| UploadError::Transport(TransportFailure::of_reqwest(&e)))?;
        let Exchanged {
            status,
            headers,
            body,
            ..
        } = self
            .exchange(request, label, attempt, None)
            .await
            .map_err(|f| f.error)?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|_| UploadError::Unexpected {
                status: status.as_u16(),
                body: snippet(&body),
            });
        }
        Err(problem_failure(status, &headers, &body).error)
    }

    /// Sends a request, alone while no connection is known to work (see `opening`), and
    /// returns once the response head arrived.
    /// Sends one request; `dispatched` is set when it leaves (after any wait for the first
    /// connection).
    async fn execute(
        &self,
        mut request: reqwest::Request,
        dispatched: &mut Option<Instant>,
    ) -> reqwest::Result<reqwest::Response> {
        if let Some(lang) = &self.accept_language {
            request
                .headers_mut()
                .insert(reqwest::header::ACCEPT_LANGUAGE, lang.clone());
        }
        let _alone = if self.warm.load(Ordering::Acquire) {
            None
        } else {
            let guard = self.opening.lock().await;
            // Another request may have opened the connection while this one waited.
            (!self.warm.load(Ordering::Acquire)).then_some(guard)
        };
        *dispatched = Some(Instant::now());
        let result = self.http.execute(request).await;
        // A failure below HTTP may have taken the connection with it; we cannot tell, so the
        // next request opens (or proves) one alone again. An answer proves one works, and
        // hyper has put it in the pool before it handed us the response.
        self.warm.store(result.is_ok(), Ordering::Release);
        result
    }

    /// Sends one request, reads the whole (small) response, and traces the attempt.
    async fn exchange(
        &self,
        request: reqwest::Request,
        label: &str,
        attempt: u32,
        body: Option<(&ContentDigest, u64)>,
    ) -> Result<Exchanged, Failed> {
        let started_at = now_rfc3339();
        let started = Instant::now();
        let request_record = RequestRecord {
            method: request.method().to_string(),
            url: request.url().to_string(),
            headers: crate::trace::redacted_headers(request.headers()),
            body_digest: body.map(|(d, _)| d.to_string()),
            body_size: body.map(|(_, s)| s),
        };
        let mut dispatched = None;
        let result = async {
            let response = self.execute(request, &mut dispatched).await?;
            let status = response.status();
            let version = format!("{:?}", response.version());
            let headers = response.headers().clone();
            let bytes = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, version, headers, bytes))
        }
        .await;
        let elapsed_ms = started.elapsed().as_millis();
        match result {
            Ok((status, version, headers, bytes)) => {
                self.verified.store(true, Ordering::Relaxed);
                if let Some(trace) = &self.trace {
                    let error = (!status.is_success()).then(|| {
                        let f = problem_failure(status, &headers, &bytes);
                        ErrorRecord {
                            class: f.error.class().to_string(),
                            kind: f.error.slug(),
                            message: f.error.to_string(),
                        }
                    });
                    trace.record(&AttemptRecord {
                        started_at,
                        document: label.to_owned(),
                        attempt,
                        request: request_record,
                        response: Some(ResponseRecord {
                            status: status.as_u16(),
                            version,
                            headers: crate::trace::redacted_headers(&headers),
                            body: String::from_utf8_lossy(&bytes).into_owned(),
                        }),
                        elapsed_ms,
                        error,
                    });
                }
                Ok(Exchanged {
                    status,
                    headers,
                    body: bytes,
                    sent_at: dispatched,
                })
            }
            Err(e) => {
                let failure = TransportFailure::of_reqwest(&e);
                tracing::debug!(document = label, attempt, error = ?e, class = %failure.class(), "attempt failed");
                if let Some(trace) = &self.trace {
                    trace.record(&AttemptRecord {
                        started_at,
                        document: label.to_owned(),
                        attempt,
                        request: request_record,
                        response: None,
                        elapsed_ms,
                        error: Some(ErrorRecord {
                            class: failure.class().to_string(),
                            kind: failure.slug().to_owned(),
                            message: failure.to_string(),
                        }),
                    });
                }
                Err(Failed {
                    sent_at: dispatched,
                    ..UploadError::Transport(failure).into()
                })
            }
        }
    }
}

#[derive(Debug)]
struct SizeChanged(u64);

impl std::fmt::Display for SizeChanged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the file is now {} bytes long", self.0)
    }
}

impl std::error::Error for SizeChanged {}

fn bad_header(name: &str) -> UploadError {
    UploadError::Refused {
        path: PathBuf::new(),
        reason: RefusedReason::BadHeader(name.to_owned()),
    }
}

/// Turns an error response into a typed failure with its `Retry-After`.
fn problem_failure(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Failed {
    let problem: Option<Problem> = serde_json::from_slice(body).ok();
    let retry_after = headers
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after)
        .or_else(|| {
            problem
                .as_ref()
                .and_then(|p| p.retry_after)
                .map(|seconds| RetryAfter::Delay(Duration::from_secs(seconds)))
        });
    let error = match problem {
        Some(problem) => UploadError::Rejected {
            problem: Box::new(problem),
        },
        None => UploadError::Unexpected {
            status: status.as_u16(),
            body: snippet(body),
        },
    };
    Failed {
        error,
        retry_after,
        sent_at: None,
        answered: true,
    }
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.chars().take(300).collect()
}

/// RFC 3339 UTC now, for traces and logs.
pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Documents up to this size are read into memory once per upload (see [`Client::upload_path`]).
pub const SMALL_DOCUMENT: u64 = 256 * 1024;

/// Refuses a document whose first bytes are a DICOM preamble and magic.
fn refuse_if_dicom(path: &Path, head: &[u8]) -> Result<(), UploadError> {
    if idlink_formats::is_dicom(head) {
        // PROTO-CLI-005, PROTO-UP-004: DICOM never leaves the facility through ID-Link.
        return Err(UploadError::Refused {
            path: path.to_owned(),
            reason: RefusedReason::Dicom,
        });
    }
    Ok(())
}

/// SHA-256 and size of a file, read in chunks (first pass of an upload). On the blocking pool:
/// hashing 256 MiB takes about a second, and one thread drives every upload of a run.
pub async fn digest_file(path: &Path) -> Result<(ContentDigest, u64), UploadError> {
    let read_err = |source| UploadError::Read {
        path: path.to_owned(),
        source,
    };
    let owned = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(owned)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; CHUNK];
        let mut size = 0u64;
        loop {
            let n = match io::Read::read(&mut file, &mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            hasher.update(&buf[..n]);
            size += n as u64;
        }
        Ok((ContentDigest::from_sha256(hasher.finalize().into()), size))
    })
    .await
    .unwrap_or_else(|e| Err(io::Error::other(e)))
    .map_err(read_err)
}

async fn digest_reader(mut reader: impl AsyncRead + Unpin) -> io::Result<(ContentDigest, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut size = 0u64;
    loop {
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((ContentDigest::from_sha256(hasher.finalize().into()), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(code: ProblemCode) -> UploadError {
        UploadError::Rejected {
            problem: Box::new(Problem::new(code, "x")),
        }
    }

    // PROTO-CLI-003
    #[test]
    fn every_problem_code_maps_to_a_class_and_an_exit_status() {
        for code in ProblemCode::ALL {
            let e = problem(code);
            let expected_class = if code.retryable() {
                ErrorClass::Retryable
            } else {
                ErrorClass::Final
            };
            assert_eq!(e.class(), expected_class, "{code}");
            let status = e.exit_status();
            let expected = if is_auth_problem(code) {
                ExitStatus::Auth
            } else if code.retryable() {
                ExitStatus::Transient
            } else {
                ExitStatus::Rejected
            };
            assert_eq!(status, expected, "{code}");
        }
    }

    #[test]
    fn unexpected_statuses_are_retryable_only_for_server_trouble() {
        let e = |status| UploadError::Unexpected {
            status,
            body: String::new(),
        };
        assert_eq!(e(502).class(), ErrorClass::Retryable);
        assert_eq!(e(429).class(), ErrorClass::Retryable);
        assert_eq!(e(404).class(), ErrorClass::Final);
        assert_eq!(UploadError::TlsRejected.exit_status(), ExitStatus::Auth);
        let exhausted = UploadError::Exhausted {
            attempts: 3,
            last: Box::new(problem(ProblemCode::Maintenance)),
        };
        assert_eq!(
            (exhausted.class(), exhausted.exit_status()),
            (ErrorClass::Final, ExitStatus::Transient)
        );
        assert_eq!(exhausted.slug(), "maintenance");
    }

    // PROTO-CLI-002
    #[test]
    fn retry_after_comes_from_the_header_or_else_the_problem() {
        let mut p = Problem::new(ProblemCode::RateLimited, "slow down");
        p.retry_after = Some(7);
        let body = serde_json::to_vec(&p).unwrap();
        let mut headers = HeaderMap::new();
        let f = problem_failure(StatusCode::TOO_MANY_REQUESTS, &headers, &body);
        assert_eq!(
            f.retry_after,
            Some(RetryAfter::Delay(Duration::from_secs(7)))
        );
        headers.insert(http::header::RETRY_AFTER, HeaderValue::from_static("2"));
        let f = problem_failure(StatusCode::TOO_MANY_REQUESTS, &headers, &body);
        assert_eq!(
            f.retry_after,
            Some(RetryAfter::Delay(Duration::from_secs(2)))
        );
        assert_eq!(f.error.class(), ErrorClass::Retryable);
    }

    #[tokio::test]
    async fn digests_a_reader_in_chunks() {
        let data = vec![7u8; CHUNK * 2 + 5];
        let (d, size) = digest_reader(&data[..]).await.unwrap();
        assert_eq!((d, size), (ContentDigest::of(&data), data.len() as u64));
    }
}
