//! Open views of nodes: the decrypted data of a node stays here, and the webview asks for the rows it
//! shows (issue 14, part 4).
//!
//! [`Vault::open_view`] reads a node (like [`Vault::read_node`]) and keeps it under a [`ViewId`]; the
//! app answers the webview with the levels' metadata and the text of the one level it edits, never the
//! merged result. The merged table then asks for windows of rows ([`Vault::view_rows`]: an offset, a
//! limit and a filter on key names, at most [`MAX_WINDOW`] rows per answer), another level's text when
//! the user switches to it ([`Vault::view_level_text`]), and, while a level is edited, gives its text
//! ([`Vault::view_edit`]) so the rows it asks for are the live effective result — the same merge and
//! template resolution as a saved node, computed here.
//!
//! - At most [`MAX_VIEWS`] views per vault, holding at most `MemoryLimits::views_bytes` of text;
//!   opening another drops the oldest (the webview reads its node again when told
//!   [`ClientError::ViewClosed`]); the webview closes a view it no longer shows ([`Vault::close_view`]). Two reads of one node are two views (a dialog
//!   that reads the node on screen does not close the screen's view).
//! - Views are dropped, their texts and values zeroized, when their project (or every project) is
//!   locked; a view read across a lock is never kept (checked with the lock epoch), and every read of a
//!   view checks that its project is still unlocked.
//! - A view holds what one read of the node decrypted; writes do not change it (the webview reads the
//!   node again after a save, which opens a new view).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use envdesk_api::NodePath;
use envdesk_core::dotenv::Document;
use envdesk_core::merge::LevelKind;
use envdesk_core::merge::{self, MergedVar, Overridden};
use envdesk_core::schema::{self, Problem, ProblemKind, ProblemSeverity, Schema};
use envdesk_core::template::{self, Resolution};
use envdesk_core::Vars;
use zeroize::Zeroize;

use super::levels::{LevelView, NodeView};
use super::Vault;
use crate::error::{ClientError, Result};

/// Views kept per vault (a window shows one node; the rest are reads still under way or just left).
pub const MAX_VIEWS: usize = 8;
/// The most text the open views of a vault hold together (each counted as three times its levels'
/// text: the texts, the merged values, the resolution): 256 MiB, about 50 views of the benchmarks'
/// 5,000-key environment.
pub const MAX_VIEWS_BYTES: usize = 256 << 20;
/// Rows in one answer of [`Vault::view_rows`] (a screen shows ~40; the webview asks for a few screens).
pub const MAX_WINDOW: u32 = 1_000;
/// A filter longer than any key name is refused rather than scanned.
pub const MAX_FILTER: usize = 1_024;
/// The most text a live edit may carry (the most a server answer may carry, `http.rs`).
pub const MAX_EDIT_BYTES: usize = 64 << 20;

/// Names one open view (numbers are never reused within a run of the app).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct ViewId(pub u64);

/// One key of the merged result, as a row of the table.
#[derive(Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MergedRow {
    /// The key.
    pub key: String,
    /// The value (as written, templates unresolved).
    pub value: String,
    /// The level it comes from.
    pub source: LevelKind,
    /// What it overrides, shallowest first.
    pub overrides: Vec<Overridden>,
    /// The value with `${…}` resolved, when it has references and resolves.
    pub resolved: Option<String>,
    /// Why it does not resolve.
    pub error: Option<String>,
    /// `@description` (issue 16).
    pub description: Option<String>,
    /// `@type`, as written.
    pub value_type: Option<String>,
    /// `true` for `@sensitive`, `false` for `@public`.
    pub sensitive: Option<bool>,
    /// What breaks the schema here (type, expiry; presence only at an environment).
    pub problems: Vec<Problem>,
}

impl std::fmt::Debug for MergedRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MergedRow").field("key", &self.key).field("source", &self.source).finish_non_exhaustive()
    }
}

