//! The web view: what arrived, as a doctor would see it, and what happened on the wire (issue 12).
//!
//! Server-rendered HTML (maud: typed, escaped by default) on the admin listener, behind the
//! admin token like every admin route ([`crate::http::admin`] does the token check and adds the
//! security headers; a page that needs a looser Content-Security-Policy, the journal's polling
//! script or the inline PDF, sets its own and the admin layer keeps it). Nothing comes from a
//! CDN: the stylesheet and the one small script are compiled into the binary.
//!
//! How the parts fit:
//! - [`catalog`]: the store's documents with what the pages filter on (care date, patient name
//!   decoded from PID-5, outcome); a file is read once for its name, then cached per receipt;
//! - [`documents`]: facilities → patients → documents, the filters, a patient's timeline and the
//!   page of one document, which shows its content through [`hl7`] (with the field names of
//!   [`hl7_fields`]) or [`content`] (PDF, text, NSIPS, raw bytes);
//! - [`journal`]: the journal grouped by connection, filterable and live;
//! - [`scenario`] and [`report`]: the scenario engine's state and a conformance runner's report;
//! - [`desk`]: the certificate desk (issue 13) and the printable transfer account sheet;
//! - [`layout`] (page shell, navigation, the language switch, links carrying the token and a
//!   chosen language) and [`labels`] (every string a person reads, one table per page, in English
//!   and Japanese).
//!
//! Each request picks its language ([`layout::Choice`]: `?lang=ja|en`, else `Accept-Language`,
//! else English) and the pages take their words from that language's [`labels::Labels`], which
//! [`layout::Links`] hands them with the links.
//!
//! Links carry the token as `?token=`: a browser opens the view with it, and the pages keep no
//! cookie (nothing to steal from another site). `Referrer-Policy: no-referrer` keeps it out of
//! any `Referer`.

mod catalog;
mod content;
mod desk;
mod documents;
mod hl7;
mod hl7_fields;
mod journal;
mod labels;
mod layout;
mod report;
mod scenario;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::{get, post};

use crate::state::CenterState;

/// What the web view's handlers share: the center, the decoded-document cache and the
/// conformance report loaded for display.
#[derive(Debug)]
pub(crate) struct Web {
    /// The center whose store and journal the pages show.
    center: Arc<CenterState>,
    /// Facts decoded from stored files, per receipt (a receipt's bytes never change).
    catalog: catalog::Cache,
    /// The runner report posted to `/web/report`, if any. A mutex: loaded rarely, read whole.
    report: Mutex<Option<report::RunReport>>,
}

/// The web view's routes, for the admin router to merge (it adds the token check and headers).
pub(crate) fn router(center: Arc<CenterState>) -> Router {
    let web = Arc::new(Web {
        center,
        catalog: catalog::Cache::default(),
        report: Mutex::new(None),
    });
    Router::new()
        .route("/", get(documents::home))
        .route("/web", get(documents::home))
        .route("/web/documents", get(documents::list))
        .route("/web/facilities/{facility}", get(documents::facility))
        .route(
            "/web/patients/{facility}/{patient}",
            get(documents::timeline),
        )
        .route("/web/documents/{receipt}", get(documents::document))
        .route("/web/documents/{receipt}/raw", get(content::raw))
        .route("/web/documents/{receipt}/file", get(content::file))
        .route("/web/journal", get(journal::page))
        .route("/web/journal/seq", get(journal::seq))
        .route("/web/assets/live.js", get(journal::script))
        .route("/web/scenario", get(scenario::page))
        .route("/web/report", get(report::page).post(report::load))
        .route("/web/desk", get(desk::page))
        .route("/web/desk/certificates", post(desk::issue))
        .route("/web/desk/sheets/{serial}", get(desk::sheet))
        .route("/web/desk/certificates/{serial}/revoke", post(desk::revoke))
        .with_state(web)
}
