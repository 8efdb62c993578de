//! The hand-written accept loop behind both TLS listeners.
//!
//! Why not `axum::serve`: the mock needs the socket. The TLS handshake runs in the spawned
//! per-connection task under a timeout (a silent client must never block the accept loop), the
//! handshake result is journaled with rustls's own reason, the negotiated parameters and client
//! certificate go into request extensions, and the transport carries out what the scenario
//! engine decided: connection actions before TLS (refuse, stall, a TLS alert, another server
//! certificate) and, at a handler's request, a reset, a close or raw bytes instead of an answer.
//! After the handshake no connection holds its slot for ever: hyper bounds an HTTP/1.1 request
//! head in time (`limits.header_read_timeout_ms`) and size (`431`), and `Activity` closes a
//! connection with no request in flight for `limits.idle_timeout_ms`; both scaled by the clock
//! and journaled (`http::upload` bounds a stalled body). A request head hyper cannot parse gets
//! the protocol's `400 malformed-request` problem instead of hyper's empty `400` (and
//! `431 request-head-too-large` instead of its empty `431`, [`crate::malformed`]): the stream
//! keeps hyper's answer off the wire and hands itself back for it. The loop takes an already-bound
//! listener and a cancellation token, as mini-redis's server does, so tests bind `127.0.0.1:0`
//! and shut down gracefully.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use idlink_protocol::{ProblemCode, TlsSummary};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt as _;

use crate::journal::{JournalEvent, Listener, TimeoutKind};
use crate::malformed;
use crate::scenario::{ActionSpec, ConnectionFacts};
use crate::state::CenterState;
use crate::tls::ServerCertificate;
use crate::tls::{self, ClientCertificate};

/// What a handler knows about the connection its request came on (a request extension).
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    /// Per-process connection number, as in the journal.
    pub id: u64,
    /// Which listener.
    pub listener: Listener,
    /// The client's address.
    pub peer: SocketAddr,
    /// Negotiated TLS version, cipher suite and ALPN.
    pub tls: TlsSummary,
    /// The verified client certificate (mTLS listener only).
    pub client_certificate: Option<ClientCertificate>,
    /// Ends this connection the way an action asks, instead of answering.
    pub control: ConnectionControl,
}

/// What the transport does to a connection instead of letting HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionAction {
    /// TCP RST (SO_LINGER 0).
    Reset,
    /// TLS close_notify and FIN, without an answer.
    Close,
    /// Write these bytes inside TLS, then close.
    Raw(Vec<u8>),
}

/// Lets a handler end its connection below HTTP. Once requested, nothing more is written by
/// HTTP on the connection: the stream wrapper refuses every later write.
#[derive(Debug, Clone, Default)]
pub struct ConnectionControl {
    requested: Arc<AtomicBool>,
    action: Arc<Mutex<Option<ConnectionAction>>>,
    notify: Arc<Notify>,
}

impl ConnectionControl {
    /// Requests `action` now.
    pub fn request(&self, action: ConnectionAction) {
        *self.action.lock().unwrap_or_else(|e| e.into_inner()) = Some(action);
        self.requested.store(true, Ordering::SeqCst);
        self.notify.notify_one();
    }

    /// Requests a TCP reset now.
    pub fn reset_now(&self) {
        self.request(ConnectionAction::Reset);
    }

