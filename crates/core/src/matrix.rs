//! The key matrix of a project (issue 14): one row per key assigned at any level of the project, one
//! column per level — the project's, then each target's followed by its environments'. Each cell says
//! where the key stands at that level, without its value.
//!
//! Decisions (indexed in `docs/decisions.md`, "Key matrix"):
//!
//! - **Cells.** Each cell is two characters of [`MatrixRow::cells`]: its state, then how its value
//!   compares with the environment to its left. States: `S` set at this level; `P` inherited from the
//!   project level; `T` inherited from the target level; `M` missing (an environment whose merged result
//!   lacks the key); `A` absent on purpose (missing, but marked so, below); `.` not set at a project or
//!   target level (neither missing nor absent: those levels are optional). Comparisons, environments
//!   only: `=` the same merged value as the environment to its left in the same target, `~` a different
//!   one, `-` no comparison (the first environment of a target, or either side without the key). A key
//!   present on one side only is not "different": the state already says missing.
//! - **What is compared.** The effective (merged: environment over target over project) value of each
//!   environment, with that of the previous environment column of the same target; values are compared
//!   here and never leave: the answer holds no value, and revealing one cell reads that value alone.
//! - **Absent on purpose.** A comment line `# @absent: KEY_A, KEY_B` anywhere in a level, in the style of
//!   `# @tags:` (same `#`, optional space, comma-separated list). It applies to that level and to every
//!   level below it: written in an environment, it covers that environment; in a target, each of its
//!   environments; in the project, every environment. A key marked absent but set anyway is simply set.
//!   Only environments can be missing, so only they can be absent. Names that are not keys are ignored.
//! - **A level that does not parse** contributes no keys (as in the merged view); its column carries the
//!   parse error ([`MatrixColumn::parse_error`], which names a line and column and never a value), and
//!   the columns below it say that a level above is left out ([`MatrixColumn::above_unreadable`]).
//! - **Row order**: first appearance, project first, then each target followed by its environments,
//!   in the order given (the order the merged view uses within one node).
//! - **CSV** ([`presence_csv`]): RFC 4180 — comma-separated, CRLF line ends, a field quoted (with `"`
//!   doubled) only when it holds `,`, `"`, CR or LF. Header `key` then one column per level, named by
//!   its path (`project`, `project/target`, `project/target/environment`); cells are words: `set`,
//!   `inherited from project`, `inherited from target`, `missing`, `absent`, or empty (not set at an
//!   optional level). Presence only: neither values nor comparisons (equality says something of values).
//!   A field a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or CR —
//!   slugs come from a server and may start with `-`) gets a leading `'` (OWASP's CSV injection rule).
//! - **The schema** (issue 16, [`key_matrix_checked`]): each environment's merged result (templates
//!   resolved) is checked against the schema its three levels declare, as the merged view does; the
//!   problems land in the cells of that environment's column ([`MatrixRow::problems`]): a required key
//!   missing or empty, a value of the wrong type, an expired key (errors), a key expiring soon
//!   (warning). Project and target columns are not checked (an environment is what is deployed), and
//!   neither is `@rotate-every` (it needs each key's history; the merged view and the table say it). A
//!   key marked `@absent` that the schema requires is still reported: `@optional` is what lifts it.

use std::collections::HashSet;

use indexmap::IndexMap;

use crate::dotenv::Document;
use crate::merge::LevelKind;
use crate::schema::{self, CheckContext, LevelSchema, ProblemSeverity, Schema};

/// One level given to [`key_matrix`]: the node's slug and name, and its text as stored.
#[derive(Clone, Copy)]
pub struct LevelInput<'a> {
    /// The node's slug.
    pub slug: &'a str,
    /// The node's display name.
    pub name: &'a str,
    /// The level's text (empty when the level holds nothing).
    pub text: &'a str,
}

/// A target with its environments, in order.
#[derive(Clone)]
pub struct TargetInput<'a> {
    /// The target's level.
    pub target: LevelInput<'a>,
    /// Its environments' levels.
    pub environments: Vec<LevelInput<'a>>,
}

