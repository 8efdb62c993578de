//! The scenario engine while a scenario runs: the current state, the states visited in order,
//! the counters, the faults armed through the admin API, and from the journal every action
//! fired, state change and unexpected request.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use maud::html;

use super::Web;
use super::layout::{self, CSP_PAGE, Choice, Links, Section};
use crate::journal::JournalEvent;

/// `/web/scenario`.
pub(crate) async fn page(State(web): State<Arc<Web>>, choice: Choice) -> Response {
    let links = Links::new(&web.center.admin_token, &choice);
    let t = links.t();
    let l = t.scenario;
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
            None => { p #scenario-none { (l.none_loaded) } }
            Some(id) => {
                dl.meta {
                    dt { (l.scenario) } dd #scenario-id { code { (id) } }
                    dt { (l.state) } dd #scenario-state { strong { (status.state.as_deref().unwrap_or(t.common.none)) } }
                    dt { (l.fired) } dd { (status.fired) " (" (status.fired_in_state) " " (l.fired_in_state) ")" }
                    dt { (l.unexpected) } dd { (status.unexpected) }
                    dt { (l.seed) } dd { (status.seed) }
                    dt { (l.time_scale) } dd { (status.time_scale) }
                }
                h2 { (l.visited) }
                ol #states-visited {
                    @for (i, state) in status.visited.iter().enumerate() {
                        @if i == last {
                            li aria-current="step" { strong { (state) } " (" (l.current) ")" }
                        } @else {
                            li { (state) }
                        }
                    }
                }
            }
        }
        h2 { (l.armed) }
        @if status.armed.is_empty() {
            p { (l.none_armed) }
        } @else {
            ul { @for fault in &status.armed { li { (fault.action.label()) " · " (fault.times) " " (l.times) } } }
        }
        h2 { (l.actions) }
        @if fired.is_empty() {
            p { (l.no_actions) }
        } @else {
            div.scroll { table #actions-fired {
                thead { tr {
                    th scope="col" { (l.at) }
                    th scope="col" { (l.state) }
                    th scope="col" { (l.action) }
                    th scope="col" { (l.request) }
                    th scope="col" { (l.connection) }
                } }
                tbody {
                    @for entry in &fired {
                        @if let JournalEvent::ActionFired { state, label, request_id, .. } = &entry.event {
                            tr.injected {
                                td { (entry.at) }
                                td { (state) }
                                td { (label) }
                                td { code { (request_id.as_deref().unwrap_or(t.common.none)) } }
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
            h2 { (l.transitions) }
            ul {
                @for entry in &changes {
                    @if let JournalEvent::StateChanged { from, to } = &entry.event {
                        li { (entry.at) " · " (from) " → " strong { (to) } }
                    }
                }
            }
        }
        @if !unexpected.is_empty() {
            h2 { (l.unexpected_requests) }
            ul {
                @for entry in &unexpected {
                    @if let JournalEvent::Unexpected { request_id, state, reason } = &entry.event {
                        li { (entry.at) " · " code { (request_id) } " · " (state) " · " (l.reason) ": " (reason) }
                    }
                }
            }
        }
    };
    layout::respond(
        layout::page(links, Section::Scenario, l.title, html! {}, body),
        CSP_PAGE,
    )
}
