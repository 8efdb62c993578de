//! Facilities → patients → documents: the overview, the filtered list, a patient's timeline by
//! care date (updates with their superseded `_2` versions as history) and one document's page.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use super::Web;
use super::catalog::{self, Entry, Outcome};
use super::labels::Labels;
use super::layout::{self, CSP_PAGE, Choice, Links, Section, encode};
use super::{content, hl7};
use idlink_formats::DocumentKind;

/// How many rows a list shows (the count says how many matched).
const ROWS: usize = 500;
/// How many documents the overview lists.
const RECENT: usize = 50;

/// The filters of the document list, as the form sends them (empty means any).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Filter {
    #[serde(default)]
    facility: String,
    /// A patient ID (prefix) or part of the decoded name.
    #[serde(default)]
    patient: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    data_kind: String,
    /// `YYYYMMDD` or a prefix of it; `-` for documents without a care date.
    #[serde(default)]
    care_date: String,
    /// An [`Outcome`] name.
    #[serde(default)]
    outcome: String,
    #[serde(default, rename = "token")]
    _token: String,
}

impl Filter {
    fn matches(&self, entry: &Entry) -> bool {
        let r = &entry.doc.receipt;
        let patient = self.patient.trim();
        (self.facility.is_empty() || r.facility == self.facility)
            && (patient.is_empty()
                || r.patient_id.starts_with(patient)
                || entry
                    .patient_name
                    .as_deref()
                    .is_some_and(|n| n.contains(patient)))
            && (self.kind.is_empty() || r.document_kind == self.kind)
            && (self.data_kind.is_empty() || r.data_kind.as_deref() == Some(&self.data_kind))
            && match (self.care_date.trim(), entry.care_date.as_deref()) {
                ("", _) => true,
                ("-", date) => date.is_none(),
                (wanted, Some(date)) => date.starts_with(wanted),
                (_, None) => false,
            }
            && (self.outcome.is_empty() || entry.outcome.as_str() == self.outcome)
    }

    fn query(&self) -> [(&str, &str); 6] {
        [
            ("facility", &self.facility),
            ("patient", &self.patient),
            ("kind", &self.kind),
            ("data_kind", &self.data_kind),
            ("care_date", &self.care_date),
            ("outcome", &self.outcome),
        ]
    }
}

/// `/` and `/web`: the facilities, the filter form and the newest documents.
pub(crate) async fn home(State(web): State<Arc<Web>>, choice: Choice) -> Response {
    let links = Links::new(&web.center.admin_token, &choice);
    let t = links.t();
    let l = t.documents;
    let entries = web.catalog.entries(&web.center.store);
    let mut facilities: BTreeMap<&str, (BTreeSet<&str>, usize)> = BTreeMap::new();
    for entry in &entries {
        let r = &entry.doc.receipt;
        let slot = facilities.entry(&r.facility).or_default();
        slot.0.insert(&r.patient_id);
        slot.1 += 1;
    }
    let recent: Vec<&Entry> = entries.iter().rev().take(RECENT).collect();
    let engine = web.center.engine.status();
    let s = t.scenario;
    let body = html! {
        p { (l.home_intro) }
        @if let Some(id) = &engine.scenario {
            p #scenario-summary {
                (s.scenario) " " code { (id) } " · " (s.state) " " strong { (engine.state.as_deref().unwrap_or(t.common.none)) }
                " · " (s.visited) " " (engine.visited.join(" → ")) " · " (s.fired) " " (engine.fired)
                " · " a href=(links.to("/web/scenario", &[])) { (s.title) }
            }
        }
        section aria-labelledby="facilities" {
            h2 #facilities { (l.facilities) }
            div.scroll { table {
                thead { tr {
                    th scope="col" { (l.facility) }
                    th scope="col" { (l.patients) }
                    th scope="col" { (l.documents) }
                } }
                tbody {
                    @for (code, (patients, count)) in &facilities {
                        tr {
                            th scope="row" {
                                a href=(links.to(&format!("/web/facilities/{}", encode(code)), &[])) { (code) }
                            }
                            td { (patients.len()) }
                            td { (count) }
                        }
                    }
                }
            } }
        }
        section aria-labelledby="filters" {
            h2 #filters { (l.filters) }
            (filter_form(links, &Filter::default(), &entries))
        }
        section aria-labelledby="recent" {
            h2 #recent { (l.recent) " " span.count { "(" (recent.len()) " " (l.of) " " (entries.len()) ")" } }
            (document_table(links, &recent))
            p { a href=(links.to("/web/documents", &[])) { (l.all_documents) } }
        }
    };
    layout::respond(
        layout::page(links, Section::Documents, l.home_title, html! {}, body),
        CSP_PAGE,
    )
}