/// A window of the merged result.
#[derive(Clone, Debug, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MergedWindow {
    /// Keys matching the filter.
    pub total: u32,
    /// Keys in the merged result.
    pub all: u32,
    /// The index (among the matching keys) of the first row.
    pub offset: u32,
    /// The rows from `offset`, at most the limit asked for.
    pub rows: Vec<MergedRow>,
    /// Whether these rows are the live result of an edit (else the saved one).
    pub live: bool,
    /// Keys the schema requires that the result does not have (an environment's only): they have no
    /// row.
    pub missing: Vec<Problem>,
    /// Schema errors and warnings in the whole result (not only this window), `missing` included.
    pub schema_errors: u32,
    /// See `schema_errors`.
    pub schema_warnings: u32,
}

/// The merged result of a node and how its templates resolve.
struct Merged {
    vars: Vec<MergedVar>,
    resolution: Resolution,
    /// The node's schema (issue 16) and what breaks it.
    schema: SchemaFindings,
}

/// What a node's schema says of its merged result.
#[derive(Default)]
struct SchemaFindings {
    schema: Schema,
    by_key: std::collections::HashMap<String, Vec<Problem>>,
    missing: Vec<Problem>,
    errors: u32,
    warnings: u32,
}

impl SchemaFindings {
    /// Checks `merged` (values with `${…}` resolved where they resolve) against the schema the levels'
    /// texts declare. Presence (`@required`) is an environment's matter: at a project or target node
    /// only types and dates are checked. Nothing to do — and nothing parsed — when no level holds an
    /// annotation line.
    fn of(texts: &[(LevelKind, &str)], merged: &Merged, environment: bool, when: &When<'_>) -> SchemaFindings {
        let Some((schema, problems)) = check_node(texts, &merged.vars, &merged.resolution, environment, when) else {
            return SchemaFindings::default();
        };
        let mut out = SchemaFindings { schema, ..SchemaFindings::default() };
        for p in problems {
            match p.severity {
                ProblemSeverity::Error => out.errors += 1,
                ProblemSeverity::Warning => out.warnings += 1,
            }
            if p.kind == ProblemKind::Missing {
                out.missing.push(p);
            } else {
                out.by_key.entry(p.key.clone()).or_default().push(p);
            }
        }
        out
    }
}

/// Days before an `@expires` date from which a key is "expiring soon", unless the app's settings say
/// otherwise ([`Vault::set_expiry_warning_days`]).
pub const EXPIRY_WARNING_DAYS: u32 = 14;

/// When a check runs: today, the warning window, and when keys under `@rotate-every` last changed
/// (unknown for any other key).
pub(crate) struct When<'a> {
    pub today: chrono::NaiveDate,
    pub warn_days: u32,
    pub changed: &'a HashMap<String, chrono::NaiveDate>,
}

/// No key's last change known (checks that warn of no rotation).
pub(crate) static NO_DATES: std::sync::LazyLock<HashMap<String, chrono::NaiveDate>> =
    std::sync::LazyLock::new(HashMap::new);

/// The schema the levels' texts declare and what breaks it in the node's merged result (values with
/// `${…}` resolved where they resolve); `None` when no level declares anything (and then nothing is
/// parsed: a quick look for an annotation line first). Presence (`@required`) is an environment's
/// matter: at a project or target node only types and dates are checked.
pub(crate) fn check_node(
    texts: &[(LevelKind, &str)],
    merged: &[MergedVar],
    resolution: &Resolution,
    environment: bool,
    when: &When<'_>,
) -> Option<(Schema, Vec<Problem>)> {
    // A quick look for an annotation line before parsing anything.
    if !texts.iter().any(|(_, t)| schema::has_annotation_line(t)) {
        return None;
    }
    let levels: Vec<(LevelKind, schema::LevelSchema)> =
        texts.iter().filter_map(|(k, t)| Document::parse(t).ok().map(|d| (*k, schema::level_schema(&d)))).collect();
    let schema = Schema::of_levels(levels.iter().map(|(k, s)| (*k, s)));
    if schema.keys.is_empty() {
        return None;
    }
    let values: Vars = merged
        .iter()
        .map(|m| {
            let v = resolution.values.get(&m.key).filter(|_| template::has_references(&m.value));
            (m.key.clone(), v.unwrap_or(&m.value).clone())
        })
        .collect();
    let changed = |k: &str| when.changed.get(k).copied();
    let ctx = schema::CheckContext { today: when.today, warn_days: when.warn_days, last_changed: &changed };
    let mut problems = schema::check(&schema, &values, &ctx);
    zeroize_vars(values);
    if !environment {
        problems.retain(|p| !matches!(p.kind, ProblemKind::Missing | ProblemKind::Empty));
    }
    Some((schema, problems))
}

