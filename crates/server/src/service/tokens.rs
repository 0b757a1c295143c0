//! Organizations and API tokens: random, shown once, stored as SHA-256; `*` or a list of abilities.

use envdesk_api::{abilities, Abilities, ApiError, ApiResult, ErrorCode, Organization, TokenInfo};
use envdesk_core::crypto::ProjectKey;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{new_ulid, Caller, Service};
use crate::store::{self, OrgRow, TokenRow};

/// A token just created: its secret is shown once.
pub struct NewToken {
    /// Row id.
    pub id: i64,
    /// The bearer token. Shown once; only its SHA-256 is stored.
    pub token: Zeroizing<String>,
}

/// SHA-256 of a token.
pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

pub(crate) fn org_json(o: &OrgRow) -> Organization {
    Organization {
        id: o.ulid.clone(),
        ulid: o.ulid.clone(),
        name: o.name.clone(),
        slug: o.slug.clone(),
        status: o.status.clone(),
        created_at: Some(o.created_at.clone()),
        updated_at: Some(o.updated_at.clone()),
    }
}

pub(crate) fn token_json(t: &TokenRow) -> TokenInfo {
    TokenInfo {
        id: t.id.to_string(),
        name: t.name.clone(),
        abilities: serde_json::from_str(&t.abilities).unwrap_or_default(),
        created_at: t.created_at.clone(),
        last_used_at: t.last_used_at.clone(),
        revoked_at: t.revoked_at.clone(),
    }
}

fn check_abilities(list: &[String]) -> ApiResult<()> {
    if list.is_empty() {
        return Err(ApiError::validation("abilities", "Give at least one ability, or `*`."));
    }
    if let Some(bad) = list.iter().find(|a| !abilities::is_known(a)) {
        return Err(ApiError::validation("abilities", format!("`{}` is not an ability.", super::name(bad))));
    }
    Ok(())
}

impl Service {
    /// Creates an organization (for `init` and the local vault).
    pub fn create_organization(&self, name: &str) -> ApiResult<Organization> {
        let now = self.now_str();
        let ulid = new_ulid();
        let slug = envdesk_api::slugify(name);
        self.db.write(|c| {
            let id = store::insert_org(c, &ulid, name, &slug, &now)?;
            crate::audit::note(|e| e.org_id = Some(id));
            let row = store::org_by_id(c, id)?.ok_or_else(ApiError::internal)?;
            Ok(org_json(&row))
        })
    }

    /// Every organization (for the CLI).
    pub fn organizations(&self) -> ApiResult<Vec<Organization>> {
        self.db.read(|c| Ok(store::orgs(c)?.iter().map(org_json).collect()))
    }

    /// Creates a token for an organization given by ULID (CLI) — the caller-free path.
    pub fn create_token_for(&self, org_ulid: &str, name: &str, abilities: &[String]) -> ApiResult<NewToken> {
        check_abilities(abilities)?;
        let now = self.now_str();
        let token = Zeroizing::new(format!("edk_{}", ProjectKey::generate().expose()));
        let hash = hash_token(&token);
        let list = serde_json::to_string(abilities).map_err(|_| ApiError::internal())?;
        self.db.write(|c| {
            let org = store::orgs(c)?
                .into_iter()
                .find(|o| o.ulid.eq_ignore_ascii_case(org_ulid))
                .ok_or_else(|| ApiError::not_found(format!("Organization `{}`", super::name(org_ulid))))?;
            let id = store::insert_token(c, org.id, name, &hash, &list, &now)?;
            crate::audit::note(|e| {
                e.org_id = e.org_id.or(Some(org.id));
                e.version = Some(format!("token {id}"));
            });
            Ok(NewToken { id, token })
        })
    }

    /// Every token (of one organization, or all) — never their secrets.
    pub fn tokens(&self, org: Option<i64>) -> ApiResult<Vec<TokenInfo>> {
        self.db.read(|c| Ok(store::tokens(c, org)?.iter().map(token_json).collect()))
    }

