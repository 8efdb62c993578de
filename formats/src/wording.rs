//! The words of a finding, kept out of the validator: a [`Message`] is a catalogue key
//! (`hl7-msh-required`) and named arguments, rendered into English or Japanese by `idlink-i18n`
//! from `i18n/locales/{en,ja}/formats.ftl` only when a person reads it. The validator builds
//! messages with [`msg!`](crate::msg); the JSON form of the arguments (`args`) lets a
//! reader render a finding that travelled as JSON ([`localize_json`]).

use std::fmt;

use idlink_i18n::Lang;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// A sentence in no language yet: a catalogue key (`hl7-msh-required`) and its arguments.
/// [`Message::render`] turns it into words; the validator only ever builds these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The key in `i18n/locales/{en,ja}/formats.ftl`.
    pub id: &'static str,
    /// Named arguments, in the order they were given.
    pub args: Vec<(&'static str, Arg)>,
}

/// One argument of a [`Message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Text from the data (a value, a segment name, a code), never a sentence of ours.
    Text(String),
    /// A count, size or offset (plural selection works on these).
    Number(u64),
    /// A phrase of ours, rendered in the same language first.
    Message(Box<Message>),
}

impl Message {
    /// A message without arguments; add them with [`Message::arg`] (or use `msg!`).
    pub const fn new(id: &'static str) -> Self {
        Message {
            id,
            args: Vec::new(),
        }
    }

    /// Builder: one more argument.
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    /// The words in `lang` (English when the Japanese catalogue lacks the key; the key itself
    /// when both do, which the catalogue tests forbid).
    pub fn render(&self, lang: Lang) -> String {
        let rendered: Vec<String> = self
            .args
            .iter()
            .map(|(_, arg)| match arg {
                Arg::Message(m) => m.render(lang),
                _ => String::new(),
            })
            .collect();
        let args: Vec<idlink_i18n::Arg<'_>> = self
            .args
            .iter()
            .zip(&rendered)
            .map(|((name, arg), text)| {
                let value = match arg {
                    Arg::Text(t) => t.as_str().into(),
                    Arg::Number(n) => (*n).into(),
                    Arg::Message(_) => text.as_str().into(),
                };
                (*name, value)
            })
            .collect();
        idlink_i18n::tr(lang, self.id, &args)
    }

    /// Every message id in this message and its nested arguments (tests).
    pub fn ids(&self) -> Vec<&'static str> {
        let mut ids = vec![self.id];
        for (_, arg) in &self.args {
            if let Arg::Message(m) = arg {
                ids.extend(m.ids());
            }
        }
        ids
    }
}

impl fmt::Display for Message {
    /// The English words (logs, `Display` of errors).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

impl From<String> for Arg {
    fn from(value: String) -> Self {
        Arg::Text(value)
    }
}

impl From<&str> for Arg {
    fn from(value: &str) -> Self {
        Arg::Text(value.to_owned())
    }
}

impl From<&String> for Arg {
    fn from(value: &String) -> Self {
        Arg::Text(value.clone())
    }
}

impl From<char> for Arg {
    fn from(value: char) -> Self {
        Arg::Text(value.to_string())
    }
}

impl From<Message> for Arg {
    fn from(value: Message) -> Self {
        Arg::Message(Box::new(value))
    }
}

macro_rules! number_args {
    ($($t:ty),+) => {$(
        impl From<$t> for Arg {
            fn from(value: $t) -> Self {
                Arg::Number(value as u64)
            }
        }
    )+};
}
number_args!(u8, u32, u64, usize);

/// A value as the English messages have always quoted it (Rust's `{:?}`: `"ABC"`, with
/// control characters escaped), so an argument shows exactly what the bytes held.
pub fn quoted(value: &str) -> String {
    format!("{value:?}")
}

/// Alternatives as one phrase (`ADT^A08 or ADT^A23`), the joining word the catalogue's.
pub fn list_or(items: &[String]) -> Message {
    list("list-or", items.iter().map(Arg::from).collect())
}

/// Items as one phrase joined by `joiner` (a catalogue key with `$head` and `$last`, e.g.
/// `list-comma` = `{ $head }, { $last }`); an item may itself be a phrase of ours.
pub fn list(joiner: &'static str, mut items: Vec<Arg>) -> Message {
    match items.pop() {
        None => Message::new("list-one").arg("item", ""),
        Some(last) if items.is_empty() => Message::new("list-one").arg("item", last),
        Some(last) => Message::new(joiner)
            .arg("head", list(joiner, items))
            .arg("last", last),
    }
}

/// `msg!("hl7-msh-required", field = 7)`: a [`Message`] with named arguments. The catalogue
/// test finds every id used in the crate by this macro's name.
#[macro_export]
macro_rules! msg {
    ($id:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::wording::Message::new($id)$(.arg(stringify!($name), $value))*
    };
}

pub(crate) struct ArgsJson<'a>(pub(crate) &'a [(&'static str, Arg)]);

impl Serialize for ArgsJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, arg) in self.0 {
            match arg {
                Arg::Text(t) => map.serialize_entry(name, t)?,
                Arg::Number(n) => map.serialize_entry(name, n)?,
                Arg::Message(m) => map.serialize_entry(
                    name,
                    &serde_json::json!({"message_id": m.id, "args": ArgsJson(&m.args)}),
                )?,
            }
        }
        map.end()
    }
}