/// What the schema says of a node read as `levels` (merged as `saved`) with level `kind` reading `text`:
/// whether the project is strict (its level as saved, or as typed), what breaks the schema, and which
/// errors the text adds to the node as saved.
fn check_edit(levels: &[LevelView], saved: &Merged, kind: LevelKind, text: &str, when: &When<'_>) -> SchemaCheck {
    let texts: Vec<(LevelKind, &str)> =
        levels.iter().map(|l| (l.kind, if l.kind == kind { text } else { l.text.as_str() })).collect();
    let strict = texts.iter().any(|(k, t)| *k == LevelKind::Project && schema::is_strict(t));
    let parsed: Vec<(LevelKind, Vars)> =
        texts.iter().map(|(k, t)| (*k, Document::parse(t).map(|d| d.vars()).unwrap_or_default())).collect();
    let refs: Vec<(LevelKind, &Vars)> = parsed.iter().map(|(k, v)| (*k, v)).collect();
    let merged = Merged::of(&refs);
    drop(refs);
    for (_, vars) in parsed {
        zeroize_vars(vars);
    }
    let environment = levels.iter().any(|l| l.kind == LevelKind::Environment);
    let problems =
        check_node(&texts, &merged.vars, &merged.resolution, environment, when).map(|(_, p)| p).unwrap_or_default();
    let before: Vec<(LevelKind, &str)> = levels.iter().map(|l| (l.kind, l.text.as_str())).collect();
    let before =
        check_node(&before, &saved.vars, &saved.resolution, environment, when).map(|(_, p)| p).unwrap_or_default();
    let introduced =
        problems.iter().filter(|p| p.severity == ProblemSeverity::Error && !before.contains(p)).cloned().collect();
    SchemaCheck { strict, problems, introduced }
}

/// Why a strict project refuses a write: the errors it would add.
pub fn strict_message(introduced: &[Problem]) -> String {
    format!(
        "Not saved: this project is strict about its schema (`# @schema: strict`), and the text breaks it — {}.",
        problems_sentence(introduced)
    )
}

/// A result's schema errors in a sentence: how many, and the first few (keys and reasons, never
/// values).
pub fn problems_sentence(problems: &[Problem]) -> String {
    let errors: Vec<&Problem> = problems.iter().filter(|p| p.severity == ProblemSeverity::Error).collect();
    let mut list: Vec<String> = errors.iter().take(5).map(|p| p.message.clone()).collect();
    if errors.len() > 5 {
        list.push(format!("and {} more", errors.len() - 5));
    }
    format!("{} schema error{}: {}", errors.len(), if errors.len() == 1 { "" } else { "s" }, list.join("; "))
}

/// What the schema says of a node with one level as typed ([`Vault::view_check`]).
#[derive(Clone, Debug, Default, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SchemaCheck {
    /// The project says `# @schema: strict`: a save that adds a schema error is refused.
    pub strict: bool,
    /// What breaks the schema (errors and warnings).
    pub problems: Vec<Problem>,
    /// The errors the text adds to the node as read (a key that expired meanwhile, or broken before,
    /// never blocks a save that does not break it further: the save rotating that key included).
    pub introduced: Vec<Problem>,
}

impl Merged {
    fn of(levels: &[(LevelKind, &Vars)]) -> Merged {
        let vars = merge::merge(levels);
        let all: Vars = vars.iter().map(|m| (m.key.clone(), m.value.clone())).collect();
        let resolution = template::resolve(&all);
        zeroize_vars(all);
        Merged { vars, resolution, schema: SchemaFindings::default() }
    }

