//! Secrets out of everything a report shows: the command's output, evidence lines.

/// Replaces each secret, and any PEM private-key block, with `[redacted]`.
#[derive(Debug, Clone)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor for these secrets (empty strings are ignored).
    pub fn new(secrets: &[String]) -> Self {
        let mut secrets: Vec<String> = secrets.iter().filter(|s| s.len() >= 4).cloned().collect();
        // Longest first, so a secret that contains another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Self { secrets }
    }

    /// The text with every secret replaced.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "[redacted]");
            }
        }
        while let Some(start) = out.find("-----BEGIN") {
            let Some(rel) = out[start..].find("PRIVATE KEY-----") else {
                break;
            };
            let after_begin = start + rel + "PRIVATE KEY-----".len();
            let end = out[after_begin..]
                .find("PRIVATE KEY-----")
                .map(|e| after_begin + e + "PRIVATE KEY-----".len())
                .unwrap_or(out.len());
            out.replace_range(start..end, "[redacted private key]");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_private_keys_are_redacted() {
        let r = Redactor::new(&["s3cret-pass".to_owned(), "".to_owned()]);
        let text = "password s3cret-pass\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\nok";
        assert_eq!(
            r.redact(text),
            "password [redacted]\n[redacted private key]\nok"
        );
    }
}
