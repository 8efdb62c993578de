# Shared words. Stable codes (exit statuses, problem codes, finding codes) are never translated.
exit-line = (exit { $code })
# Separators of lists inside a sentence (see `Message::list`).
list-comma = {", "}
list-semicolon = {"; "}

## `--help` of idlink-mock and idlink-conformance (i18n's `clap_help`): clap's own words. English
## is what clap writes; the notes are appended to an argument's help.
help-usage = Usage:
help-commands = Commands
help-options = Options
help-arguments = Arguments
help-help = Print help
help-help-subcommand = Print this message or the help of the given subcommand(s)
help-version = Print version
help-note-env = {" "}[env: { $value }=]
help-note-default = {" "}[default: { $value }]
help-note-values = {" "}[possible values: { $value }]
