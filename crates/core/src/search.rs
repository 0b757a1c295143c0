//! The in-memory search index behind "search everywhere" (issue 14): every level of every unlocked
//! project of a connection, searchable by key name, comment and — only when asked — value.
//!
//! Decisions:
//!
//! - **What is indexed.** One row per assignment of a level's `.env` text ([`Document::entries`]): the
//!   key, its 1-based line, its comment (the comment lines directly above, the `@tags`, and the
//!   inline comment, joined by spaces) and its decoded value. A comment block that heads no key is
//!   not indexed. A level whose text does not parse is indexed empty (the editor shows why).
//! - **Layout.** Per level, each searched field is one lower-cased buffer of all rows separated by
//!   `\n` (a [`Column`]) plus the end offset of each row, so a query is one substring scan of each
//!   buffer and a binary search per match: no allocation per row, a few milliseconds for 100,000 keys
//!   (`docs/benchmarks.md`). Matching is case-insensitive substring matching (a prefix is a
//!   substring); the query is trimmed, lower-cased, and a line break in it matches nothing.
//! - **Values.** Searched only when [`SearchOptions::values`] is on. A hit never carries a value: it
//!   says [`SearchHit::in_value`] and the UI shows "value matches"; the editor, once opened at the
//!   line, is where the value is seen. Comments and key names are returned (the table shows them).
//! - **Order and cap.** Hits come grouped in the order project → target → environment (the project
//!   level first, then each target's level followed by its environments' levels, by slug), each
//!   level's hits by line; at most [`MAX_HITS`] are returned and [`SearchResults::total`] counts all.
//! - **Secrets.** Every buffer is a `Zeroizing<String>` grown by hand (a copy is made into a larger
//!   zeroizing buffer, so a reallocation leaves no stale copy), wiped when a level is replaced or
//!   removed and when the index is dropped. `Debug` shows only counts. The index never touches the
//!   disk: it has no I/O at all, like the rest of this crate; `envdesk-client`'s `Vault` holds it in
//!   memory and drops a project's part when the project is locked.

use std::collections::BTreeMap;
use std::fmt;

use zeroize::{Zeroize, Zeroizing};

use crate::dotenv::Document;
use crate::merge::LevelKind;

/// The most hits a query returns ([`SearchResults::total`] counts the rest).
pub const MAX_HITS: usize = 200;
/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// The longest comment snippet of a hit, in characters.
pub const SNIPPET_CHARS: usize = 80;

/// A level: the node whose own level it is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LevelId {
    /// Project slug.
    pub project: String,
    /// Target slug (`None`: the project's level).
    pub target: Option<String>,
    /// Environment slug (`None`: the project's or the target's level).
    pub environment: Option<String>,
}

impl LevelId {
    /// The project's own level.
    pub fn project(project: &str) -> LevelId {
        LevelId { project: project.to_owned(), target: None, environment: None }
    }

    /// A target's level.
    pub fn target(project: &str, target: &str) -> LevelId {
        LevelId { project: project.to_owned(), target: Some(target.to_owned()), environment: None }
    }

    /// An environment's level.
    pub fn environment(project: &str, target: &str, environment: &str) -> LevelId {
        LevelId {
            project: project.to_owned(),
            target: Some(target.to_owned()),
            environment: Some(environment.to_owned()),
        }
    }

    /// Which level it is.
    pub fn kind(&self) -> LevelKind {
        match (&self.target, &self.environment) {
            (None, _) => LevelKind::Project,
            (Some(_), None) => LevelKind::Target,
            (Some(_), Some(_)) => LevelKind::Environment,
        }
    }
}

/// What a query searches besides key names (always searched).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchOptions {
    /// Comments (above the key, `@tags`, inline).
    pub comments: bool,
    /// Values (the hit says only that the value matches).
    pub values: bool,
}

/// One key that matches.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchHit {
    /// The level it is in.
    pub level: LevelId,
    /// The key.
    pub key: String,
    /// 1-based line of the assignment.
    pub line: u32,
    /// The key name matches.
    pub in_name: bool,
    /// The comment matches.
    pub in_comment: bool,
    /// The value matches (the value itself is never in a hit).
    pub in_value: bool,
    /// Up to [`SNIPPET_CHARS`] characters of the comment (around the match when the comment matches).
    pub comment: Option<String>,
}

/// The hits of a query, in group order.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchResults {
    /// At most [`MAX_HITS`] hits.
    pub hits: Vec<SearchHit>,
    /// Every hit, including those left out.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: usize,
}

/// Rows of text in one zeroizing buffer: row `i` is `text[start(i)..ends[i]]`, each row followed by
/// `\n` (never inside a row).
#[derive(Default)]
struct Column {
    text: Zeroizing<String>,
    ends: Vec<u32>,
}

