//! The journal for people: one row per connection with its handshake (TLS version and the
//! client certificate's subject, or the rejection in words), its requests with their answers,
//! and the actions a scenario or an armed fault injected, marked as such. Filterable by
//! account, listener, outcome, time and receipt (a document's page links here with its
//! receipt: the connections whose requests carried its key or its digest, retries included).
//! Live: a small script long-polls [`seq`] and swaps in the re-rendered table.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::Web;
use super::documents::document_path;
use super::labels::Labels;
use super::layout::{self, Choice, Links, Section};
use crate::journal::{JournalEntry, JournalEvent, Listener};

/// Connections the page lists at most (newest first; the count says how many matched).
const ROWS: usize = 200;

/// The journal page's policy: its own script and its polling requests, nothing else.
const CSP_JOURNAL: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; \
                           connect-src 'self'; frame-ancestors 'none'";

/// The live-update script, compiled in.
const LIVE_JS: &str = include_str!("assets/live.js");

/// The filters, as the form sends them (empty means any).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Filter {
    #[serde(default)]
    account: String,
    /// `mtls` or `vpn`.
    #[serde(default)]
    listener: String,
    /// `ok`, `rejected`, `failed` or `injected`.
    #[serde(default)]
    outcome: String,
    /// RFC 3339 prefix: connections opened at or after it.
    #[serde(default)]
    from: String,
    /// RFC 3339 prefix: connections opened at or before it (the prefix included).
    #[serde(default)]
    until: String,
    /// A receipt ID: the connections that carried that document's requests.
    #[serde(default)]
    receipt: String,
    #[serde(default, rename = "token")]
    _token: String,
}

/// One request on a connection, with what answered it.
#[derive(Debug, Default)]
struct Exchange<'e> {
    request: Option<&'e JournalEntry>,
    actions: Vec<&'e JournalEntry>,
    stored: Option<&'e JournalEntry>,
    response: Option<&'e JournalEntry>,
    others: Vec<&'e JournalEntry>,
}

/// One connection and everything journaled on it.
#[derive(Debug)]
struct Connection<'e> {
    id: u64,
    listener: Option<Listener>,
    entries: Vec<&'e JournalEntry>,
}

impl<'e> Connection<'e> {
    fn opened(&self) -> &'e str {
        self.entries.first().map(|e| e.at.as_str()).unwrap_or("")
    }

    fn accounts(&self) -> Vec<&'e str> {
        let mut accounts: Vec<&str> = self
            .entries
            .iter()
            .filter_map(|e| match &e.event {
                JournalEvent::Response {
                    account,
                    tried_account,
                    ..
                } => account.as_deref().or(tried_account.as_deref()),
                _ => None,
            })
            .collect();
        accounts.dedup();
        accounts
    }

    fn rejected(&self) -> bool {
        self.entries.iter().any(|e| {
            matches!(
                e.event,
                JournalEvent::HandshakeRejected { .. }
                    | JournalEvent::HandshakeTimeout { .. }
                    | JournalEvent::ConnectionRefused { .. }
            )
        })
    }

    fn failed(&self) -> bool {
        self.entries.iter().any(|e| match &e.event {
            JournalEvent::Response { status, .. } => *status >= 400,
            JournalEvent::Timeout { .. } => true,
            _ => false,
        })
    }

    fn injected(&self) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(e.event, JournalEvent::ActionFired { .. }))
    }

    /// The requests in order, each with its entries; entries of no request go to `others`.
    fn exchanges(&self) -> (Vec<Exchange<'e>>, Vec<&'e JournalEntry>) {
        let mut order: Vec<&str> = Vec::new();
        let mut by_id: BTreeMap<&str, Exchange<'e>> = BTreeMap::new();
        let mut others = Vec::new();
        for entry in &self.entries {
            let Some(id) = request_id(&entry.event) else {
                others.push(*entry);
                continue;
            };
            if !by_id.contains_key(id) {
                order.push(id);
            }
            let exchange = by_id.entry(id).or_default();
            match &entry.event {
                JournalEvent::Request { .. } => exchange.request = Some(entry),
                JournalEvent::ActionFired { .. } => exchange.actions.push(entry),
                JournalEvent::Stored { .. } => exchange.stored = Some(entry),
                JournalEvent::Response { .. } => exchange.response = Some(entry),
                // The request line already says what it is; the claim adds nothing to read.
                JournalEvent::Receiving { .. } => {}
                _ => exchange.others.push(entry),
            }
        }
        let exchanges = order
            .into_iter()
            .filter_map(|id| by_id.remove(id))
            .collect();
        (exchanges, others)
    }
}

