//! Projects, targets and environments.

use crate::db::Conn;
use envdesk_api::ability::*;
use envdesk_api::*;
use envdesk_core::crypto::{self, KeyCheck, ProjectKey};

use super::{check_page, name, new_ulid, Caller, Service};
use crate::store::{self, EnvRow, ProjectRow, Table, TargetRow};

pub(crate) fn project_json(p: &ProjectRow) -> Project {
    Item {
        kind: "projects".into(),
        id: p.ulid.clone(),
        attributes: ProjectAttributes {
            ulid: p.ulid.clone(),
            name: p.name.clone(),
            slug: p.slug.clone(),
            description: p.description.clone(),
            secret_format: p.secret_format.clone(),
            encryption_type: Some(p.storage_mode),
            has_secrets: Some(p.has_secrets),
            target_count: Some(p.target_count as u64),
            environment_count: Some(p.environment_count as u64),
            created_at: p.created_at.clone(),
            updated_at: p.updated_at.clone(),
        },
    }
}

fn target_json(t: &TargetRow, project_ulid: &str) -> Target {
    Item {
        kind: "targets".into(),
        id: t.ulid.clone(),
        attributes: TargetAttributes {
            ulid: t.ulid.clone(),
            project_id: project_ulid.to_owned(),
            name: t.name.clone(),
            slug: t.slug.clone(),
            description: t.description.clone(),
            environment_count: Some(t.environment_count as u64),
            created_at: t.created_at.clone(),
            updated_at: t.updated_at.clone(),
        },
    }
}

fn env_json(e: &EnvRow, project_ulid: &str, target_ulid: &str) -> Environment {
    Item {
        kind: "environments".into(),
        id: e.ulid.clone(),
        attributes: EnvironmentAttributes {
            ulid: e.ulid.clone(),
            project_id: project_ulid.to_owned(),
            target_id: target_ulid.to_owned(),
            name: e.name.clone(),
            slug: e.slug.clone(),
            description: e.description.clone(),
            status: e.status.clone(),
            is_production: e.is_production,
            created_at: e.created_at.clone(),
            updated_at: e.updated_at.clone(),
        },
    }
}

fn check_name(name: &str) -> ApiResult<String> {
    let n = name.trim();
    if n.is_empty() {
        return Err(ApiError::validation("name", "The name is required."));
    }
    if n.chars().count() > 255 {
        return Err(ApiError::validation("name", "The name must be at most 255 characters."));
    }
    Ok(n.to_owned())
}

fn pick_slug(slug: Option<&str>, name: &str) -> ApiResult<String> {
    let slug = match slug {
        Some(s) => s.to_owned(),
        None => {
            let s = slugify(name);
            if s.is_empty() {
                return Err(ApiError::validation(
                    "slug",
                    "The name has no letters or digits to make a slug of; give a slug.",
                ));
            }
            s
        }
    };
    if let Some(problem) = slug_problem(&slug) {
        return Err(ApiError::validation("slug", problem));
    }
    Ok(slug)
}

fn exists(what: &str, slug: &str) -> ApiError {
    ApiError::new(ErrorCode::AlreadyExists, format!("A {what} with the slug `{}` already exists.", name(slug)))
}

fn is_unique_violation(e: &crate::db::DbError) -> bool {
    e.is_unique_violation()
}

fn env_status(status: Option<&str>) -> ApiResult<String> {
    let s = status.unwrap_or("development");
    let slug = slugify(s);
    if slug.is_empty() {
        return Err(ApiError::validation("status", "The status must have letters or digits."));
    }
    Ok(slug)
}

impl Service {
    fn project_row(&self, c: &Conn<'_>, caller: &Caller, slug: &str) -> ApiResult<ProjectRow> {
        store::project_by_slug(c, caller.org_id, slug)?
            .ok_or_else(|| ApiError::not_found(format!("Project `{}`", name(slug))))
    }

    fn target_row(&self, c: &Conn<'_>, caller: &Caller, p: &str, t: &str) -> ApiResult<(ProjectRow, TargetRow)> {
        let project = self.project_row(c, caller, p)?;
        let target = store::target_by_slug(c, project.id, t)?
            .ok_or_else(|| ApiError::not_found(format!("Target `{}/{}`", name(p), name(t))))?;
        Ok((project, target))
    }

