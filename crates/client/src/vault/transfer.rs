//! Import (`.env` or JSON → preview → merge into or replace a level) and export (a level or a merged
//! node, any format, templates resolved or not) as bytes — writing files is the app's job.

use envdesk_api::NodePath;
use envdesk_core::diff::{self, Change, DiffSummary};
use envdesk_core::dotenv::Document;
use envdesk_core::export::{self, Format};
use envdesk_core::template;
use envdesk_core::Vars;
use zeroize::Zeroizing;

use super::{SaveOutcome, Vault};
use crate::error::{ClientError, Result};

/// How an import lands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Keep the level's text; set every imported key (new keys appended).
    Merge,
    /// The imported file becomes the level's text.
    Replace,
    /// The file is a schema (a `.env.example`): its keys become `@required` at the level, its values
    /// are not taken (issue 16).
    Schema,
}

/// What an import would change.
#[derive(Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportPreview {
    /// Keys in the file.
    pub incoming: usize,
    /// Key-wise changes against the level, per mode.
    pub merge_changes: Vec<Change>,
    /// Counts for merge.
    pub merge_summary: DiffSummary,
    /// Key-wise changes against the level when replacing.
    pub replace_changes: Vec<Change>,
    /// Counts for replace.
    pub replace_summary: DiffSummary,
    /// The level's text after the import, for each mode.
    pub merged_text: String,
    /// The text that replaces the level.
    pub replace_text: String,
    /// The file's keys as `@required` at the level (its values not taken): the text, and what is
    /// added, annotated, left.
    pub schema: envdesk_core::schema::RequiredKeys,
    /// The revision the preview was made on (the save's base).
    pub base_revision: Option<u64>,
    /// The level's text the preview was made on.
    pub base_text: String,
}

impl std::fmt::Debug for ImportPreview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportPreview")
            .field("incoming", &self.incoming)
            .field("merge_summary", &self.merge_summary)
            .field("replace_summary", &self.replace_summary)
            .field("merged_text", &super::Redacted(self.merged_text.len()))
            .field("replace_text", &super::Redacted(self.replace_text.len()))
            .field("base_revision", &self.base_revision)
            .finish_non_exhaustive()
    }
}

/// What to export.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExportSource {
    /// The deepest level of the path, alone.
    Level {
        /// The level.
        path: NodePath,
    },
    /// Everything the node gets, merged.
    Merged {
        /// The node.
        path: NodePath,
    },
}

/// Reads an import file: JSON when it looks like a JSON object, else `.env`.
pub fn parse_import(bytes: &[u8]) -> Result<Document> {
    let text = String::from_utf8_lossy(bytes);
    if text.trim_start().starts_with('{') {
        Document::from_json(&text).map_err(|e| ClientError::Import(e.to_string()))
    } else {
        Document::parse_bytes(bytes).map_err(|e| ClientError::Import(e.to_string()))
    }
}

