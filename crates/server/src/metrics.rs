//! `GET /metrics`, in Prometheus's text format: requests by route shape, method and status, their
//! latencies, the database pool's use and the audit queue. Labels are route shapes (`/api/v1/*/*/secrets`:
//! API words, every name a `*`), methods and status codes: never a token, a slug or a value. Only the
//! API's own shapes ([`ROUTES`]) are kept apart; any other path is counted as `other`, so no client
//! can grow the metrics, or take a shape's place in them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// The shapes of the API's routes (`crate::http::dispatch`), as `crate::http` writes them; every
/// other path is `other`.
pub const ROUTES: [&str; 28] = [
    "/api/v1/organization",
    "/api/v1/organizations",
    "/api/v1/organizations/*",
    "/api/v1/organizations/*/api-keys",
    "/api/v1/organizations/*/api-keys/*",
    "/api/v1/*/audit-log",
    "/api/v1/*/projects",
    "/api/v1/*/secrets/retrieve",
    "/api/v1/*/secrets/store",
    "/api/v1/*/secrets/delete",
    "/api/v1/*/secrets/versions",
    "/api/v1/*/secrets/versions/purge",
    "/api/v1/*/secrets/versions/*",
    "/api/v1/*/secrets/versions/*/restore",
    "/api/v1/*/*",
    "/api/v1/*/*/secrets",
    "/api/v1/*/*/targets",
    "/api/v1/*/*/encryption-key",
    "/api/v1/*/*/encryption-key/history",
    "/api/v1/*/*/encryption-key/rotate",
    "/api/v1/*/*/secrets/rotate-client-keys",
    "/api/v1/*/*/secrets/re-encrypt-history",
    "/api/v1/*/*/secrets/re-encrypt-history/pending",
    "/api/v1/*/*/*",
    "/api/v1/*/*/*/secrets",
    "/api/v1/*/*/*/environments",
    "/api/v1/*/*/*/*",
    "/api/v1/*/*/*/*/secrets",
];

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, &'static str, u16), u64>,
    latency: BTreeMap<String, Histogram>,
}

/// The counters of one server process.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

/// The database pool's state, as r2d2 reports it.
#[derive(Clone, Copy, Debug)]
pub struct PoolUse {
    /// Connections open.
    pub open: u32,
    /// Of those, idle.
    pub idle: u32,
    /// The pool's size.
    pub max: u32,
}

impl Metrics {
    /// Counts one answered request.
    pub fn observe(&self, route: &str, method: &'static str, status: u16, seconds: f64) {
        let mut m = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let route = if ROUTES.contains(&route) { route } else { "other" };
        *m.requests.entry((route.to_owned(), method, status)).or_default() += 1;
        let h = m.latency.entry(route.to_owned()).or_default();
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            h.buckets[i] += 1;
        }
        h.sum += seconds;
        h.count += 1;
    }

    /// The text `/metrics` answers.
    pub fn render(
        &self,
        pool: PoolUse,
        audit_queue: Option<usize>,
        read_cache: Option<(u64, u64)>,
        write_groups: Option<(u64, u64)>,
    ) -> String {
        let m = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        let _ =
            writeln!(out, "# HELP envdesk_http_requests_total Requests answered, by route shape, method and status.");
        let _ = writeln!(out, "# TYPE envdesk_http_requests_total counter");
        for ((route, method, status), n) in &m.requests {
            let _ = writeln!(
                out,
                "envdesk_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                label(route)
            );
        }
        let _ = writeln!(out, "# HELP envdesk_http_request_duration_seconds Time to answer, by route shape.");
        let _ = writeln!(out, "# TYPE envdesk_http_request_duration_seconds histogram");
        for (route, h) in &m.latency {
            let route = label(route);
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "envdesk_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "envdesk_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "envdesk_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", h.sum);
            let _ = writeln!(out, "envdesk_http_request_duration_seconds_count{{route=\"{route}\"}} {}", h.count);
        }
        let _ = writeln!(out, "# HELP envdesk_db_pool_connections Database connections, by state.");
        let _ = writeln!(out, "# TYPE envdesk_db_pool_connections gauge");
        let _ =
            writeln!(out, "envdesk_db_pool_connections{{state=\"in_use\"}} {}", pool.open.saturating_sub(pool.idle));
        let _ = writeln!(out, "envdesk_db_pool_connections{{state=\"idle\"}} {}", pool.idle);
        let _ = writeln!(out, "# HELP envdesk_db_pool_max_connections The database pool's size.");
        let _ = writeln!(out, "# TYPE envdesk_db_pool_max_connections gauge");
        let _ = writeln!(out, "envdesk_db_pool_max_connections {}", pool.max);
        if let Some(q) = audit_queue {
            let _ = writeln!(out, "# HELP envdesk_audit_queue Audit entries waiting to be written.");
            let _ = writeln!(out, "# TYPE envdesk_audit_queue gauge");
            let _ = writeln!(out, "envdesk_audit_queue {q}");
        }
        if let Some((groups, writes)) = write_groups {
            let _ = writeln!(out, "# HELP envdesk_db_write_groups_total Commits of groups of writes (SQLite).");
            let _ = writeln!(out, "# TYPE envdesk_db_write_groups_total counter");
            let _ = writeln!(out, "envdesk_db_write_groups_total {groups}");
            let _ = writeln!(out, "# HELP envdesk_db_writes_total Writes run, each in a group (SQLite).");
            let _ = writeln!(out, "# TYPE envdesk_db_writes_total counter");
            let _ = writeln!(out, "envdesk_db_writes_total {writes}");
        }
        if let Some((hits, misses)) = read_cache {
            let _ = writeln!(
                out,
                "# HELP envdesk_read_cache_total Encrypted reads answered from memory (hit) or not (miss)."
            );
            let _ = writeln!(out, "# TYPE envdesk_read_cache_total counter");
            let _ = writeln!(out, "envdesk_read_cache_total{{result=\"hit\"}} {hits}");
            let _ = writeln!(out, "envdesk_read_cache_total{{result=\"miss\"}} {misses}");
        }
        out
    }
}

/// A label value escaped as the text format wants (route shapes hold no `"` or `\`, but a bound
/// costs nothing).
fn label(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
