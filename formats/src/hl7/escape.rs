//! HL7 escape sequences (`\F\ \S\ \T\ \R\ \E\` and the pass-through kinds).

use std::borrow::Cow;

use super::Delimiters;
use crate::finding::{Message, quoted};
use crate::msg;

/// A malformed escape sequence. Its words are the catalogue's ([`EscapeError::message`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EscapeError {
    /// An escape character with no closing one before the end of the field or component.
    Unterminated {
        /// The text from the escape character on (at most 12 characters).
        found: String,
    },
    /// A sequence HL7 v2.5 does not define.
    Unknown {
        /// The sequence including both escape characters.
        found: String,
    },
}

impl EscapeError {
    /// What is wrong, as a catalogue message.
    pub fn message(&self) -> Message {
        match self {
            EscapeError::Unterminated { found } => {
                msg!("hl7-escape-unterminated", found = quoted(found))
            }
            EscapeError::Unknown { found } => msg!("hl7-escape-unknown", found = quoted(found)),
        }
    }
}

impl std::fmt::Display for EscapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for EscapeError {}

fn valid_body(body: &str) -> bool {
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    match body {
        "F" | "S" | "T" | "R" | "E" | "H" | "N" => true,
        ".br" | ".fi" | ".nf" => true,
        _ => {
            if let Some(rest) = body.strip_prefix('X') {
                hex(rest) && rest.len() % 2 == 0
            } else if let Some(rest) = body.strip_prefix('C') {
                hex(rest) && rest.len() == 4
            } else if let Some(rest) = body.strip_prefix('M') {
                hex(rest) && (rest.len() == 4 || rest.len() == 6)
            } else if body.starts_with('Z') {
                body.len() > 1
            } else if let Some(cmd) = [".sp", ".in", ".ti", ".sk", ".ce"]
                .iter()
                .find(|c| body.starts_with(**c))
            {
                let arg = &body[cmd.len()..];
                arg.is_empty()
                    || arg
                        .trim_start_matches(['+', '-'])
                        .bytes()
                        .all(|b| b.is_ascii_digit())
            } else {
                false
            }
        }
    }
}

/// First malformed escape in `text[from..]`: its character position and the error.
pub(super) fn first_error(text: &str, from: usize, d: &Delimiters) -> Option<(usize, EscapeError)> {
    let stops = [d.field, d.component, d.repetition, d.subcomponent];
    let mut iter = text.char_indices().filter(|(i, _)| *i >= from);
    while let Some((start, c)) = iter.next() {
        if c != d.escape {
            continue;
        }
        let body_start = start + c.len_utf8();
        let rest = &text[body_start..];
        let end = rest.find(|ch: char| ch == d.escape || stops.contains(&ch));
        match end {
            Some(e) if rest[e..].starts_with(d.escape) => {
                let body = &rest[..e];
                if !valid_body(body) {
                    let found = format!("{}{}{}", d.escape, body, d.escape);
                    return Some((start, EscapeError::Unknown { found }));
                }
                // Skip past the closing escape character.
                let close = body_start + e;
                for (i, _) in iter.by_ref() {
                    if i >= close {
                        break;
                    }
                }
            }
            _ => {
                let found: String = text[start..].chars().take(12).collect();
                return Some((start, EscapeError::Unterminated { found }));
            }
        }
    }
    None
}

/// Resolve delimiter escapes; everything else passes through verbatim.
pub(super) fn unescape<'a>(text: &'a str, d: &Delimiters) -> Cow<'a, str> {
    if !text.contains(d.escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(d.escape) {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + d.escape.len_utf8()..];
        let replacement = after.find(d.escape).and_then(|end| {
            let c = match &after[..end] {
                "F" => d.field,
                "S" => d.component,
                "T" => d.subcomponent,
                "R" => d.repetition,
                "E" => d.escape,
                _ => return None,
            };
            Some((c, end))
        });
        match replacement {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + d.escape.len_utf8()..];
            }
            None => {
                // Pass through (\X0D\, \H\, or a stray escape) up to and including the closer.
                match after.find(d.escape) {
                    Some(end) => {
                        let len = pos + 2 * d.escape.len_utf8() + end;
                        out.push_str(&rest[pos..len]);
                        rest = &rest[len..];
                    }
                    None => {
                        out.push_str(&rest[pos..]);
                        rest = "";
                    }
                }
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Escape delimiters (and the escape character) in data.
pub(super) fn escape<'a>(text: &'a str, d: &Delimiters) -> Cow<'a, str> {
    let special = [d.field, d.component, d.repetition, d.escape, d.subcomponent];
    if !text.contains(special) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        let code = if c == d.field {
            Some('F')
        } else if c == d.component {
            Some('S')
        } else if c == d.subcomponent {
            Some('T')
        } else if c == d.repetition {
            Some('R')
        } else if c == d.escape {
            Some('E')
        } else {
            None
        };
        match code {
            Some(code) => {
                out.push(d.escape);
                out.push(code);
                out.push(d.escape);
            }
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_delimiters_and_passes_others_through() {
        let d = Delimiters::default();
        assert_eq!(unescape(r"a\F\b\S\c\T\d\R\e\E\f", &d), "a|b^c&d~e\\f");
        assert_eq!(unescape(r"x\X0D\y\H\z", &d), r"x\X0D\y\H\z");
        assert_eq!(escape("a|b^c", &d), r"a\F\b\S\c");
        assert_eq!(unescape(&escape("|^~\\&", &d), &d), "|^~\\&");
    }

    #[test]
    fn finds_malformed_escapes() {
        let d = Delimiters::default();
        assert_eq!(first_error(r"OBX|1|\F\ ok \X0D0A\ \.sp2\", 0, &d), None);
        assert_eq!(
            first_error(r"OBX|1|\Q\", 0, &d),
            Some((
                6,
                EscapeError::Unknown {
                    found: r"\Q\".into()
                }
            ))
        );
        assert_eq!(
            first_error(r"OBX|1|a\b|c", 0, &d),
            Some((
                7,
                EscapeError::Unterminated {
                    found: r"\b|c".into()
                }
            ))
        );
    }
}