impl Vault {
    /// What importing `bytes` into `path`'s level would change.
    pub async fn preview_import(&self, path: &NodePath, bytes: &[u8]) -> Result<ImportPreview> {
        let incoming = parse_import(bytes)?;
        let node = self.read_node(path).await?;
        let level = node.levels.last().ok_or_else(|| ClientError::Invalid("That level does not exist.".into()))?;
        let current = Document::parse(&level.text)
            .map_err(|error| ClientError::Parse { level: level.kind.as_str().into(), error })?;
        // Into an empty level, a merge is the file as written (its comments included).
        let mut merged = if level.text.trim().is_empty() { incoming.clone() } else { current.clone() };
        let iv = incoming.vars();
        merged
            .set_many(iv.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .map_err(|e| ClientError::Import(e.to_string()))?;
        let names: Vec<String> = iv.keys().cloned().collect();
        // Keys the levels above set: declaring them empty here would hide their value.
        let above: Vec<String> = node.levels[..node.levels.len() - 1]
            .iter()
            .filter_map(|l| Document::parse(&l.text).ok())
            .flat_map(|d| d.vars().into_keys())
            .collect();
        let schema = envdesk_core::schema::require_keys(&current, &names, &above)
            .map_err(|e| ClientError::Import(e.to_string()))?;
        let (cur, mv) = (current.vars(), merged.vars());
        let merge_changes = diff::diff(&cur, &mv);
        let replace_changes = diff::diff(&cur, &iv);
        Ok(ImportPreview {
            incoming: iv.len(),
            merge_summary: diff::summarize(&merge_changes),
            replace_summary: diff::summarize(&replace_changes),
            merge_changes,
            replace_changes,
            merged_text: merged.to_string(),
            replace_text: incoming.to_string(),
            schema,
            base_revision: level.revision,
            base_text: level.text.clone(),
        })
    }

    /// Imports `bytes` into `path`'s level and saves (conflicts as for any save); a strict project refuses an
    /// import that adds schema errors (`SchemaViolation`), nothing written.
    pub async fn apply_import(&self, path: &NodePath, bytes: &[u8], mode: ImportMode) -> Result<SaveOutcome> {
        let p = self.preview_import(path, bytes).await?;
        let text = match mode {
            ImportMode::Merge => &p.merged_text,
            ImportMode::Replace => &p.replace_text,
            ImportMode::Schema => &p.schema.text,
        };
        // A strict project refuses an import that breaks its schema, as it refuses such a save.
        self.strict_refusal(path, text).await?;
        self.save_level(path, text, p.base_revision, &p.base_text).await
    }

    /// The bytes of an export. A single level in `env` format without resolution is its text exactly
    /// as written (comments and all); everything else goes through the checked exporters.
    pub async fn export(
        &self,
        source: &ExportSource,
        format: Format,
        resolve_templates: bool,
    ) -> Result<Zeroizing<Vec<u8>>> {
        self.export_checked(source, format, resolve_templates, true).await
    }

    /// Why an environment's merged result cannot be exported or run unconfirmed: "This environment
    /// breaks its schema — …." (keys and problems, never values); `None` when it keeps its schema, or
    /// for a project or target (an environment is what gets deployed).
    pub(crate) fn schema_refusal(&self, node: &super::NodeView) -> Option<String> {
        node.path.environment.as_ref()?;
        let texts: Vec<(envdesk_core::merge::LevelKind, &str)> =
            node.levels.iter().map(|l| (l.kind, l.text.as_str())).collect();
        let when = self.when(&super::views::NO_DATES);
        let problems = super::views::check_node(&texts, &node.merged, &node.resolution, true, &when)
            .map(|(_, p)| p)
            .unwrap_or_default();
        problems
            .iter()
            .any(|p| p.severity == envdesk_core::schema::ProblemSeverity::Error)
            .then(|| format!("This environment breaks its schema — {}.", super::views::problems_sentence(&problems)))
    }

    /// [`Vault::export`], refusing (unless `schema_confirmed`) the merged result of an environment
    /// that breaks its schema (issue 16): [`ClientError::SchemaViolation`] says what breaks, and the
    /// app asks before exporting anyway.
    pub async fn export_checked(
        &self,
        source: &ExportSource,
        format: Format,
        resolve_templates: bool,
        schema_confirmed: bool,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let (path, level_only) = match source {
            ExportSource::Level { path } => (path, true),
            ExportSource::Merged { path } => (path, false),
        };
        let node = self.read_node(path).await?;
        if !level_only && !schema_confirmed {
            if let Some(why) = self.schema_refusal(&node) {
                return Err(ClientError::SchemaViolation(format!(
                    "{why} Export it anyway only if that is what you mean."
                )));
            }
        }
        let vars: Vars = if level_only {
            let level = node.levels.last().ok_or_else(|| ClientError::Invalid("That level does not exist.".into()))?;
            if format == Format::Env && !resolve_templates {
                return Ok(Zeroizing::new(level.text.clone().into_bytes()));
            }
            Document::parse(&level.text)
                .map_err(|error| ClientError::Parse { level: level.kind.as_str().into(), error })?
                .vars()
        } else {
            if let Some(bad) = node.levels.iter().find(|l| l.parse_error.is_some()) {
                return Err(ClientError::Parse {
                    level: bad.kind.as_str().into(),
                    error: Document::parse(&bad.text).err().ok_or_else(|| ClientError::Invalid("parse".into()))?,
                });
            }
            node.merged.iter().map(|m| (m.key.clone(), m.value.clone())).collect()
        };
        let vars = if resolve_templates {
            let r = template::resolve(&vars);
            if !r.errors.is_empty() {
                let list: Vec<String> = r.errors.iter().map(|(k, e)| format!("{k} ({e})")).collect();
                return Err(ClientError::Template(list.join("; ")));
            }
            r.values
        } else {
            vars
        };
        Ok(Zeroizing::new(export::export(&vars, format)?.into_bytes()))
    }
}