/// `/web/documents`: the filtered list.
pub(crate) async fn list(
    State(web): State<Arc<Web>>,
    choice: Choice,
    Query(filter): Query<Filter>,
) -> Response {
    let links = Links::new(&web.center.admin_token, &choice);
    let t = links.t();
    let l = t.documents;
    let entries = web.catalog.entries(&web.center.store);
    let matching: Vec<&Entry> = entries.iter().rev().filter(|e| filter.matches(e)).collect();
    let shown = &matching[..matching.len().min(ROWS)];
    let body = html! {
        section aria-labelledby="filters" {
            h2 #filters { (l.filters) }
            (filter_form(links, &filter, &entries))
        }
        section aria-labelledby="results" {
            h2 #results {
                (l.documents) " " span.count #document-count data-count=(matching.len()) {
                    "(" (l.showing) " " (shown.len()) " " (l.of) " " (matching.len()) ")"
                }
            }
            @if matching.is_empty() { p { (l.none_match) } } @else { (document_table(links, shown)) }
        }
    };
    layout::respond(
        layout::page(links, Section::Documents, l.documents_title, html! {}, body),
        CSP_PAGE,
    )
}

/// `/web/facilities/{facility}`: its patients, with their decoded names.
pub(crate) async fn facility(
    State(web): State<Arc<Web>>,
    choice: Choice,
    Path(facility): Path<String>,
) -> Response {
    let links = Links::new(&web.center.admin_token, &choice);
    let t = links.t();
    let l = t.documents;
    let entries = web.catalog.entries(&web.center.store);
    let patients = catalog::patients(
        entries
            .iter()
            .filter(|e| e.doc.receipt.facility == facility),
    );
    let title = format!("{} {facility}", l.facility_title);
    let body = html! {
        p { a href=(links.to("/web/documents", &[("facility", &facility)])) { (l.all_documents) } }
        div.scroll { table {
            caption { (l.patients) " (" (patients.len()) ")" }
            thead { tr {
                th scope="col" { (l.patient_id) }
                th scope="col" { (l.patient_name) }
                th scope="col" { (l.documents) }
                th scope="col" { (l.latest_care_date) }
            } }
            tbody {
                @for patient in &patients {
                    tr {
                        th scope="row" {
                            a href=(links.to(&timeline_path(&facility, &patient.id), &[])) { (patient.id) }
                        }
                        td lang="ja" { (patient.name.as_deref().unwrap_or(t.common.none)) }
                        td { (patient.documents) }
                        td { (date(t, patient.latest_care_date.as_deref())) }
                    }
                }
            }
        } }
    };
    layout::respond(
        layout::page(links, Section::Documents, &title, html! {}, body),
        CSP_PAGE,
    )
}