    /// Adds the schema's findings (see [`SchemaFindings::of`]).
    fn with_schema(mut self, texts: &[(LevelKind, &str)], environment: bool, when: &When<'_>) -> Merged {
        self.schema = SchemaFindings::of(texts, &self, environment, when);
        self
    }

    fn row(&self, m: &MergedVar) -> MergedRow {
        let error = self.resolution.errors.get(&m.key).map(|e| e.to_string());
        let resolved = if error.is_none() && template::has_references(&m.value) {
            self.resolution.values.get(&m.key).cloned()
        } else {
            None
        };
        let declared = self.schema.schema.key(&m.key).map(|e| &e.schema);
        MergedRow {
            key: m.key.clone(),
            value: m.value.clone(),
            source: m.source,
            overrides: m.overrides.clone(),
            resolved,
            error,
            description: declared.and_then(|s| s.description.clone()),
            value_type: declared.and_then(|s| s.value_type.as_ref().map(|t| t.to_string())),
            sensitive: declared.and_then(|s| s.sensitive),
            problems: self.schema.by_key.get(&m.key).cloned().unwrap_or_default(),
        }
    }
}

impl Drop for Merged {
    fn drop(&mut self) {
        for m in &mut self.vars {
            m.key.zeroize();
            m.value.zeroize();
            for o in &mut m.overrides {
                o.value.zeroize();
            }
        }
        zeroize_vars(std::mem::take(&mut self.resolution.values));
    }
}

fn zeroize_vars(vars: Vars) {
    for (mut k, mut v) in vars {
        k.zeroize();
        v.zeroize();
    }
}

/// One open view's data.
struct OpenView {
    node: NodeView,
    saved: Merged,
    /// The level being edited and the merge with its text as typed.
    live: Option<(LevelKind, Merged)>,
    /// The sequence number of the last edit applied (an older one arriving later is ignored).
    edit_seq: u64,
    /// Closed (its project locked, or evicted): its data is gone, a read that still holds it gets
    /// `ViewClosed`.
    closed: bool,
    /// When each key under `@rotate-every` last changed, as read when the view opened.
    changed: HashMap<String, chrono::NaiveDate>,
}

impl OpenView {
    /// Zeroizes and drops what it holds; every later read of it is `ViewClosed`.
    fn close(&mut self) {
        self.closed = true;
        for l in &mut self.node.levels {
            l.text.zeroize();
        }
        self.node.levels.clear();
        self.live = None;
        self.saved = Merged { vars: Vec::new(), resolution: Resolution::default(), schema: SchemaFindings::default() };
    }
}

impl Drop for OpenView {
    fn drop(&mut self) {
        // `node.merged` and `node.resolution` were moved into `saved`, zeroized by its own drop.
        for l in &mut self.node.levels {
            l.text.zeroize();
        }
    }
}

/// A view in the list: its id, project and size are read without locking its data.
struct Entry {
    id: ViewId,
    project: String,
    bytes: usize,
    view: Arc<Mutex<OpenView>>,
}

impl Entry {
    fn close(&self) {
        self.view.lock().unwrap_or_else(|e| e.into_inner()).close();
    }
}

/// The views of one vault.
#[derive(Default)]
pub(crate) struct Views {
    next: AtomicU64,
    open: Mutex<VecDeque<Entry>>,
}

impl Views {
    fn list(&self) -> std::sync::MutexGuard<'_, VecDeque<Entry>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Closes the views of `project` (or every view): their data is zeroized now, even if a read still
    /// holds one of them.
    pub(crate) fn forget(&self, project: Option<&str>) {
        self.close_where(|e| project.is_none_or(|p| e.project == p));
    }

    /// Takes the views `which` picks out of the list, then closes them (outside the list's lock).
    fn close_where(&self, which: impl Fn(&Entry) -> bool) {
        let gone: Vec<Entry> = {
            let mut list = self.list();
            let (gone, kept): (Vec<_>, Vec<_>) = list.drain(..).partition(|e| which(e));
            *list = kept.into();
            gone
        };
        for e in gone {
            e.close();
        }
    }
}

