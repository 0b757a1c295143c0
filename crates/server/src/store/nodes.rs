//! The hierarchy: `projects`, `targets`, `environments`.

use envdesk_api::StorageMode;
use r2d2_sqlite::rusqlite::{params, Connection, OptionalExtension, Row};

use super::{mode, Mode, Q, R};

#[derive(Clone, Debug)]
pub struct ProjectRow {
    pub id: i64,
    pub ulid: String,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub secret_format: String,
    pub storage_mode: StorageMode,
    pub created_at: String,
    pub updated_at: String,
    pub target_count: i64,
    pub environment_count: i64,
    pub has_secrets: bool,
}

/// Every column is named (`AS`): rows are read by name, and SQLite leaves the name of an unnamed
/// qualified column or expression unspecified.
const PROJECT_SELECT: &str = "SELECT p.id AS id, p.ulid AS ulid, p.name AS name, p.slug AS slug,
  p.description AS description, p.secret_format AS secret_format, p.storage_mode AS storage_mode,
  p.created_at AS created_at, p.updated_at AS updated_at,
  (SELECT COUNT(*) FROM targets t WHERE t.project_id = p.id) AS target_count,
  (SELECT COUNT(*) FROM environments e JOIN targets t ON e.target_id = t.id WHERE t.project_id = p.id) AS environment_count,
  EXISTS (SELECT 1 FROM secrets s WHERE s.project_id = p.id AND s.content IS NOT NULL) AS has_secrets
  FROM projects p";

fn project(r: &Row<'_>) -> R<ProjectRow> {
    Ok(ProjectRow {
        id: r.get("id")?,
        ulid: r.get("ulid")?,
        name: r.get("name")?,
        slug: r.get("slug")?,
        description: r.get("description")?,
        secret_format: r.get("secret_format")?,
        storage_mode: mode(r, "storage_mode")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        target_count: r.get("target_count")?,
        environment_count: r.get("environment_count")?,
        has_secrets: r.get("has_secrets")?,
    })
}

pub struct NewProject<'a> {
    pub ulid: &'a str,
    pub name: &'a str,
    pub slug: &'a str,
    pub description: Option<&'a str>,
    pub secret_format: &'a str,
    pub storage_mode: StorageMode,
}

pub fn insert_project(c: &Connection, org: i64, p: &NewProject<'_>, now: &str) -> Q<i64> {
    c.prepare_cached("INSERT INTO projects (ulid, organization_id, name, slug, description, secret_format, storage_mode, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)")?.execute(params![p.ulid, org, p.name, p.slug, p.description, p.secret_format, Mode(p.storage_mode), now])?;
    Ok(c.last_insert_rowid())
}

pub fn project_by_slug(c: &Connection, org: i64, slug: &str) -> Q<Option<ProjectRow>> {
    Ok(c.prepare_cached(&format!("{PROJECT_SELECT} WHERE p.organization_id = ?1 AND p.slug = ?2"))?
        .query_row(params![org, slug], project)
        .optional()?)
}

pub fn project_by_id(c: &Connection, id: i64) -> Q<Option<ProjectRow>> {
    Ok(c.prepare_cached(&format!("{PROJECT_SELECT} WHERE p.id = ?1"))?.query_row([id], project).optional()?)
}

pub fn projects(c: &Connection, org: i64, limit: u32, offset: u64) -> Q<(Vec<ProjectRow>, u64)> {
    let total: i64 =
        c.prepare_cached("SELECT COUNT(*) FROM projects WHERE organization_id = ?1")?.query_row([org], |r| r.get(0))?;
    let mut st = c.prepare_cached(&format!(
        "{PROJECT_SELECT} WHERE p.organization_id = ?1 ORDER BY p.name, p.id LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = st.query_map(params![org, limit, offset as i64], project)?.collect::<R<Vec<_>>>()?;
    Ok((rows, total as u64))
}

/// Updates name, slug and description of a project, target or environment row.
pub fn update_node(
    c: &Connection,
    table: Table,
    id: i64,
    name: &str,
    slug: &str,
    description: Option<&str>,
    now: &str,
) -> Q<()> {
    c.prepare_cached(&format!(
        "UPDATE {} SET name = ?2, slug = ?3, description = ?4, updated_at = ?5 WHERE id = ?1",
        table.name()
    ))?
    .execute(params![id, name, slug, description, now])?;
    Ok(())
}

pub fn delete_node(c: &Connection, table: Table, id: i64) -> Q<()> {
    c.prepare_cached(&format!("DELETE FROM {} WHERE id = ?1", table.name()))?.execute([id])?;
    Ok(())
}

#[derive(Clone, Copy)]
pub enum Table {
    Projects,
    Targets,
    Environments,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Projects => "projects",
            Table::Targets => "targets",
            Table::Environments => "environments",
        }
    }
}

#[derive(Clone, Debug)]
pub struct TargetRow {
    pub id: i64,
    pub ulid: String,
    pub project_id: i64,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub environment_count: i64,
}

