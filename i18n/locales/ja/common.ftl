# 共通の語。終了コード・問題コード・検証コードなどの安定したコードは訳しません。
exit-line = （終了コード { $code }）
# 文中の列挙の区切り（`Message::list`）。
list-comma = 、
list-semicolon = 。

## idlink-mock と idlink-conformance の `--help`（i18n の `clap_help`）で使う clap 由来の語句です。
help-usage = 使い方:
help-commands = コマンド
help-options = オプション
help-arguments = 引数
help-help = ヘルプを表示します
help-help-subcommand = このヘルプ、または指定したサブコマンドのヘルプを表示します
help-version = バージョンを表示します
help-note-env = ［環境変数：{ $value }］
help-note-default = ［既定値：{ $value }］
help-note-values = ［指定できる値：{ $value }］
