//! The scenario engine while a scenario runs: the current state, the states visited in order,
//! the counters, the faults armed through the admin API, and from the journal every action
//! fired, state change and unexpected request.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use maud::html;

use super::Web;
use super::labels::{COMMON, SCENARIO, Scenario};
use super::layout::{self, CSP_PAGE, Links, Section};
use crate::journal::JournalEvent;

const L: &Scenario = &SCENARIO;

/// `/web/scenario`.
pub(crate) async fn page(State(web): State<Arc<Web>>) -> Response {
    let links = Links::new(&web.center.admin_token);
    let status = web.center.engine.status();
    let entries = web.center.journal.entries();
    let fired: Vec<_> = entries
        .iter()
        .filter(|e| matches!(e.event, JournalEvent::ActionFired { .. }))
        .collect();
    let changes: Vec<_> = entries
        .iter()
        .filter(|e| matches!(e.event, JournalEvent::StateChanged { .. }))
        .collect();
    let unexpected: Vec<_> = entries
        .iter()
        .filter(|e| matches!(e.event, JournalEvent::Unexpected { .. }))
        .collect();
    let last = status.visited.len().saturating_sub(1);
    let body = html! {
        @match &status.scenario {
            None => { p #scenario-none { (L.none_loaded) } }
            Some(id) => {
                dl.meta {
                    dt { (L.scenario) } dd #scenario-id { code { (id) } }
                    dt { (L.state) } dd #scenario-state { strong { (status.state.as_deref().unwrap_or(COMMON.none)) } }
                    dt { (L.fired) } dd { (status.fired) " (" (status.fired_in_state) " " (L.fired_in_state) ")" }
                    dt { (L.unexpected) } dd { (status.unexpected) }
                    dt { (L.seed) } dd { (status.seed) }
                    dt { (L.time_scale) } dd { (status.time_scale) }
                }
                h2 { (L.visited) }
                ol #states-visited {
                    @for (i, state) in status.visited.iter().enumerate() {
                        @if i == last {
                            li aria-current="step" { strong { (state) } " (" (L.current) ")" }
                        } @else {
                            li { (state) }
                        }
                    }
                }
            }
        }
        h2 { (L.armed) }
        @if status.armed.is_empty() {
            p { (L.none_armed) }
        } @else {
            ul { @for fault in &status.armed { li { (fault.action.label()) " · " (fault.times) " " (L.times) } } }
        }
        h2 { (L.actions) }
        @if fired.is_empty() {
            p { (L.no_actions) }
        } @else {
            div.scroll { table #actions-fired {
                thead { tr {
                    th scope="col" { (L.at) }
                    th scope="col" { (L.state) }
                    th scope="col" { (L.action) }
                    th scope="col" { (L.request) }
                    th scope="col" { (L.connection) }
                } }
                tbody {
                    @for entry in &fired {
                        @if let JournalEvent::ActionFired { state, label, request_id, .. } = &entry.event {
                            tr.injected {
                                td { (entry.at) }
                                td { (state) }
                                td { (label) }
                                td { code { (request_id.as_deref().unwrap_or(COMMON.none)) } }
                                td {
                                    @if let Some(c) = entry.connection {
                                        a href=(format!("{}#conn-{c}", links.to("/web/journal", &[]))) { (c) }
                                    }
                                }
                            }
                        }
                    }
                }
            } }
        }
        @if !changes.is_empty() {
            h2 { (L.transitions) }
            ul {
                @for entry in &changes {
                    @if let JournalEvent::StateChanged { from, to } = &entry.event {
                        li { (entry.at) " · " (from) " → " strong { (to) } }
                    }
                }
            }
        }
        @if !unexpected.is_empty() {
            h2 { (L.unexpected_requests) }
            ul {
                @for entry in &unexpected {
                    @if let JournalEvent::Unexpected { request_id, state, reason } = &entry.event {
                        li { (entry.at) " · " code { (request_id) } " · " (state) " · " (L.reason) ": " (reason) }
                    }
                }
            }
        }
    };
    layout::respond(
        layout::page(links, Section::Scenario, L.title, html! {}, body),
        CSP_PAGE,
    )
}