/// `/web/patients/{facility}/{patient}`: the patient's documents by care date, newest first;
/// each current document with the versions it superseded as its history.
pub(crate) async fn timeline(
    State(web): State<Arc<Web>>,
    choice: Choice,
    Path((facility, patient)): Path<(String, String)>,
) -> Response {
    let links = Links::new(&web.center.admin_token, &choice);
    let t = links.t();
    let l = t.documents;
    let entries = web.catalog.entries(&web.center.store);
    let mine: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.doc.receipt.facility == facility && e.doc.receipt.patient_id == patient)
        .collect();
    if mine.is_empty() {
        return layout::not_found(links, Section::Documents, l.no_patient);
    }
    let name = catalog::patients(mine.iter().copied())
        .into_iter()
        .next()
        .and_then(|p| p.name);
    // The versions each update replaced: superseded_by → the documents it superseded.
    let mut replaced: HashMap<&str, Vec<&Entry>> = HashMap::new();
    for entry in &mine {
        if let Some(by) = &entry.doc.superseded_by {
            replaced.entry(by).or_default().push(entry);
        }
    }
    let mut by_date: BTreeMap<Option<&str>, Vec<&Entry>> = BTreeMap::new();
    for entry in mine.iter().filter(|e| e.doc.superseded_by.is_none()) {
        by_date
            .entry(entry.care_date.as_deref())
            .or_default()
            .push(entry);
    }
    let title = format!("{} {patient}", l.timeline_title);
    let body = html! {
        dl.meta {
            dt { (l.patient_name) }
            dd #patient-name lang="ja" { (name.as_deref().unwrap_or(l.name_unknown)) }
            dt { (l.facility) }
            dd { a href=(links.to(&format!("/web/facilities/{}", encode(&facility)), &[])) { (facility) } }
            dt { (l.documents) }
            dd #document-count data-count=(mine.len()) { (mine.len()) }
        }
        h2 { (l.timeline) }
        ol.timeline {
            // Newest care date first; documents without one (demographics) last.
            @for (care_date, docs) in by_date.iter().rev() {
                li {
                    h3 { (date(t, *care_date)) }
                    ul {
                        @for entry in docs.iter().rev() {
                            li { (timeline_item(links, entry, &replaced)) }
                        }
                    }
                }
            }
        }
    };
    layout::respond(
        layout::page(links, Section::Documents, &title, html! {}, body),
        CSP_PAGE,
    )
}

fn timeline_item(links: Links<'_>, entry: &Entry, replaced: &HashMap<&str, Vec<&Entry>>) -> Markup {
    let t = links.t();
    let l = t.documents;
    // Walk back through the chain of updates: B superseded A, which superseded an older one.
    let mut history: Vec<&Entry> = Vec::new();
    let mut frontier = vec![entry.doc.receipt.receipt_id.as_str()];
    while let Some(id) = frontier.pop() {
        for older in replaced.get(id).into_iter().flatten() {
            history.push(older);
            frontier.push(&older.doc.receipt.receipt_id);
        }
    }
    html! {
        (describe(links, entry))
        @if !history.is_empty() {
            details {
                summary { (l.history) " (" (history.len()) ")" }
                ul {
                    @for older in &history { li { (describe(links, older)) } }
                }
            }
        }
    }
}

/// One line about a document: its kind in words, data kind, receipt link, when it arrived.
fn describe(links: Links<'_>, entry: &Entry) -> Markup {
    let t = links.t();
    let r = &entry.doc.receipt;
    html! {
        a href=(links.to(&document_path(&r.receipt_id), &[])) {
            (kind_words(r.document_kind.as_str(), r.data_kind.as_deref()))
        }
        " · " code { (r.receipt_id) } " · " (r.received_at) " " (outcome_badge(t, entry.outcome))
    }
}

/// `/web/documents/{receipt}`: the receipt's details and (with the later parts of the view)
/// its content.
pub(crate) async fn document(
    State(web): State<Arc<Web>>,
    choice: Choice,
    Path(receipt): Path<String>,
) -> Response {
    let links = Links::new(&web.center.admin_token, &choice);
    let t = links.t();
    let l = t.documents;
    let entries = web.catalog.entries(&web.center.store);
    let Some(entry) = entries.iter().find(|e| e.doc.receipt.receipt_id == receipt) else {
        return layout::not_found(links, Section::Documents, l.no_receipt);
    };
    let r = &entry.doc.receipt;
    let title = format!(
        "{} · {}",
        kind_words(&r.document_kind, r.data_kind.as_deref()),
        r.patient_id
    );
    let (view, csp) = content_view(&web, links, entry);
    let file = format!("{}/file", document_path(&r.receipt_id));
    let raw = format!("{}/raw", document_path(&r.receipt_id));
    let body = html! {
        h2 { (l.details) }
        (details(links, entry))
        ul {
            li { a href=(links.to("/web/journal", &[("receipt", &r.receipt_id)])) { (l.requests_link) } }
            li { a href=(links.to(&raw, &[])) { (l.raw_link) } }
            li { a href=(links.to(&file, &[])) { (l.file_link) } }
        }
        (view)
    };
    layout::respond(
        layout::page(links, Section::Documents, &title, html! {}, body),
        csp,
    )
}

