-- The audit log (issue 15): one row per authenticated request that read secrets or changed anything.
-- Never a value or a token. Each row's hash covers its content and the previous row's hash
-- (crates/server/src/audit.rs), so an edited or removed row breaks the chain.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  organization_id INTEGER,
  token_id INTEGER,
  token_name TEXT,
  ability TEXT,
  event TEXT NOT NULL,
  node TEXT,
  version TEXT,
  outcome TEXT NOT NULL,
  error TEXT,
  client TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_org ON audit_log (organization_id, at, id);
-- Where the chain starts after retention pruned older rows: the hash of the last pruned row.
CREATE TABLE audit_anchor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  pruned_through INTEGER NOT NULL,
  hash TEXT NOT NULL
);
