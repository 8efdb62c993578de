//! `--help` in the reader's language for a clap derive command (feature `clap`).
//!
//! clap writes `--help` from the derive's doc comments, in English only. The binaries that people
//! run (`idlink-mock`, `idlink-conformance`) pick the language from the raw arguments before
//! parsing ([`lang_of_args`]) and parse with [`localize`]d command: English is the derive's own
//! text, byte for byte; Japanese takes every `about`, argument help and heading from the
//! catalogue. Keys follow one scheme under a per-binary prefix (`mock-help`, ...):
//!
//! - `{prefix}-about`, `{prefix}-after`: the command's about and after-help;
//! - `{prefix}-{subcommand}`: a subcommand's about;
//! - `{prefix}-{subcommand}-{arg}`, else `{prefix}-{arg}`: an argument's help (the argument ID
//!   with `_` written `-`; the second form for flags of the top level and global flags);
//! - `help-*` (common.ftl): clap's generated `--help`, `--version`, `help`, the headings and the
//!   `[default: …]` notes.
//!
//! [`english_mismatches`] is what the binaries' tests call to keep the English catalogue equal
//! to the derive's help, so the two languages cannot drift apart.

use std::ffi::OsString;

use crate::{Lang, format_in, tr};

/// The language of a command line: `--lang X` / `--lang=X` before `--`, else the locale.
pub fn lang_of_args(args: &[OsString]) -> Lang {
    let mut flag = None;
    let mut args = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(a) = args.next() {
        if a == "--" {
            break;
        }
        if a == "--lang" {
            flag = args.next().map(|v| v.into_owned());
        } else if let Some(v) = a.strip_prefix("--lang=") {
            flag = Some(v.to_owned());
        }
    }
    Lang::choose(flag.as_deref())
}

/// `command` with its help in `lang`: unchanged for English; for Japanese every text that has a
/// key under `prefix`, the headings, the `Usage:` line and clap's notes. Flags, value names,
/// defaults and possible values are the same in both.
pub fn localize(command: clap::Command, lang: Lang, prefix: &str) -> clap::Command {
    if lang == Lang::En {
        return command;
    }
    let mut command = command;
    if let Some(about) = text(lang, &format!("{prefix}-about")) {
        command = command.about(about);
    }
    if let Some(after) = text(lang, &format!("{prefix}-after")) {
        command = command.after_help(after);
    }
    localize_with(
        command,
        lang,
        &|name| Some(subcommand_key(prefix, name)),
        &|sub, id| arg_key(prefix, sub, id),
    )
}

/// A subcommand's name → the catalogue key of its `about`.
pub type SubcommandKey<'a> = &'a dyn Fn(&str) -> Option<String>;
/// (subcommand, argument ID) → the catalogue key of the argument's help.
pub type ArgKey<'a> = &'a dyn Fn(Option<&str>, &str) -> Option<String>;

/// [`localize`] with the caller's own key scheme (storeclient's), for the subcommands and
/// arguments; the top level's `about` and after-help are the caller's to set.
pub fn localize_with(
    command: clap::Command,
    lang: Lang,
    sub_key: SubcommandKey<'_>,
    arg_key: ArgKey<'_>,
) -> clap::Command {
    if lang == Lang::En {
        return command;
    }
    let mut command = command
        .help_template(help_template(lang))
        .subcommand_help_heading(tr(lang, "help-commands", &[]));
    // Built first, so that the generated `--help`, `--version` and `help` exist to be reworded,
    // and the global flags have been copied into every subcommand.
    command.build();
    walk(command, None, lang, sub_key, arg_key)
}

fn walk(
    mut command: clap::Command,
    sub: Option<&str>,
    lang: Lang,
    sub_key: SubcommandKey<'_>,
    arg_key: ArgKey<'_>,
) -> clap::Command {
    if sub.is_some() {
        command = command.help_template(help_template(lang));
    }
    let args: Vec<(String, bool)> = command
        .get_arguments()
        .map(|a| (a.get_id().to_string(), a.is_positional()))
        .collect();
    for (id, positional) in args {
        let heading = tr(
            lang,
            if positional {
                "help-arguments"
            } else {
                "help-options"
            },
            &[],
        );
        let help = arg_key(sub, &id).and_then(|k| text(lang, &k));
        command = command.mut_arg(id.as_str(), |a| {
            let notes = notes(&a, lang);
            let a = a
                .help_heading(heading)
                .hide_env(true)
                .hide_default_value(true)
                .hide_possible_values(true);
            match help {
                Some(h) => a.help(format!("{h}{notes}")),
                None => a,
            }
        });
    }
    let subs: Vec<String> = command
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in subs {
        let about = sub_key(&name).and_then(|k| text(lang, &k));
        command = command.mut_subcommand(name.as_str(), |c| {
            let c = match about {
                Some(about) => c.about(about),
                None => c,
            };
            walk(c, Some(&name), lang, sub_key, arg_key)
        });
    }
    command
}