    fn take(&self) -> Option<ConnectionAction> {
        self.action.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// Settings of one TLS listener's loop.
pub(crate) struct TlsServer {
    /// Which listener this is.
    pub listener: Listener,
    /// One acceptor per server certificate the PKI has (a scenario may present any).
    pub acceptors: Arc<BTreeMap<ServerCertificate, TlsAcceptor>>,
    /// The certificate presented unless an action says otherwise.
    pub default_certificate: ServerCertificate,
    /// The application.
    pub app: Router,
    /// The center's state (journal, engine, clock, connection numbers).
    pub state: Arc<CenterState>,
    /// Open connections allowed; the next is closed at once and journaled.
    pub max_connections: usize,
    /// Handshake deadline.
    pub handshake_timeout: Duration,
    /// HTTP/1.1 request-head deadline (scaled), also between keep-alive requests.
    pub header_read_timeout: Duration,
    /// A connection with no request in flight this long (scaled) is closed.
    pub idle_timeout: Duration,
    /// Cancelled to stop accepting and drain connections.
    pub shutdown: CancellationToken,
    /// Tracks connection tasks so shutdown can wait for them.
    pub tracker: TaskTracker,
}

impl TlsServer {
    /// Accepts until `shutdown` is cancelled. Connection tasks are spawned on `tracker`.
    pub(crate) async fn run(self, tcp: TcpListener) {
        let this = Arc::new(self);
        let permits = Arc::new(Semaphore::new(this.max_connections));
        loop {
            let accepted = tokio::select! {
                _ = this.shutdown.cancelled() => break,
                accepted = tcp.accept() => accepted,
            };
            let (stream, peer) = match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    // EMFILE and friends: log and keep accepting; the next accept may succeed
                    // once connections close.
                    tracing::warn!(%error, listener = this.listener.as_str(), "accept failed");
                    tokio::task::yield_now().await;
                    continue;
                }
            };
            let id = this.state.next_connection_id();
            this.state.journal.record(
                Some(id),
                Some(this.listener),
                JournalEvent::Connection {
                    peer: peer.to_string(),
                },
            );
            if this.state.engine.down() {
                this.state.journal.record(
                    Some(id),
                    Some(this.listener),
                    JournalEvent::ConnectionRefused {
                        peer: peer.to_string(),
                        reason: "the center is restarting (scenario restart action)".to_owned(),
                    },
                );
                let _ = stream.set_zero_linger();
                drop(stream);
                continue;
            }
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                this.state.journal.record(
                    Some(id),
                    Some(this.listener),
                    JournalEvent::ConnectionRefused {
                        peer: peer.to_string(),
                        reason: format!(
                            "connection limit reached ({} open connections)",
                            this.max_connections
                        ),
                    },
                );
                drop(stream);
                continue;
            };
            let server = this.clone();
            this.tracker.spawn(async move {
                server.connection(id, stream, peer).await;
                drop(permit);
            });
        }
    }

    async fn connection(self: Arc<Self>, id: u64, stream: TcpStream, peer: SocketAddr) {
        let _ = stream.set_nodelay(true);
        let journal = |event| {
            self.state
                .journal
                .record(Some(id), Some(self.listener), event)
        };
        let mut certificate = self.default_certificate;
        let decision = self.state.engine.decide_connection(ConnectionFacts {
            listener: self.listener,
            connection: id,
        });
        match decision.action {
            ActionSpec::Refuse => {
                let _ = stream.set_zero_linger();
                journal(JournalEvent::ConnectionAction {
                    detail: "refused: reset right after accept, before TLS".to_owned(),
                });
                return;
            }
            ActionSpec::StallHandshake { duration } => {
                tokio::select! {
                    _ = self.shutdown.cancelled() => {}
                    _ = self.state.clock.sleep(duration) => {}
                }
                journal(JournalEvent::ConnectionAction {
                    detail: format!(
                        "stalled {} ms before the handshake, then closed",
                        self.state.clock.scaled(duration).as_millis()
                    ),
                });
                return;
            }
            ActionSpec::TlsAlert { alert } => {
                send_alert(stream, alert.code(), self.handshake_timeout).await;
                journal(JournalEvent::ConnectionAction {
                    detail: format!(
                        "fatal TLS alert {} sent after the ClientHello",
                        alert.code()
                    ),
                });
                return;
            }
            ActionSpec::ServerCertificate { variant } => certificate = variant,
            _ => {}
        }
        let Some(acceptor) = self
            .acceptors
            .get(&certificate)
            .or_else(|| self.acceptors.get(&ServerCertificate::Valid))
        else {
            return;
        };
        let accept = tls::with_presented_certificate(acceptor.accept(stream));
        let handshake = tokio::select! {
            _ = self.shutdown.cancelled() => return,
            result = tokio::time::timeout(self.handshake_timeout, accept) => result,
        };
        let tls = match handshake {
            Ok((Ok(tls), _)) => tls,
            Ok((Err(error), presented)) => {
                let presented = presented.as_ref().map(tls::PresentedCertificate::from_der);
                journal(JournalEvent::HandshakeRejected {
                    reason: tls::rejection_reason(&error),
                    explanation: tls::rejection_explanation(&error, presented.as_ref()),
                    presented_certificate: presented,
                });
                return;
            }
            Err(_) => {
                journal(JournalEvent::HandshakeTimeout {
                    after_ms: self.handshake_timeout.as_millis() as u64,
                });
                return;
            }
        };
        let (_, session) = tls.get_ref();
        let summary = tls::summarize(session);
        let client_certificate = session
            .peer_certificates()
            .and_then(|chain| chain.first())
            .map(|leaf| ClientCertificate::from_der(leaf.clone().into_owned()));
        journal(JournalEvent::HandshakeOk {
            tls_version: summary.version.clone(),
            cipher_suite: summary.cipher_suite.clone(),
            alpn: summary.alpn.clone(),
            client_certificate: client_certificate.as_ref().map(|c| c.summary.clone()),
        });

        let control = ConnectionControl::default();
        let info = Arc::new(ConnectionInfo {
            id,
            listener: self.listener,
            peer,
            tls: summary,
            client_certificate,
            control: control.clone(),
        });
        let app = self.app.clone();
        let activity = Activity::default();
        // HTTP/2 frames are not request heads, and hyper answers their errors itself (a
        // stream or connection error, no HTTP answer to replace).
        let capture = HeadCapture::new(info.tls.alpn.as_deref() != Some("h2"));
        let service = hyper::service::service_fn({
            let activity = activity.clone();
            let capture = capture.clone();
            move |mut request: hyper::Request<Incoming>| {
                request.extensions_mut().insert(info.clone());
                // hyper parsed this head; the next one starts after this request.
                capture.clear();
                let app = app.clone();
                // In flight until the answer's body is dropped (sent, or abandoned).
                let in_flight = activity.start();
                async move {
                    let response = app.oneshot(request.map(axum::body::Body::new)).await?;
                    Ok::<_, Infallible>(response.map(|body| {
                        axum::body::Body::new(body.map_frame(move |frame| {
                            let _in_flight = &in_flight;
                            frame
                        }))
                    }))
                }
            }
        });
        let (salvage, salvaged) = tokio::sync::oneshot::channel();
        let parser_answer = Arc::new(AtomicU16::new(0));
        let io = TokioIo::new(ControlledStream {
            inner: Some(tls),
            requested: control.requested.clone(),
            parser_answer: parser_answer.clone(),
            activity: activity.clone(),
            capture: capture.clone(),
            salvage: Some(salvage),
        });
        let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout)
            .max_buf_size(MAX_REQUEST_HEAD_BYTES);
        let mut connection = Box::pin(builder.serve_connection(io, service));
        let mut restarts = self.state.restarts();
        let result = tokio::select! {
            result = connection.as_mut() => result,
            _ = activity.idle_for(self.idle_timeout) => {
                journal(JournalEvent::Timeout {
                    timeout: TimeoutKind::Idle,
                    after_ms: self.idle_timeout.as_millis() as u64,
                    request_id: None,
                });
                // HTTP/2 says GOAWAY first, so the client sends nothing more on this connection.
                connection.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(Duration::from_secs(1), connection.as_mut()).await;
                Err(format!(
                    "closed after {} ms without a request",
                    self.idle_timeout.as_millis()
                )
                .into())
            }
            _ = control.notify.notified() => Ok(()),
            _ = restarts.changed() => {
                control.request(ConnectionAction::Reset);
                Ok(())
            }
            _ = self.shutdown.cancelled() => {
                connection.as_mut().graceful_shutdown();
                match tokio::time::timeout(Duration::from_secs(5), connection.as_mut()).await {
                    Ok(result) => result,
                    Err(_) => Err("graceful shutdown timed out after 5 s".into()),
                }
            }
        };
        if control.requested.load(Ordering::SeqCst) {
            // Dropping HTTP hands the TLS stream back (see `ControlledStream::drop`).
            drop(connection);
            let action = control.take().unwrap_or(ConnectionAction::Reset);
            let detail = match salvaged.await {
                Ok(stream) => carry_out(stream, &action).await,
                Err(_) => "the connection was already gone".to_owned(),
            };
            journal(JournalEvent::ConnectionClosed {
                error: Some(format!("ended by the scenario engine: {detail}")),
            });
            return;
        }
        let status = parser_answer.load(Ordering::SeqCst);
        if status != 0 {
            // Dropping HTTP hands the TLS stream back (see `ControlledStream::drop`).
            drop(connection);
            let parser_error = match &result {
                Err(error) => error.to_string(),
                Ok(()) => "the HTTP parser refused the request head".to_owned(),
            };
            journal(answer_refused_head(status, parser_error, &capture.take(), salvaged).await);
            journal(JournalEvent::ConnectionClosed {
                error: Some("closed after a request head the HTTP parser refused".to_owned()),
            });
            return;
        }
        if let Err(error) = &result
            && error
                .downcast_ref::<hyper::Error>()
                .is_some_and(hyper::Error::is_timeout)
        {
            journal(JournalEvent::Timeout {
                timeout: TimeoutKind::HeaderRead,
                after_ms: self.header_read_timeout.as_millis() as u64,
                request_id: None,
            });
        }
        journal(JournalEvent::ConnectionClosed {
            error: result.err().map(|e| e.to_string()),
        });
    }
}