/// A column of the matrix: one level.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MatrixColumn {
    /// Which level.
    pub kind: LevelKind,
    /// The target's slug (target and environment columns).
    pub target: Option<String>,
    /// The environment's slug (environment columns).
    pub environment: Option<String>,
    /// The node's display name.
    pub name: String,
    /// Where this level's text does not parse (its keys are left out).
    pub parse_error: Option<String>,
    /// A level above this one does not parse, so its keys are left out here too.
    pub above_unreadable: bool,
}

/// A key across every level.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MatrixRow {
    /// The key.
    pub key: String,
    /// Two characters per column, in column order: the state (`S` set here, `P` inherited from the
    /// project, `T` inherited from the target, `M` missing, `A` absent on purpose, `.` not set at an
    /// optional level), then the comparison with the environment to the left (`=` same, `~` different,
    /// `-` none).
    pub cells: String,
    /// The 1-based line of the key's winning assignment in each `S` cell, in column order.
    pub lines: Vec<u32>,
    /// Some environment misses the key (not marked absent).
    pub missing: bool,
    /// Some environment's value differs from the environment to its left.
    pub differs: bool,
    /// What the schema says of this key in each environment that breaks it, by column.
    pub problems: Vec<CellProblem>,
}

/// What the schema says of one cell (an environment's): never a value.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CellProblem {
    /// The column (an index into [`Matrix::columns`]).
    pub column: u32,
    /// Error (missing, empty, wrong type, expired) or warning (expires soon).
    pub severity: ProblemSeverity,
    /// In a sentence, naming the key and never its value.
    pub message: String,
}

/// The matrix: columns (project, then each target and its environments) and one row per key.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Matrix {
    /// The levels, in order.
    pub columns: Vec<MatrixColumn>,
    /// The keys, in order of first appearance.
    pub rows: Vec<MatrixRow>,
    /// Schema errors in every cell (see [`CellProblem`]).
    pub schema_errors: u32,
    /// Schema warnings in every cell.
    pub schema_warnings: u32,
}

/// The state of one cell (the first character of its code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellState {
    /// Set at this level (`S`).
    Set,
    /// Inherited from the project level (`P`).
    FromProject,
    /// Inherited from the target level (`T`).
    FromTarget,
    /// Missing from an environment (`M`).
    Missing,
    /// Absent on purpose (`A`).
    Absent,
    /// Not set at an optional (project or target) level (`.`).
    NotSet,
}

impl CellState {
    /// The code character.
    pub fn code(self) -> char {
        match self {
            CellState::Set => 'S',
            CellState::FromProject => 'P',
            CellState::FromTarget => 'T',
            CellState::Missing => 'M',
            CellState::Absent => 'A',
            CellState::NotSet => '.',
        }
    }

    /// The state of a code character.
    pub fn from_code(c: char) -> Option<CellState> {
        Some(match c {
            'S' => CellState::Set,
            'P' => CellState::FromProject,
            'T' => CellState::FromTarget,
            'M' => CellState::Missing,
            'A' => CellState::Absent,
            '.' => CellState::NotSet,
            _ => return None,
        })
    }

    /// The word the CSV writes.
    pub fn word(self) -> &'static str {
        match self {
            CellState::Set => "set",
            CellState::FromProject => "inherited from project",
            CellState::FromTarget => "inherited from target",
            CellState::Missing => "missing",
            CellState::Absent => "absent",
            CellState::NotSet => "",
        }
    }
}

/// A level as the matrix reads it: each key's winning value and line, and the keys marked absent.
struct Parsed {
    vars: IndexMap<String, (String, u32)>,
    absent: HashSet<String>,
    error: Option<String>,
    /// The level's annotations, when it is checked and has any.
    schema: Option<LevelSchema>,
}

fn parse_level(text: &str, with_schema: bool) -> Parsed {
    match Document::parse(text) {
        Ok(doc) => {
            let mut vars: IndexMap<String, (String, u32)> = IndexMap::new();
            for e in doc.entries() {
                let line = u32::try_from(e.line).unwrap_or(u32::MAX);
                vars.insert(e.key, (e.value, line));
            }
            let absent =
                doc.comment_blocks().iter().flat_map(|b| b.lines.iter()).flat_map(|l| absent_keys(l)).collect();
            let schema = (with_schema && schema::has_annotation_line(text))
                .then(|| schema::level_schema(&doc))
                .filter(|s| !s.keys.is_empty());
            Parsed { vars, absent, error: None, schema }
        }
        Err(e) => Parsed { vars: IndexMap::new(), absent: HashSet::new(), error: Some(e.to_string()), schema: None },
    }
}