/// The key of a subcommand's `about`.
fn subcommand_key(prefix: &str, name: &str) -> String {
    match name {
        "help" => "help-help-subcommand".to_owned(),
        _ => format!("{prefix}-{name}"),
    }
}

/// The key of an argument's help that the English catalogue has, if any.
fn arg_key(prefix: &str, sub: Option<&str>, id: &str) -> Option<String> {
    let id = id.replace('_', "-");
    let candidates = match (id.as_str(), sub) {
        ("help", _) => vec!["help-help".to_owned()],
        ("version", _) => vec!["help-version".to_owned()],
        (_, Some(sub)) => vec![format!("{prefix}-{sub}-{id}"), format!("{prefix}-{id}")],
        (_, None) => vec![format!("{prefix}-{id}")],
    };
    candidates
        .into_iter()
        .find(|k| format_in(Lang::En, k, &[]).is_some())
}

/// The message `key` in `lang` (English when Japanese lacks it); `None` when neither has it.
fn text(lang: Lang, key: &str) -> Option<String> {
    format_in(lang, key, &[]).or_else(|| format_in(Lang::En, key, &[]))
}

/// clap's `[env: …]`, `[default: …]` and `[possible values: …]` notes of an argument, in `lang`
/// (clap writes them in English only; the localized help hides clap's and adds these).
fn notes(arg: &clap::Arg, lang: Lang) -> String {
    let mut notes = String::new();
    let mut note = |key: &str, value: String| {
        notes.push_str(&tr(lang, key, &[("value", value.into())]));
    };
    if let Some(env) = arg.get_env() {
        note("help-note-env", env.to_string_lossy().into_owned());
    }
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if !defaults.is_empty() && arg.get_num_args().is_none_or(|n| n.takes_values()) {
        note("help-note-default", defaults.join(", "));
    }
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_owned())
        .collect();
    if !values.is_empty() && arg.get_action().takes_values() {
        note("help-note-values", values.join(", "));
    }
    notes
}

/// clap's default help layout with the `Usage:` heading in `lang` (clap has no setting for it).
fn help_template(lang: Lang) -> String {
    format!(
        "{{before-help}}{{about-with-newline}}\n{} {{usage}}\n\n{{all-args}}{{after-help}}",
        tr(lang, "help-usage", &[])
    )
}

/// Where the English catalogue under `prefix` differs from the derive's help of `command`: every
/// argument and subcommand needs a key whose English text is the derive's text, and
/// `{prefix}-about` / `{prefix}-after` must equal the command's. Empty when they agree.
pub fn english_mismatches(mut command: clap::Command, prefix: &str) -> Vec<String> {
    command.build();
    let mut found = Vec::new();
    let mut compare = |what: String, key: Option<String>, derive: Option<String>| {
        let catalogue = key.as_deref().and_then(|k| text(Lang::En, k));
        if catalogue != derive {
            found.push(format!(
                "{what}: key {key:?} says {catalogue:?}, the derive says {derive:?}"
            ));
        }
    };
    let plain = |s: Option<&clap::builder::StyledStr>| s.map(ToString::to_string);
    compare(
        "about".into(),
        Some(format!("{prefix}-about")),
        plain(command.get_about()),
    );
    compare(
        "after_help".into(),
        Some(format!("{prefix}-after")),
        plain(command.get_after_help()),
    );
    let mut stack = vec![(None, &command)];
    while let Some((sub, c)) = stack.pop() {
        for a in c.get_arguments() {
            let id = a.get_id().as_str();
            compare(
                format!("{sub:?} {id}"),
                arg_key(prefix, sub, id),
                plain(a.get_help()),
            );
        }
        for s in c.get_subcommands() {
            compare(
                format!("subcommand {}", s.get_name()),
                Some(subcommand_key(prefix, s.get_name())),
                plain(s.get_about()),
            );
            stack.push((Some(s.get_name()), s));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_is_read_from_the_raw_arguments() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            lang_of_args(&args(&["x", "--lang", "ja", "--help"])),
            Lang::Ja
        );
        assert_eq!(lang_of_args(&args(&["x", "run", "--lang=ja"])), Lang::Ja);
        assert_eq!(lang_of_args(&args(&["x", "--lang", "en", "run"])), Lang::En);
        // After `--` it is an operand, not a flag.
        assert_eq!(
            lang_of_args(&args(&["x", "--lang", "en", "--", "--lang=ja"])),
            Lang::En
        );
    }
}