impl Column {
    /// Appends a row (lower-cased when `lower`; line breaks become spaces).
    fn push(&mut self, s: &str, lower: bool) {
        let map = |c: char| if c == '\n' || c == '\r' { ' ' } else { c };
        let needed: usize =
            if lower { s.chars().flat_map(char::to_lowercase).map(char::len_utf8).sum() } else { s.len() } + 1;
        if self.text.capacity() - self.text.len() < needed {
            // Grow into a new zeroizing buffer: `String`'s own reallocation would leave the old bytes.
            let cap = (self.text.len() + needed).max(self.text.capacity() * 2).max(64);
            let mut bigger = Zeroizing::new(String::with_capacity(cap));
            bigger.push_str(&self.text);
            self.text = bigger;
        }
        if lower {
            s.chars().flat_map(char::to_lowercase).for_each(|c| self.text.push(map(c)));
        } else {
            s.chars().for_each(|c| self.text.push(map(c)));
        }
        self.ends.push(self.text.len() as u32);
        self.text.push('\n');
    }

    fn start(&self, row: usize) -> usize {
        if row == 0 {
            0
        } else {
            self.ends[row - 1] as usize + 1
        }
    }

    fn row(&self, row: usize) -> &str {
        &self.text[self.start(row)..self.ends[row] as usize]
    }

    /// The rows holding `needle`, ascending, each once.
    fn matching(&self, needle: &str, out: &mut Vec<u32>) {
        let mut from = 0;
        let mut first_row = 0;
        while let Some(at) = self.text[from..].find(needle) {
            let pos = from + at;
            let row = first_row + self.ends[first_row..].partition_point(|&end| (end as usize) <= pos);
            out.push(row as u32);
            from = self.ends[row] as usize + 1;
            first_row = row + 1;
            if from >= self.text.len() {
                break;
            }
        }
    }

    fn bytes(&self) -> usize {
        self.text.len()
    }
}

/// One level's rows.
#[derive(Default)]
struct LevelIndex {
    /// What text this is the index of (see [`fingerprint`]).
    fingerprint: u64,
    lines: Vec<u32>,
    keys: Column,
    names: Column,
    comments: Column,
    comments_lower: Column,
    values: Column,
}

impl LevelIndex {
    fn bytes(&self) -> usize {
        self.keys.bytes()
            + self.names.bytes()
            + self.comments.bytes()
            + self.comments_lower.bytes()
            + self.values.bytes()
    }

    fn build(text: &str) -> LevelIndex {
        let mut ix = LevelIndex { fingerprint: fingerprint(text), ..LevelIndex::default() };
        let Ok(doc) = Document::parse(text) else { return ix };
        let mut comment = String::new();
        for mut e in doc.entries() {
            comment.clear();
            for c in &e.comments {
                push_word(&mut comment, c);
            }
            if !e.tags.is_empty() {
                push_word(&mut comment, &format!("@tags: {}", e.tags.join(", ")));
            }
            if let Some(inline) = &e.inline_comment {
                push_word(&mut comment, inline.trim_start_matches('#').trim());
            }
            ix.lines.push(e.line as u32);
            ix.keys.push(&e.key, false);
            ix.names.push(&e.key, true);
            ix.comments.push(&comment, false);
            ix.comments_lower.push(&comment, true);
            ix.values.push(&e.value, true);
            e.value.zeroize();
        }
        comment.zeroize();
        ix
    }

    fn rows(&self) -> usize {
        self.lines.len()
    }

    /// A snippet of row `row`'s comment: its start, or around the first match of `needle`.
    fn snippet(&self, row: usize, needle: Option<&str>) -> Option<String> {
        let raw = self.comments.row(row);
        if raw.is_empty() {
            return None;
        }
        let skip = needle
            .and_then(|n| {
                let lower = self.comments_lower.row(row);
                lower.find(n).map(|at| lower[..at].chars().count())
            })
            .filter(|&chars| chars + 20 > SNIPPET_CHARS)
            .map_or(0, |chars| chars - 20);
        let mut out: String = raw.chars().skip(skip).take(SNIPPET_CHARS).collect();
        if skip > 0 {
            out.insert(0, '…');
        }
        if raw.chars().count() > skip + SNIPPET_CHARS {
            out.push('…');
        }
        Some(out)
    }
}

/// SipHash of a level's text under this process's random keys: tells whether a level read again
/// changed, without keeping its text; the keys never leave memory, so it confirms no guess elsewhere.
fn fingerprint(text: &str) -> u64 {
    use std::hash::BuildHasher;
    static KEYS: std::sync::OnceLock<std::collections::hash_map::RandomState> = std::sync::OnceLock::new();
    KEYS.get_or_init(Default::default).hash_one(text)
}

fn push_word(out: &mut String, s: &str) {
    let s = s.trim();
    if s.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(s);
}

