//! The hand-written accept loop behind both TLS listeners.
//!
//! Why not `axum::serve`: the mock needs the socket. The TLS handshake runs in the spawned
//! per-connection task under a timeout (a silent client must never block the accept loop), the
//! handshake result is journaled with rustls's own reason, the negotiated parameters and client
//! certificate go into request extensions, and a fault can reset the TCP connection (SO_LINGER 0)
//! instead of answering. The loop takes an already-bound listener and a cancellation token, as
//! mini-redis's server does, so tests bind `127.0.0.1:0` and shut down gracefully.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use idlink_protocol::TlsSummary;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt as _;

use crate::journal::{Journal, JournalEvent, Listener};
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
    /// Resets this connection instead of answering (fault injection).
    pub reset: ResetHandle,
}

/// Lets a handler reset its TCP connection: SO_LINGER 0 and close, so the client sees a RST
/// instead of a response.
#[derive(Debug, Clone, Default)]
pub struct ResetHandle {
    requested: Arc<AtomicBool>,
    notify: Arc<Notify>,
}

impl ResetHandle {
    /// Requests the reset. Nothing more is written on the connection from this moment: the
    /// stream wrapper refuses every later write.
    pub fn reset_now(&self) {
        self.requested.store(true, Ordering::SeqCst);
        self.notify.notify_one();
    }
}

/// Settings of one TLS listener's loop.
pub(crate) struct TlsServer {
    /// Which listener this is.
    pub listener: Listener,
    /// The TLS configuration.
    pub acceptor: TlsAcceptor,
    /// The application.
    pub app: Router,
    /// Where connections and handshakes are journaled.
    pub journal: Arc<Journal>,
    /// Open connections allowed; the next is closed at once and journaled.
    pub max_connections: usize,
    /// Handshake deadline.
    pub handshake_timeout: Duration,
    /// Cancelled to stop accepting and drain connections.
    pub shutdown: CancellationToken,
    /// Tracks connection tasks so shutdown can wait for them.
    pub tracker: TaskTracker,
}

static CONNECTION_IDS: AtomicU64 = AtomicU64::new(1);

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
            let id = CONNECTION_IDS.fetch_add(1, Ordering::Relaxed);
            this.journal.record(
                Some(id),
                Some(this.listener),
                JournalEvent::Connection {
                    peer: peer.to_string(),
                },
            );
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                this.journal.record(
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
        let journal = |event| self.journal.record(Some(id), Some(self.listener), event);
        let handshake = tokio::select! {
            _ = self.shutdown.cancelled() => return,
            result = tokio::time::timeout(self.handshake_timeout, self.acceptor.accept(stream)) => result,
        };
        let tls = match handshake {
            Ok(Ok(tls)) => tls,
            Ok(Err(error)) => {
                journal(JournalEvent::HandshakeRejected {
                    reason: handshake_reason(&error),
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

        let reset = ResetHandle::default();
        let info = Arc::new(ConnectionInfo {
            id,
            listener: self.listener,
            peer,
            tls: summary,
            client_certificate,
            reset: reset.clone(),
        });
        let app = self.app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(info.clone());
            app.clone().oneshot(request.map(axum::body::Body::new))
        });
        let io = TokioIo::new(ResettableStream {
            inner: tls,
            reset: reset.requested.clone(),
        });
        let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
        let connection = builder.serve_connection(io, service);
        tokio::pin!(connection);
        let result = tokio::select! {
            result = connection.as_mut() => result,
            _ = reset.notify.notified() => {
                // Dropping the connection drops the stream, whose Drop sets SO_LINGER 0: RST.
                journal(JournalEvent::ConnectionClosed {
                    error: Some("reset by an injected fault (SO_LINGER 0)".to_owned()),
                });
                return;
            }
            _ = self.shutdown.cancelled() => {
                connection.as_mut().graceful_shutdown();
                match tokio::time::timeout(Duration::from_secs(5), connection.as_mut()).await {
                    Ok(result) => result,
                    Err(_) => Err("graceful shutdown timed out after 5 s".into()),
                }
            }
        };
        journal(JournalEvent::ConnectionClosed {
            error: result.err().map(|e| e.to_string()),
        });
    }
}

/// The server-side rustls error, verbatim when there is one (tokio-rustls wraps it in an
/// `io::Error`), e.g. `invalid peer certificate: Revoked`.
fn handshake_reason(error: &io::Error) -> String {
    match error.get_ref() {
        Some(inner) => match inner.downcast_ref::<rustls::Error>() {
            Some(rustls_error) => rustls_error.to_string(),
            None => inner.to_string(),
        },
        None => error.to_string(),
    }
}

/// The TLS stream with a reset switch. Once the switch is on, reads and writes fail and dropping
/// the stream sends a TCP RST (SO_LINGER 0) rather than a FIN: this is how `ResetAfterStore` and
/// `ResetBeforeStore` faults cut a connection below HTTP.
struct ResettableStream {
    inner: TlsStream<TcpStream>,
    reset: Arc<AtomicBool>,
}

impl ResettableStream {
    fn check(&self) -> io::Result<()> {
        if self.reset.load(Ordering::SeqCst) {
            Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "connection reset by an injected fault",
            ))
        } else {
            Ok(())
        }
    }
}

impl Drop for ResettableStream {
    fn drop(&mut self) {
        if self.reset.load(Ordering::SeqCst) {
            // Best effort: if it fails the client sees a FIN instead of a RST.
            let _ = self.inner.get_ref().0.set_zero_linger();
        }
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
