//! `${VAR}` templates, resolved against a variable set (the merged environment), as upstream's CLI
//! does — with its errors reported per key instead of silently returning everything unresolved.
//!
//! Forms: `${VAR}`, `$VAR`, `${VAR:-default}`, `${VAR:+alternative}`, `${VAR:?message}`; operands may
//! contain references. "Set" means present and non-empty (upstream). An unresolved reference stays as
//! written. `\$` keeps the reference literal and the backslash stays (upstream). Unsupported forms
//! (`${VAR-x}`, `${VAR:=x}`, `${}`), an unclosed `${`, and a `$` not followed by a name stay literal.
//!
//! Decisions (documented in `docs/decisions.md`): lookups use only the given variables, never the
//! process environment (a desktop app's environment is not the deployment's); a chain of references
//! deeper than [`MAX_DEPTH`], a cycle and a `:?` on an unset variable are errors of the key being
//! resolved, while every other key still resolves. An operand (`${B:+$C}`) does not depend on its
//! variable's value, so reaching that variable from the operand is not a cycle.
//!
//! Output is bounded, because references multiply text: a 2 KB file with four levels of a hundred
//! references each would expand to a gigabyte. One value may grow to at most [`MAX_VALUE_LEN`] once
//! resolved (far above any real value: certificates and JSON blobs are a few hundred KB at most), and
//! one resolution produces at most [`MAX_TOTAL_LEN`] of expanded text in all. A key past either bound
//! fails alone with [`TemplateError::TooLarge`] and keeps its text as written; every other key still
//! resolves. Every key's result — value or error — is computed once and remembered (except a
//! depth error, which depends on where the key was reached from), so the work is linear in the output.
//! Which keys fail does not depend on the order of the keys, except past the total bound, which only
//! a hostile file reaches.

use std::collections::HashMap;

use crate::Vars;

/// How deep references may nest.
pub const MAX_DEPTH: usize = 10;
/// The longest a value may become once its references are resolved: 4 MiB.
pub const MAX_VALUE_LEN: usize = 4 << 20;
/// The most expanded text one resolution may produce, over all keys: 64 MiB. Copies of errors (a
/// key that refers to a failing key fails with that key's error) count too.
pub const MAX_TOTAL_LEN: usize = 64 << 20;
/// The longest a `${VAR:?message}` message is kept, in characters (the rest is cut with `…`).
pub const MAX_MESSAGE_CHARS: usize = 256;

/// Why a key could not be resolved. Names keys, never values; the `:?` message is the template
/// author's own text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TemplateError {
    /// A reference leads back to a variable being resolved.
    #[error("circular reference: {}", chain.join(" → "))]
    Cycle {
        /// The chain of keys, ending with the repeated one.
        chain: Vec<String>,
    },
    /// `${VAR:?message}` with `VAR` unset.
    #[error("{}", if message.is_empty() { format!("variable {variable} is not set") } else { format!("variable {variable}: {message}") })]
    Required {
        /// The variable that must be set.
        variable: String,
        /// The template's message.
        message: String,
    },
    /// References nested deeper than [`MAX_DEPTH`].
    #[error("references nest deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// The resolved value would pass [`MAX_VALUE_LEN`], or the resolution as a whole
    /// [`MAX_TOTAL_LEN`].
    #[error("{}", if *total { format!("resolving these variables produces more than {} MiB of text; this key was left unresolved", MAX_TOTAL_LEN >> 20) } else { format!("the value would be longer than {} MiB once its references are resolved", MAX_VALUE_LEN >> 20) })]
    TooLarge {
        /// Whether the bound passed is the total one ([`MAX_TOTAL_LEN`]) rather than the value's own.
        total: bool,
    },
}

