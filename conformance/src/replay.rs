//! `idlink-conformance replay FILE`: a field failure becomes a regression scenario.
//!
//! From a saved journal (`journal.jsonl` of a center) or a client trace (`storeclient --trace`),
//! the uploads of one document are read in order and each answer the server gave becomes a state
//! of the machine: a problem with its code and `Retry-After`, an action the engine fired, a
//! connection that closed without an answer. The result is TOML text to review and commit; it
//! names a shipped fixture as a stand-in document (the field document is patient data and is
//! never copied), and no secret is carried over (traces already redact `Authorization`).

use std::fmt::Write as _;
use std::path::Path;

use idlink_mock::ActionSpec;
use idlink_mock::evidence::Evidence;

/// Why a file could not be replayed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// Unreadable.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Neither a journal nor a trace.
    #[error("{path}:{line}: neither a journal entry nor a storeclient trace line: {message}")]
    Format {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// What was wrong.
        message: String,
    },
    /// No upload in it.
    #[error("{0} holds no upload attempt to replay")]
    Empty(String),
}

/// One answer of the server, as a state of the replay.
#[derive(Debug, Clone, PartialEq)]
struct Step {
    action: ActionSpec,
    note: String,
}

/// What the first upload declared (for the stand-in document).
#[derive(Debug, Clone, Default)]
struct Declared {
    kind: Option<String>,
    data_kind: Option<String>,
}

/// Reads a journal or trace and writes a scenario reproducing it.
pub fn replay(path: &Path, id: &str) -> Result<String, ReplayError> {
    let display = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ReplayError::Read {
        path: display.clone(),
        source,
    })?;
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let value: serde_json::Value =
        serde_json::from_str(first).map_err(|e| ReplayError::Format {
            path: display.clone(),
            line: 1,
            message: e.to_string(),
        })?;
    let (steps, declared) = if value.get("event").is_some() {
        from_journal(path)?
    } else {
        from_trace(&text, &display)?
    };
    if steps.is_empty() {
        return Err(ReplayError::Empty(display));
    }
    Ok(render(id, &display, &steps, &declared))
}

fn from_journal(path: &Path) -> Result<(Vec<Step>, Declared), ReplayError> {
    let evidence = Evidence::from_file(path).map_err(|e| ReplayError::Format {
        path: path.display().to_string(),
        line: 0,
        message: e.to_string(),
    })?;
    let fired: std::collections::BTreeMap<String, ActionSpec> = evidence
        .entries()
        .iter()
        .filter_map(|e| match &e.event {
            idlink_mock::JournalEvent::ActionFired {
                request_id: Some(r),
                action,
                ..
            } => Some((r.clone(), action.clone())),
            _ => None,
        })
        .collect();
    let uploads = evidence.uploads();
    let declared = uploads
        .first()
        .map(|u| Declared {
            kind: u.document_kind.clone(),
            data_kind: u.data_kind.clone(),
        })
        .unwrap_or_default();
    let steps = uploads
        .iter()
        .map(|u| {
            let note = format!(
                "attempt {}: {}",
                u.attempt.unwrap_or(0),
                match (u.status, u.code) {
                    (Some(s), Some(c)) => format!("{s} {c}"),
                    (Some(s), None) => s.to_string(),
                    _ => "no answer".to_owned(),
                }
            );
            let action = if let Some(action) = fired.get(&u.request_id) {
                action.clone()
            } else {
                match (u.status, u.code) {
                    (Some(status), Some(code)) if status >= 400 => {
                        problem(code, status, u.retry_after.as_deref())
                    }
                    (None, _) => ActionSpec::EmptyResponse,
                    _ => ActionSpec::Normal,
                }
            };
            Step { action, note }
        })
        .collect();
    Ok((steps, declared))
}

fn problem(
    code: idlink_protocol::ProblemCode,
    status: u16,
    retry_after: Option<&str>,
) -> ActionSpec {
    ActionSpec::Problem {
        code,
        status: (status != code.status()).then_some(status),
        retry_after: retry_after
            .and_then(|r| r.trim().parse::<u64>().ok())
            .map(std::time::Duration::from_secs),
        retry_after_date: false,
    }
}

fn from_trace(text: &str, path: &str) -> Result<(Vec<Step>, Declared), ReplayError> {
    let mut steps = Vec::new();
    let mut declared = Declared::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| ReplayError::Format {
            path: path.to_owned(),
            line: i + 1,
            message: e.to_string(),
        })?;
        let Some(request) = v.get("request") else {
            return Err(ReplayError::Format {
                path: path.to_owned(),
                line: i + 1,
                message: "no `request` member".to_owned(),
            });
        };
        if request.get("method").and_then(|m| m.as_str()) != Some("POST") {
            continue;
        }
        let header = |name: &str, headers: &serde_json::Value| {
            headers.as_array().and_then(|list| {
                list.iter().find_map(|pair| {
                    let pair = pair.as_array()?;
                    (pair.first()?.as_str()?.eq_ignore_ascii_case(name))
                        .then(|| pair.get(1)?.as_str().map(str::to_owned))
                        .flatten()
                })
            })
        };
        if steps.is_empty() {
            declared.kind = header("idlink-document-kind", &request["headers"]);
            declared.data_kind = header("idlink-data-kind", &request["headers"]);
        }
        let attempt = v.get("attempt").and_then(|a| a.as_u64()).unwrap_or(0);
        let (action, note) = match v.get("response").filter(|r| !r.is_null()) {
            Some(response) => {
                let status = response["status"].as_u64().unwrap_or(0) as u16;
                let body: serde_json::Value =
                    serde_json::from_str(response["body"].as_str().unwrap_or(""))
                        .unwrap_or_default();
                let code = body.get("code").and_then(|c| {
                    serde_json::from_value::<idlink_protocol::ProblemCode>(c.clone()).ok()
                });
                let retry_after = header("retry-after", &response["headers"]);
                match code {
                    Some(code) if status >= 400 => (
                        problem(code, status, retry_after.as_deref()),
                        format!("attempt {attempt}: {status} {code}"),
                    ),
                    _ => (ActionSpec::Normal, format!("attempt {attempt}: {status}")),
                }
            }
            None => {
                let kind = v["error"]["kind"].as_str().unwrap_or("").to_owned();
                let action = if kind.contains("reset") {
                    ActionSpec::ResetBeforeBody
                } else if kind.contains("timeout") || kind.contains("timed-out") {
                    ActionSpec::StoreThenHang
                } else {
                    ActionSpec::EmptyResponse
                };
                (action, format!("attempt {attempt}: no answer ({kind})"))
            }
        };
        steps.push(Step { action, note });
    }
    Ok((steps, declared))
}

