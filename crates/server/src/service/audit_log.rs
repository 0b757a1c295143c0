//! `GET /{org}/audit-log`: the organization's audit log, filtered and paged (`audit:read`).

use chrono::DateTime;
use envdesk_api::ability::AUDIT_READ;
use envdesk_api::{ApiError, ApiResult, AuditAttributes, AuditItem, AuditToken, Page, PageMeta, PageRequest};

use super::{check_page, ts, Caller, Service};
use crate::audit::{self, Filter, Stored};

/// The filters of a request, as the query string gives them (`from`, `to`, `node`, `token`, `event`).
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub node: Option<String>,
    pub token: Option<String>,
    pub event: Option<String>,
}

fn time(field: &str, v: &str) -> ApiResult<String> {
    let t = DateTime::parse_from_rfc3339(v).map_err(|_| {
        ApiError::validation(field, format!("`{field}` must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z."))
    })?;
    Ok(ts(t.to_utc()))
}

fn bounded_field(field: &str, v: &str, max: usize) -> ApiResult<String> {
    if v.is_empty() || v.chars().count() > max {
        return Err(ApiError::validation(field, format!("`{field}` must have 1 to {max} characters.")));
    }
    Ok(v.to_owned())
}

impl AuditQuery {
    fn parse(&self) -> ApiResult<Filter> {
        Ok(Filter {
            from: self.from.as_deref().map(|v| time("from", v)).transpose()?,
            to: self.to.as_deref().map(|v| time("to", v)).transpose()?,
            node: self.node.as_deref().map(|v| bounded_field("node", v, 300)).transpose()?,
            token: self
                .token
                .as_deref()
                .map(|v| {
                    v.parse::<i64>().map_err(|_| ApiError::validation("token", "`token` is a token id (a number)."))
                })
                .transpose()?,
            event: self.event.as_deref().map(|v| bounded_field("event", v, 64)).transpose()?,
        })
    }
}

fn item(s: &Stored) -> AuditItem {
    let e = &s.entry;
    AuditItem {
        id: s.id.to_string(),
        attributes: AuditAttributes {
            at: e.at.clone(),
            event: e.event.clone(),
            outcome: e.outcome.clone(),
            error: e.error.clone(),
            token: e.token_id.map(|id| AuditToken { id: id.to_string(), name: e.token_name.clone() }),
            ability: e.ability.clone(),
            node: e.node.clone(),
            version: e.version.clone(),
            client: e.client.clone(),
            prev_hash: s.prev_hash.clone(),
            hash: s.hash.clone(),
        },
    }
}

impl Service {
    /// `GET /{org}/audit-log`: newest first. Entries queued for the log are written first, so the
    /// answer holds every request answered before it.
    pub fn audit_log(&self, caller: &Caller, q: &AuditQuery, page: PageRequest) -> ApiResult<Page<AuditItem>> {
        caller.require(AUDIT_READ)?;
        let filter = q.parse()?;
        let (limit, offset) = check_page(page.page, page.per_page)?;
        if offset >= audit::MAX_DEPTH {
            return Err(ApiError::validation(
                "page",
                format!(
                    "Pages reach the newest {} matching entries; for older ones, narrow the time with `to`.",
                    audit::MAX_DEPTH
                ),
            ));
        }
        let take = limit.min(u32::try_from(audit::MAX_DEPTH - offset).unwrap_or(u32::MAX));
        self.audit_flush();
        self.db.read(|c| {
            let (rows, total) = audit::query(c, caller.org_id, &filter, take, offset)?;
            Ok(Page::new(rows.iter().map(item).collect(), PageMeta::new(page.page, limit, total)))
        })
    }
}