/// Largest HTTP/1.1 request head read; a larger one gets `431` (hyper's own answer) instead of
/// filling memory. Far above any header the protocol uses.
const MAX_REQUEST_HEAD_BYTES: usize = 64 * 1024;

/// Requests in flight on one connection, and since when none is: what the idle timeout watches.
#[derive(Debug, Clone)]
struct Activity {
    /// (requests in flight, when the count last changed). A watch channel, so the watcher
    /// wakes on every change without polling.
    state: Arc<tokio::sync::watch::Sender<(usize, tokio::time::Instant)>>,
}

impl Default for Activity {
    fn default() -> Self {
        Self {
            state: Arc::new(tokio::sync::watch::channel((0, tokio::time::Instant::now())).0),
        }
    }
}

impl Activity {
    /// Requests in flight now.
    fn in_flight(&self) -> usize {
        self.state.borrow().0
    }

    /// Counts a request in flight until the guard is dropped.
    fn start(&self) -> InFlight {
        self.state.send_modify(|(count, since)| {
            *count += 1;
            *since = tokio::time::Instant::now();
        });
        InFlight(self.state.clone())
    }

    /// Completes once no request has been in flight for `limit`.
    async fn idle_for(&self, limit: Duration) {
        let mut watch = self.state.subscribe();
        loop {
            let (count, since) = *watch.borrow_and_update();
            if count == 0 {
                tokio::select! {
                    _ = tokio::time::sleep_until(since + limit) => return,
                    _ = watch.changed() => {}
                }
            } else if watch.changed().await.is_err() {
                // Unreachable while `self` holds the sender; never fire on it.
                std::future::pending::<()>().await;
            }
        }
    }
}