/// Re-renders a finding's `message` and `hint` in `lang` from its `message_id` / `args` (and
/// `hint_id` / `hint_args`), for a finding that travelled as JSON (the mock's problem
/// documents). A value without ids (a finding made elsewhere) is left as it is.
pub fn localize_json(finding: &mut serde_json::Value, lang: Lang) {
    let Some(map) = finding.as_object_mut() else {
        return;
    };
    let empty = serde_json::Map::new();
    if let Some(id) = map.get("message_id").and_then(|v| v.as_str()) {
        let args = map
            .get("args")
            .and_then(|v| v.as_object())
            .unwrap_or(&empty);
        let text = render_json(id, args, lang);
        map.insert("message".into(), text.into());
    }
    if let Some(id) = map.get("hint_id").and_then(|v| v.as_str()) {
        let args = map
            .get("hint_args")
            .and_then(|v| v.as_object())
            .unwrap_or(&empty);
        let text = render_json(id, args, lang);
        map.insert("hint".into(), text.into());
    }
}

fn render_json(id: &str, args: &serde_json::Map<String, serde_json::Value>, lang: Lang) -> String {
    let texts: Vec<(&str, String, Option<u64>)> = args
        .iter()
        .map(|(name, value)| match value {
            serde_json::Value::Number(n) => (name.as_str(), String::new(), n.as_u64()),
            serde_json::Value::String(s) => (name.as_str(), s.clone(), None),
            serde_json::Value::Object(nested) => {
                let empty = serde_json::Map::new();
                let id = nested
                    .get("message_id")
                    .and_then(|v| v.as_str())
                    .unwrap_or("");
                let args = nested
                    .get("args")
                    .and_then(|v| v.as_object())
                    .unwrap_or(&empty);
                (name.as_str(), render_json(id, args, lang), None)
            }
            other => (name.as_str(), other.to_string(), None),
        })
        .collect();
    let args: Vec<idlink_i18n::Arg<'_>> = texts
        .iter()
        .map(|(name, text, number)| match number {
            Some(n) => (*name, (*n).into()),
            None => (*name, text.as_str().into()),
        })
        .collect();
    idlink_i18n::tr(lang, id, &args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_join_in_the_readers_language() {
        let items = [
            "RDE^O11".to_owned(),
            "RAS^O17".to_owned(),
            "OMG^O19".to_owned(),
        ];
        assert_eq!(
            list_or(&items).render(Lang::En),
            "RDE^O11 or RAS^O17 or OMG^O19"
        );
        assert_eq!(
            list_or(&items).render(Lang::Ja),
            "RDE^O11 または RAS^O17 または OMG^O19"
        );
        assert_eq!(list_or(&items[..1]).render(Lang::En), "RDE^O11");
    }
}