/// Each environment's schema problems, by key: `(column, problem)`, for [`key_matrix_checked`].
fn environment_problems(
    p: &Parsed,
    parsed: &[(Parsed, Vec<Parsed>)],
    ctx: &CheckContext<'_>,
) -> IndexMap<String, Vec<CellProblem>> {
    let mut out: IndexMap<String, Vec<CellProblem>> = IndexMap::new();
    let mut column = 1u32;
    for (tp, envs) in parsed {
        column += 1;
        for ep in envs {
            let levels = [(LevelKind::Project, p), (LevelKind::Target, tp), (LevelKind::Environment, ep)];
            if levels.iter().any(|(_, l)| l.schema.is_some()) {
                let schema = Schema::of_levels(levels.iter().filter_map(|(k, l)| l.schema.as_ref().map(|s| (*k, s))));
                let mut merged: crate::Vars = crate::Vars::new();
                for (_, l) in levels {
                    for (k, (v, _)) in &l.vars {
                        if let Some(mut replaced) = merged.insert(k.clone(), v.clone()) {
                            zeroize::Zeroize::zeroize(&mut replaced);
                        }
                    }
                }
                let mut resolved = crate::template::resolve(&merged);
                for (k, v) in merged.iter_mut() {
                    if crate::template::has_references(v) {
                        if let Some(r) = resolved.values.get(k) {
                            let mut written = std::mem::replace(v, r.clone());
                            zeroize::Zeroize::zeroize(&mut written);
                        }
                    }
                }
                let found = schema::check(&schema, &merged, ctx);
                for v in merged.values_mut().chain(resolved.values.values_mut()) {
                    zeroize::Zeroize::zeroize(v);
                }
                for problem in found {
                    out.entry(problem.key).or_default().push(CellProblem {
                        column,
                        severity: problem.severity,
                        message: problem.message,
                    });
                }
            }
            column += 1;
        }
    }
    out
}

/// The keys a `# @absent: A, B` comment line names (none for any other line); names that are not
/// keys are skipped.
pub fn absent_keys(line: &str) -> Vec<String> {
    let body = line.trim().trim_start_matches('#');
    let body = body.strip_prefix(' ').unwrap_or(body).trim_start();
    match body.strip_prefix("@absent:") {
        Some(list) => {
            list.split(',').map(str::trim).filter(|k| crate::dotenv::is_valid_key(k)).map(str::to_owned).collect()
        }
        None => Vec::new(),
    }
}

/// The matrix of `project` and its `targets` (each with its environments), from the levels' texts.
pub fn key_matrix(project: LevelInput<'_>, targets: &[TargetInput<'_>]) -> Matrix {
    key_matrix_checked(project, targets, None)
}