/// A request in flight (see [`Activity::start`]).
#[derive(Debug)]
struct InFlight(Arc<tokio::sync::watch::Sender<(usize, tokio::time::Instant)>>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.send_modify(|(count, since)| {
            *count = count.saturating_sub(1);
            *since = tokio::time::Instant::now();
        });
    }
}

/// The request head hyper is reading, as the client sent it: bytes read while no request was in
/// flight, since the last request started. Kept only so that a head hyper refuses can be
/// described ([`malformed::diagnose`]); bounded like the head hyper reads.
#[derive(Debug, Clone)]
struct HeadCapture {
    bytes: Arc<Mutex<Vec<u8>>>,
    /// False for HTTP/2 connections.
    enabled: bool,
}

impl HeadCapture {
    fn new(enabled: bool) -> Self {
        Self {
            bytes: Arc::default(),
            enabled,
        }
    }

    fn bytes(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        // A plain byte buffer: a panic while holding it cannot leave it inconsistent.
        self.bytes.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, read: &[u8]) {
        if !self.enabled {
            return;
        }
        let mut bytes = self.bytes();
        let room = MAX_REQUEST_HEAD_BYTES.saturating_sub(bytes.len());
        bytes.extend_from_slice(&read[..read.len().min(room)]);
    }

    fn clear(&self) {
        self.bytes().clear();
    }

    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.bytes())
    }
}

