//! Reads the metric names a PromQL expression selects, without a PromQL library: label
//! matchers, ranges and strings are dropped, function calls and `by (…)` lists are
//! skipped, and every other bare identifier is a metric name.

/// Words of PromQL that are not metric names: operators, modifiers and aggregations
/// (which may be followed by `by (…)` rather than by their argument).
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "inf",
    "nan",
    "atan2",
    "sum",
    "min",
    "max",
    "avg",
    "count",
    "stddev",
    "stdvar",
    "topk",
    "bottomk",
    "quantile",
    "count_values",
    "group",
    "limitk",
    "limit_ratio",
];

/// Keywords whose parenthesised list holds label names, not expressions.
const LABEL_LISTS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];

/// The metric names `expr` selects, in order of appearance.
pub fn metric_names(expr: &str) -> Vec<String> {
    let stripped = strip_matchers(expr);
    let chars: Vec<char> = stripped.chars().collect();
    let mut names = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            // A number, including exponents and durations such as 1e3 or 5m.
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            continue;
        }
        if !(c.is_ascii_alphabetic() || c == '_' || c == ':') {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
        {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        let mut next = i;
        while next < chars.len() && chars[next].is_whitespace() {
            next += 1;
        }
        let calls = chars.get(next) == Some(&'(');
        if LABEL_LISTS.contains(&word.to_ascii_lowercase().as_str()) {
            if calls {
                i = skip_parens(&chars, next);
            }
            continue;
        }
        if calls || KEYWORDS.contains(&word.to_ascii_lowercase().as_str()) {
            continue;
        }
        names.push(word);
    }
    names
}

/// Drops `{…}` matchers, `[…]` ranges and quoted strings.
fn strip_matchers(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut depth_brace = 0;
    let mut depth_bracket = 0;
    let mut quote: Option<char> = None;
    for c in expr.chars() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '{' => depth_brace += 1,
            '}' => depth_brace -= 1,
            '[' => depth_bracket += 1,
            ']' => depth_bracket -= 1,
            _ if depth_brace == 0 && depth_bracket == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The index after the parenthesised group that opens at `open`.
fn skip_parens(chars: &[char], open: usize) -> usize {
    let mut depth = 0;
    for (i, c) in chars.iter().enumerate().skip(open) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    chars.len()
}