fn request_id(event: &JournalEvent) -> Option<&str> {
    match event {
        JournalEvent::Request { request_id, .. }
        | JournalEvent::Receiving { request_id, .. }
        | JournalEvent::Unexpected { request_id, .. }
        | JournalEvent::BodyRead { request_id, .. }
        | JournalEvent::Stored { request_id, .. }
        | JournalEvent::Response { request_id, .. } => Some(request_id),
        JournalEvent::ActionFired { request_id, .. } | JournalEvent::Timeout { request_id, .. } => {
            request_id.as_deref()
        }
        _ => None,
    }
}

/// What identifies a document's requests: its receipt, idempotency key and digest.
struct DocumentKeys {
    receipt: String,
    key: Option<String>,
    sha256: Option<String>,
}

impl Filter {
    fn matches(&self, connection: &Connection<'_>, keys: Option<&DocumentKeys>) -> bool {
        let opened = connection.opened();
        (self.account.is_empty() || connection.accounts().contains(&self.account.as_str()))
            && (self.listener.is_empty()
                || connection.listener.map(Listener::as_str) == Some(self.listener.as_str()))
            && match self.outcome.as_str() {
                "ok" => !connection.rejected() && !connection.failed(),
                "rejected" => connection.rejected(),
                "failed" => connection.failed(),
                "injected" => connection.injected(),
                _ => true,
            }
            && (self.from.is_empty() || opened >= self.from.as_str())
            && (self.until.is_empty()
                || opened <= self.until.as_str()
                || opened.starts_with(&self.until))
            && keys.is_none_or(|keys| connection.entries.iter().any(|e| carries(e, keys)))
    }
}

/// Whether an entry belongs to the document: its receipt, or an upload with its key or digest.
fn carries(entry: &JournalEntry, keys: &DocumentKeys) -> bool {
    match &entry.event {
        JournalEvent::Stored { receipt_id, .. } => *receipt_id == keys.receipt,
        JournalEvent::Response { receipt_id, .. } => {
            receipt_id.as_deref() == Some(keys.receipt.as_str())
        }
        JournalEvent::Request {
            idempotency_key,
            content_digest,
            ..
        } => {
            (idempotency_key.is_some() && *idempotency_key == keys.key)
                || (content_digest.is_some() && *content_digest == keys.sha256)
        }
        _ => false,
    }
}

