//! [`MockCenter`]: a running mock service center, in the style of wiremock-rs's `MockServer`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use idlink_certs::{Pki, PkiError};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::accounts::Accounts;
use crate::config::MockConfig;
use crate::consent::Consents;
use crate::fault::Faults;
use crate::journal::{Journal, JournalError, JournalEvent, Listener};
use crate::kit::{ClientKit, KitError};
use crate::server::TlsServer;
use crate::store::{Store, StoreError};
use crate::tls::{self, TlsError, TlsMaterial};
use crate::upload::InProgress;

/// Why a center could not start or do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    /// The test PKI could not be generated.
    #[error("cannot generate the test PKI: {0}")]
    Pki(#[from] PkiError),
    /// The TLS configuration could not be built.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// A listener could not be bound.
    #[error("cannot bind the {listener} listener on {addr}")]
    Bind {
        /// Which listener.
        listener: &'static str,
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The data directory could not be prepared.
    #[error("cannot use the data directory {path}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The journal could not be opened.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The store could not be opened or recovered.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A client kit could not be written.
    #[error(transparent)]
    Kit(#[from] KitError),
    /// The configuration names something that cannot be used (the NSIPS profile).
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

/// Ports to bind; 0 picks a free ephemeral port, so parallel tests never collide.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ports {
    /// The mutual-TLS listener.
    pub mtls: u16,
    /// The VPN listener.
    pub vpn: u16,
    /// The admin listener.
    pub admin: u16,
}

/// State shared by every connection task and handler.
#[derive(Debug)]
pub(crate) struct Shared {
    pub config: MockConfig,
    pub accounts: Accounts,
    pub consents: Consents,
    pub faults: Faults,
    pub journal: Arc<Journal>,
    pub store: Arc<Store>,
    pub in_progress: Arc<InProgress>,
    pub admin_token: String,
    /// `config.nsips_profile`, loaded once at start-up (read-only afterwards, cloned into the
    /// check options of each NSIPS upload).
    pub nsips_profile: Option<idlink_formats::nsips::Profile>,
}

/// A running mock service center with its mTLS, VPN and admin listeners on 127.0.0.1.
///
/// ```no_run
/// # async fn demo() -> Result<(), idlink_mock::MockError> {
/// use idlink_mock::{MockCenter, MockConfig};
/// let center = MockCenter::start(MockConfig::demo()).await?;
/// let kit = center.write_client_kit(std::path::Path::new("/tmp/kit"), "fac-0112345678")?;
/// println!("upload to {} with {}", center.mtls_url(), kit.config.display());
/// center.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct MockCenter {
    shared: Arc<Shared>,
    pki: Option<Arc<Pki>>,
    mtls_addr: SocketAddr,
    vpn_addr: SocketAddr,
    admin_addr: SocketAddr,
    data_dir: PathBuf,
    /// Owned temporary data directory, deleted when the center is dropped.
    _temp_dir: Option<tempfile::TempDir>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
}

impl MockCenter {
    /// Generates a PKI and starts on ephemeral loopback ports. Ready when it returns.
    pub async fn start(config: MockConfig) -> Result<MockCenter, MockError> {
        let pki = Pki::generate()?;
        Self::start_with_pki(config, pki).await
    }

    /// Starts with a PKI the caller made (for example an RSA one, or one whose certificates the
    /// caller already wrote to disk).
    pub async fn start_with_pki(config: MockConfig, pki: Pki) -> Result<MockCenter, MockError> {
        let material = TlsMaterial::from_pki(&pki);
        Self::launch(config, Some(Arc::new(pki)), material, Ports::default()).await
    }

    /// Starts from TLS material loaded from files (how `idlink-mock serve` reuses its PKI on a
    /// restart); [`MockCenter::pki`] is `None` then.
    pub async fn start_with_tls(
        config: MockConfig,
        material: TlsMaterial,
        ports: Ports,
    ) -> Result<MockCenter, MockError> {
        Self::launch(config, None, material, ports).await
    }

    /// Like [`MockCenter::start_with_pki`] with explicit ports (`idlink-mock serve --mtls-port`).
    pub async fn start_with_pki_on(
        config: MockConfig,
        pki: Pki,
        ports: Ports,
    ) -> Result<MockCenter, MockError> {
        let material = TlsMaterial::from_pki(&pki);
        Self::launch(config, Some(Arc::new(pki)), material, ports).await
    }

    async fn launch(
        config: MockConfig,
        pki: Option<Arc<Pki>>,
        material: TlsMaterial,
        ports: Ports,
    ) -> Result<MockCenter, MockError> {
        tls::ensure_crypto_provider();
        let nsips_profile = config.load_nsips_profile()?;
        let (data_dir, temp_dir) = match &config.data_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|source| MockError::DataDir {
                    path: dir.clone(),
                    source,
                })?;
                (dir.clone(), None)
            }
            None => {
                let temp = tempfile::Builder::new()
                    .prefix("idlink-mock-")
                    .tempdir()
                    .map_err(|source| MockError::DataDir {
                        path: std::env::temp_dir(),
                        source,
                    })?;
                (temp.path().to_owned(), Some(temp))
            }
        };
        let journal = Arc::new(Journal::open(&data_dir, config.limits.journal_capacity)?);
        let (store, recovery) = Store::open(&data_dir)?;
        for detail in recovery {
            journal.record(None, None, JournalEvent::Recovery { detail });
        }
        let mtls_config = tls::mtls_server_config(&material)?;
        let vpn_config = tls::vpn_server_config(&material)?;

        let bind = |listener: &'static str, port: u16| async move {
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            TcpListener::bind(addr)
                .await
                .map_err(|source| MockError::Bind {
                    listener,
                    addr,
                    source,
                })
        };
        let mtls_tcp = bind("mTLS", ports.mtls).await?;
        let vpn_tcp = bind("VPN", ports.vpn).await?;
        let admin_tcp = bind("admin", ports.admin).await?;
        let local = |tcp: &TcpListener, listener: &'static str| {
            tcp.local_addr().map_err(|source| MockError::Bind {
                listener,
                addr: SocketAddr::from(([127, 0, 0, 1], 0)),
                source,
            })
        };
        let mtls_addr = local(&mtls_tcp, "mTLS")?;
        let vpn_addr = local(&vpn_tcp, "VPN")?;
        let admin_addr = local(&admin_tcp, "admin")?;

        let shared = Arc::new(Shared {
            accounts: Accounts::new(&config.accounts, config.limits.lockout_threshold),
            consents: Consents::new(&config.consents),
            faults: Faults::default(),
            journal: journal.clone(),
            store: Arc::new(store),
            in_progress: Arc::new(InProgress::default()),
            admin_token: format!("adm-{}", uuid::Uuid::new_v4().simple()),
            nsips_profile,
            config,
        });
        let shutdown = CancellationToken::new();
        let tracker = TaskTracker::new();
        let app = crate::service::router(shared.clone());
        for (listener, tcp, server_config) in [
            (Listener::Mtls, mtls_tcp, mtls_config),
            (Listener::Vpn, vpn_tcp, vpn_config),
        ] {
            let server = TlsServer {
                listener,
                acceptor: TlsAcceptor::from(server_config),
                app: app.clone(),
                journal: journal.clone(),
                max_connections: shared.config.limits.max_connections,
                handshake_timeout: Duration::from_millis(shared.config.limits.handshake_timeout_ms),
                shutdown: shutdown.clone(),
                tracker: tracker.clone(),
            };
            tracker.spawn(server.run(tcp));
        }
        let admin = crate::admin::router(shared.clone());
        let admin_shutdown = shutdown.clone();
        tracker.spawn(async move {
            let served = axum::serve(admin_tcp, admin)
                .with_graceful_shutdown(async move { admin_shutdown.cancelled().await })
                .await;
            if let Err(error) = served {
                tracing::error!(%error, "admin listener failed");
            }
        });

        let center = MockCenter {
            shared,
            pki,
            mtls_addr,
            vpn_addr,
            admin_addr,
            data_dir,
            _temp_dir: temp_dir,
            shutdown,
            tracker,
        };
        center.journal().record(
            None,
            None,
            JournalEvent::Started {
                mtls_url: center.mtls_url(),
                vpn_url: center.vpn_url(),
                documents: center.store().documents().len(),
            },
        );
        Ok(center)
    }

    /// `https://localhost:PORT` of the mutual-TLS listener (the server certificate names
    /// `localhost`, `127.0.0.1` and `::1`).
    pub fn mtls_url(&self) -> String {
        format!("https://localhost:{}", self.mtls_addr.port())
    }

    /// `https://localhost:PORT` of the VPN listener.
    pub fn vpn_url(&self) -> String {
        format!("https://localhost:{}", self.vpn_addr.port())
    }

    /// `http://127.0.0.1:PORT` of the admin listener (plain HTTP, loopback only).
    pub fn admin_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.admin_addr.port())
    }

    /// The bearer token the admin API requires.
    pub fn admin_token(&self) -> &str {
        &self.shared.admin_token
    }

    /// The socket address of the mTLS listener.
    pub fn mtls_addr(&self) -> SocketAddr {
        self.mtls_addr
    }

    /// The socket address of the VPN listener.
    pub fn vpn_addr(&self) -> SocketAddr {
        self.vpn_addr
    }

    /// The PKI the center serves with, when it was generated in process (`None` after
    /// [`MockCenter::start_with_tls`]).
    pub fn pki(&self) -> Option<&Pki> {
        self.pki.as_deref()
    }

    /// The configuration the center runs with.
    pub fn config(&self) -> &MockConfig {
        &self.shared.config
    }

    /// The data directory (the configured one or the owned temporary one).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The journal of connections, handshakes, requests, responses and faults.
    pub fn journal(&self) -> &Journal {
        &self.shared.journal
    }

    /// The document store.
    pub fn store(&self) -> &crate::store::Store {
        &self.shared.store
    }

    /// The fault hooks.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// The consent registry.
    pub fn consents(&self) -> &Consents {
        &self.shared.consents
    }

    /// The account registry (unlock, states).
    pub fn accounts(&self) -> &Accounts {
        &self.shared.accounts
    }

    /// Writes everything a store client needs for `account` into `dir` (see [`ClientKit`]).
    pub fn write_client_kit(&self, dir: &Path, account: &str) -> Result<ClientKit, MockError> {
        let pki = self.pki.as_deref().ok_or(KitError::NoPki)?;
        let kit = crate::kit::write(self, pki, dir, account)?;
        Ok(kit)
    }

    /// Stops accepting, lets open exchanges finish (bounded), and waits for every task.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        self.tracker.close();
        // Connection tasks bound their own drain time; this is a backstop.
        let _ = tokio::time::timeout(Duration::from_secs(10), self.tracker.wait()).await;
    }
}

impl Drop for MockCenter {
    fn drop(&mut self) {
        // A center dropped without `shutdown()` (a failing test) still stops its listeners.
        self.shutdown.cancel();
    }
}