/// Answers a request head hyper refused (its own answer had `status`) with the protocol's
/// problem on the salvaged stream; returns the journal entry saying what was wrong.
async fn answer_refused_head(
    status: u16,
    parser_error: String,
    head: &[u8],
    salvaged: tokio::sync::oneshot::Receiver<TlsStream<TcpStream>>,
) -> JournalEvent {
    let code = malformed::code_for(status);
    let defect = match code {
        ProblemCode::RequestHeadTooLarge => malformed::too_large(MAX_REQUEST_HEAD_BYTES, head),
        _ => malformed::diagnose(head, &parser_error),
    };
    let request_id = crate::clock::request_id();
    let answer = malformed::answer(code, &request_id, &defect);
    let answered = match salvaged.await {
        Ok(stream) => write_answer(stream, &answer).await,
        Err(_) => false,
    };
    JournalEvent::MalformedRequest {
        request_id,
        code,
        defect,
        parser_error,
        answered,
    }
}

/// Writes the problem answer where hyper would have written its empty one, then closes the TLS
/// stream; true when the answer was written.
async fn write_answer(mut stream: TlsStream<TcpStream>, bytes: &[u8]) -> bool {
    let written = tokio::time::timeout(Duration::from_secs(5), async {
        stream.write_all(bytes).await?;
        stream.flush().await
    })
    .await;
    let _ = tokio::time::timeout(Duration::from_secs(2), stream.shutdown()).await;
    // Lingering close: a client still sending (the rest of an oversized head) must read the
    // answer before the socket closes; closing with unread input would send a TCP reset, which
    // can destroy the answer in the client's receive buffer. Bounded in time and bytes.
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let mut sink = [0u8; 16 * 1024];
        let mut drained = 0usize;
        while drained < LINGER_DRAIN_BYTES {
            // A client that has stopped sending has nothing a reset could destroy.
            match tokio::time::timeout(LINGER_QUIET, stream.read(&mut sink)).await {
                Ok(Ok(n)) if n > 0 => drained += n,
                _ => break,
            }
        }
    })
    .await;
    matches!(written, Ok(Ok(())))
}

/// The most a lingering close reads and discards after a parse-error answer.
const LINGER_DRAIN_BYTES: usize = 1024 * 1024;

/// A lingering close ends once the client has sent nothing for this long.
const LINGER_QUIET: Duration = Duration::from_millis(100);

/// Carries out a connection action on the salvaged stream; says what was done.
async fn carry_out(mut stream: TlsStream<TcpStream>, action: &ConnectionAction) -> String {
    match action {
        ConnectionAction::Reset => {
            // Best effort: if it fails the client sees a FIN instead of a RST.
            let _ = stream.get_ref().0.set_zero_linger();
            "TCP reset (SO_LINGER 0)".to_owned()
        }
        ConnectionAction::Close => {
            let _ = tokio::time::timeout(Duration::from_secs(2), stream.shutdown()).await;
            "closed without an answer (close_notify, FIN)".to_owned()
        }
        ConnectionAction::Raw(bytes) => {
            let written = tokio::time::timeout(Duration::from_secs(5), async {
                stream.write_all(bytes).await?;
                stream.flush().await
            })
            .await;
            let _ = tokio::time::timeout(Duration::from_secs(2), stream.shutdown()).await;
            match written {
                Ok(Ok(())) => format!("{} raw bytes written inside TLS, then closed", bytes.len()),
                _ => "raw bytes could not be written; closed".to_owned(),
            }
        }
    }
}

