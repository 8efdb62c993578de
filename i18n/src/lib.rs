//! Japanese and English for every message a person reads, from one Fluent catalogue.
//!
//! The people who run the harness are Japanese EHR, lab and pharmacy vendor engineers and their
//! customers' IT staff, so every sentence exists in both languages with one meaning. The words
//! live in `locales/{en,ja}/*.ftl` ([Project Fluent](https://projectfluent.org/) syntax), not in
//! the code: code names a message by its key and passes arguments; stable codes
//! (`HL7-CHARSET-8BIT`, `consent-missing`, exit statuses) stay the same in both languages.
//!
//! - [`Lang`]: the language, chosen by `--lang ja|en`, then `LC_ALL` / `LC_MESSAGES` / `LANG`
//!   (`ja_JP.*` → Japanese), default English; or by an HTTP `Accept-Language`.
//! - [`tr`]: one message. A key missing in Japanese falls back to English, and a key missing in
//!   both shows the key itself: a message is never lost to a panic (a test keeps the two
//!   catalogues in step, see `tests` below).
//! - [`Message`]: a key and typed arguments kept until someone reads it, for texts (a grade, a
//!   problem's `detail`) made before the reader's language is known.

use std::sync::OnceLock;

mod message;

#[cfg(feature = "clap")]
pub mod clap_help;

pub use message::{Arg as MessageArg, Message};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

/// A message argument's value: build one with `.into()` from a `String`, `&str` or number.
pub use fluent_bundle::FluentValue;

/// A language a person reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// Japanese.
    Ja,
}

impl Lang {
    /// `ja`, `ja-JP`, `ja_JP.UTF-8`, `en`, `en_US.UTF-8`, `C` …; `None` for anything else.
    pub fn parse(text: &str) -> Option<Lang> {
        let primary = text
            .trim()
            .split(['_', '-', '.', '@'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "ja" | "jp" => Some(Lang::Ja),
            "en" | "c" | "posix" => Some(Lang::En),
            _ => None,
        }
    }

    /// From the environment as POSIX orders it: `LC_ALL`, then `LC_MESSAGES`, then `LANG`
    /// (the first one set and not empty decides); English otherwise.
    pub fn from_env() -> Lang {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`Lang::from_env`] over any variable lookup (tests).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| get(name).filter(|v| !v.is_empty()))
            .map(|v| Lang::parse(&v).unwrap_or(Lang::En))
            .next()
            .unwrap_or_default()
    }

    /// `--lang` when given (and known), else the environment.
    pub fn choose(flag: Option<&str>) -> Lang {
        flag.and_then(Lang::parse).unwrap_or_else(Lang::from_env)
    }

    /// The best of an HTTP `Accept-Language` (`ja,en;q=0.8`); English when none is known.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }

    /// `en` or `ja` (BCP 47), for `Content-Language` and `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }
}

/// The catalogue files, per language, in one order.
const FILES: &[(&str, &str, &str)] = &[
    (
        "common",
        include_str!("../locales/en/common.ftl"),
        include_str!("../locales/ja/common.ftl"),
    ),
    (
        "doctor",
        include_str!("../locales/en/doctor.ftl"),
        include_str!("../locales/ja/doctor.ftl"),
    ),
    (
        "conformance",
        include_str!("../locales/en/conformance.ftl"),
        include_str!("../locales/ja/conformance.ftl"),
    ),
    (
        "problems",
        include_str!("../locales/en/problems.ftl"),
        include_str!("../locales/ja/problems.ftl"),
    ),
    (
        "formats",
        include_str!("../locales/en/formats.ftl"),
        include_str!("../locales/ja/formats.ftl"),
    ),
    (
        "storeclient",
        include_str!("../locales/en/storeclient.ftl"),
        include_str!("../locales/ja/storeclient.ftl"),
    ),
    (
        "mock",
        include_str!("../locales/en/mock.ftl"),
        include_str!("../locales/ja/mock.ftl"),
    ),
    (
        "desk",
        include_str!("../locales/en/desk.ftl"),
        include_str!("../locales/ja/desk.ftl"),
    ),
];

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    // Each language is parsed when it is first used, not both at start-up: a `storeclient`
    // process per document (how many EHRs call it) pays for one catalogue, not two.
    static BUNDLES: [OnceLock<FluentBundle<FluentResource>>; 2] =
        [OnceLock::new(), OnceLock::new()];
    BUNDLES[lang as usize].get_or_init(|| build(lang))
}