/// `/web/journal`.
pub(crate) async fn page(
    State(web): State<Arc<Web>>,
    choice: Choice,
    Query(filter): Query<Filter>,
) -> Response {
    let links = Links::new(&web.center.admin_token, &choice);
    let t = links.t();
    let l = t.journal;
    let entries = web.center.journal.entries();
    let latest = entries.last().map(|e| e.seq).unwrap_or(0);
    let keys = (!filter.receipt.is_empty()).then(|| {
        let doc = web.center.store.receipt(&filter.receipt);
        DocumentKeys {
            receipt: filter.receipt.clone(),
            key: doc.as_ref().map(|d| d.receipt.idempotency_key.clone()),
            sha256: doc.map(|d| d.receipt.sha256),
        }
    });
    let mut connections: BTreeMap<u64, Connection<'_>> = BTreeMap::new();
    let mut center_events: Vec<&JournalEntry> = Vec::new();
    for entry in &entries {
        match entry.connection {
            Some(id) => {
                let connection = connections.entry(id).or_insert_with(|| Connection {
                    id,
                    listener: entry.listener,
                    entries: Vec::new(),
                });
                connection.listener = connection.listener.or(entry.listener);
                connection.entries.push(entry);
            }
            None => center_events.push(entry),
        }
    }
    let matching: Vec<&Connection<'_>> = connections
        .values()
        .rev()
        .filter(|c| filter.matches(c, keys.as_ref()))
        .collect();
    let shown = &matching[..matching.len().min(ROWS)];
    let script = links.to("/web/assets/live.js", &[]);
    let body = html! {
        p { (l.intro) }
        section aria-labelledby="filters" {
            h2 #filters { (l.filters) }
            (filter_form(links, &filter))
        }
        p { label { input #live type="checkbox"; " " (l.live) } }
        div #journal-body data-seq=(latest) aria-live="polite" {
            h2 {
                (l.connections) " "
                span.count #connection-count data-count=(matching.len()) {
                    "(" (l.showing) " " (shown.len()) " " (l.of) " " (matching.len()) ")"
                }
            }
            @if matching.is_empty() {
                p { (l.none_match) }
            } @else {
                (connection_table(links, shown))
            }
            @if filter.receipt.is_empty() && !center_events.is_empty() {
                h2 { (l.center_events) }
                (event_table(t, &center_events))
            }
        }
    };
    let head = html! { script src=(script) defer {} };
    layout::respond(
        layout::page(links, Section::Journal, l.title, head, body),
        CSP_JOURNAL,
    )
}

fn filter_form(links: Links<'_>, filter: &Filter) -> Markup {
    let t = links.t();
    let l = t.journal;
    let outcomes = [
        ("ok", l.outcome_ok),
        ("rejected", l.outcome_rejected),
        ("failed", l.outcome_failed),
        ("injected", l.outcome_injected),
    ];
    html! {
        form.filters method="get" action="/web/journal" aria-labelledby="filters" {
            (links.token_input())
            label { (l.account) input type="text" name="account" value=(filter.account); }
            label {
                (l.listener)
                select name="listener" {
                    option value="" { (l.any) }
                    @for l in [Listener::Mtls, Listener::Vpn] {
                        option value=(l.as_str()) selected[filter.listener == l.as_str()] { (l.as_str()) }
                    }
                }
            }
            label {
                (l.outcome)
                select name="outcome" {
                    option value="" { (l.any) }
                    @for (value, words) in outcomes {
                        option value=(value) selected[filter.outcome == value] { (words) }
                    }
                }
            }
            label { (l.from) input type="text" name="from" value=(filter.from) title=(l.time_hint); }
            label { (l.until) input type="text" name="until" value=(filter.until) title=(l.time_hint); }
            label { (l.receipt) input type="text" name="receipt" value=(filter.receipt); }
            button type="submit" { (l.apply) }
            a href=(links.to("/web/journal", &[])) { (l.clear) }
        }
    }
}

fn connection_table(links: Links<'_>, connections: &[&Connection<'_>]) -> Markup {
    let t = links.t();
    let l = t.journal;
    html! {
        div.scroll { table.journal {
            thead { tr {
                th scope="col" { (l.connection) }
                th scope="col" { (l.opened) }
                th scope="col" { (l.listener) }
                th scope="col" { (l.handshake) }
                th scope="col" { (l.account) }
                th scope="col" { (l.requests) }
                th scope="col" { (l.closed) }
            } }
            tbody {
                @for connection in connections {
                    (connection_row(links, connection))
                }
            }
        } }
    }
}

