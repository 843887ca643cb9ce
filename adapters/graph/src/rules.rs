//! Building blocks of pre-flight validation shared by the Facebook and Instagram
//! adapters: counting hashtags and mentions, and wording violations the same way.

use herald_platform::domain::MediaFacts;
use herald_platform::publish::{Limits, Violation};

/// Longest value shown in a violation.
const SHOWN_CHARS: usize = 60;

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A value shortened for display.
pub fn shown(value: &str) -> String {
    if value.chars().count() <= SHOWN_CHARS {
        value.to_owned()
    } else {
        let head: String = value.chars().take(SHOWN_CHARS - 1).collect();
        format!("{head}…")
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Tags that start with `marker` at a word boundary and carry at least one word character.
fn tags(text: &str, marker: char, extra: &[char]) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let at_boundary = i == 0 || !(is_word(chars[i - 1]) || chars[i - 1] == marker);
        if chars[i] == marker && at_boundary {
            let start = i + 1;
            let mut end = start;
            while end < chars.len() && (is_word(chars[end]) || extra.contains(&chars[end])) {
                end += 1;
            }
            if end > start {
                found.push(chars[start..end].iter().collect());
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    found
}

/// The hashtags of a caption, in order (`#summer`, not `a#b` or a lone `#`).
pub fn hashtags(text: &str) -> Vec<String> {
    tags(text, '#', &[])
}

/// The @-mentions of a caption (`@herald.app`), not e-mail addresses.
pub fn mentions(text: &str) -> Vec<String> {
    tags(text, '@', &['.'])
        .into_iter()
        .map(|m| m.trim_end_matches('.').to_owned())
        .filter(|m| !m.is_empty())
        .collect()
}

/// Caption length, hashtag and mention limits.
pub fn check_caption(caption: &str, limits: &Limits, out: &mut Vec<Violation>) {
    let chars = caption.chars().count();
    if chars > limits.caption_max_chars {
        out.push(Violation::new(
            "caption",
            format!("{} characters", thousands(chars as u64)),
            format!(
                "at most {} characters",
                thousands(limits.caption_max_chars as u64)
            ),
        ));
    }
    let tags = hashtags(caption).len();
    if tags > limits.hashtags_max {
        out.push(Violation::new(
            "caption",
            format!("{tags} hashtags"),
            format!("at most {} hashtags", limits.hashtags_max),
        ));
    }
    let names = mentions(caption).len();
    if names > limits.mentions_max {
        out.push(Violation::new(
            "caption",
            format!("{names} @-mentions"),
            format!("at most {} @-mentions", limits.mentions_max),
        ));
    }
}

/// `1.5 s`, `3 min 2 s`.
pub fn seconds(ms: u64) -> String {
    let total = ms as f64 / 1000.0;
    if total < 60.0 {
        format!("{} s", trim_float(total))
    } else {
        let minutes = (total / 60.0).floor();
        format!("{} min {} s", minutes, trim_float(total - minutes * 60.0))
    }
}

/// `1.91`, `0.8`, `30`.
pub fn trim_float(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `1080x1350 (aspect 0.8)`.
pub fn dimensions(facts: &MediaFacts) -> String {
    format!(
        "{}x{} (aspect {})",
        facts.width,
        facts.height,
        trim_float(facts.aspect_ratio())
    )
}

/// `8.5 MiB`.
pub fn mebibytes(bytes: u64) -> String {
    format!("{} MiB", trim_float(bytes as f64 / (1024.0 * 1024.0)))
}

/// Short name of a MIME type for messages: `image/png` → `PNG`.
pub fn format_name(mime: &str) -> String {
    let sub = mime.rsplit('/').next().unwrap_or(mime);
    match sub {
        "jpeg" | "jpg" => "JPEG".to_owned(),
        "quicktime" => "MOV".to_owned(),
        other => other.to_uppercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_hashtags_at_word_boundaries() {
        assert_eq!(hashtags("#a b #c_d, x#y ## #"), vec!["a", "c_d"]);
        assert_eq!(hashtags("#été #夏"), vec!["été", "夏"]);
    }

    #[test]
    fn counts_mentions_but_not_emails() {
        assert_eq!(
            mentions("hi @ann.b and @bob. mail me@x.com @"),
            vec!["ann.b", "bob"]
        );
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(2200), "2,200");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(seconds(1500), "1.5 s");
        assert_eq!(seconds(902_000), "15 min 2 s");
        assert_eq!(mebibytes(9 * 1024 * 1024), "9 MiB");
        assert_eq!(format_name("image/png"), "PNG");
    }

    #[test]
    fn caption_rules_name_the_limit() {
        let limits = Limits {
            caption_max_chars: 10,
            hashtags_max: 1,
            mentions_max: 1,
        };
        let mut out = Vec::new();
        check_caption("#a #b @c @d long", &limits, &mut out);
        let text: Vec<String> = out.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            vec![
                "caption (16 characters): at most 10 characters",
                "caption (2 hashtags): at most 1 hashtags",
                "caption (2 @-mentions): at most 1 @-mentions",
            ]
        );
    }
}
