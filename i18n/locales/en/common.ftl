# Shared words. Stable codes (exit statuses, problem codes, finding codes) are never translated.
exit-line = (exit { $code })