fn connection_row(links: Links<'_>, connection: &Connection<'_>) -> Markup {
    let t = links.t();
    let l = t.journal;
    let (exchanges, others) = connection.exchanges();
    let peer = connection.entries.iter().find_map(|e| match &e.event {
        JournalEvent::Connection { peer } | JournalEvent::ConnectionRefused { peer, .. } => {
            Some(peer.as_str())
        }
        _ => None,
    });
    let closed = connection.entries.iter().find_map(|e| match &e.event {
        JournalEvent::ConnectionClosed { error } => Some(error.clone()),
        _ => None,
    });
    let class = if connection.rejected() {
        "rejected"
    } else if connection.injected() {
        "injected"
    } else {
        ""
    };
    let others: Vec<&JournalEntry> = others
        .into_iter()
        .filter(|e| {
            !matches!(
                e.event,
                JournalEvent::Connection { .. }
                    | JournalEvent::ConnectionClosed { .. }
                    | JournalEvent::HandshakeOk { .. }
                    | JournalEvent::HandshakeRejected { .. }
                    | JournalEvent::HandshakeTimeout { .. }
                    | JournalEvent::ConnectionRefused { .. }
            )
        })
        .collect();
    html! {
        tr #(format!("conn-{}", connection.id)) class=(class) {
            th scope="row" { (connection.id) }
            td { (connection.opened()) @if let Some(peer) = peer { br; span.count { (l.peer) " " (peer) } } }
            td { (connection.listener.map(Listener::as_str).unwrap_or(t.common.none)) }
            td.handshake { (handshake(t, connection)) }
            td { @for account in connection.accounts() { code { (account) } " " } }
            td {
                @if exchanges.is_empty() { span.count { (l.no_request) } }
                ol.requests {
                    @for exchange in &exchanges { li { (exchange_words(links, exchange)) } }
                }
                @for entry in &others {
                    div class=(if matches!(entry.event, JournalEvent::ActionFired { .. }) { "injected" } else { "" }) {
                        (event_words(entry))
                    }
                }
            }
            td {
                @match closed {
                    Some(Some(error)) => { span.bad { (error) } }
                    Some(None) => { (l.closed_cleanly) }
                    None => { (t.common.none) }
                }
            }
        }
    }
}

/// The handshake in words: the TLS version and certificate, or why it failed.
fn handshake(t: &Labels, connection: &Connection<'_>) -> Markup {
    let l = t.journal;
    let entry = connection.entries.iter().find(|e| {
        matches!(
            e.event,
            JournalEvent::HandshakeOk { .. }
                | JournalEvent::HandshakeRejected { .. }
                | JournalEvent::HandshakeTimeout { .. }
                | JournalEvent::ConnectionRefused { .. }
        )
    });
    html! {
        @match entry.map(|e| &e.event) {
            Some(JournalEvent::HandshakeOk { tls_version, cipher_suite, alpn, client_certificate }) => {
                span.ok { (l.handshake_ok) } " " (tls_version)
                br; span.count { (cipher_suite) @if let Some(alpn) = alpn { " · " (alpn) } }
                br;
                @match client_certificate {
                    Some(cert) => { (l.certificate) " " code { (cert.subject) } }
                    None => { span.count { (l.no_certificate) } }
                }
            }
            Some(JournalEvent::HandshakeRejected { reason, explanation, presented_certificate }) => {
                span.bad data-rejected="true" { (l.rejected) }
                ": "
                @if explanation.is_empty() { (reason) } @else { (explanation) br; span.count { code { (reason) } } }
                @if let Some(cert) = presented_certificate {
                    br;
                    (l.certificate) " " code { (cert.subject) }
                    br;
                    span.count { (l.serial) " " code { (cert.serial) } " · " (l.issuer) " " code { (cert.issuer) } }
                }
            }
            Some(JournalEvent::HandshakeTimeout { after_ms }) => {
                span.bad { (l.handshake_timeout) " " (after_ms) " ms" }
            }
            Some(JournalEvent::ConnectionRefused { reason, .. }) => {
                span.bad { (l.refused) } ": " (reason)
            }
            _ => { (t.common.none) }
        }
    }
}

