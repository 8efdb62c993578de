//! The certificate desk in the web view (issue 13): a form that issues a facility's client
//! certificate with its transfer account, the certificates issued with a revoke button each,
//! and the printable transfer account sheet (転送用アカウント票).
//!
//! The sheet that answers the issuing form is the only page that shows the password and the
//! private key (PEM, or the PKCS#12 file as a download and its password); the sheet's own
//! address (`/web/desk/sheets/{serial}`) shows the same sheet without them, on every visit.
//! The admin layer's `Cache-Control: no-store` keeps that one answer out of any cache.

use std::sync::Arc;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use idlink_certs::{KeyType, Variant};
use maud::{Markup, html};
use serde::Deserialize;

use super::Web;
use super::labels::Desk as DeskLabels;
use super::layout::{self, CSP_PAGE, Choice, Links, Section};
use crate::desk::{Format, Issued, IssuedCertificate, Material};
use crate::http::desk::{desk_message, issue_blocking, parse_request, revoke_blocking};

/// The issuing form's fields.
#[derive(Debug, Deserialize)]
pub(crate) struct IssueForm {
    facility: String,
    variant: Variant,
    key_type: KeyType,
    format: Format,
}

/// `GET /web/desk`: the form and the certificates issued.
pub(crate) async fn page(State(web): State<Arc<Web>>, choice: Choice) -> Response {
    let links = Links::new(&web.center.admin_token, &choice);
    desk_page(&web, links, StatusCode::OK, None)
}

