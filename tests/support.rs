//! Shared set-up for the stories: a demo service center and a client configured from the kit it
//! hands out, as a facility would receive it.

use std::path::{Path, PathBuf};

use idlink_mock::{MockCenter, MockConfig};
use storeclient::{Client, ClientConfig};
use tempfile::TempDir;

/// A running demo center, a client kit for one account and the client built from it.
pub struct Facility {
    pub center: MockCenter,
    pub kit: idlink_mock::kit::ClientKit,
    pub client: Client,
    pub _dir: TempDir,
}

impl Facility {
    /// Starts the demo center and configures `storeclient` for `account` from its kit.
    pub async fn open(account: &str) -> Facility {
        let dir = TempDir::new().expect("temp dir");
        let center = MockCenter::start(MockConfig::demo())
            .await
            .expect("mock center starts");
        let kit = center
            .write_client_kit(&dir.path().join("kit"), account)
            .expect("client kit");
        let client = client_from(&kit.config);
        Facility {
            center,
            kit,
            client,
            _dir: dir,
        }
    }
}

/// Builds a client from a `storeclient.toml`, as the CLI does.
pub fn client_from(config: &Path) -> Client {
    let config = ClientConfig::from_path(config).expect("kit config parses");
    Client::from_config(&config).expect("client builds from the kit")
}

/// The SS-MIX2-named valid fixtures of the formats crate: real JAHIS-style ISO-2022-JP files.
pub fn ssmix2_fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("formats/tests/data/valid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixtures exist")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().matches('_').count() == 6)
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 3,
        "expected the SS-MIX2 sample files, found {files:?}"
    );
    files
}