    /// Revokes a token; `false` when there is no such (unrevoked) token.
    pub fn revoke_token(&self, id: i64, org: Option<i64>) -> ApiResult<bool> {
        let now = self.now_str();
        crate::audit::note(|e| e.version = Some(format!("token {id}")));
        // Nothing revoked is an error inside the transaction, so its audit entry is not a success.
        let r = self.db.write(|c| {
            let owner =
                c.query_opt("SELECT organization_id FROM api_tokens WHERE id = ?1", crate::params![id], |r| {
                    r.get::<i64>("organization_id")
                })?;
            crate::audit::note(|e| e.org_id = e.org_id.or(owner));
            match store::revoke_token(c, id, org, &now)? {
                1 => Ok(()),
                _ => Err(ApiError::not_found(format!("API key `{id}`"))),
            }
        });
        match r {
            Ok(()) => Ok(true),
            Err(e) if e.code == ErrorCode::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The caller a bearer token stands for: 401 when missing, unknown or revoked.
    pub fn authenticate(&self, token: &str) -> ApiResult<Caller> {
        let unauthenticated =
            || ApiError::new(ErrorCode::Unauthenticated, "The API token is missing, unknown or revoked.");
        let hash = hash_token(token.trim());
        // The token and its organization in one read.
        let (row, org) = self
            .db
            .read(|c| {
                let Some(row) = store::token_by_hash(c, &hash)? else { return Ok::<_, ApiError>(None) };
                let org = store::org_by_id(c, row.organization_id)?;
                Ok(org.map(|o| (row, o)))
            })?
            .ok_or_else(unauthenticated)?;
        if !bool::from(row.token_hash.as_slice().ct_eq(&hash)) || row.revoked_at.is_some() {
            return Err(unauthenticated());
        }
        let abilities: Vec<String> = serde_json::from_str(&row.abilities).map_err(|_| ApiError::internal())?;
        // Best-effort: a failed write of `last_used_at` (a busy or read-only database) never fails
        // authentication. The log names the token's row id, never the token or its hash.
        if let Err(e) = self.touch(&row) {
            tracing::warn!(token_id = row.id, code = %e.code, "could not record a token's last use");
        }
        Ok(Caller {
            token_id: row.id,
            token_name: row.name,
            org_id: org.id,
            org_ulid: org.ulid,
            abilities: Abilities::new(abilities),
        })
    }

    /// Records `last_used_at` (issue 10, hole 15): at most once a minute per token, so that reads do
    /// not each become a write.
    fn touch(&self, row: &TokenRow) -> ApiResult<()> {
        let now = self.now();
        let recent = row
            .last_used_at
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .is_some_and(|t| (now - t.with_timezone(&chrono::Utc)).num_seconds() < 60);
        if !recent {
            let now = super::ts(now);
            self.db.write(|c| store::touch_token(c, row.id, &now).map_err(ApiError::from))?;
        }
        Ok(())
    }

    /// `GET /organization`.
    pub fn organization(&self, caller: &Caller) -> ApiResult<Organization> {
        self.db.read(|c| {
            let o = store::org_by_id(c, caller.org_id)?.ok_or_else(ApiError::internal)?;
            Ok(org_json(&o))
        })
    }

    /// `PATCH /organizations/{org}`.
    pub fn update_organization(&self, caller: &Caller, name: Option<&str>) -> ApiResult<Organization> {
        caller.require(abilities::ability::ORGANIZATION_UPDATE)?;
        let now = self.now_str();
        self.db.write(|c| {
            if let Some(n) = name {
                if n.trim().is_empty() {
                    return Err(ApiError::validation("name", "The name must not be empty."));
                }
                store::update_org_name(c, caller.org_id, n.trim(), &now)?;
            }
            let o = store::org_by_id(c, caller.org_id)?.ok_or_else(ApiError::internal)?;
            Ok(org_json(&o))
        })
    }

    /// `POST /organizations/{org}/api-keys` (`api-token:create`).
    pub fn create_token(&self, caller: &Caller, name: &str, abilities: &[String]) -> ApiResult<(NewToken, TokenInfo)> {
        caller.require(abilities::ability::API_TOKEN_CREATE)?;
        if name.trim().is_empty() {
            return Err(ApiError::validation("name", "The name must not be empty."));
        }
        // A token cannot grant what its creator does not hold.
        if let Some(a) = abilities.iter().find(|a| !caller.abilities.has(a)) {
            return Err(ApiError::forbidden(a));
        }
        let t = self.create_token_for(&caller.org_ulid, name.trim(), abilities)?;
        let info = self
            .tokens(Some(caller.org_id))?
            .into_iter()
            .find(|i| i.id == t.id.to_string())
            .ok_or_else(ApiError::internal)?;
        Ok((t, info))
    }
}