    fn env_row(
        &self,
        c: &Conn<'_>,
        caller: &Caller,
        p: &str,
        t: &str,
        e: &str,
    ) -> ApiResult<(ProjectRow, TargetRow, EnvRow)> {
        let (project, target) = self.target_row(c, caller, p, t)?;
        let env = store::env_by_slug(c, target.id, e)?
            .ok_or_else(|| ApiError::not_found(format!("Environment `{}/{}/{}`", name(p), name(t), name(e))))?;
        Ok((project, target, env))
    }

    /// `GET /{org}/projects`.
    pub fn list_projects(&self, caller: &Caller, page: PageRequest) -> ApiResult<Page<Project>> {
        caller.require(PROJECT_READ)?;
        let (limit, offset) = check_page(page.page, page.per_page)?;
        self.db.read(|c| {
            let (rows, total) = store::projects(c, caller.org_id, limit, offset)?;
            Ok(Page::new(rows.iter().map(project_json).collect(), PageMeta::new(page.page, limit, total)))
        })
    }

    /// `POST /{org}/projects`.
    pub fn create_project(&self, caller: &Caller, req: CreateProject) -> ApiResult<Project> {
        caller.require(PROJECT_CREATE)?;
        let name = check_name(&req.name)?;
        let slug = pick_slug(req.slug.as_deref(), &name)?;
        crate::audit::set_node(slug.clone());
        let format = req.secret_format.clone().unwrap_or_else(|| "env".to_owned());
        if format != "env" {
            return Err(ApiError::validation("secret_format", "envdesk stores `.env` text: the format must be `env`."));
        }
        let mode = req.storage_mode.unwrap_or(StorageMode::Server);
        let key = match mode {
            StorageMode::Client => {
                let check = req.key_check.as_ref().map(SecretString::expose).filter(|s| !s.is_empty());
                let salt = req.key_check_salt.as_deref().filter(|s| !s.is_empty());
                let (Some(check), Some(salt), Some(iters)) = (check, salt, req.key_check_iterations) else {
                    return Err(ApiError::validation(
                        "key_check",
                        "A client-managed project needs key_check, key_check_salt and key_check_iterations.",
                    ));
                };
                super::check_kdf(salt, iters)?;
                if crypto::decode_salt(check).map(|s| s.len()).unwrap_or(0) != 32 {
                    return Err(ApiError::validation("key_check", "The key proof must be base64 of 32 bytes."));
                }
                (None, Some(check.to_owned()), Some(salt.to_owned()), Some(iters))
            }
            StorageMode::Server => {
                let master = self.master()?;
                let key = match req.encryption_key.as_ref().map(SecretString::expose) {
                    Some(k) => ProjectKey::new(k)
                        .map_err(|_| ApiError::validation("encryption_key", "The encryption key must not be empty."))?,
                    None => ProjectKey::generate(),
                };
                let check = KeyCheck::with_iterations(&key, self.config.kdf_iterations);
                (Some(master.wrap(&key)), None, Some(check.key_check_salt), Some(i64::from(check.key_check_iterations)))
            }
        };
        let now = self.now_str();
        let ulid = new_ulid();
        self.db.write(|c| {
            let new = store::NewProject {
                ulid: &ulid,
                name: &name,
                slug: &slug,
                description: req.description.as_deref(),
                secret_format: &format,
                storage_mode: mode,
            };
            let id = store::insert_project(c, caller.org_id, &new, &now).map_err(|e| {
                if is_unique_violation(&e) {
                    exists("project", &slug)
                } else {
                    e.into()
                }
            })?;
            store::insert_key(
                c,
                id,
                &store::NewKey {
                    version: 1,
                    managed: mode,
                    wrapped_key: key.0.as_deref(),
                    key_check: key.1.as_deref(),
                    key_check_salt: key.2.as_deref(),
                    key_check_iterations: key.3,
                },
                &now,
            )?;
            Ok(project_json(&store::project_by_id(c, id)?.ok_or_else(ApiError::internal)?))
        })
    }

    /// `GET /{org}/{project}`.
    pub fn get_project(&self, caller: &Caller, project: &str) -> ApiResult<Project> {
        caller.require(PROJECT_READ)?;
        self.db.read(|c| Ok(project_json(&self.project_row(c, caller, project)?)))
    }