fn build(lang: Lang) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = lang.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: the output goes to terminals, logs and
    // JUnit files, where invisible U+2068/U+2069 only get in the way.
    bundle.set_use_isolating(false);
    for (_, en, ja) in FILES {
        let text = match lang {
            Lang::En => en,
            Lang::Ja => ja,
        };
        // A syntax error keeps the entries that parsed; the catalogue test fails on it.
        let resource = FluentResource::try_new((*text).to_owned()).unwrap_or_else(|(r, _)| r);
        let _ = bundle.add_resource(resource);
    }
    bundle
}

/// An argument of a message.
pub type Arg<'a> = (&'a str, FluentValue<'a>);

/// The message `key` in `lang` with `args`; English when Japanese lacks it, the key when both do.
pub fn tr(lang: Lang, key: &str, args: &[Arg<'_>]) -> String {
    format_in(lang, key, args)
        .or_else(|| format_in(Lang::En, key, args))
        .unwrap_or_else(|| key.to_owned())
}

fn format_in(lang: Lang, key: &str, args: &[Arg<'_>]) -> Option<String> {
    let bundle = bundle(lang);
    let pattern = bundle.get_message(key)?.value()?;
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    Some(text.into_owned())
}

/// Every message key of a language, sorted (the catalogue test and tools).
pub fn keys(lang: Lang) -> Vec<String> {
    let mut keys = Vec::new();
    for (_, en, ja) in FILES {
        let text = match lang {
            Lang::En => en,
            Lang::Ja => ja,
        };
        let resource = FluentResource::try_new((*text).to_owned()).unwrap_or_else(|(r, _)| r);
        for entry in resource.entries() {
            if let fluent_syntax::ast::Entry::Message(m) = entry {
                keys.push(m.id.name.to_owned());
            }
        }
    }
    keys.sort();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_exists_in_both_languages_and_every_file_parses() {
        for (name, en, ja) in FILES {
            for (lang, text) in [("en", en), ("ja", ja)] {
                if let Err((_, errors)) = FluentResource::try_new((*text).to_owned()) {
                    panic!("locales/{lang}/{name}.ftl does not parse: {errors:?}");
                }
            }
        }
        let en = keys(Lang::En);
        let ja = keys(Lang::Ja);
        let only_en: Vec<_> = en.iter().filter(|k| !ja.contains(k)).collect();
        let only_ja: Vec<_> = ja.iter().filter(|k| !en.contains(k)).collect();
        assert!(
            only_en.is_empty() && only_ja.is_empty(),
            "only in English: {only_en:?}; only in Japanese: {only_ja:?}"
        );
        let mut dedup = en.clone();
        dedup.dedup();
        assert_eq!(dedup.len(), en.len(), "a key is defined twice");
    }

    #[test]
    fn the_language_comes_from_the_flag_then_posix_variables() {
        assert_eq!(Lang::parse("ja_JP.UTF-8"), Some(Lang::Ja));
        assert_eq!(Lang::parse("en_US.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::parse("fr_FR"), None);
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(Lang::from_vars(vars(&[("LANG", "ja_JP.UTF-8")])), Lang::Ja);
        // LC_ALL wins over LANG; an empty one is skipped.
        assert_eq!(
            Lang::from_vars(vars(&[("LC_ALL", "C"), ("LANG", "ja_JP.UTF-8")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_vars(vars(&[("LC_ALL", ""), ("LANG", "ja_JP.eucJP")])),
            Lang::Ja
        );
        assert_eq!(Lang::from_vars(vars(&[])), Lang::En);
    }

    #[test]
    fn accept_language_picks_the_highest_known_weight() {
        assert_eq!(Lang::from_accept_language("ja,en;q=0.8"), Lang::Ja);
        assert_eq!(
            Lang::from_accept_language("fr, en;q=0.5, ja;q=0.9"),
            Lang::Ja
        );
        assert_eq!(Lang::from_accept_language("ja;q=0, en"), Lang::En);
        assert_eq!(Lang::from_accept_language("de"), Lang::En);
    }

    #[test]
    fn a_missing_key_falls_back_and_never_panics() {
        assert_eq!(tr(Lang::Ja, "no-such-message", &[]), "no-such-message");
        assert_eq!(tr(Lang::En, "exit-line", &[("code", 4.into())]), "(exit 4)");
    }
}
