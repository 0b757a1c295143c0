//! Template resolution: never panics; every resolved value stays within the value bound and the
//! output within the total bound (time stays bounded: libFuzzer's `-timeout` fails a slow input);
//! and the per-key results do not depend on the order of the keys — the same keys fail, with the
//! same error (but see `same_error`), and every other key resolves to the same value — except where the total bound is
//! reached, which by design depends on which key came first (there, keys resolved in both orders
//! agree).
//!
//! The variables use a few names, so that references hit, and values mostly made of the template
//! syntax's own pieces. Bounds come from the input (small, so that runs stay fast and the bounds are
//! actually reached); small inputs also go through `resolve` with the real bounds.
#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use envdesk_core::template::{self, Resolution, TemplateError};
use envdesk_core::Vars;
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &["A", "B", "C", "D", "E", "F", "G", "_H"];
const PIECES: &[&str] = &[
    "${A}", "${B}", "${C}", "${D}", "$A", "$B", "$E", "$F", "$G", "$_H", "${A:-", "${B:+", "${C:?", "${E:-x}",
    "${NOPE}", "$NOPE", "${NOPE:-", "${NOPE:?", "${NOPE:+", "}", "{", "$", "\\$", "${", "x", "yy", " ", ":-", "${A-x}",
    "${}", "$$", "é", "\n",
];

fn vars(u: &mut Unstructured<'_>) -> Result<Vars> {
    let mut out = Vars::new();
    for _ in 0..u.int_in_range(1..=8)? {
        let name = (*u.choose(NAMES)?).to_owned();
        let value = if u.ratio(1, 8)? {
            String::arbitrary(u)?
        } else {
            let mut s = String::new();
            for _ in 0..u.int_in_range(0..=12)? {
                s.push_str(u.choose(PIECES)?);
            }
            s
        };
        out.insert(name, value);
    }
    Ok(out)
}

fn check_bounds(vars: &Vars, r: &Resolution, max_value: usize, max_total: usize) {
    assert!(r.values.keys().eq(vars.keys()), "every key, in the input's order");
    let mut total = 0usize;
    for (k, v) in &r.values {
        if r.errors.contains_key(k) {
            assert_eq!(v, &vars[k], "a failed key keeps its text");
        } else {
            assert!(
                v.len() <= max_value.max(vars[k].len()),
                "`{k}`: {} bytes past the value bound {max_value}",
                v.len()
            );
            total += v.len();
        }
    }
    let input: usize = vars.values().map(String::len).sum();
    assert!(total <= max_total + input, "{total} bytes of output past the total bound {max_total}");
}

/// The same error, except that a cycle may be reported through another of its chains (which cycle
/// is met first depends on the order), and that a depth error may stand for any other: a key's own
/// error is remembered and given again to a later chain without measuring that chain's depth, while
/// met first at the end of a long chain the same key is too deep (`B=${C}` with `C` ten operands
/// deep, then `${NOPE:?}`: `TooDeep` in one order, `Required` in the other). The key fails either way.
fn same_error(a: &TemplateError, b: &TemplateError) -> bool {
    match (a, b) {
        (TemplateError::Cycle { .. }, TemplateError::Cycle { .. }) => true,
        (TemplateError::TooDeep, _) | (_, TemplateError::TooDeep) => true,
        _ => a == b,
    }
}

fn check_same(vars: &Vars, a: &Resolution, b: &Resolution, what: &str) {
    for (k, v) in &a.values {
        match (a.errors.get(k), b.errors.get(k)) {
            (None, None) => assert_eq!(Some(v), b.values.get(k), "`{k}` resolves the same {what}"),
            (Some(x), Some(y)) => assert!(same_error(x, y), "`{k}` fails the same {what}: {x:?} / {y:?} for {vars:?}"),
            (x, y) => panic!("`{k}` fails in one order only ({what}): {x:?} / {y:?} for {vars:?}"),
        }
    }
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let vars = vars(u)?;
    let max_value = u.int_in_range(0..=4096)?;
    let max_total = u.int_in_range(0..=65536)?;
    let r = template::resolve_bounded(&vars, max_value, max_total);
    check_bounds(&vars, &r, max_value, max_total);

    let reversed: Vars = vars.iter().rev().map(|(k, v)| (k.clone(), v.clone())).collect();
    let by = u.int_in_range(0..=vars.len())?;
    let rotated: Vars = vars.iter().cycle().skip(by).take(vars.len()).map(|(k, v)| (k.clone(), v.clone())).collect();
    // Without the total bound (each value stays within its own, so the work stays bounded) the
    // per-key results must not depend on the order at all.
    let unbounded = usize::MAX / 4;
    let free = template::resolve_bounded(&vars, max_value, unbounded);
    for (other, what) in [(&reversed, "reversed"), (&rotated, "rotated")] {
        check_same(
            &vars,
            &free,
            &template::resolve_bounded(other, max_value, unbounded),
            &format!("{what}, max_value {max_value}"),
        );
        // With it, which key passes it depends on the order (and a `:?` message cut short by it falls
        // back to its text, silently): keys that resolved in both orders agree.
        let r2 = template::resolve_bounded(other, max_value, max_total);
        check_bounds(other, &r2, max_value, max_total);
        for (k, v) in &r.values {
            if !r.errors.contains_key(k) && !r2.errors.contains_key(k) {
                assert_eq!(Some(v), r2.values.get(k), "`{k}` resolves the same {what} under the total bound");
            }
        }
    }

    if vars.values().map(String::len).sum::<usize>() <= 64 {
        let full = template::resolve(&vars);
        check_bounds(&vars, &full, template::MAX_VALUE_LEN, template::MAX_TOTAL_LEN);
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