/// A level's rows, indexed apart from any [`SearchIndex`] (to build without holding its lock).
pub struct IndexedLevel(LevelIndex);

impl IndexedLevel {
    /// Indexes a level's text.
    pub fn build(text: &str) -> IndexedLevel {
        IndexedLevel(LevelIndex::build(text))
    }

    /// Bytes of text it holds (all columns), as [`SearchIndex::bytes`] counts them.
    pub fn bytes(&self) -> usize {
        self.0.bytes()
    }
}

impl fmt::Debug for IndexedLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IndexedLevel").field("rows", &self.0.rows()).finish_non_exhaustive()
    }
}

/// The index of every level added to it (see the module doc).
#[derive(Default)]
pub struct SearchIndex {
    levels: BTreeMap<LevelId, LevelIndex>,
}

impl fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Counts only: the buffers hold comments and values.
        f.debug_struct("SearchIndex")
            .field("levels", &self.levels.len())
            .field("rows", &self.rows())
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// An empty index.
    pub fn new() -> SearchIndex {
        SearchIndex::default()
    }

    /// Indexes `text` as `level`'s content, replacing what was there (its buffers are wiped).
    pub fn set_level(&mut self, level: LevelId, text: &str) {
        self.levels.insert(level, LevelIndex::build(text));
    }

    /// Puts a level indexed beforehand ([`IndexedLevel::build`], outside any lock) in place.
    pub fn insert_level(&mut self, level: LevelId, indexed: IndexedLevel) {
        self.levels.insert(level, indexed.0);
    }

    /// Forgets one level.
    pub fn remove_level(&mut self, level: &LevelId) {
        self.levels.remove(level);
    }

    /// Forgets every level of `project`.
    pub fn remove_project(&mut self, project: &str) {
        self.levels.retain(|id, _| id.project != project);
    }

    /// Forgets every level of `project` under `target` (the target's and its environments').
    pub fn remove_target(&mut self, project: &str, target: &str) {
        self.levels.retain(|id, _| !(id.project == project && id.target.as_deref() == Some(target)));
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.levels.clear();
    }

    /// Whether `level` is indexed.
    pub fn has_level(&self, level: &LevelId) -> bool {
        self.levels.contains_key(level)
    }

    /// Whether `level` is indexed from exactly `text` (so indexing it again would change nothing).
    pub fn is_current(&self, level: &LevelId, text: &str) -> bool {
        self.levels.get(level).is_some_and(|l| l.fingerprint == fingerprint(text))
    }

    /// Levels indexed.
    pub fn levels(&self) -> usize {
        self.levels.len()
    }

    /// Rows (assignments) indexed.
    pub fn rows(&self) -> usize {
        self.levels.values().map(LevelIndex::rows).sum()
    }

    /// Bytes of text held (all columns).
    pub fn bytes(&self) -> usize {
        self.levels.values().map(LevelIndex::bytes).sum()
    }

    /// The keys matching `query` (see the module doc): at most `cap` hits, in group order, and the
    /// count of all. An empty query (after trimming), one longer than [`MAX_QUERY_CHARS`] or one with a
    /// line break matches nothing.
    pub fn query(&self, query: &str, opts: SearchOptions, cap: usize) -> SearchResults {
        let mut out = SearchResults::default();
        let q = query.trim();
        if q.is_empty() || q.chars().count() > MAX_QUERY_CHARS || q.contains(['\n', '\r']) {
            return out;
        }
        let needle = Zeroizing::new(q.to_lowercase());
        let (mut by_name, mut by_comment, mut by_value) = (Vec::new(), Vec::new(), Vec::new());
        for (id, ix) in &self.levels {
            by_name.clear();
            by_comment.clear();
            by_value.clear();
            ix.names.matching(&needle, &mut by_name);
            if opts.comments {
                ix.comments_lower.matching(&needle, &mut by_comment);
            }
            if opts.values {
                ix.values.matching(&needle, &mut by_value);
            }
            let (mut a, mut b, mut c) = (0, 0, 0);
            loop {
                let next = [by_name.get(a), by_comment.get(b), by_value.get(c)].into_iter().flatten().min().copied();
                let Some(row) = next else { break };
                let in_name = by_name.get(a) == Some(&row);
                let in_comment = by_comment.get(b) == Some(&row);
                let in_value = by_value.get(c) == Some(&row);
                a += usize::from(in_name);
                b += usize::from(in_comment);
                c += usize::from(in_value);
                out.total += 1;
                if out.hits.len() < cap {
                    let r = row as usize;
                    out.hits.push(SearchHit {
                        level: id.clone(),
                        key: ix.keys.row(r).to_owned(),
                        line: ix.lines[r],
                        in_name,
                        in_comment,
                        in_value,
                        comment: ix.snippet(r, in_comment.then_some(needle.as_str())),
                    });
                }
            }
        }
        out
    }
}