/// One request: method and path, upload facts, injected actions, the answer and its receipt.
fn exchange_words(links: Links<'_>, exchange: &Exchange<'_>) -> Markup {
    let t = links.t();
    let l = t.journal;
    html! {
        @if let Some(JournalEvent::Request { method, path, version, idempotency_key, attempt, document_kind, .. }) = exchange.request.map(|e| &e.event) {
            code { (method) " " (path) } " " span.count { (version) }
            @if let Some(kind) = document_kind { " · " (kind) }
            @if let Some(attempt) = attempt { " · " (l.attempt) " " (attempt) }
            @if let Some(key) = idempotency_key { " · " (l.key) " " code { (key) } }
        }
        @for action in &exchange.actions {
            @if let JournalEvent::ActionFired { label, state, .. } = &action.event {
                div.injected data-injected="true" {
                    span.badge.warn { (l.injected) } " " (label) " " span.count { "(" (state) ")" }
                }
            }
        }
        @for entry in &exchange.others { div { (event_words(entry)) } }
        @if let Some(JournalEvent::Stored { receipt_id, replayed, .. }) = exchange.stored.map(|e| &e.event) {
            div {
                (l.stored) " " a href=(links.to(&document_path(receipt_id), &[])) { code { (receipt_id) } }
                @if *replayed { " (" (l.replayed) ")" }
            }
        }
        div {
            @match exchange.response.map(|e| &e.event) {
                Some(JournalEvent::Response { status, code, retry_after, duration_ms, receipt_id, .. }) => {
                    "→ "
                    span class=(if *status >= 400 { "bad" } else { "ok" }) { strong { (status) } }
                    @if let Some(code) = code { " " code { (code.to_string()) } }
                    @if let Some(retry) = retry_after { " Retry-After " (retry) }
                    " · " (duration_ms) " ms"
                    @if let (Some(receipt), None) = (receipt_id, exchange.stored) {
                        " · " a href=(links.to(&document_path(receipt), &[])) { code { (receipt) } }
                    }
                }
                _ => { span.count { "→ " (l.no_answer) } }
            }
        }
    }
}

/// Any entry in words: its kind and its details as `name: value` pairs.
fn event_words(entry: &JournalEntry) -> Markup {
    let value = serde_json::to_value(&entry.event).unwrap_or_default();
    let kind = value["event"].as_str().unwrap_or("").to_owned();
    let details: Vec<(String, String)> = value
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != "event")
        .map(|(k, v)| {
            let shown = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.replace('_', " "), shown)
        })
        .collect();
    html! {
        span.count { (entry.at) } " " strong { (kind.replace('-', " ")) }
        @for (k, v) in &details { " · " (k) ": " (v) }
    }
}

fn event_table(t: &Labels, entries: &[&JournalEntry]) -> Markup {
    let l = t.journal;
    html! {
        div.scroll { table {
            thead { tr { th scope="col" { "#" } th scope="col" { (l.event) } } }
            tbody {
                @for entry in entries.iter().rev().take(ROWS) {
                    tr class=(if matches!(entry.event, JournalEvent::ActionFired { .. }) { "injected" } else { "" }) {
                        th scope="row" { (entry.seq) }
                        td { (event_words(entry)) }
                    }
                }
            }
        } }
    }
}

/// Query of [`seq`].
#[derive(Debug, Deserialize)]
pub(crate) struct SeqQuery {
    #[serde(default)]
    since: u64,
    /// Wait up to this long (at most 25 s) for an entry newer than `since`.
    #[serde(default)]
    wait_ms: u64,
    #[serde(default, rename = "token")]
    _token: String,
}

/// `/web/journal/seq`: the newest sequence number, as text, after waiting for one newer than
/// `since` (a long poll: the live page asks again as soon as it has an answer).
pub(crate) async fn seq(State(web): State<Arc<Web>>, Query(query): Query<SeqQuery>) -> Response {
    let wait = Duration::from_millis(query.wait_ms.min(25_000));
    let since = query.since;
    // A timeout only means nothing new: answer with the newest number anyway.
    let _ = web.center.journal.wait_for(|e| e.seq > since, wait).await;
    let latest = web
        .center
        .journal
        .recent(1)
        .last()
        .map(|e| e.seq)
        .unwrap_or(0);
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        latest.to_string(),
    )
        .into_response()
}

/// `/web/assets/live.js`.
pub(crate) async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        LIVE_JS,
    )
        .into_response()
}
