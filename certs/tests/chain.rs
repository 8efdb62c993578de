//! The Rust mirror of the openssl checks (always runs): chain verification with and without
//! CRLs, PKCS#12 with the right and wrong password, and the file loaders' errors.

use std::path::Path;

use idlink_certs::inspect::{self, ChainError, Usage};
use idlink_certs::load::{self, LoadError};
use idlink_certs::{DEFAULT_P12_PASSWORD, Pki, ServerVariant, Variant};
use time::OffsetDateTime;

fn verify(
    pki: &Pki,
    id: &idlink_certs::Identity,
    crls: bool,
    usage: Usage,
) -> Result<(), ChainError> {
    let chain = id.chain_der();
    let crls = if crls { pki.crl_der() } else { Vec::new() };
    inspect::verify_chain(
        &chain[0],
        &chain[1..],
        &[pki.ca_der()],
        &crls,
        usage,
        OffsetDateTime::now_utc(),
    )
}

type Expect = fn(&Result<(), ChainError>) -> bool;

/// One row per client variant, as `openssl verify -crl_check_all` would judge it (plus EKU).
const CLIENT_CASES: &[(Variant, Expect)] = &[
    (Variant::Valid, |r| r.is_ok()),
    (Variant::Expired, |r| {
        matches!(r, Err(ChainError::Expired { .. }))
    }),
    (Variant::NotYetValid, |r| {
        matches!(r, Err(ChainError::NotYetValid { .. }))
    }),
    (Variant::Revoked, |r| {
        matches!(r, Err(ChainError::Revoked { .. }))
    }),
    (Variant::UnknownCa, |r| {
        matches!(r, Err(ChainError::UnknownIssuer { .. }))
    }),
    (Variant::WrongEku, |r| {
        matches!(
            r,
            Err(ChainError::WrongUsage {
                usage: "client",
                ..
            })
        )
    }),
    (Variant::SelfSigned, |r| {
        matches!(r, Err(ChainError::UnknownIssuer { .. }))
    }),
    (Variant::OtherFacility, |r| r.is_ok()),
];

#[test]
fn verify_chain_judges_each_client_variant_like_a_tls_server_would() {
    let pki = crate::ecdsa();
    for (variant, check) in CLIENT_CASES {
        let result = verify(pki, pki.client(*variant), true, Usage::Client);
        assert!(check(&result), "client {variant}: {result:?}");
    }
}

#[test]
fn without_crls_the_revoked_client_still_chains() {
    // Mirrors `openssl verify` without -crl_check.
    let pki = crate::ecdsa();
    assert_eq!(
        verify(pki, pki.client(Variant::Revoked), false, Usage::Client),
        Ok(())
    );
}

#[test]
fn verify_chain_accepts_the_valid_server_for_every_loopback_name_and_rejects_the_broken_ones() {
    let pki = crate::ecdsa();
    let valid = pki.server(ServerVariant::Valid);
    assert_eq!(verify(pki, valid, true, Usage::Server), Ok(()));
    for host in ["localhost", "127.0.0.1", "::1"] {
        assert_eq!(
            inspect::verify_server_name(valid.cert_der(), host),
            Ok(()),
            "{host}"
        );
    }
    let wrong = pki.server(ServerVariant::WrongHost);
    assert!(matches!(
        inspect::verify_server_name(wrong.cert_der(), "localhost"),
        Err(ChainError::NotValidForName { .. })
    ));
    let expired = verify(pki, pki.server(ServerVariant::Expired), true, Usage::Server);
    assert!(
        matches!(expired, Err(ChainError::Expired { .. })),
        "{expired:?}"
    );
    let unknown = verify(
        pki,
        pki.server(ServerVariant::UnknownCa),
        true,
        Usage::Server,
    );
    assert!(
        matches!(unknown, Err(ChainError::UnknownIssuer { .. })),
        "{unknown:?}"
    );
}

#[test]
fn chain_errors_name_the_certificate_and_the_date() {
    let pki = crate::ecdsa();
    let expired = pki.client(Variant::Expired);
    let err = verify(pki, expired, true, Usage::Client).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("CN=Facility 0112345678"), "{message}");
    assert!(
        message.contains(&inspect::date(&expired.not_after())),
        "{message}"
    );
    assert!(message.contains("renewed"), "{message}");
}

#[test]
fn chain_der_is_leaf_then_intermediate_and_never_the_root() {
    let pki = crate::ecdsa();
    let chain = pki.client(Variant::Valid).chain_der();
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[1], pki.intermediate_der());
    assert!(!chain.contains(&pki.ca_der()));
}

#[test]
fn client_certificates_bind_the_facility_in_the_subject_and_the_san_uri() {
    let pki = crate::ecdsa();
    let info = inspect::cert_info(pki.client(Variant::Valid).cert_der()).unwrap();
    assert!(
        info.subject.contains("serialNumber=0112345678"),
        "{}",
        info.subject
    );
    assert_eq!(
        info.subject_alt_names,
        vec![format!("URI:{}", pki.facility().to_urn())]
    );
    assert_eq!(info.extended_key_usages, vec!["clientAuth"]);
    assert_eq!(info.facility.as_ref(), Some(pki.facility()));
    let server = inspect::cert_info(pki.server(ServerVariant::Valid).cert_der()).unwrap();
    assert_eq!(
        server.subject_alt_names,
        vec!["DNS:localhost", "IP:127.0.0.1", "IP:::1"]
    );
    assert_eq!(server.facility, None);
}