    /// `PATCH /{org}/{project}`.
    pub fn update_project(&self, caller: &Caller, project: &str, req: UpdateNode) -> ApiResult<Project> {
        caller.require(PROJECT_UPDATE)?;
        let now = self.now_str();
        self.db.write(|c| {
            let p = self.project_row(c, caller, project)?;
            let name = match &req.name {
                Some(n) => check_name(n)?,
                None => p.name.clone(),
            };
            let slug = match &req.slug {
                Some(s) => pick_slug(Some(s), &name)?,
                None => p.slug.clone(),
            };
            let description = req.description.clone().or(p.description.clone());
            store::update_node(c, Table::Projects, p.id, &name, &slug, description.as_deref(), &now).map_err(|e| {
                if is_unique_violation(&e) {
                    exists("project", &slug)
                } else {
                    e.into()
                }
            })?;
            Ok(project_json(&store::project_by_id(c, p.id)?.ok_or_else(ApiError::internal)?))
        })
    }

    /// `DELETE /{org}/{project}`.
    pub fn delete_project(&self, caller: &Caller, project: &str) -> ApiResult<()> {
        caller.require(PROJECT_DELETE)?;
        self.db.write(|c| {
            let p = self.project_row(c, caller, project)?;
            store::delete_node(c, Table::Projects, p.id)?;
            Ok(())
        })
    }

    /// `GET /{org}/{project}/targets`.
    pub fn list_targets(&self, caller: &Caller, project: &str, page: PageRequest) -> ApiResult<Page<Target>> {
        caller.require(TARGET_READ)?;
        let (limit, offset) = check_page(page.page, page.per_page)?;
        self.db.read(|c| {
            let p = self.project_row(c, caller, project)?;
            let (rows, total) = store::targets(c, p.id, limit, offset)?;
            Ok(Page::new(
                rows.iter().map(|t| target_json(t, &p.ulid)).collect(),
                PageMeta::new(page.page, limit, total),
            ))
        })
    }

    /// `POST /{org}/{project}/targets`.
    pub fn create_target(&self, caller: &Caller, project: &str, req: CreateNode) -> ApiResult<Target> {
        caller.require(TARGET_CREATE)?;
        let name = check_name(&req.name)?;
        let slug = pick_slug(req.slug.as_deref(), &name)?;
        crate::audit::set_node(format!("{project}/{slug}"));
        let now = self.now_str();
        let ulid = new_ulid();
        self.db.write(|c| {
            let p = self.project_row(c, caller, project)?;
            let id = store::insert_target(c, p.id, &ulid, &name, &slug, req.description.as_deref(), &now)
                .map_err(|e| if is_unique_violation(&e) { exists("target", &slug) } else { e.into() })?;
            Ok(target_json(&store::target_by_id(c, id)?.ok_or_else(ApiError::internal)?, &p.ulid))
        })
    }

    /// `GET /{org}/{project}/{target}`.
    pub fn get_target(&self, caller: &Caller, project: &str, target: &str) -> ApiResult<Target> {
        caller.require(TARGET_READ)?;
        self.db.read(|c| {
            let (p, t) = self.target_row(c, caller, project, target)?;
            Ok(target_json(&t, &p.ulid))
        })
    }

    /// `PATCH /{org}/{project}/{target}`.
    pub fn update_target(&self, caller: &Caller, project: &str, target: &str, req: UpdateNode) -> ApiResult<Target> {
        caller.require(TARGET_UPDATE)?;
        let now = self.now_str();
        self.db.write(|c| {
            let (p, t) = self.target_row(c, caller, project, target)?;
            let name = match &req.name {
                Some(n) => check_name(n)?,
                None => t.name.clone(),
            };
            let slug = match &req.slug {
                Some(s) => pick_slug(Some(s), &name)?,
                None => t.slug.clone(),
            };
            let description = req.description.clone().or(t.description.clone());
            store::update_node(c, Table::Targets, t.id, &name, &slug, description.as_deref(), &now).map_err(|e| {
                if is_unique_violation(&e) {
                    exists("target", &slug)
                } else {
                    e.into()
                }
            })?;
            Ok(target_json(&store::target_by_id(c, t.id)?.ok_or_else(ApiError::internal)?, &p.ulid))
        })
    }

    /// `DELETE /{org}/{project}/{target}`.
    pub fn delete_target(&self, caller: &Caller, project: &str, target: &str) -> ApiResult<()> {
        caller.require(TARGET_DELETE)?;
        self.db.write(|c| {
            let (_, t) = self.target_row(c, caller, project, target)?;
            store::delete_node(c, Table::Targets, t.id)?;
            Ok(())
        })
    }