/// [`key_matrix`], with each environment checked against its schema when `ctx` is given (see the module
/// doc).
pub fn key_matrix_checked(
    project: LevelInput<'_>,
    targets: &[TargetInput<'_>],
    ctx: Option<&CheckContext<'_>>,
) -> Matrix {
    let checked = ctx.is_some();
    let p = parse_level(project.text, checked);
    let mut columns = vec![MatrixColumn {
        kind: LevelKind::Project,
        target: None,
        environment: None,
        name: project.name.to_owned(),
        parse_error: p.error.clone(),
        above_unreadable: false,
    }];
    // Every key, in order of first appearance.
    let mut keys: IndexMap<&str, ()> = IndexMap::new();
    let parsed: Vec<(Parsed, Vec<Parsed>)> = targets
        .iter()
        .map(|t| {
            (parse_level(t.target.text, checked), t.environments.iter().map(|e| parse_level(e.text, checked)).collect())
        })
        .collect();
    let mut problems = ctx.map(|ctx| environment_problems(&p, &parsed, ctx)).unwrap_or_default();
    let (mut schema_errors, mut schema_warnings) = (0u32, 0u32);
    for k in p.vars.keys() {
        keys.insert(k, ());
    }
    for (t, envs) in &parsed {
        for k in t.vars.keys().chain(envs.iter().flat_map(|e| e.vars.keys())) {
            keys.insert(k, ());
        }
    }
    for (t, (tp, envs)) in targets.iter().zip(&parsed) {
        columns.push(MatrixColumn {
            kind: LevelKind::Target,
            target: Some(t.target.slug.to_owned()),
            environment: None,
            name: t.target.name.to_owned(),
            parse_error: tp.error.clone(),
            above_unreadable: p.error.is_some(),
        });
        for (e, ep) in t.environments.iter().zip(envs) {
            columns.push(MatrixColumn {
                kind: LevelKind::Environment,
                target: Some(t.target.slug.to_owned()),
                environment: Some(e.slug.to_owned()),
                name: e.name.to_owned(),
                parse_error: ep.error.clone(),
                above_unreadable: p.error.is_some() || tp.error.is_some(),
            });
        }
    }

    let mut rows = Vec::with_capacity(keys.len());
    for key in keys.keys() {
        let mut cells = String::with_capacity(columns.len() * 2);
        let mut lines = Vec::new();
        let (mut missing, mut differs) = (false, false);
        let in_project = p.vars.get(*key);
        let project_absent = p.absent.contains(*key);
        match in_project {
            Some((_, line)) => {
                cells.push_str("S-");
                lines.push(*line);
            }
            None => cells.push_str(".-"),
        }
        for (tp, envs) in &parsed {
            let in_target = tp.vars.get(*key);
            match (in_target, in_project) {
                (Some((_, line)), _) => {
                    cells.push_str("S-");
                    lines.push(*line);
                }
                (None, Some(_)) => cells.push_str("P-"),
                (None, None) => cells.push_str(".-"),
            }
            let target_absent = project_absent || tp.absent.contains(*key);
            let inherited = in_target
                .map(|(v, _)| (v, CellState::FromTarget))
                .or(in_project.map(|(v, _)| (v, CellState::FromProject)));
            let mut left: Option<Option<&String>> = None;
            for ep in envs {
                let (state, value) = match (ep.vars.get(*key), inherited) {
                    (Some((v, line)), _) => {
                        lines.push(*line);
                        (CellState::Set, Some(v))
                    }
                    (None, Some((v, s))) => (s, Some(v)),
                    (None, None) if target_absent || ep.absent.contains(*key) => (CellState::Absent, None),
                    (None, None) => {
                        missing = true;
                        (CellState::Missing, None)
                    }
                };
                let cmp = match (left, value) {
                    (Some(Some(l)), Some(v)) if l == v => '=',
                    (Some(Some(_)), Some(_)) => {
                        differs = true;
                        '~'
                    }
                    _ => '-',
                };
                cells.push(state.code());
                cells.push(cmp);
                left = Some(value);
            }
        }
        let problems = problems.swap_remove(*key).unwrap_or_default();
        for c in &problems {
            match c.severity {
                ProblemSeverity::Error => schema_errors += 1,
                ProblemSeverity::Warning => schema_warnings += 1,
            }
        }
        rows.push(MatrixRow { key: (*key).to_owned(), cells, lines, missing, differs, problems });
    }
    Matrix { columns, rows, schema_errors, schema_warnings }
}

/// A column's name in the CSV: the path of its level (`project`, `project/target`,
/// `project/target/environment`).
fn column_path(project: &str, c: &MatrixColumn) -> String {
    let mut out = project.to_owned();
    for part in [&c.target, &c.environment].into_iter().flatten() {
        out.push('/');
        out.push_str(part);
    }
    out
}

/// One RFC 4180 field: quoted (with `"` doubled) only when it must be; a leading `'` on a field that
/// would start a formula.
fn csv_field(out: &mut String, field: &str) {
    let guarded;
    let field = if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        guarded = format!("'{field}");
        guarded.as_str()
    } else {
        field
    };
    if field.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

/// The matrix's presence as CSV (see the module doc): never a value, never a comparison.
pub fn presence_csv(project_slug: &str, columns: &[MatrixColumn], rows: &[MatrixRow]) -> String {
    let mut out = String::from("key");
    for c in columns {
        out.push(',');
        csv_field(&mut out, &column_path(project_slug, c));
    }
    out.push_str("\r\n");
    for r in rows {
        csv_field(&mut out, &r.key);
        for code in r.cells.chars().step_by(2) {
            out.push(',');
            csv_field(&mut out, CellState::from_code(code).map_or("", CellState::word));
        }
        out.push_str("\r\n");
    }
    out
}