/// A shipped fixture of the same kind, standing in for the field document.
fn stand_in(declared: &Declared) -> (&'static str, &'static str, Option<&'static str>) {
    match declared.kind.as_deref() {
        Some("pdf") => ("pdf/valid.pdf", "pdf", None),
        Some("text") => ("text/valid-utf8.txt", "text", None),
        Some("nsips") => ("nsips/valid.csv", "nsips", None),
        _ => (
            "hl7/9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1",
            "hl7",
            Some("OMP-01"),
        ),
    }
}

fn render(id: &str, source: &str, steps: &[Step], declared: &Declared) -> String {
    let mut out = String::new();
    let (fixture, kind, data_kind) = stand_in(declared);
    let _ = writeln!(
        out,
        "# Replayed by `idlink-conformance replay` from {source}."
    );
    let _ = writeln!(
        out,
        "# Review it, replace the stand-in document with a de-identified copy of the field document\n# if its content matters, and move it into the suite."
    );
    if let Some(original) = &declared.data_kind
        && data_kind.is_some_and(|d| d != original)
    {
        let _ = writeln!(out, "# The field upload declared data kind {original}.");
    }
    let _ = writeln!(out, "schema = \"idlink-scenario/1\"");
    let _ = writeln!(out, "id = {:?}", id);
    let _ = writeln!(out, "title = \"Replay of a field failure\"");
    let _ = writeln!(
        out,
        "summary = \"The server answers the upload as it did in the field ({} attempt(s)); the client must deliver the document once, with one key.\"",
        steps.len()
    );
    let _ = writeln!(
        out,
        "verifies = [\"PROTO-CLI-001\", \"PROTO-CLI-002\", \"PROTO-IDEM-002\"]\n"
    );
    let _ = writeln!(out, "[[document]]\nname = \"field\"");
    let _ = writeln!(
        out,
        "file = \"../fixtures/{fixture}\"\nkind = \"{kind}\"\npatient_id = \"9999013\""
    );
    if let Some(d) = data_kind {
        let _ = writeln!(out, "data_kind = \"{d}\"");
    }
    let _ = writeln!(out, "\n[machine]\ninitial = \"s1\"\n");
    // Consecutive equal answers become one state with `times`.
    let mut merged: Vec<(ActionSpec, u32, Vec<String>)> = Vec::new();
    for step in steps {
        match merged.last_mut() {
            Some((action, times, notes)) if *action == step.action => {
                *times += 1;
                notes.push(step.note.clone());
            }
            _ => merged.push((step.action.clone(), 1, vec![step.note.clone()])),
        }
    }
    // The last answer in the field may have been the success; the replay ends with one anyway.
    if merged
        .last()
        .is_none_or(|(a, _, _)| *a != ActionSpec::Normal)
    {
        merged.push((
            ActionSpec::Normal,
            1,
            vec!["the answer the client should get in the end".into()],
        ));
    }
    for (i, (action, times, notes)) in merged.iter().enumerate() {
        let name = format!("s{}", i + 1);
        let _ = writeln!(out, "# {}", notes.join("; "));
        let _ = writeln!(out, "[[machine.state]]\nname = \"{name}\"");
        let _ = writeln!(out, "on = {{ route = \"upload\", doc = \"field\" }}");
        let _ = writeln!(out, "action = {}", inline_action(action));
        if i + 1 < merged.len() {
            let _ = writeln!(out, "times = {times}\nnext = \"s{}\"", i + 2);
        }
        out.push('\n');
    }
    out.push_str(
        "[[expect]]\nid = \"delivered\"\ncheck = \"exit\"\nstatus = \"zero\"\n\n\
         [[expect]]\nid = \"stored-once\"\nverifies = \"PROTO-IDEM-002\"\ncheck = \"stored\"\n\n\
         [[expect]]\nid = \"one-key\"\nverifies = \"PROTO-CLI-001\"\ncheck = \"same-key\"\n\n\
         [[expect]]\nid = \"waits\"\nverifies = \"PROTO-CLI-002\"\ncheck = \"respects-retry-after\"\n",
    );
    out
}

/// The action as a TOML inline table (`{ kind = "problem", code = "maintenance", ... }`).
fn inline_action(action: &ActionSpec) -> String {
    let value = serde_json::to_value(action).unwrap_or_default();
    let Some(map) = value.as_object() else {
        return "{ kind = \"normal\" }".to_owned();
    };
    let mut parts = Vec::new();
    if let Some(kind) = map.get("kind") {
        parts.push(format!("kind = {kind}"));
    }
    for (k, v) in map {
        if k == "kind" || v.is_null() || v == &serde_json::Value::Bool(false) {
            continue;
        }
        parts.push(format!("{k} = {v}"));
    }
    format!("{{ {} }}", parts.join(", "))
}