impl TemplateError {
    /// The bytes of text this error carries (what a copy of it costs).
    fn weight(&self) -> usize {
        match self {
            TemplateError::Cycle { chain } => chain.iter().map(String::len).sum(),
            TemplateError::Required { variable, message } => variable.len() + message.len(),
            TemplateError::TooDeep | TemplateError::TooLarge { .. } => 0,
        }
    }
}

/// `text` cut to [`MAX_MESSAGE_CHARS`] characters.
fn bounded_message(text: &str) -> String {
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The outcome of resolving a whole set.
#[derive(Clone, Default)]
pub struct Resolution {
    /// Every key in the input's order: resolved, or as written where resolution failed.
    pub values: Vars,
    /// The keys that failed, with why.
    pub errors: indexmap::IndexMap<String, TemplateError>,
}

impl std::fmt::Debug for Resolution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolution").field("values", &self.values.len()).field("errors", &self.errors).finish()
    }
}

/// Resolves every value of `vars` against `vars`.
pub fn resolve(vars: &Vars) -> Resolution {
    resolve_bounded(vars, MAX_VALUE_LEN, MAX_TOTAL_LEN)
}

/// [`resolve`] with other bounds (tests and fuzzing use small ones).
pub fn resolve_bounded(vars: &Vars, max_value: usize, max_total: usize) -> Resolution {
    let mut r = Resolver { vars, done: HashMap::new(), max_value, budget: max_total, in_message: 0 };
    let mut out = Resolution::default();
    for (key, value) in vars {
        match r.var(key, &mut Vec::new()) {
            Ok((v, _)) => {
                out.values.insert(key.clone(), v);
            }
            Err(e) => {
                out.values.insert(key.clone(), value.clone());
                out.errors.insert(key.clone(), e);
            }
        }
    }
    out
}

/// Resolves one text (not necessarily a value of `vars`) against `vars`.
pub fn resolve_str(text: &str, vars: &Vars) -> Result<String, TemplateError> {
    let mut r = Resolver { vars, done: HashMap::new(), max_value: MAX_VALUE_LEN, budget: MAX_TOTAL_LEN, in_message: 0 };
    r.expand(text, &mut Vec::new()).map(|(v, _)| v)
}

/// Whether `text` contains something that looks like a reference.
pub fn has_references(text: &str) -> bool {
    let b = text.as_bytes();
    b.windows(2).any(|w| w[0] == b'$' && (w[1] == b'{' || w[1] == b'_' || w[1].is_ascii_alphabetic()))
}

struct Resolver<'a> {
    vars: &'a Vars,
    /// Memo of keys already resolved: the value and the height of its reference tree (1 for a value
    /// without references), so a memo hit still honours the depth limit of the current chain; or the
    /// key's error. A depth error is never remembered: it belongs to the chain, not to the key.
    done: HashMap<&'a str, Result<(String, usize), TemplateError>>,
    /// Bound of one value's resolved length.
    max_value: usize,
    /// Expanded bytes this resolution may still produce.
    budget: usize,
    /// How many `${VAR:?message}` messages are being expanded (errors met there are not remembered).
    in_message: usize,
}

/// The first character of an operand's frame on the chain (never the first of a name).
const OPERAND: char = ':';

fn name_len(b: &[u8]) -> usize {
    if b.first().is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_') {
        1 + b[1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count()
    } else {
        0
    }
}

type Expanded = Result<(String, usize), TemplateError>;

impl<'a> Resolver<'a> {
    fn is_set(&self, name: &str) -> bool {
        self.vars.get(name).is_some_and(|v| !v.is_empty())
    }

