//! The words of a finding, kept out of the validator: a [`Message`] is a catalogue key
//! (`hl7-msh-required`) and named arguments, rendered into English or Japanese by `idlink-i18n`
//! from `i18n/locales/{en,ja}/formats.ftl` only when a person reads it. The validator builds
//! messages with [`msg!`](crate::msg); the JSON form of the arguments (`args`) lets a
//! reader render a finding that travelled as JSON ([`localize_json`]).

use idlink_i18n::Lang;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// A sentence in no language yet: a catalogue key (`hl7-msh-required`) and its arguments, the
/// same [`idlink_i18n::Message`] the conformance grader and the mock's problem details use.
/// [`Message::render`] turns it into words; the validator only ever builds these.
pub use idlink_i18n::Message;
/// One argument of a [`Message`]: text from the data, a count, or a phrase of ours.
pub use idlink_i18n::MessageArg as Arg;

/// A value as the English messages have always quoted it (Rust's `{:?}`: `"ABC"`, with
/// control characters escaped), so an argument shows exactly what the bytes held.
pub fn quoted(value: &str) -> String {
    format!("{value:?}")
}

/// Alternatives as one phrase (`ADT^A08 or ADT^A23`), the joining word the catalogue's.
pub fn list_or(items: &[String]) -> Message {
    list("list-or", items.iter().map(Arg::from).collect())
}

/// Items as one phrase joined by the catalogue entry `separator` (`list-comma`: `", "` in
/// English, `"、"` in Japanese); an item may itself be a phrase of ours.
pub fn list(separator: &'static str, items: Vec<Arg>) -> Message {
    let items = items
        .into_iter()
        .map(|item| match item {
            Arg::Message(m) => *m,
            Arg::Text(t) => Message::verbatim(t),
            Arg::Number(n) => Message::verbatim(n.to_string()),
            list @ Arg::List { .. } => Message::new("list-one").arg("item", list),
        })
        .collect();
    Message::new("list-one").arg(
        "item",
        Arg::List {
            items,
            separator: separator.to_owned(),
        },
    )
}

/// `msg!("hl7-msh-required", field = 7)`: a [`Message`] with named arguments. The catalogue
/// test finds every id used in the crate by this macro's name.
#[macro_export]
macro_rules! msg {
    ($id:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::wording::Message::new($id)$(.arg(stringify!($name), $value))*
    };
}

/// A message's arguments as JSON: text as a string, a count as a number, a phrase of ours as
/// `{"message_id", "args"}` (verbatim text as a string), a list as `{"list", "separator"}`.
pub(crate) struct ArgsJson<'a>(pub(crate) &'a [(String, Arg)]);

impl Serialize for ArgsJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, arg) in self.0 {
            match arg {
                Arg::Text(t) => map.serialize_entry(name, t)?,
                Arg::Number(n) => map.serialize_entry(name, n)?,
                Arg::Message(m) => map.serialize_entry(name, &message_json(m))?,
                Arg::List { items, separator } => map.serialize_entry(
                    name,
                    &serde_json::json!({
                        "list": items.iter().map(message_json).collect::<Vec<_>>(),
                        "separator": separator,
                    }),
                )?,
            }
        }
        map.end()
    }
}

fn message_json(message: &Message) -> serde_json::Value {
    match message.key() {
        Some(key) => serde_json::json!({"message_id": key, "args": ArgsJson(message.args())}),
        None => serde_json::Value::String(message.render(Lang::En)),
    }
}

/// Re-renders a finding's `message` and `hint` in `lang` from its `message_id` / `args` (and
/// `hint_id` / `hint_args`), for a finding that travelled as JSON (the mock's problem
/// documents). A value without ids (a finding made elsewhere) is left as it is.
pub fn localize_json(finding: &mut serde_json::Value, lang: Lang) {
    let Some(map) = finding.as_object_mut() else {
        return;
    };
    for (id, args, text) in [
        ("message_id", "args", "message"),
        ("hint_id", "hint_args", "hint"),
    ] {
        if let Some(id) = map.get(id).and_then(|v| v.as_str()) {
            let message = message_from_json(id, map.get(args));
            map.insert(text.into(), message.render(lang).into());
        }
    }
}

/// The [`Message`] that [`ArgsJson`] wrote as `id` and `args`, so it renders as the original
/// would (the inverse of `message_json`).
fn message_from_json(id: &str, args: Option<&serde_json::Value>) -> Message {
    let empty = serde_json::Map::new();
    let args = args.and_then(|v| v.as_object()).unwrap_or(&empty);
    args.iter()
        .fold(Message::new(id), |message, (name, value)| {
            message.arg(name, arg_from_json(value))
        })
}

fn arg_from_json(value: &serde_json::Value) -> Arg {
    match value {
        serde_json::Value::Number(n) => n
            .as_u64()
            .map_or_else(|| Arg::Text(n.to_string()), Arg::Number),
        serde_json::Value::String(s) => Arg::Text(s.clone()),
        serde_json::Value::Object(nested) => match nested.get("list").and_then(|v| v.as_array()) {
            Some(items) => Arg::List {
                items: items.iter().map(item_from_json).collect(),
                separator: nested
                    .get("separator")
                    .and_then(|v| v.as_str())
                    .unwrap_or("list-comma")
                    .to_owned(),
            },
            None => Arg::from(item_from_json(value)),
        },
        other => Arg::Text(other.to_string()),
    }
}

/// A phrase of ours (`{"message_id", "args"}`) or verbatim text (a string).
fn item_from_json(value: &serde_json::Value) -> Message {
    match value {
        serde_json::Value::Object(m) => message_from_json(
            m.get("message_id").and_then(|v| v.as_str()).unwrap_or(""),
            m.get("args"),
        ),
        serde_json::Value::String(s) => Message::verbatim(s.clone()),
        other => Message::verbatim(other.to_string()),
    }
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