/// What the webview gets when it opens a node: the levels, the text of one, and how many keys.
pub struct OpenedView {
    /// The view.
    pub id: ViewId,
    /// The node as read; `text` of a level is empty unless it is `text_of` or does not parse.
    pub node: NodeView,
    /// Which level's text is included.
    pub text_of: LevelKind,
    /// Keys in the merged result.
    pub keys: u32,
}

impl Vault {
    /// Reads `path` and keeps it open as a view. The answer carries the text of `text_of` (the
    /// deepest level when `None` or when the path has no such level) and of every level that does not
    /// parse (the webview shows where); the other levels' texts stay here until asked for.
    pub async fn open_view(&self, path: &NodePath, text_of: Option<LevelKind>) -> Result<OpenedView> {
        let epoch = self.lock_epoch.load(Ordering::SeqCst);
        let mut node = self.read_node(path).await?;
        // What the view holds: the texts, and about as much again for the merged values and resolution.
        let bytes = node.levels.iter().map(|l| l.text.len()).sum::<usize>() * 3;
        if bytes > self.opts.limits.views_bytes {
            return Err(ClientError::TooLarge {
                what: "node",
                limit: crate::error::bytes_in_words(self.opts.limits.views_bytes),
            });
        }
        let deepest = super::levels::kind_of_path(path);
        let text_of = text_of.filter(|k| *k <= deepest).unwrap_or(deepest);
        let changed = self.rotation_dates(path, &node.levels, &node.merged).await;
        let texts: Vec<(LevelKind, &str)> = node.levels.iter().map(|l| (l.kind, l.text.as_str())).collect();
        let saved = Merged {
            vars: std::mem::take(&mut node.merged),
            resolution: std::mem::take(&mut node.resolution),
            schema: SchemaFindings::default(),
        }
        .with_schema(&texts, deepest == LevelKind::Environment, &self.when(&changed));
        drop(texts);
        let keys = saved.vars.len() as u32;
        let id = ViewId(self.views.next.fetch_add(1, Ordering::SeqCst) + 1);
        let answer = NodeView {
            path: node.path.clone(),
            levels: node
                .levels
                .iter()
                .map(|l| LevelView {
                    kind: l.kind,
                    source: l.source.clone(),
                    text: if l.kind == text_of || l.parse_error.is_some() { l.text.clone() } else { String::new() },
                    exists: l.exists,
                    revision: l.revision,
                    id: l.id.clone(),
                    updated_at: l.updated_at.clone(),
                    parse_error: l.parse_error.clone(),
                })
                .collect(),
            merged: Vec::new(),
            resolution: Resolution::default(),
        };
        let view = Arc::new(Mutex::new(OpenView { node, saved, live: None, edit_seq: 0, closed: false, changed }));
        let evicted: Vec<Entry> = {
            let mut list = self.views.list();
            // A lock came while the node was read and this project is locked now: nothing of it is
            // kept. (Another project's lock does not fail this read.)
            if self.lock_epoch.load(Ordering::SeqCst) != epoch && !self.is_unlocked(&path.project) {
                drop(list);
                view.lock().unwrap_or_else(|e| e.into_inner()).close();
                return Err(ClientError::Locked { project: path.project.clone() });
            }
            let mut evicted = Vec::new();
            let mut total: usize = list.iter().map(|e| e.bytes).sum::<usize>() + bytes;
            while !list.is_empty() && (list.len() >= MAX_VIEWS || total > self.opts.limits.views_bytes) {
                if let Some(e) = list.pop_front() {
                    total -= e.bytes;
                    evicted.push(e);
                }
            }
            list.push_back(Entry { id, project: path.project.clone(), bytes, view });
            evicted
        };
        for e in evicted {
            e.close();
        }
        Ok(OpenedView { id, node: answer, text_of, keys })
    }

