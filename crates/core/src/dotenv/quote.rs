//! Choosing how to write a value so that it reads back identically — in this dialect and, where
//! possible, in python-dotenv, dotenvy, node dotenv and dotenvx too.

use super::Quote;

/// Whether `v` can be written unquoted: no whitespace at all (dotenvy rejects inner spaces), no quotes
/// or backticks (peers strip them), no `#` (node dotenv cuts there), no `\` or `$` (peers escape or
/// expand them), no control characters.
fn can_unquoted(v: &str) -> bool {
    v.chars().all(|c| !(c.is_whitespace() || c.is_control() || matches!(c, '#' | '"' | '\'' | '`' | '\\' | '$')))
}

/// Whether `v` can be written in single quotes: no `'`, no CR (a raw CR would be a lone CR), no `\\`
/// (python-dotenv reads it as one backslash), and no trailing `\` (it would escape the closing quote).
fn can_single(v: &str) -> bool {
    !v.contains('\'') && !v.contains('\r') && !v.contains("\\\\") && !v.ends_with('\\')
}

fn double(v: &str) -> String {
    let mut s = String::with_capacity(v.len() + 2);
    s.push('"');
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// The token that writes `value`, in the `preferred` style when that style can hold it exactly,
/// otherwise the first of unquoted, single-quoted, double-quoted that can. Double quotes hold
/// anything: they escape `\`, `"`, newline and CR, and keep tabs and `$` literal (`\t` and `\$` mean
/// different things to different parsers).
pub fn quote_value(value: &str, preferred: Quote) -> (String, Quote) {
    let fits = |q: Quote| match q {
        Quote::None => can_unquoted(value),
        Quote::Single => can_single(value),
        Quote::Double => true,
    };
    let q = if fits(preferred) {
        preferred
    } else if fits(Quote::None) {
        Quote::None
    } else if fits(Quote::Single) {
        Quote::Single
    } else {
        Quote::Double
    };
    let token = match q {
        Quote::None => value.to_owned(),
        Quote::Single => format!("'{value}'"),
        Quote::Double => double(value),
    };
    (token, q)
}