/// Every column is named, as in [`PROJECT_SELECT`].
const TARGET_SELECT: &str = "SELECT t.id AS id, t.ulid AS ulid, t.project_id AS project_id, t.name AS name,
  t.slug AS slug, t.description AS description, t.created_at AS created_at, t.updated_at AS updated_at,
  (SELECT COUNT(*) FROM environments e WHERE e.target_id = t.id) AS environment_count FROM targets t";

fn target(r: &Row<'_>) -> R<TargetRow> {
    Ok(TargetRow {
        id: r.get("id")?,
        ulid: r.get("ulid")?,
        project_id: r.get("project_id")?,
        name: r.get("name")?,
        slug: r.get("slug")?,
        description: r.get("description")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        environment_count: r.get("environment_count")?,
    })
}

pub fn insert_target(
    c: &Connection,
    project: i64,
    ulid: &str,
    name: &str,
    slug: &str,
    description: Option<&str>,
    now: &str,
) -> Q<i64> {
    c.prepare_cached("INSERT INTO targets (ulid, project_id, name, slug, description, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)")?.execute(params![ulid, project, name, slug, description, now])?;
    Ok(c.last_insert_rowid())
}

pub fn target_by_slug(c: &Connection, project: i64, slug: &str) -> Q<Option<TargetRow>> {
    Ok(c.prepare_cached(&format!("{TARGET_SELECT} WHERE t.project_id = ?1 AND t.slug = ?2"))?
        .query_row(params![project, slug], target)
        .optional()?)
}

pub fn target_by_id(c: &Connection, id: i64) -> Q<Option<TargetRow>> {
    Ok(c.prepare_cached(&format!("{TARGET_SELECT} WHERE t.id = ?1"))?.query_row([id], target).optional()?)
}

pub fn targets(c: &Connection, project: i64, limit: u32, offset: u64) -> Q<(Vec<TargetRow>, u64)> {
    let total: i64 =
        c.prepare_cached("SELECT COUNT(*) FROM targets WHERE project_id = ?1")?.query_row([project], |r| r.get(0))?;
    let mut st =
        c.prepare_cached(&format!("{TARGET_SELECT} WHERE t.project_id = ?1 ORDER BY t.name, t.id LIMIT ?2 OFFSET ?3"))?;
    let rows = st.query_map(params![project, limit, offset as i64], target)?.collect::<R<Vec<_>>>()?;
    Ok((rows, total as u64))
}

#[derive(Clone, Debug)]
pub struct EnvRow {
    pub id: i64,
    pub ulid: String,
    pub target_id: i64,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub status: String,
    pub is_production: bool,
    pub created_at: String,
    pub updated_at: String,
}

const ENV_COLS: &str = "id, ulid, target_id, name, slug, description, status, is_production, created_at, updated_at";

fn env(r: &Row<'_>) -> R<EnvRow> {
    Ok(EnvRow {
        id: r.get("id")?,
        ulid: r.get("ulid")?,
        target_id: r.get("target_id")?,
        name: r.get("name")?,
        slug: r.get("slug")?,
        description: r.get("description")?,
        status: r.get("status")?,
        is_production: r.get("is_production")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

pub struct NewEnv<'a> {
    pub ulid: &'a str,
    pub name: &'a str,
    pub slug: &'a str,
    pub description: Option<&'a str>,
    pub status: &'a str,
    pub is_production: bool,
}

pub fn insert_env(c: &Connection, target: i64, e: &NewEnv<'_>, now: &str) -> Q<i64> {
    c.prepare_cached("INSERT INTO environments (ulid, target_id, name, slug, description, status, is_production, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)")?.execute(params![e.ulid, target, e.name, e.slug, e.description, e.status, e.is_production, now])?;
    Ok(c.last_insert_rowid())
}

pub fn env_by_slug(c: &Connection, target: i64, slug: &str) -> Q<Option<EnvRow>> {
    Ok(c.prepare_cached(&format!("SELECT {ENV_COLS} FROM environments WHERE target_id = ?1 AND slug = ?2"))?
        .query_row(params![target, slug], env)
        .optional()?)
}

pub fn env_by_id(c: &Connection, id: i64) -> Q<Option<EnvRow>> {
    Ok(c.prepare_cached(&format!("SELECT {ENV_COLS} FROM environments WHERE id = ?1"))?
        .query_row([id], env)
        .optional()?)
}

pub fn envs(c: &Connection, target: i64, limit: u32, offset: u64) -> Q<(Vec<EnvRow>, u64)> {
    let total: i64 = c
        .prepare_cached("SELECT COUNT(*) FROM environments WHERE target_id = ?1")?
        .query_row([target], |r| r.get(0))?;
    let mut st = c.prepare_cached(&format!(
        "SELECT {ENV_COLS} FROM environments WHERE target_id = ?1 ORDER BY name, id LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = st.query_map(params![target, limit, offset as i64], env)?.collect::<R<Vec<_>>>()?;
    Ok((rows, total as u64))
}

pub fn update_env_status(c: &Connection, id: i64, status: &str, is_production: bool) -> Q<()> {
    c.prepare_cached("UPDATE environments SET status = ?2, is_production = ?3 WHERE id = ?1")?.execute(params![
        id,
        status,
        is_production
    ])?;
    Ok(())
}