    /// Runs `f` on view `id`'s data, if it is still open and its project still unlocked (checked
    /// before, and the view's `closed` flag under its lock, so a lock in between wins).
    fn with_view<R>(&self, id: ViewId, f: impl FnOnce(&mut OpenView) -> Result<R>) -> Result<R> {
        let (view, project) = {
            let list = self.views.list();
            let e = list.iter().find(|e| e.id == id).ok_or(ClientError::ViewClosed)?;
            (e.view.clone(), e.project.clone())
        };
        self.unlocked(&project)?;
        let mut v = view.lock().unwrap_or_else(|e| e.into_inner());
        if v.closed {
            return Err(ClientError::ViewClosed);
        }
        f(&mut v)
    }

    /// A window of the view's merged result — the live one (a level as typed, see [`Vault::view_edit`])
    /// when `live` and a level is being edited, else the saved one: the keys whose name contains
    /// `filter` (ignoring case), from `offset`, at most `limit` (≤ [`MAX_WINDOW`]).
    pub fn view_rows(&self, id: ViewId, offset: u32, limit: u32, filter: &str, live: bool) -> Result<MergedWindow> {
        if filter.len() > MAX_FILTER {
            return Err(ClientError::Invalid(format!("A filter is at most {MAX_FILTER} bytes.")));
        }
        self.with_view(id, |v| {
            let (merged, live) = match &v.live {
                Some((_, m)) if live => (m, true),
                _ => (&v.saved, false),
            };
            let limit = limit.min(MAX_WINDOW) as usize;
            let needle = filter.to_lowercase();
            let matches = |m: &&MergedVar| needle.is_empty() || contains_ignoring_case(&m.key, &needle);
            let mut total = 0u32;
            let mut rows = Vec::with_capacity(limit.min(merged.vars.len()));
            for m in merged.vars.iter().filter(matches) {
                if total as usize >= offset as usize && rows.len() < limit {
                    rows.push(merged.row(m));
                }
                total += 1;
            }
            let f = &merged.schema;
            Ok(MergedWindow {
                total,
                all: merged.vars.len() as u32,
                offset,
                rows,
                live,
                missing: f.missing.clone(),
                schema_errors: f.errors,
                schema_warnings: f.warnings,
            })
        })
    }

    /// One key of the view's merged result (the live one when `live` and a level is being edited), if
    /// it has it.
    pub fn view_key(&self, id: ViewId, key: &str, live: bool) -> Result<Option<MergedRow>> {
        self.with_view(id, |v| {
            let merged = v.live.as_ref().filter(|_| live).map(|(_, m)| m).unwrap_or(&v.saved);
            Ok(merged.vars.iter().find(|m| m.key == key).map(|m| merged.row(m)))
        })
    }

    /// The text of level `kind` of the view, as it was read (the base of its next save).
    pub fn view_level_text(&self, id: ViewId, kind: LevelKind) -> Result<String> {
        self.with_view(id, |v| {
            v.node
                .levels
                .iter()
                .find(|l| l.kind == kind)
                .map(|l| l.text.clone())
                .ok_or_else(|| ClientError::Invalid(format!("This node has no {} level.", kind.as_str())))
        })
    }

    /// The annotations of the levels above `kind` in the view, project first (issue 16): the schema a
    /// level as typed is linted against ([`envdesk_core::dotenv::Document::lint_in`]). A level that does
    /// not parse says nothing.
    pub fn view_schema_above(&self, id: ViewId, kind: LevelKind) -> Result<Vec<(LevelKind, schema::LevelSchema)>> {
        self.with_view(id, |v| {
            Ok(v.node
                .levels
                .iter()
                .filter(|l| l.kind < kind)
                .filter_map(|l| Document::parse(&l.text).ok().map(|d| (l.kind, schema::level_schema(&d))))
                .collect())
        })
    }

    /// What the node's schema says of the view with level `kind` reading `text` (issue 16): whether the
    /// project is strict (`# @schema: strict` in its level, as saved or as typed) and what breaks the
    /// schema in the merged result. What a save checks before it writes.
    pub fn view_check(&self, id: ViewId, kind: LevelKind, text: &str) -> Result<SchemaCheck> {
        self.with_view(id, |v| {
            if !v.node.levels.iter().any(|l| l.kind == kind) {
                return Err(ClientError::Invalid(format!("This node has no {} level.", kind.as_str())));
            }
            Ok(check_edit(&v.node.levels, &v.saved, kind, text, &self.when(&v.changed)))
        })
    }

