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

use std::collections::BTreeMap;

use crate::accounts::Accounts;
use crate::clock::Clock;
use crate::config::MockConfig;
use crate::consent::Consents;
use crate::journal::{Journal, JournalError, JournalEvent, Listener};
use crate::kit::{ClientKit, KitError};
use crate::scenario::{Engine, Scenario};
use crate::server::TlsServer;
use crate::state::CenterState;
use crate::store::{Store, StoreError};
use crate::tls::{self, ServerCertificate, TlsError, TlsMaterial};

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
    /// The scenario's fixtures could not be read.
    #[error(transparent)]
    Scenario(#[from] crate::scenario::ScenarioError),
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
    state: Arc<CenterState>,
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

/// How a center starts: one builder instead of a constructor per combination.
///
/// ```no_run
/// # async fn demo(pki: idlink_certs::Pki) -> Result<(), Box<dyn std::error::Error>> {
/// use idlink_mock::{MockCenter, MockConfig};
/// use idlink_mock::scenario::Scenario;
/// let scenario = Scenario::from_path("scenarios/retry/RETRY-503.toml")?;
/// let center = MockCenter::builder(MockConfig::demo())
///     .pki(pki)
///     .scenario(scenario)
///     .time_scale(0.01)
///     .start()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct MockCenterBuilder {
    config: MockConfig,
    pki: Option<Pki>,
    material: Option<TlsMaterial>,
    ports: Ports,
    scenario: Option<(Scenario, std::collections::HashMap<String, String>)>,
    time_scale: Option<f64>,
    seed: Option<u64>,
    server_certificate: Option<ServerCertificate>,
    clock_offset: Option<time::Duration>,
}

impl MockCenterBuilder {
    /// Serve with this PKI (default: a freshly generated ECDSA one).
    pub fn pki(mut self, pki: Pki) -> Self {
        self.pki = Some(pki);
        self
    }

    /// Serve with TLS material loaded from files (how `idlink-mock serve` reuses its PKI);
    /// [`MockCenter::pki`] is `None` then, unless a PKI is given too with
    /// [`MockCenterBuilder::pki`] (the one the files were written from).
    pub fn tls(mut self, material: TlsMaterial) -> Self {
        self.material = Some(material);
        self
    }

    /// Bind these ports (0 = ephemeral, the default).
    pub fn ports(mut self, ports: Ports) -> Self {
        self.ports = ports;
        self
    }

    /// Run this scenario. Its documents are recognised by their SHA-256; generated documents
    /// need their digests given with [`MockCenterBuilder::scenario_with_digests`].
    pub fn scenario(self, scenario: Scenario) -> Self {
        self.scenario_with_digests(scenario, std::collections::HashMap::new())
    }

    /// Run this scenario; `digests` maps document names to the lowercase hex SHA-256 of the
    /// bytes the client is given (fixture files are hashed here when missing from the map).
    pub fn scenario_with_digests(
        mut self,
        scenario: Scenario,
        digests: std::collections::HashMap<String, String>,
    ) -> Self {
        self.scenario = Some((scenario, digests));
        self
    }

    /// Let the center's clock live this far from the machine's (default: the scenario's
    /// `center_clock_offset`, else none). The PKI must have been issued for the center's time
    /// ([`idlink_certs::PkiBuilder::now`]) for its certificates to be valid to the center.
    pub fn clock_offset(mut self, offset: time::Duration) -> Self {
        self.clock_offset = Some(offset);
        self
    }

    /// The time scale (default: the scenario's, else 1.0).
    pub fn time_scale(mut self, scale: f64) -> Self {
        self.time_scale = Some(scale);
        self
    }

    /// The seed (default: the scenario's).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The server certificate presented by default (default: the scenario's, else valid).
    pub fn server_certificate(mut self, variant: ServerCertificate) -> Self {
        self.server_certificate = Some(variant);
        self
    }

    /// Binds the listeners and starts serving. Ready when it returns.
    pub async fn start(self) -> Result<MockCenter, MockError> {
        let (pki, material) = match (self.pki, self.material) {
            // Both: the PKI for client kits, the material (loaded from where the PKI was
            // written) for TLS and the desk's files.
            (pki, Some(material)) => (pki.map(Arc::new), material),
            (Some(pki), None) => {
                let material = TlsMaterial::from_pki(&pki);
                (Some(Arc::new(pki)), material)
            }
            (None, None) => {
                let pki = Pki::generate()?;
                let material = TlsMaterial::from_pki(&pki);
                (Some(Arc::new(pki)), material)
            }
        };
        let scale = self
            .time_scale
            .or_else(|| self.scenario.as_ref().map(|(s, _)| s.spec.run.time_scale))
            .unwrap_or(1.0);
        let certificate = self
            .server_certificate
            .or_else(|| {
                self.scenario
                    .as_ref()
                    .map(|(s, _)| s.spec.setup.server_certificate)
            })
            .unwrap_or(ServerCertificate::Valid);
        let offset = self.clock_offset.unwrap_or_else(|| {
            self.scenario
                .as_ref()
                .map_or(time::Duration::ZERO, |(s, _)| {
                    s.spec.setup.center_clock_offset.0
                })
        });
        let clock = Clock::new(scale).with_offset(offset);
        let center =
            MockCenter::launch(self.config, pki, material, self.ports, clock, certificate).await?;
        if let Some((scenario, given)) = self.scenario {
            // Digests the caller gave (generated documents) win over the fixture files'.
            let digests = if given.len() == scenario.spec.documents.len() {
                given
            } else {
                let mut digests = scenario.fixture_digests()?;
                digests.extend(given);
                digests
            };
            let seed = self.seed.unwrap_or(scenario.spec.run.seed);
            center.engine().load(Arc::new(scenario), digests, seed);
        }
        Ok(center)
    }
}

