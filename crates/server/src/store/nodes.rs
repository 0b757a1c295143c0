//! The hierarchy: `projects`, `targets`, `environments`.

use super::{mode, offset_param, Mode, Q};
use crate::db::{Conn, Row};
use crate::params;
use envdesk_api::StorageMode;

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

fn project(r: &Row<'_>) -> Q<ProjectRow> {
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

pub fn insert_project(c: &Conn<'_>, org: i64, p: &NewProject<'_>, now: &str) -> Q<i64> {
    c.query_one("INSERT INTO projects (ulid, organization_id, name, slug, description, secret_format, storage_mode, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING id", params![p.ulid, org, p.name, p.slug, p.description, p.secret_format, Mode(p.storage_mode), now], |r| r.get("id"))
}

pub fn project_by_slug(c: &Conn<'_>, org: i64, slug: &str) -> Q<Option<ProjectRow>> {
    c.query_opt(&format!("{PROJECT_SELECT} WHERE p.organization_id = ?1 AND p.slug = ?2"), params![org, slug], project)
}

/// The columns of [`PROJECT_SELECT`] without its three subqueries: the counts read as 0 and
/// `has_secrets` as false. For resolving a path on every request (a third of a read's database time
/// went to counting), never for an answer that shows the counts.
const PROJECT_SELECT_UNCOUNTED: &str = "SELECT p.id AS id, p.ulid AS ulid, p.name AS name, p.slug AS slug,
  p.description AS description, p.secret_format AS secret_format, p.storage_mode AS storage_mode,
  p.created_at AS created_at, p.updated_at AS updated_at,
  CAST(0 AS BIGINT) AS target_count, CAST(0 AS BIGINT) AS environment_count, CAST(0 AS BIGINT) AS has_secrets
  FROM projects p";

/// [`project_by_slug`] without the counts (see [`PROJECT_SELECT_UNCOUNTED`]).
pub fn project_by_slug_uncounted(c: &Conn<'_>, org: i64, slug: &str) -> Q<Option<ProjectRow>> {
    c.query_opt(
        &format!("{PROJECT_SELECT_UNCOUNTED} WHERE p.organization_id = ?1 AND p.slug = ?2"),
        params![org, slug],
        project,
    )
}

pub fn project_by_id(c: &Conn<'_>, id: i64) -> Q<Option<ProjectRow>> {
    c.query_opt(&format!("{PROJECT_SELECT} WHERE p.id = ?1"), params![id], project)
}

pub fn projects(c: &Conn<'_>, org: i64, limit: u32, offset: u64) -> Q<(Vec<ProjectRow>, u64)> {
    let total: i64 =
        c.query_one("SELECT COUNT(*) AS n FROM projects WHERE organization_id = ?1", params![org], |r| r.get("n"))?;
    let rows = c.query(
        &format!("{PROJECT_SELECT} WHERE p.organization_id = ?1 ORDER BY p.name, p.id LIMIT ?2 OFFSET ?3"),
        params![org, limit, offset_param(offset)],
        project,
    )?;
    Ok((rows, total as u64))
}

/// Updates name, slug and description of a project, target or environment row.
pub fn update_node(
    c: &Conn<'_>,
    table: Table,
    id: i64,
    name: &str,
    slug: &str,
    description: Option<&str>,
    now: &str,
) -> Q<()> {
    c.execute(
        &format!("UPDATE {} SET name = ?2, slug = ?3, description = ?4, updated_at = ?5 WHERE id = ?1", table.name()),
        params![id, name, slug, description, now],
    )?;
    Ok(())
}

pub fn delete_node(c: &Conn<'_>, table: Table, id: i64) -> Q<()> {
    c.execute(&format!("DELETE FROM {} WHERE id = ?1", table.name()), params![id])?;
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

fn target(r: &Row<'_>) -> Q<TargetRow> {
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
    c: &Conn<'_>,
    project: i64,
    ulid: &str,
    name: &str,
    slug: &str,
    description: Option<&str>,
    now: &str,
) -> Q<i64> {
    c.query_one("INSERT INTO targets (ulid, project_id, name, slug, description, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING id", params![ulid, project, name, slug, description, now], |r| r.get("id"))
}

pub fn target_by_slug(c: &Conn<'_>, project: i64, slug: &str) -> Q<Option<TargetRow>> {
    c.query_opt(&format!("{TARGET_SELECT} WHERE t.project_id = ?1 AND t.slug = ?2"), params![project, slug], target)
}

/// [`target_by_slug`] without the count of environments (0), for resolving a path.
pub fn target_by_slug_uncounted(c: &Conn<'_>, project: i64, slug: &str) -> Q<Option<TargetRow>> {
    c.query_opt(
        "SELECT t.id AS id, t.ulid AS ulid, t.project_id AS project_id, t.name AS name, t.slug AS slug,
           t.description AS description, t.created_at AS created_at, t.updated_at AS updated_at,
           CAST(0 AS BIGINT) AS environment_count FROM targets t WHERE t.project_id = ?1 AND t.slug = ?2",
        params![project, slug],
        target,
    )
}

pub fn target_by_id(c: &Conn<'_>, id: i64) -> Q<Option<TargetRow>> {
    c.query_opt(&format!("{TARGET_SELECT} WHERE t.id = ?1"), params![id], target)
}

pub fn targets(c: &Conn<'_>, project: i64, limit: u32, offset: u64) -> Q<(Vec<TargetRow>, u64)> {
    let total: i64 =
        c.query_one("SELECT COUNT(*) AS n FROM targets WHERE project_id = ?1", params![project], |r| r.get("n"))?;
    let rows = c.query(
        &format!("{TARGET_SELECT} WHERE t.project_id = ?1 ORDER BY t.name, t.id LIMIT ?2 OFFSET ?3"),
        params![project, limit, offset_param(offset)],
        target,
    )?;
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

fn env(r: &Row<'_>) -> Q<EnvRow> {
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

pub fn insert_env(c: &Conn<'_>, target: i64, e: &NewEnv<'_>, now: &str) -> Q<i64> {
    c.query_one("INSERT INTO environments (ulid, target_id, name, slug, description, status, is_production, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING id", params![e.ulid, target, e.name, e.slug, e.description, e.status, e.is_production, now], |r| r.get("id"))
}

pub fn env_by_slug(c: &Conn<'_>, target: i64, slug: &str) -> Q<Option<EnvRow>> {
    c.query_opt(
        &format!("SELECT {ENV_COLS} FROM environments WHERE target_id = ?1 AND slug = ?2"),
        params![target, slug],
        env,
    )
}

pub fn env_by_id(c: &Conn<'_>, id: i64) -> Q<Option<EnvRow>> {
    c.query_opt(&format!("SELECT {ENV_COLS} FROM environments WHERE id = ?1"), params![id], env)
}

pub fn envs(c: &Conn<'_>, target: i64, limit: u32, offset: u64) -> Q<(Vec<EnvRow>, u64)> {
    let total: i64 =
        c.query_one("SELECT COUNT(*) AS n FROM environments WHERE target_id = ?1", params![target], |r| r.get("n"))?;
    let rows = c.query(
        &format!("SELECT {ENV_COLS} FROM environments WHERE target_id = ?1 ORDER BY name, id LIMIT ?2 OFFSET ?3"),
        params![target, limit, offset_param(offset)],
        env,
    )?;
    Ok((rows, total as u64))
}

pub fn update_env_status(c: &Conn<'_>, id: i64, status: &str, is_production: bool) -> Q<()> {
    c.execute(
        "UPDATE environments SET status = ?2, is_production = ?3 WHERE id = ?1",
        params![id, status, is_production],
    )?;
    Ok(())
}