    /// Refuses (`SchemaViolation`) writing `text` to `path`'s level when the project is strict and the
    /// write adds schema errors to the node: what a save from the editor checks through its view
    /// ([`Vault::view_check`]), for writes made without one (the diff's "set in" and its undo).
    pub async fn strict_refusal(&self, path: &NodePath, text: &str) -> Result<()> {
        let kind = super::levels::kind_of_path(path);
        let mut node = self.read_node(path).await?;
        let saved = Merged {
            vars: std::mem::take(&mut node.merged),
            resolution: std::mem::take(&mut node.resolution),
            schema: SchemaFindings::default(),
        };
        let check = check_edit(&node.levels, &saved, kind, text, &self.when(&NO_DATES));
        for l in &mut node.levels {
            l.text.zeroize();
        }
        if check.strict && !check.introduced.is_empty() {
            return Err(ClientError::SchemaViolation(strict_message(&check.introduced)));
        }
        Ok(())
    }

    /// Level `kind` of the view is being edited and now reads `text` (`None`: back to its saved text):
    /// the view's rows become the live effective result — that level as typed (no keys while it does
    /// not parse, as a saved level that does not parse), the others as read. `seq` orders the edits:
    /// one older than the last applied is ignored (the answers of concurrent calls may arrive in any
    /// order). Returns the keys in the live result.
    pub fn view_edit(&self, id: ViewId, kind: LevelKind, text: Option<&str>, seq: u64) -> Result<u32> {
        if text.is_some_and(|t| t.len() > MAX_EDIT_BYTES) {
            return Err(ClientError::Invalid("A level's text is at most 64 MiB.".into()));
        }
        self.with_view(id, |v| {
            if !v.node.levels.iter().any(|l| l.kind == kind) {
                return Err(ClientError::Invalid(format!("This node has no {} level.", kind.as_str())));
            }
            if seq < v.edit_seq {
                return Ok(v.live.as_ref().map_or(v.saved.vars.len(), |(_, m)| m.vars.len()) as u32);
            }
            v.edit_seq = seq;
            let saved_text = v.node.levels.iter().find(|l| l.kind == kind).map(|l| l.text.as_str());
            let Some(text) = text.filter(|t| Some(*t) != saved_text) else {
                v.live = None;
                return Ok(v.saved.vars.len() as u32);
            };
            let edited = Document::parse(text).map(|d| d.vars()).unwrap_or_default();
            let parsed: Vec<(LevelKind, Vars)> = v
                .node
                .levels
                .iter()
                .map(|l| {
                    if l.kind == kind {
                        (l.kind, edited.clone())
                    } else {
                        (l.kind, Document::parse(&l.text).map(|d| d.vars()).unwrap_or_default())
                    }
                })
                .collect();
            zeroize_vars(edited);
            let refs: Vec<(LevelKind, &Vars)> = parsed.iter().map(|(k, v)| (*k, v)).collect();
            let texts: Vec<(LevelKind, &str)> =
                v.node.levels.iter().map(|l| (l.kind, if l.kind == kind { text } else { l.text.as_str() })).collect();
            let environment = v.node.levels.iter().any(|l| l.kind == LevelKind::Environment);
            let merged = Merged::of(&refs);
            // A key under `@rotate-every` whose value the edit changes is being rotated now.
            let mut changed = v.changed.clone();
            if !changed.is_empty() {
                let today = self.when(&NO_DATES).today;
                fn value_of<'a>(
                    vars: &'a [MergedVar],
                    changed: &HashMap<String, chrono::NaiveDate>,
                ) -> HashMap<&'a str, &'a str> {
                    vars.iter()
                        .filter(|m| changed.contains_key(&m.key))
                        .map(|m| (m.key.as_str(), m.value.as_str()))
                        .collect()
                }
                let (now, before) = (value_of(&merged.vars, &changed), value_of(&v.saved.vars, &changed));
                let rotated: Vec<String> =
                    changed.keys().filter(|k| now.get(k.as_str()) != before.get(k.as_str())).cloned().collect();
                for key in rotated {
                    changed.insert(key, today);
                }
            }
            let live = merged.with_schema(&texts, environment, &self.when(&changed));
            drop(refs);
            for (_, vars) in parsed {
                zeroize_vars(vars);
            }
            let keys = live.vars.len() as u32;
            v.live = Some((kind, live));
            Ok(keys)
        })
    }

    /// Today, the warning window in force and `changed` (see [`When`]).
    pub(crate) fn when<'a>(&self, changed: &'a HashMap<String, chrono::NaiveDate>) -> When<'a> {
        let today = self.opts.today.unwrap_or_else(|| chrono::Local::now().date_naive());
        When { today, warn_days: self.expiry_warning_days(), changed }
    }

    /// When each key that some level of the node says `@rotate-every` for last changed at the level
    /// that sets it: the version that set its current value ([`Vault::blame`]), by its date. Nothing is
    /// read unless a level says `@rotate-every`; a level whose history cannot be read leaves its keys
    /// unknown (no warning: a rotation is never reported on a guess).
    async fn rotation_dates(
        &self,
        path: &NodePath,
        levels: &[LevelView],
        merged: &[MergedVar],
    ) -> HashMap<String, chrono::NaiveDate> {
        let mut out = HashMap::new();
        // Annotation names are read in any case.
        // From each `@` only (a comparison at every byte took ~2 ms of a 5,000-key open).
        let says_rotate = |t: &str| {
            t.match_indices('@')
                .any(|(i, _)| t.as_bytes().get(i..i + 13).is_some_and(|w| w.eq_ignore_ascii_case(b"@rotate-every")))
        };
        if !levels.iter().any(|l| says_rotate(&l.text)) {
            return out;
        }
        let schemas: Vec<(LevelKind, schema::LevelSchema)> = levels
            .iter()
            .filter_map(|l| Document::parse(&l.text).ok().map(|d| (l.kind, schema::level_schema(&d))))
            .collect();
        let schema = Schema::of_levels(schemas.iter().map(|(k, s)| (*k, s)));
        for kind in [LevelKind::Project, LevelKind::Target, LevelKind::Environment] {
            let keys: HashSet<&str> = merged
                .iter()
                .filter(|m| m.source == kind)
                .filter(|m| schema.key(&m.key).is_some_and(|e| e.schema.rotate_every_days.is_some()))
                .map(|m| m.key.as_str())
                .collect();
            let level_path = match kind {
                LevelKind::Project => NodePath::project(&path.project),
                LevelKind::Target => match &path.target {
                    Some(t) => NodePath::target(&path.project, t),
                    None => continue,
                },
                LevelKind::Environment => path.clone(),
            };
            if keys.is_empty() {
                continue;
            }
            // A version that could not be read may hide a later change: unknown, not a guess.
            let Ok(blame) = self.blame(&level_path).await else { continue };
            if !blame.skipped.is_empty() {
                continue;
            }
            for b in blame.keys.into_iter().filter(|b| keys.contains(&b.key.as_str())) {
                let date = b.version.and_then(|v| {
                    chrono::NaiveDate::parse_from_str(v.created_at.get(..10).unwrap_or_default(), "%Y-%m-%d").ok()
                });
                if let Some(date) = date {
                    out.insert(b.key, date);
                }
            }
        }
        out
    }

    /// Closes view `id` (nothing happens if it is already closed): its data is zeroized now.
    pub fn close_view(&self, id: ViewId) {
        self.views.close_where(|e| e.id == id);
    }
}

/// Whether `hay` contains `needle_lower` (already lower-cased), ignoring case; ASCII keys (nearly all)
/// are compared without allocating.
fn contains_ignoring_case(hay: &str, needle_lower: &str) -> bool {
    if hay.is_ascii() && needle_lower.is_ascii() {
        let (h, n) = (hay.as_bytes(), needle_lower.as_bytes());
        n.is_empty()
            || n.len() <= h.len()
                && h.windows(n.len()).any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b))
    } else {
        hay.to_lowercase().contains(needle_lower)
    }
}