impl MockCenter {
    /// Generates a PKI and starts on ephemeral loopback ports. Ready when it returns.
    pub async fn start(config: MockConfig) -> Result<MockCenter, MockError> {
        Self::builder(config).start().await
    }

    /// A builder: PKI or TLS material, ports, scenario, time scale.
    pub fn builder(config: MockConfig) -> MockCenterBuilder {
        MockCenterBuilder {
            config,
            pki: None,
            material: None,
            ports: Ports::default(),
            scenario: None,
            time_scale: None,
            seed: None,
            server_certificate: None,
            clock_offset: None,
        }
    }

    async fn launch(
        config: MockConfig,
        pki: Option<Arc<Pki>>,
        material: TlsMaterial,
        ports: Ports,
        clock: Clock,
        default_certificate: ServerCertificate,
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
        let trust = tls::ClientTrust::new(&material)?;
        let mut acceptors = [Listener::Mtls, Listener::Vpn].map(|_| BTreeMap::new());
        for variant in material.servers.keys().copied() {
            acceptors[0].insert(
                variant,
                TlsAcceptor::from(tls::mtls_server_config(&material, variant, &clock, &trust)?),
            );
            acceptors[1].insert(
                variant,
                TlsAcceptor::from(tls::vpn_server_config(&material, variant, &clock)?),
            );
        }

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

        let shutdown = CancellationToken::new();
        let clock = Arc::new(clock);
        let engine = Arc::new(Engine::new(clock.clone(), journal.clone()));
        let state = Arc::new(CenterState::new(
            config,
            journal.clone(),
            store,
            engine,
            clock,
            nsips_profile,
            shutdown.clone(),
            crate::desk::Desk::new(
                material.authority.clone(),
                material.pki_dir.as_deref(),
                trust,
            ),
        ));
        let tracker = TaskTracker::new();
        let app = crate::http::service::router(state.clone());
        let [mtls_acceptors, vpn_acceptors] = acceptors;
        for (listener, tcp, acceptors) in [
            (Listener::Mtls, mtls_tcp, mtls_acceptors),
            (Listener::Vpn, vpn_tcp, vpn_acceptors),
        ] {
            let server = TlsServer {
                listener,
                acceptors: Arc::new(acceptors),
                default_certificate,
                app: app.clone(),
                state: state.clone(),
                max_connections: state.config.limits.max_connections,
                handshake_timeout: Duration::from_millis(state.config.limits.handshake_timeout_ms),
                header_read_timeout: state.clock.scaled_timeout(Duration::from_millis(
                    state.config.limits.header_read_timeout_ms,
                )),
                idle_timeout: state
                    .clock
                    .scaled_timeout(Duration::from_millis(state.config.limits.idle_timeout_ms)),
                shutdown: shutdown.clone(),
                tracker: tracker.clone(),
            };
            tracker.spawn(server.run(tcp));
        }
        let admin = crate::http::admin::router(state.clone());
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
            state,
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
        &self.state.admin_token
    }

    /// The socket address of the mTLS listener.
    pub fn mtls_addr(&self) -> SocketAddr {
        self.mtls_addr
    }

    /// The socket address of the VPN listener.
    pub fn vpn_addr(&self) -> SocketAddr {
        self.vpn_addr
    }

    /// The PKI the center serves with, when it was given or generated in process (`None` when
    /// it was started from TLS material, [`MockCenterBuilder::tls`]).
    pub fn pki(&self) -> Option<&Pki> {
        self.pki.as_deref()
    }

    /// The configuration the center runs with.
    pub fn config(&self) -> &MockConfig {
        &self.state.config
    }

    /// The data directory (the configured one or the owned temporary one).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The journal of connections, handshakes, requests, responses and faults.
    pub fn journal(&self) -> &Journal {
        &self.state.journal
    }

    /// The document store.
    pub fn store(&self) -> &crate::store::Store {
        &self.state.store
    }

    /// The scenario engine: load a scenario, arm faults, see the current state.
    pub fn engine(&self) -> &Engine {
        &self.state.engine
    }

    /// The same engine, for arming faults one by one (kept for tests written before scenarios).
    pub fn faults(&self) -> &Engine {
        &self.state.engine
    }

    /// The center's clock (scenario time).
    pub fn clock(&self) -> &Clock {
        &self.state.clock
    }

    /// Restarts the center as seen from outside (see [`CenterState::restart`]).
    pub fn restart(&self, down_for: Duration) {
        self.state.restart(down_for);
    }

    /// The consent registry.
    pub fn consents(&self) -> &Consents {
        &self.state.consents
    }

    /// The account registry (unlock, states).
    pub fn accounts(&self) -> &Accounts {
        &self.state.accounts
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
        // The journal's file is written by its own thread: what was recorded is on file when
        // `shutdown` returns.
        let journal = self.state.journal.clone();
        let _ = tokio::task::spawn_blocking(move || journal.flush()).await;
    }
}

impl Drop for MockCenter {
    fn drop(&mut self) {
        // A center dropped without `shutdown()` (a failing test) still stops its listeners.
        self.shutdown.cancel();
    }
}