    /// `GET /{org}/{project}/{target}/environments`.
    pub fn list_environments(
        &self,
        caller: &Caller,
        project: &str,
        target: &str,
        page: PageRequest,
    ) -> ApiResult<Page<Environment>> {
        caller.require(ENVIRONMENT_READ)?;
        let (limit, offset) = check_page(page.page, page.per_page)?;
        self.db.read(|c| {
            let (p, t) = self.target_row(c, caller, project, target)?;
            let (rows, total) = store::envs(c, t.id, limit, offset)?;
            Ok(Page::new(
                rows.iter().map(|e| env_json(e, &p.ulid, &t.ulid)).collect(),
                PageMeta::new(page.page, limit, total),
            ))
        })
    }

    /// `POST /{org}/{project}/{target}/environments`.
    pub fn create_environment(
        &self,
        caller: &Caller,
        project: &str,
        target: &str,
        req: CreateNode,
    ) -> ApiResult<Environment> {
        caller.require(ENVIRONMENT_CREATE)?;
        let name = check_name(&req.name)?;
        let slug = pick_slug(req.slug.as_deref(), &name)?;
        crate::audit::set_node(format!("{project}/{target}/{slug}"));
        let status = env_status(req.status.as_deref())?;
        let is_production = req.is_production.unwrap_or(status == "production");
        let now = self.now_str();
        let ulid = new_ulid();
        self.db.write(|c| {
            let (p, t) = self.target_row(c, caller, project, target)?;
            let new = store::NewEnv {
                ulid: &ulid,
                name: &name,
                slug: &slug,
                description: req.description.as_deref(),
                status: &status,
                is_production,
            };
            let id = store::insert_env(c, t.id, &new, &now).map_err(|e| {
                if is_unique_violation(&e) {
                    exists("environment", &slug)
                } else {
                    e.into()
                }
            })?;
            Ok(env_json(&store::env_by_id(c, id)?.ok_or_else(ApiError::internal)?, &p.ulid, &t.ulid))
        })
    }

    /// `GET /{org}/{project}/{target}/{environment}`.
    pub fn get_environment(&self, caller: &Caller, project: &str, target: &str, env: &str) -> ApiResult<Environment> {
        caller.require(ENVIRONMENT_READ)?;
        self.db.read(|c| {
            let (p, t, e) = self.env_row(c, caller, project, target, env)?;
            Ok(env_json(&e, &p.ulid, &t.ulid))
        })
    }

    /// `PATCH /{org}/{project}/{target}/{environment}`.
    pub fn update_environment(
        &self,
        caller: &Caller,
        project: &str,
        target: &str,
        env: &str,
        req: UpdateNode,
    ) -> ApiResult<Environment> {
        caller.require(ENVIRONMENT_UPDATE)?;
        let now = self.now_str();
        self.db.write(|c| {
            let (p, t, e) = self.env_row(c, caller, project, target, env)?;
            let name = match &req.name {
                Some(n) => check_name(n)?,
                None => e.name.clone(),
            };
            let slug = match &req.slug {
                Some(s) => pick_slug(Some(s), &name)?,
                None => e.slug.clone(),
            };
            let description = req.description.clone().or(e.description.clone());
            store::update_node(c, Table::Environments, e.id, &name, &slug, description.as_deref(), &now)
                .map_err(|er| if is_unique_violation(&er) { exists("environment", &slug) } else { er.into() })?;
            if req.status.is_some() || req.is_production.is_some() {
                let status = match &req.status {
                    Some(s) => env_status(Some(s))?,
                    None => e.status.clone(),
                };
                let prod = req.is_production.unwrap_or(if req.status.is_some() {
                    status == "production"
                } else {
                    e.is_production
                });
                store::update_env_status(c, e.id, &status, prod)?;
            }
            Ok(env_json(&store::env_by_id(c, e.id)?.ok_or_else(ApiError::internal)?, &p.ulid, &t.ulid))
        })
    }

    /// `DELETE /{org}/{project}/{target}/{environment}`.
    pub fn delete_environment(&self, caller: &Caller, project: &str, target: &str, env: &str) -> ApiResult<()> {
        caller.require(ENVIRONMENT_DELETE)?;
        self.db.write(|c| {
            let (_, _, e) = self.env_row(c, caller, project, target, env)?;
            store::delete_node(c, Table::Environments, e.id)?;
            Ok(())
        })
    }
}