/// The content of a document by kind, and the policy its page needs (a PDF is framed).
fn content_view(web: &Web, links: Links<'_>, entry: &Entry) -> (Markup, &'static str) {
    let t = links.t();
    let l = t.documents;
    let r = &entry.doc.receipt;
    if r.document_kind == "pdf" {
        return (content::pdf(links, entry), content::CSP_PDF_PAGE);
    }
    let bytes = match web.center.store.read(&entry.doc.current_path) {
        Ok(bytes) => bytes,
        Err(error) => {
            return (
                html! { p.bad { (l.unreadable) " " (error.public_reason()) } },
                CSP_PAGE,
            );
        }
    };
    let declared = catalog::stored_charset(r);
    let view = match r.document_kind.as_str() {
        "hl7" => {
            let context = hl7::Context {
                declared,
                data_kind: r.data_kind.clone(),
                strictness: content::strictness(web),
            };
            html! { h2 { (t.hl7.heading) } (hl7::view(t, &bytes, &context)) }
        }
        "nsips" => html! {
            (content::nsips(t, &bytes, declared, web.center.nsips_profile.as_ref()))
            (content::findings(t, web, &bytes, DocumentKind::Nsips, declared))
        },
        _ => html! {
            (content::text(t, &bytes, declared))
            (content::findings(t, web, &bytes, DocumentKind::Text, declared))
        },
    };
    (view, CSP_PAGE)
}

fn details(links: Links<'_>, entry: &Entry) -> Markup {
    let t = links.t();
    let l = t.documents;
    let r = &entry.doc.receipt;
    html! {
        dl.meta {
            dt { (l.receipt) } dd { code { (r.receipt_id) } }
            dt { (l.patient) } dd {
                a href=(links.to(&timeline_path(&r.facility, &r.patient_id), &[])) { (r.patient_id) }
                @if let Some(name) = &entry.patient_name { " " span lang="ja" { (name) } }
            }
            dt { (l.facility) } dd { (r.facility) }
            dt { (l.kind) } dd { (r.document_kind) }
            dt { (l.data_kind) } dd { (r.data_kind.as_deref().unwrap_or(t.common.none)) }
            dt { (l.care_date) } dd { (date(t, entry.care_date.as_deref())) }
            dt { (l.received) } dd { (r.received_at) }
            dt { (l.outcome) } dd {
                (outcome_badge(t, entry.outcome))
                @if let Some(by) = &entry.doc.superseded_by {
                    " " (l.superseded_by) " " a href=(links.to(&document_path(by), &[])) { code { (by) } }
                }
            }
            dt { (l.account) } dd { (r.account) }
            dt { (l.destination) } dd { (r.destination) }
            dt { (l.path) } dd { code { (entry.doc.current_path) } }
            dt { (l.size) } dd { (r.size) " " (l.bytes) }
            dt { (l.sha256) } dd { code { (r.sha256) } }
            dt { (l.idempotency_key) } dd { code { (r.idempotency_key) } }
        }
    }
}

