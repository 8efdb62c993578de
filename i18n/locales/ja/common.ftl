# 共通の語。終了コード・問題コード・検証コードなどの安定したコードは訳しません。
exit-line = （終了コード { $code }）
# 文中の列挙の区切り（`Message::list`）。
list-comma = 、
list-semicolon = 。
