//! Integration tests of `idlink-certs`: the generated PKI against real TLS stacks (rustls in
//! process, the openssl CLI when present), the file loaders, and the command line.

mod chain;
mod cli;
mod openssl;
mod tls;

use std::sync::OnceLock;

use idlink_certs::{KeyType, Pki};

/// One ECDSA PKI per test process: generation is cheap, but sharing it keeps the tables fast.
fn ecdsa() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| Pki::generate().expect("generate the ECDSA test PKI"))
}

/// One RSA PKI per test process: RSA key generation takes about a second.
fn rsa() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        Pki::builder()
            .key_type(KeyType::Rsa2048)
            .build()
            .expect("generate the RSA test PKI")
    })
}