#[test]
fn the_crl_lists_exactly_the_revoked_client() {
    let pki = crate::ecdsa();
    let crls = pki.crl_der();
    for v in Variant::ALL {
        let listed = inspect::revoked_in(pki.client(v).cert_der(), &crls).is_some();
        assert_eq!(listed, v == Variant::Revoked, "{v}");
    }
}

fn write(dir: &Path, name: &str, data: impl AsRef<[u8]>) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    path
}

#[test]
fn a_pkcs12_file_opens_with_its_password_and_holds_the_chain_and_matching_key() {
    let pki = crate::ecdsa();
    let dir = tempfile::tempdir().unwrap();
    for (pki, name) in [(pki, "ecdsa.p12"), (crate::rsa(), "rsa.p12")] {
        let id = pki.client(Variant::Valid);
        let path = write(
            dir.path(),
            name,
            id.to_pkcs12(DEFAULT_P12_PASSWORD).unwrap(),
        );
        let loaded = load::identity_pkcs12(&path, DEFAULT_P12_PASSWORD).unwrap();
        assert_eq!(loaded.chain, id.chain_der());
        assert_eq!(loaded.key.secret_der(), id.key_der().secret_der());
    }
}

#[test]
fn a_wrong_pkcs12_password_is_reported_as_such_naming_the_file() {
    let pki = crate::ecdsa();
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "valid.p12",
        pki.client(Variant::Valid).to_pkcs12("right").unwrap(),
    );
    let err = load::identity_pkcs12(&path, "wrong").unwrap_err();
    assert!(matches!(err, LoadError::WrongPassword { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

#[test]
fn pem_identities_load_and_a_key_from_another_certificate_is_refused() {
    let pki = crate::ecdsa();
    let dir = tempfile::tempdir().unwrap();
    let valid = pki.client(Variant::Valid);
    let cert = write(dir.path(), "valid.chain.pem", valid.chain_pem());
    let key = write(dir.path(), "valid.key.pem", valid.key_pem());
    let other_key = write(
        dir.path(),
        "expired.key.pem",
        pki.client(Variant::Expired).key_pem(),
    );

    let loaded = load::identity_pem(&cert, &key).unwrap();
    assert_eq!(loaded.chain, valid.chain_der());

    let err = load::identity_pem(&cert, &other_key).unwrap_err();
    assert!(matches!(err, LoadError::KeyMismatch { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("expired.key.pem") && message.contains("valid.chain.pem"),
        "{message}"
    );
}

/// One row per kind of bad file: the loader, the file content, and the error it must give.
#[test]
fn bad_files_give_errors_that_name_the_file() {
    type Loader = fn(&Path) -> Result<(), LoadError>;
    type Check = fn(&LoadError) -> bool;
    let certs: Loader = |p| load::certificates_pem(p).map(drop);
    let key: Loader = |p| load::private_key_pem(p).map(drop);
    let crls: Loader = |p| load::crls(p).map(drop);
    let pki = crate::ecdsa();
    let truncated = {
        let pem = pki.ca_pem();
        pem[..pem.len() / 2].to_owned()
    };
    let damaged = pki.ca_pem().replacen("MII", "M!!", 1);
    let cases: &[(&str, Loader, &str, Check)] = &[
        ("truncated.pem", certs, &truncated, |e| {
            matches!(e, LoadError::Corrupt { .. })
        }),
        ("damaged.pem", certs, &damaged, |e| {
            matches!(e, LoadError::Corrupt { .. })
        }),
        ("garbage.der", certs, "not a certificate", |e| {
            matches!(e, LoadError::Corrupt { .. })
        }),
        (
            "key-as-cert.pem",
            certs,
            &pki.client(Variant::Valid).key_pem(),
            |e| matches!(e, LoadError::Missing { .. }),
        ),
        ("cert-as-key.pem", key, &pki.ca_pem(), |e| {
            matches!(e, LoadError::Missing { .. })
        }),
        ("cert-as-crl.pem", crls, &pki.ca_pem(), |e| {
            matches!(e, LoadError::Missing { .. })
        }),
        ("garbage.crl", crls, "garbage", |e| {
            matches!(e, LoadError::Corrupt { .. })
        }),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, loader, content, check) in cases {
        let path = write(dir.path(), name, content);
        let err = loader(&path).unwrap_err();
        assert!(check(&err), "{name}: {err:?}");
        assert!(err.to_string().contains(name), "{name}: {err}");
    }
    let missing = dir.path().join("missing.pem");
    let err = load::certificates_pem(&missing).unwrap_err();
    assert!(matches!(err, LoadError::Read { .. }) && err.to_string().contains("missing.pem"));
}

#[test]
fn debug_output_never_contains_key_material() {
    let pki = crate::ecdsa();
    let id = pki.client(Variant::Valid);
    let loaded = load::LoadedIdentity {
        chain: id.chain_der(),
        key: id.key_der(),
    };
    let key_pem = id.key_pem();
    let key_body = key_pem.lines().nth(1).unwrap();
    let key_der = id.key_der();
    let key_hex = hex_of(key_der.secret_der());
    for debug in [
        format!("{id:?}"),
        format!("{loaded:?}"),
        format!("{pki:?}"),
        format!("{id:#?}"),
    ] {
        assert!(!debug.contains(key_body), "PEM body leaked: {debug}");
        assert!(!debug.contains("PRIVATE KEY"), "{debug}");
        assert!(!debug.contains(&key_hex[..32]), "hex leaked: {debug}");
        assert!(
            !debug.contains(&format!("{:?}", &key_der.secret_der()[..8])),
            "bytes leaked"
        );
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