/// The filter form, its choices taken from what is stored.
fn filter_form(links: Links<'_>, filter: &Filter, entries: &[Entry]) -> Markup {
    let t = links.t();
    let l = t.documents;
    let facilities: BTreeSet<&str> = entries
        .iter()
        .map(|e| e.doc.receipt.facility.as_str())
        .collect();
    let kinds: BTreeSet<&str> = entries
        .iter()
        .map(|e| e.doc.receipt.document_kind.as_str())
        .collect();
    let data_kinds: BTreeSet<&str> = entries
        .iter()
        .filter_map(|e| e.doc.receipt.data_kind.as_deref())
        .collect();
    let outcomes: Vec<(&str, &str)> = Outcome::ALL
        .iter()
        .map(|o| (o.as_str(), outcome_words(t, *o)))
        .collect();
    html! {
        form.filters method="get" action="/web/documents" aria-labelledby="filters" {
            (links.token_input())
            (select(t, "facility", l.facility, &filter.facility, facilities.iter().map(|f| (*f, *f))))
            label { (l.filter_patient) input type="search" name="patient" value=(filter.patient); }
            (select(t, "kind", l.kind, &filter.kind, kinds.iter().map(|k| (*k, *k))))
            (select(t, "data_kind", l.data_kind, &filter.data_kind, data_kinds.iter().map(|k| (*k, *k))))
            label {
                (l.care_date)
                input type="text" name="care_date" inputmode="numeric" value=(filter.care_date)
                    placeholder="YYYYMMDD" title=(l.care_date_hint);
            }
            (select(t, "outcome", l.outcome, &filter.outcome, outcomes.into_iter()))
            button type="submit" { (l.apply) }
            a href=(links.to("/web/documents", &[])) { (l.clear) }
        }
        @if filter.query().iter().any(|(_, v)| !v.is_empty()) {
            p.count { (l.filters) ": "
                @for (key, value) in filter.query().iter().filter(|(_, v)| !v.is_empty()) {
                    code { (key) "=" (value) } " "
                }
            }
        }
    }
}

fn select<'a>(
    t: &Labels,
    name: &str,
    label: &str,
    current: &str,
    options: impl Iterator<Item = (&'a str, &'a str)>,
) -> Markup {
    html! {
        label {
            (label)
            select name=(name) {
                option value="" { (t.documents.any) }
                @for (value, words) in options {
                    option value=(value) selected[value == current] { (words) }
                }
            }
        }
    }
}

/// The table of documents, newest first as given.
pub(crate) fn document_table(links: Links<'_>, entries: &[&Entry]) -> Markup {
    let t = links.t();
    let l = t.documents;
    html! {
        div.scroll { table.documents {
            thead { tr {
                th scope="col" { (l.received) }
                th scope="col" { (l.receipt) }
                th scope="col" { (l.facility) }
                th scope="col" { (l.patient_id) }
                th scope="col" { (l.patient_name) }
                th scope="col" { (l.kind) }
                th scope="col" { (l.data_kind) }
                th scope="col" { (l.care_date) }
                th scope="col" { (l.outcome) }
                th scope="col" { (l.size) }
            } }
            tbody {
                @for entry in entries {
                    @let r = &entry.doc.receipt;
                    tr {
                        td { (r.received_at) }
                        td { a href=(links.to(&document_path(&r.receipt_id), &[])) { code { (r.receipt_id) } } }
                        td { (r.facility) }
                        td { a href=(links.to(&timeline_path(&r.facility, &r.patient_id), &[])) { (r.patient_id) } }
                        td lang="ja" { (entry.patient_name.as_deref().unwrap_or(t.common.none)) }
                        td { (r.document_kind) }
                        td { (r.data_kind.as_deref().unwrap_or(t.common.none)) }
                        td { (date(t, entry.care_date.as_deref())) }
                        td { (outcome_badge(t, entry.outcome)) }
                        td { (r.size) }
                    }
                }
            }
        } }
    }
}

/// The page of a document.
pub(crate) fn document_path(receipt_id: &str) -> String {
    format!("/web/documents/{}", encode(receipt_id))
}

/// The timeline of a patient.
pub(crate) fn timeline_path(facility: &str, patient: &str) -> String {
    format!("/web/patients/{}/{}", encode(facility), encode(patient))
}

