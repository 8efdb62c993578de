# Shared words. Stable codes (exit statuses, problem codes, finding codes) are never translated.
exit-line = (exit { $code })
# Separators of lists inside a sentence (see `Message::list`).
list-comma = {", "}
list-semicolon = {"; "}