    /// The resolved value of variable `name` and the height of its reference tree.
    fn var(&mut self, name: &str, chain: &mut Vec<String>) -> Expanded {
        if chain.iter().any(|c| c == name) {
            let start = chain.iter().position(|c| c == name).unwrap_or(0);
            let mut cycle: Vec<String> = chain[start..].iter().filter(|c| !c.starts_with(OPERAND)).cloned().collect();
            cycle.push(name.to_owned());
            return Err(TemplateError::Cycle { chain: cycle });
        }
        match self.done.get(name) {
            Some(Ok((v, h))) => {
                if chain.len() + h > MAX_DEPTH + 1 {
                    return Err(TemplateError::TooDeep);
                }
                // Charged before the copy: once the budget is spent, a key naming a 4 MiB value
                // costs nothing more than its error.
                let (len, h) = (v.len(), *h);
                self.spend(len)?;
                let v = self.done.get(name).and_then(|d| d.as_ref().ok()).map(|(v, _)| v.clone()).unwrap_or_default();
                return Ok((v, h));
            }
            Some(Err(e)) => {
                let e = e.clone();
                self.spend(e.weight())?;
                return Err(e);
            }
            None => {}
        }
        if chain.len() > MAX_DEPTH {
            return Err(TemplateError::TooDeep);
        }
        let Some((key, raw)) = self.vars.get_key_value(name) else {
            return Ok((String::new(), 1));
        };
        chain.push(name.to_owned());
        let result = self.expand(raw, chain);
        chain.pop();
        match result {
            Ok((v, inner)) => {
                self.done.insert(key.as_str(), Ok((v.clone(), inner + 1)));
                Ok((v, inner + 1))
            }
            Err(e) if matches!(e, TemplateError::TooDeep) || self.in_message > 0 => Err(e),
            Err(e) => {
                self.spend(e.weight())?;
                self.done.insert(key.as_str(), Err(e.clone()));
                Err(e)
            }
        }
    }

    /// Takes `n` bytes of output from the resolution's budget.
    fn spend(&mut self, n: usize) -> Result<(), TemplateError> {
        self.budget = self.budget.checked_sub(n).ok_or(TemplateError::TooLarge { total: true })?;
        Ok(())
    }

    /// Appends `piece` to a value being built, within the value's bound and the total budget.
    fn push(&mut self, out: &mut String, piece: &str) -> Result<(), TemplateError> {
        if out.len() + piece.len() > self.max_value {
            return Err(TemplateError::TooLarge { total: false });
        }
        self.spend(piece.len())?;
        out.push_str(piece);
        Ok(())
    }

    /// Expands `text`; the height is that of its deepest reference (0 without references).
    fn expand(&mut self, text: &str, chain: &mut Vec<String>) -> Expanded {
        if !text.contains('$') {
            return Ok((text.to_owned(), 0));
        }
        let b = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let mut height = 0;
        let mut i = 0;
        let mut lit = 0;
        while i < b.len() {
            match b[i] {
                b'\\' if b.get(i + 1) == Some(&b'$') => {
                    // `\$` escapes the reference; the backslash stays (upstream).
                    i += 2;
                    if b.get(i) == Some(&b'{') {
                        i += 1;
                    }
                }
                b'$' if b.get(i + 1) == Some(&b'{') => {
                    let Some(close) = matching_brace(b, i + 2) else {
                        // Unclosed `${`: the rest is literal.
                        break;
                    };
                    self.push(&mut out, &text[lit..i])?;
                    let inner = &text[i + 2..close];
                    let (v, h) = self.braced(inner, &text[i..=close], chain)?;
                    self.push(&mut out, &v)?;
                    height = height.max(h);
                    i = close + 1;
                    lit = i;
                }
                b'$' => {
                    let n = name_len(&b[i + 1..]);
                    if n == 0 {
                        i += 1;
                        continue;
                    }
                    self.push(&mut out, &text[lit..i])?;
                    let name = &text[i + 1..i + 1 + n];
                    if self.is_set(name) {
                        let (v, h) = self.var(name, chain)?;
                        self.push(&mut out, &v)?;
                        height = height.max(h);
                    } else {
                        self.push(&mut out, &text[i..i + 1 + n])?;
                    }
                    i += 1 + n;
                    lit = i;
                }
                _ => i += 1,
            }
        }
        self.push(&mut out, &text[lit..])?;
        Ok((out, height))
    }