/// The desk page, with an error above the form when a request was refused.
fn desk_page(web: &Web, links: Links<'_>, status: StatusCode, error: Option<String>) -> Response {
    let t = links.t();
    let l = t.desk;
    let available = web.center.desk.available();
    let issued = web.center.desk.list();
    let body = html! {
        p { (l.intro) }
        @if !available {
            p.error #desk-unavailable role="alert" { (l.unavailable) }
        }
        @if let Some(error) = &error {
            p.error #desk-error role="alert" { (error) }
        }
        @if available {
            h2 { (l.issue_heading) }
            form #desk-issue method="post" action=(links.to("/web/desk/certificates", &[])) {
                dl.meta {
                    dt { label for="facility" { (l.facility) } }
                    dd {
                        input #facility name="facility" required inputmode="numeric"
                            pattern="[0-9]{10}" maxlength="10" aria-describedby="facility-hint";
                        " " small #facility-hint { (l.facility_hint) }
                    }
                    dt { label for="variant" { (l.variant) } }
                    dd { select #variant name="variant" {
                        @for (variant, label) in Variant::ALL.iter().zip(l.variants) {
                            option value=(variant.slug()) { (label) }
                        }
                    } }
                    dt { label for="key_type" { (l.key_type) } }
                    dd {
                        select #key_type name="key_type" {
                            option value="ecdsa-p256" { (KeyType::EcdsaP256) }
                            option value="rsa-2048" { (KeyType::Rsa2048) }
                        }
                        " " small { (l.rsa_slow) }
                    }
                    dt { label for="format" { (l.format) } }
                    dd { select #format name="format" {
                        option value="pem" { (l.format_pem) }
                        option value="pkcs12" { (l.format_pkcs12) }
                    } }
                }
                button type="submit" { (l.issue_button) }
            }
        }
        h2 { (l.issued_heading) }
        @if issued.is_empty() {
            p #desk-none { (l.none_issued) }
        } @else {
            div.scroll { table #desk-issued {
                thead { tr {
                    th scope="col" { (l.serial) }
                    th scope="col" { (l.facility) }
                    th scope="col" { (l.account) }
                    th scope="col" { (l.variant) }
                    th scope="col" { (l.key_type) }
                    th scope="col" { (l.issued_at) }
                    th scope="col" { (l.not_after) }
                    th scope="col" { (l.status) }
                } }
                tbody {
                    @for record in &issued {
                        tr #(format!("cert-{}", record.serial)) {
                            td { a href=(links.to(&format!("/web/desk/sheets/{}", record.serial), &[])) { code { (record.serial) } } }
                            td { (record.facility) }
                            td { code { (record.account) } }
                            td { (variant_label(l, record.variant)) }
                            td { (record.key_type) }
                            td { (record.issued_at) }
                            td { (record.not_after) }
                            td {
                                @match &record.revoked_at {
                                    Some(at) => { (l.revoked) " " (at) }
                                    None => {
                                        (l.not_revoked)
                                        @if record.revocable() {
                                            form.inline method="post" action=(links.to(&format!("/web/desk/certificates/{}/revoke", record.serial), &[])) {
                                                " " button type="submit" { (l.revoke_button) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            } }
        }
    };
    layout::respond_status(
        status,
        layout::page(links, Section::Desk, l.title, html! {}, body),
        CSP_PAGE,
    )
}

/// `POST /web/desk/certificates`: issues, then answers with the sheet, the password and the key.
pub(crate) async fn issue(
    State(web): State<Arc<Web>>,
    choice: Choice,
    form: Result<Form<IssueForm>, FormRejection>,
) -> Response {
    let links = Links::new(&web.center.admin_token, &choice);
    let lang = choice.lang();
    let form = match form {
        Ok(Form(form)) => form,
        Err(rejection) => {
            let message = idlink_i18n::tr(
                lang,
                "desk-bad-request",
                &[("reason", rejection.body_text().into())],
            );
            return desk_page(&web, links, StatusCode::UNPROCESSABLE_ENTITY, Some(message));
        }
    };
    let request = match parse_request(&form.facility, form.variant, form.key_type, form.format) {
        Ok(request) => request,
        Err(bad) => {
            let message = bad.message(lang);
            return desk_page(&web, links, StatusCode::UNPROCESSABLE_ENTITY, Some(message));
        }
    };
    match issue_blocking(&web.center, request).await {
        Ok(issued) => sheet_page(
            links,
            &issued.certificate,
            Some(&issued),
            StatusCode::CREATED,
        ),
        Err(error) => {
            let (status, message) = desk_message(lang, &error);
            desk_page(&web, links, status, Some(message))
        }
    }
}

/// `GET /web/desk/sheets/{serial}`: the sheet again, never with the password or the key.
pub(crate) async fn sheet(
    State(web): State<Arc<Web>>,
    choice: Choice,
    Path(serial): Path<String>,
) -> Response {
    let links = Links::new(&web.center.admin_token, &choice);
    match web.center.desk.get(&serial) {
        Some(record) => sheet_page(links, &record, None, StatusCode::OK),
        None => layout::not_found(links, Section::Desk, links.t().desk.not_found),
    }
}

/// `POST /web/desk/certificates/{serial}/revoke`: revokes, then back to the desk (`303`).
pub(crate) async fn revoke(
    State(web): State<Arc<Web>>,
    choice: Choice,
    Path(serial): Path<String>,
) -> Response {
    let links = Links::new(&web.center.admin_token, &choice);
    match revoke_blocking(&web.center, serial).await {
        Ok(_) => (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, links.to("/web/desk", &[]))],
        )
            .into_response(),
        Err(error) => {
            let (status, message) = desk_message(choice.lang(), &error);
            desk_page(&web, links, status, Some(message))
        }
    }
}

fn variant_label(l: &DeskLabels, variant: Variant) -> &'static str {
    Variant::ALL
        .iter()
        .position(|v| *v == variant)
        .map_or("", |i| l.variants[i])
}

/// The transfer account sheet; with `issued`, the one answer that shows the secrets.
fn sheet_page(
    links: Links<'_>,
    record: &IssuedCertificate,
    issued: Option<&Issued>,
    status: StatusCode,
) -> Response {
    let t = links.t();
    let l = t.desk;
    let body = html! {
        p { (l.sheet_intro) }
        p { small { (l.test_only) } }
        dl.meta #sheet {
            dt { (l.facility) } dd #sheet-facility { (record.facility) }
            dt { (l.account) } dd #sheet-account { code { (record.account) } }
            dt { (l.password) }
            dd #sheet-password {
                @match issued {
                    Some(issued) => { code { (issued.password) } br; strong { (l.password_once) } }
                    None => { (l.password_hidden) }
                }
            }
            dt { (l.serial) } dd #sheet-serial { code { (record.serial) } }
            dt { (l.variant) } dd { (variant_label(l, record.variant)) }
            @if let Some(code) = record.certificate_facility.as_ref().filter(|c| **c != record.facility) {
                dt { (l.certificate_facility) } dd { (code) }
            }
            dt { (l.subject) } dd { (record.subject) }
            dt { (l.key_type) } dd { (record.key_type) }
            dt { (l.issued_at) } dd #sheet-issued { (record.issued_at) }
            dt { (l.not_before) } dd #sheet-not-before { (record.not_before) }
            dt { (l.not_after) } dd #sheet-not-after { (record.not_after) }
            dt { (l.status) }
            dd #sheet-status {
                @match &record.revoked_at {
                    Some(at) => { strong { (l.revoked) } " " (at) }
                    None => { (l.not_revoked) }
                }
            }
        }
        @if let Some(issued) = issued {
            (material(l, record, issued))
        }
        p.no-print { a href=(links.to("/web/desk", &[])) { (l.back) } }
    };
    layout::respond_status(
        status,
        layout::page(links, Section::Desk, l.sheet_title, html! {}, body),
        CSP_PAGE,
    )
}

/// The private key and chain, or the PKCS#12 download and its password.
fn material(l: &DeskLabels, record: &IssuedCertificate, issued: &Issued) -> Markup {
    html! {
        section #sheet-material {
            h2 { (l.key_heading) }
            p { strong { (l.key_once) } }
            @match &issued.material {
                Material::Pem { chain, key } => {
                    h3 { (l.chain) }
                    pre.text #sheet-chain { (chain) }
                    h3 { (l.key) }
                    pre.text #sheet-key { (key) }
                }
                Material::Pkcs12 { der, password } => {
                    p {
                        a #sheet-p12 download=(format!("{}-{}.p12", record.account, record.serial))
                            href=(format!("data:application/x-pkcs12;base64,{}", BASE64.encode(der))) {
                            (l.p12_download)
                        }
                    }
                    dl.meta {
                        dt { (l.p12_password) } dd #sheet-p12-password { code { (password) } }
                    }
                }
            }
        }
    }
}