/// `20110701` as `2011-07-01`; `None` as the no-date words.
fn date(t: &Labels, care_date: Option<&str>) -> String {
    match care_date {
        Some(d) if d.len() == 8 && d.is_ascii() => format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]),
        Some(d) => d.to_owned(),
        None => t.documents.no_care_date.to_owned(),
    }
}

fn outcome_words(t: &'static Labels, outcome: Outcome) -> &'static str {
    let l = t.documents;
    match outcome {
        Outcome::Stored => l.outcome_stored,
        Outcome::Warnings => l.outcome_warnings,
        Outcome::Superseded => l.outcome_superseded,
    }
}

fn outcome_badge(t: &'static Labels, outcome: Outcome) -> Markup {
    let class = match outcome {
        Outcome::Stored => "badge ok",
        Outcome::Warnings => "badge warn",
        Outcome::Superseded => "badge",
    };
    html! { span class=(class) data-outcome=(outcome.as_str()) { (outcome_words(t, outcome)) } }
}

/// "prescription order (OMP-01)" for SS-MIX2 kinds, else the kinds as declared.
fn kind_words(document_kind: &str, data_kind: Option<&str>) -> String {
    match data_kind {
        Some(code) => match code.parse::<idlink_formats::ssmix2::DataKind>() {
            Ok(kind) => format!("{} ({code})", kind.meaning()),
            Err(_) => format!("{document_kind} ({code})"),
        },
        None => document_kind.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Instant;

    use idlink_protocol::Receipt;

    use super::*;
    use crate::store::StoredDocument;

    fn entry(n: usize) -> Entry {
        let patient = format!("{:07}", 9_000_000 + n % 2_000);
        let receipt = Receipt {
            receipt_id: format!("rcpt-{n:026}"),
            idempotency_key: format!("k-{n}"),
            account: "fac-0112345678".into(),
            facility: "0112345678".into(),
            patient_id: patient.clone(),
            document_kind: "hl7".into(),
            data_kind: Some("OMP-01".into()),
            destination: "storage".into(),
            charset: Some("iso-2022-jp".into()),
            sha256: "00".repeat(32),
            size: 2_000,
            stored_path: format!("0112345678/900/000/{patient}/20110701/OMP-01/f{n}"),
            superseded_path: None,
            received_at: "2026-11-29T10:00:00.000Z".into(),
            current_path: None,
            superseded_by: None,
            warnings: Vec::new(),
        };
        Entry {
            doc: StoredDocument {
                current_path: receipt.stored_path.clone(),
                path: PathBuf::from(&receipt.stored_path),
                receipt,
                superseded_by: None,
            },
            care_date: Some("20110701".into()),
            patient_name: Some("患者 太郎".into()),
            outcome: Outcome::Stored,
        }
    }

    /// Issue 12's budget: a page under 50 ms server-side with 10,000 documents. A measurement,
    /// not a timed assertion (`cargo test -p idlink-mock --release --lib render_budget --
    /// --ignored --nocapture`); the store's own copy and first-time name decoding are outside.
    #[test]
    #[ignore = "a measurement: run with --ignored --nocapture"]
    fn render_budget_for_ten_thousand_documents() {
        let entries: Vec<Entry> = (0..10_000).map(entry).collect();
        let choice = layout::Choice::new("/web/documents", None, None);
        let links = Links::new("adm-bench", &choice);
        let filter = Filter {
            data_kind: "OMP-01".into(),
            ..Filter::default()
        };
        let start = Instant::now();
        let matching: Vec<&Entry> = entries.iter().rev().filter(|e| filter.matches(e)).collect();
        let list = html! {
            (filter_form(links, &filter, &entries))
            (document_table(links, &matching[..ROWS]))
        }
        .into_string();
        let list_time = start.elapsed();
        let start = Instant::now();
        let patients = catalog::patients(entries.iter());
        let patients_time = start.elapsed();
        println!(
            "10,000 documents: list page body {list_time:?} ({} KiB), patients of a facility {patients_time:?} ({} patients)",
            list.len() / 1024,
            patients.len()
        );
        assert_eq!(matching.len(), 10_000);
    }
}