    /// An operand is expanded with the operator's variable on the chain, one level deeper.
    fn operand(&mut self, name: &str, text: &str, chain: &mut Vec<String>) -> Expanded {
        if chain.len() > MAX_DEPTH {
            return Err(TemplateError::TooDeep);
        }
        // The operand does not depend on `name`'s value: its frame counts for the depth but can
        // never close a cycle (a name never starts with OPERAND).
        chain.push(format!("{OPERAND}{name}"));
        let r = self.expand(text, chain);
        chain.pop();
        r.map(|(v, h)| (v, h + 1))
    }

    fn braced(&mut self, inner: &str, whole: &str, chain: &mut Vec<String>) -> Expanded {
        let n = name_len(inner.as_bytes());
        if n == 0 {
            return Ok((whole.to_owned(), 0));
        }
        let name = &inner[..n];
        let rest = &inner[n..];
        let set = self.is_set(name);
        if rest.is_empty() {
            return if set { self.var(name, chain) } else { Ok((whole.to_owned(), 0)) };
        }
        match rest.get(..2) {
            Some(":-") if set => self.var(name, chain),
            Some(":-") => self.operand(name, &rest[2..], chain),
            Some(":+") if set => self.operand(name, &rest[2..], chain),
            Some(":+") => Ok((String::new(), 0)),
            Some(":?") if set => self.var(name, chain),
            Some(":?") => {
                // The message is expanded on a chain of its own, so it is the same wherever the key
                // was reached from; an error inside it is swallowed (the message keeps its text), so
                // none met there is remembered; and a message inside a message keeps its text (that
                // also ends a message that refers back to its own key).
                let text = &rest[2..];
                let message = if self.in_message > 0 {
                    bounded_message(text)
                } else {
                    self.in_message += 1;
                    let expanded = self.expand(text, &mut Vec::new());
                    self.in_message -= 1;
                    match expanded {
                        Ok((m, _)) => bounded_message(&m),
                        Err(_) => bounded_message(text),
                    }
                };
                Err(TemplateError::Required { variable: name.to_owned(), message })
            }
            _ => Ok((whole.to_owned(), 0)),
        }
    }
}