/// Reads what the client sends first (its ClientHello) and answers with a fatal alert record:
/// `content type 21, TLS 1.2 record version, length 2, level fatal, description`.
async fn send_alert(mut stream: TcpStream, description: u8, timeout: Duration) {
    let mut hello = [0u8; 4096];
    let _ = tokio::time::timeout(timeout, stream.read(&mut hello)).await;
    let _ = stream.write_all(&[21, 3, 3, 0, 2, 2, description]).await;
    let _ = stream.flush().await;
    let _ = stream.shutdown().await;
}

/// The TLS stream with a switch. Once an action is requested, reads and writes fail (HTTP can
/// write nothing more), and dropping the wrapper hands the stream to the connection task, which
/// carries the action out: a RST, a silent close, or raw bytes.
///
/// It also keeps hyper's own answer to an unparseable request head off the wire
/// ([`malformed::parser_answer_status`]): from then on writes, flushes and the shutdown are
/// swallowed, and dropping the wrapper hands the stream back for the protocol's answer. And it
/// records the request head being read ([`HeadCapture`]) to say what was wrong with it.
struct ControlledStream {
    inner: Option<TlsStream<TcpStream>>,
    requested: Arc<AtomicBool>,
    /// The status of hyper's own parse-error answer once it was swallowed, else 0.
    parser_answer: Arc<AtomicU16>,
    activity: Activity,
    capture: HeadCapture,
    salvage: Option<tokio::sync::oneshot::Sender<TlsStream<TcpStream>>>,
}

impl ControlledStream {
    fn answer_swallowed(&self) -> bool {
        self.parser_answer.load(Ordering::SeqCst) != 0
    }

    /// Swallows hyper's own parse-error answer (and everything hyper writes after it).
    fn swallow(&self, first: &[u8]) -> bool {
        if self.answer_swallowed() {
            return true;
        }
        match malformed::parser_answer_status(first) {
            Some(status) => {
                self.parser_answer.store(status, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }

    fn stream(&mut self) -> io::Result<Pin<&mut TlsStream<TcpStream>>> {
        if self.requested.load(Ordering::SeqCst) {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "connection taken over by the scenario engine",
            ));
        }
        match self.inner.as_mut() {
            Some(inner) => Ok(Pin::new(inner)),
            None => Err(io::Error::from(io::ErrorKind::NotConnected)),
        }
    }
}

impl Drop for ControlledStream {
    fn drop(&mut self) {
        if let (Some(inner), Some(salvage)) = (self.inner.take(), self.salvage.take()) {
            if self.requested.load(Ordering::SeqCst) || self.answer_swallowed() {
                // The receiver is the connection task; if it is gone the stream just drops.
                let _ = salvage.send(inner);
            } else {
                drop(inner);
            }
        }
    }
}

impl AsyncRead for ControlledStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = self.stream()?.poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && self.activity.in_flight() == 0 {
            self.capture.record(&buf.filled()[before..]);
        }
        polled
    }
}

impl AsyncWrite for ControlledStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.stream()?;
        if self.swallow(buf) {
            return Poll::Ready(Ok(buf.len()));
        }
        self.stream()?.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.stream()?;
        let first = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &b[..]);
        if self.swallow(first) {
            return Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()));
        }
        self.stream()?.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.as_ref().is_some_and(|i| i.is_write_vectored())
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.answer_swallowed() {
            return Poll::Ready(Ok(()));
        }
        self.stream()?.poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // After a swallowed answer the stream stays open for the protocol's answer.
        if self.answer_swallowed() {
            return Poll::Ready(Ok(()));
        }
        self.stream()?.poll_shutdown(cx)
    }
}
