//! A message kept as a key and arguments until someone reads it, so one judgement or one problem
//! can be shown in either language.
//!
//! Code that finds something out (the conformance grader, the mock's handlers) does not know who
//! will read it: the same verdict goes to an English JSON report and a Japanese HTML page, the
//! same refusal to a client that asked for `Accept-Language: ja`. So it builds a [`Message`]
//! (catalogue key + typed arguments) and the renderer calls [`Message::render`] with the reader's
//! [`Lang`]. Arguments may themselves be messages or lists of messages (rendered in the same
//! language, joined by a separator that is itself a catalogue key), so sentences compose without
//! English glue in the code.

use fluent_bundle::FluentValue;

use crate::{Lang, tr};

/// A catalogue message, or text that is shown as it is (an observation, a reason from a library).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// The catalogue entry `key` with `args`.
    Key {
        /// The key in `locales/*/*.ftl`.
        key: String,
        /// Named arguments, in the order given.
        args: Vec<(String, Arg)>,
    },
    /// Text shown unchanged in every language (data, a third party's error text).
    Verbatim(String),
}

/// An argument of a [`Message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Shown as it is (IDs, paths, codes, names).
    Text(String),
    /// A count: plural forms select on it.
    Number(u64),
    /// Another message, rendered in the same language.
    Message(Box<Message>),
    /// Messages rendered in the same language and joined by the catalogue's `separator` entry.
    List {
        /// The items.
        items: Vec<Message>,
        /// The key of the separator (e.g. `list-semicolon`: `"; "` in English, `"。"` in
        /// Japanese).
        separator: String,
    },
}

impl Message {
    /// The catalogue message `key` without arguments.
    pub fn new(key: impl Into<String>) -> Self {
        Message::Key {
            key: key.into(),
            args: Vec::new(),
        }
    }

    /// Text shown as it is in every language.
    pub fn verbatim(text: impl Into<String>) -> Self {
        Message::Verbatim(text.into())
    }

    /// Adds a text argument.
    pub fn text(self, name: &str, value: impl Into<String>) -> Self {
        self.arg(name, Arg::Text(value.into()))
    }

    /// Adds a number argument.
    pub fn num(self, name: &str, value: impl Into<u64>) -> Self {
        self.arg(name, Arg::Number(value.into()))
    }

    /// Adds a message argument.
    pub fn msg(self, name: &str, value: Message) -> Self {
        self.arg(name, Arg::Message(Box::new(value)))
    }

    /// Adds a list argument joined by the catalogue entry `separator`.
    pub fn list(self, name: &str, items: Vec<Message>, separator: &str) -> Self {
        self.arg(
            name,
            Arg::List {
                items,
                separator: separator.to_owned(),
            },
        )
    }

    /// Adds any argument (a verbatim message ignores arguments): text, a number, or another
    /// message convert into one.
    pub fn arg(mut self, name: &str, value: impl Into<Arg>) -> Self {
        if let Message::Key { args, .. } = &mut self {
            args.push((name.to_owned(), value.into()));
        }
        self
    }

    /// The catalogue key; `None` for verbatim text.
    pub fn key(&self) -> Option<&str> {
        match self {
            Message::Key { key, .. } => Some(key),
            Message::Verbatim(_) => None,
        }
    }

    /// The arguments, in the order given (none for verbatim text).
    pub fn args(&self) -> &[(String, Arg)] {
        match self {
            Message::Key { args, .. } => args,
            Message::Verbatim(_) => &[],
        }
    }

    /// Every catalogue key this message uses: its own, its arguments' and their lists'
    /// separators (catalogue tests check each exists in both languages).
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.key().into_iter().collect();
        for (_, arg) in self.args() {
            match arg {
                Arg::Message(m) => keys.extend(m.keys()),
                Arg::List { items, separator } => {
                    keys.push(separator);
                    keys.extend(items.iter().flat_map(Message::keys));
                }
                Arg::Text(_) | Arg::Number(_) => {}
            }
        }
        keys
    }

    /// True for a verbatim empty text (the "no message" of a passed check).
    pub fn is_empty(&self) -> bool {
        matches!(self, Message::Verbatim(text) if text.is_empty())
    }

    /// The words in `lang` (English where the Japanese catalogue lacks the key).
    pub fn render(&self, lang: Lang) -> String {
        match self {
            Message::Verbatim(text) => text.clone(),
            Message::Key { key, args } => {
                let rendered: Vec<(&str, FluentValue<'_>)> = args
                    .iter()
                    .map(|(name, arg)| (name.as_str(), arg.value(lang)))
                    .collect();
                tr(lang, key, &rendered)
            }
        }
    }

    /// Applies `f` to every piece of text that is not catalogue wording (verbatim messages and
    /// text arguments, nested ones included): redacting secrets out of what was observed.
    pub fn map_text(&mut self, f: &impl Fn(&str) -> String) {
        match self {
            Message::Verbatim(text) => *text = f(text),
            Message::Key { args, .. } => {
                for (_, arg) in args {
                    match arg {
                        Arg::Text(text) => *text = f(text),
                        Arg::Number(_) => {}
                        Arg::Message(message) => message.map_text(f),
                        Arg::List { items, .. } => items.iter_mut().for_each(|m| m.map_text(f)),
                    }
                }
            }
        }
    }
}

impl Arg {
    fn value(&self, lang: Lang) -> FluentValue<'_> {
        match self {
            Arg::Text(text) => FluentValue::from(text.as_str()),
            // Counts stay far below 2^53; as f64 they print without a fraction.
            Arg::Number(n) => FluentValue::from(*n as f64),
            Arg::Message(message) => FluentValue::from(message.render(lang)),
            Arg::List { items, separator } => {
                let separator = tr(lang, separator, &[]);
                let joined = items
                    .iter()
                    .map(|m| m.render(lang))
                    .collect::<Vec<_>>()
                    .join(&separator);
                FluentValue::from(joined)
            }
        }
    }
}

impl std::fmt::Display for Message {
    /// The English words (logs, `Display` of errors).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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
number_args!(u8, u16, u32, u64, usize);

impl From<String> for Message {
    fn from(text: String) -> Self {
        Message::Verbatim(text)
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Message::Verbatim(text.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_messages_and_lists_render_in_the_readers_language() {
        let message = Message::new("exit-line").msg(
            "code",
            Message::verbatim("x"), // a verbatim argument is shown as it is
        );
        assert_eq!(message.render(Lang::En), "(exit x)");
        assert_eq!(message.render(Lang::Ja), "（終了コード x）");
        let list = Message::new("exit-line").list(
            "code",
            vec![
                Message::new("exit-line").num("code", 1u64),
                Message::verbatim("b"),
            ],
            "list-comma",
        );
        assert_eq!(list.render(Lang::En), "(exit (exit 1), b)");
        assert_eq!(list.render(Lang::Ja), "（終了コード （終了コード 1）、b）");
    }

    #[test]
    fn map_text_reaches_every_observed_text_but_not_the_wording() {
        let mut message = Message::new("exit-line").list(
            "code",
            vec![
                Message::verbatim("secret"),
                Message::new("exit-line").text("code", "secret"),
            ],
            "list-comma",
        );
        message.map_text(&|t: &str| t.replace("secret", "[REDACTED]"));
        assert_eq!(
            message.render(Lang::En),
            "(exit [REDACTED], (exit [REDACTED]))"
        );
    }
}