/// Index of the `}` closing a `${` whose content starts at `from`, counting nested braces.
fn matching_brace(b: &[u8], from: usize) -> Option<usize> {
    let mut depth = 1usize;
    for (i, &c) in b.iter().enumerate().skip(from) {
        match c {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn forms() {
        let v = vars(&[
            ("HOST", "db"),
            ("EMPTY", ""),
            ("URL", "pg://${HOST}:$PORT/${NAME:-app}"),
            ("ALT", "${HOST:+yes}${EMPTY:+no}"),
            ("ESC", "\\${HOST}"),
            ("KEEP", "${NOPE} ${HOST-x} ${} $ ${EMPTY}"),
            ("NEST", "${MISSING:-${HOST}-x}"),
            ("UNCLOSED", "a${HOST"),
        ]);
        let r = resolve(&v);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(r.values["URL"], "pg://db:$PORT/app");
        assert_eq!(r.values["ALT"], "yes");
        assert_eq!(r.values["ESC"], "\\${HOST}");
        assert_eq!(r.values["KEEP"], "${NOPE} ${HOST-x} ${} $ ${EMPTY}");
        assert_eq!(r.values["NEST"], "db-x");
        assert_eq!(r.values["UNCLOSED"], "a${HOST");
    }

    #[test]
    fn errors_are_per_key() {
        let v = vars(&[("A", "${B}"), ("B", "${A}"), ("C", "${X:?needs X}"), ("D", "${E:?}"), ("OK", "fine ${C}")]);
        let r = resolve(&v);
        assert_eq!(r.errors["A"], TemplateError::Cycle { chain: vec!["A".into(), "B".into(), "A".into()] });
        assert!(matches!(r.errors["B"], TemplateError::Cycle { .. }));
        assert_eq!(r.errors["C"].to_string(), "variable X: needs X");
        assert_eq!(r.errors["D"].to_string(), "variable E is not set");
        // OK refers to C, which fails: OK fails too, with C's error.
        assert!(matches!(r.errors["OK"], TemplateError::Required { .. }));
        assert_eq!(r.values["A"], "${B}", "a failed key keeps its text");
    }

    /// Four levels of a hundred references over a 2 KB file: 10 MB at the third level, 1 GB at the
    /// fourth, 100 GB at the fifth. Before the bounds this aborted on the allocation; now the keys past
    /// the bound fail alone and every other key resolves.
    #[test]
    fn reference_bomb_fails_alone() {
        let mut v = vars(&[("L0", "0123456789"), ("PLAIN", "p"), ("OK", "url ${L1}"), ("HOST", "db")]);
        for level in 1..=5 {
            v.insert(format!("L{level}"), format!("${{L{}}}", level - 1).repeat(100));
        }
        v.insert("AFTER".into(), "${HOST}:5432".into());
        let r = resolve(&v);
        assert_eq!(r.values["L1"].len(), 1_000);
        assert_eq!(r.values["L2"].len(), 100_000);
        for key in ["L3", "L4", "L5"] {
            assert_eq!(r.errors.get(key), Some(&TemplateError::TooLarge { total: false }), "{key}");
            assert_eq!(r.values[key], v[key], "{key} keeps its text as written");
        }
        assert_eq!(r.errors.len(), 3, "{:?}", r.errors);
        assert_eq!(r.values["OK"], format!("url {}", "0123456789".repeat(100)));
        assert_eq!(r.values["AFTER"], "db:5432");
        assert_eq!(r.values["PLAIN"], "p");
        assert!(r.errors["L3"].to_string().contains("4 MiB"), "{}", r.errors["L3"]);
        // The same keys fail in any order.
        let rev: Vars = v.iter().rev().map(|(k, x)| (k.clone(), x.clone())).collect();
        let r2 = resolve(&rev);
        assert_eq!(r2.errors.keys().collect::<std::collections::BTreeSet<_>>(), r.errors.keys().collect());
        assert!(r2.values.iter().all(|(k, x)| r.values[k] == *x));
    }

    /// Many keys that are each within bounds, but together past the total: the ones past it fail with
    /// their own error, the rest resolve; values without references never count.
    #[test]
    fn total_bound() {
        let mut v = vars(&[("BIG", "xxxxxxxxxx")]);
        for i in 0..20 {
            v.insert(format!("K{i}"), "${BIG}${BIG}".into());
        }
        v.insert("PLAIN".into(), "y".repeat(500));
        let r = resolve_bounded(&v, 100, 400);
        assert_eq!(r.values["K0"], "x".repeat(20));
        assert_eq!(r.values["PLAIN"], "y".repeat(500));
        assert_eq!(r.errors.get("K19"), Some(&TemplateError::TooLarge { total: true }));
        assert!(r.errors.len() < 20 && r.errors.len() > 5, "{:?}", r.errors);
        assert!(r.errors.values().all(|e| *e == TemplateError::TooLarge { total: true }));
        // A value past its own bound.
        let r = resolve_bounded(&vars(&[("A", "abcdef"), ("B", "${A}${A}")]), 10, 1000);
        assert_eq!(r.values["A"], "abcdef");
        assert_eq!(r.errors.get("B"), Some(&TemplateError::TooLarge { total: false }));
    }

    /// Errors are copied into every key that refers to the failing one: their text is bounded (a
    /// `:?` message is cut) and every copy counts against the total, so a file of references to one
    /// failing key cannot fill memory with copies of its error.
    #[test]
    fn copies_of_errors_are_bounded() {
        let mut v = vars(&[("X", &format!("${{NOPE:?{}}}", "m".repeat(500_000)))]);
        for i in 0..1_000 {
            v.insert(format!("R{i}"), "${X}".into());
        }
        let r = resolve(&v);
        let TemplateError::Required { message, .. } = &r.errors["X"] else { panic!("{:?}", r.errors["X"]) };
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1, "cut, with an ellipsis");
        assert_eq!(r.errors.len(), 1_001);
        // Long key names in a cycle: each copy of the chain is large; the copies stop at the budget.
        let a = format!("A{}", "a".repeat(10_000));
        let b = format!("B{}", "b".repeat(10_000));
        let mut v = Vars::new();
        v.insert(a.clone(), format!("${{{b}}}"));
        v.insert(b.clone(), format!("${{{a}}}"));
        for i in 0..1_000 {
            v.insert(format!("R{i}"), format!("${{{a}}}"));
        }
        let budget = 200_000;
        let r = resolve_bounded(&v, 1 << 20, budget);
        assert_eq!(r.errors.len(), 1_002, "every key fails");
        let carried: usize = r.errors.values().map(TemplateError::weight).sum();
        assert!(carried <= 2 * budget, "{carried} bytes of errors for a budget of {budget}");
        assert!(matches!(r.errors["R999"], TemplateError::TooLarge { total: true }));
    }

    /// Every key that refers to a failing key fails with that key's error (remembered, not redone).
    #[test]
    fn references_to_a_failing_key_fail_with_its_error() {
        let mut v = vars(&[("X", "${X1}")]);
        v.insert("X1".into(), "${MISSING:?gone}".into());
        for i in 0..2_000 {
            v.insert(format!("R{i}"), "${X}".repeat(50));
        }
        let r = resolve(&v);
        assert_eq!(r.errors.len(), 2_002);
        assert!(r.errors.values().all(|e| matches!(e, TemplateError::Required { .. })));
    }

    #[test]
    fn depth_limit() {
        let mut v = Vars::new();
        for i in 0..12 {
            v.insert(format!("V{i}"), format!("${{V{}}}", i + 1));
        }
        v.insert("V12".into(), "end".into());
        let r = resolve(&v);
        assert_eq!(r.errors.get("V0"), Some(&TemplateError::TooDeep));
        assert_eq!(r.values["V5"], "end");
        // Order independence: V1 fails whether or not V2 was resolved (and memoised) first.
        let mut rev: Vars = v.iter().rev().map(|(k, x)| (k.clone(), x.clone())).collect();
        let r2 = resolve(&rev);
        assert_eq!(r2.errors.get("V1"), Some(&TemplateError::TooDeep));
        assert_eq!(r2.errors.len(), r.errors.len());
        rev.clear();
    }

    /// A key whose own error is remembered fails in every order, though not always with the same
    /// error: met at the end of a long chain first it is too deep; met on its own first its error is
    /// remembered and given to the chain (found by reading the `template_resolve` fuzz target's oracle).
    #[test]
    fn a_remembered_error_fails_its_chain_in_either_order() {
        let c = format!("{}x{}${{NOPE:?}}", "${NOPE:-".repeat(10), "}".repeat(10));
        let forward: Vars = [("B".to_owned(), "${C}".to_owned()), ("C".to_owned(), c.clone())].into_iter().collect();
        let backward: Vars = [("C".to_owned(), c), ("B".to_owned(), "${C}".to_owned())].into_iter().collect();
        let (f, b) = (resolve(&forward), resolve(&backward));
        assert_eq!(f.errors.get("B"), Some(&TemplateError::TooDeep));
        assert!(matches!(b.errors.get("B"), Some(TemplateError::Required { .. })), "{:?}", b.errors.get("B"));
        for r in [&f, &b] {
            assert!(matches!(r.errors.get("C"), Some(TemplateError::Required { .. })), "{:?}", r.errors);
        }
    }
}
