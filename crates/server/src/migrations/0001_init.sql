CREATE TABLE organizations (
  id INTEGER PRIMARY KEY,
  ulid TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  slug TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'active',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  organization_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash BLOB NOT NULL UNIQUE,
  abilities TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
);

CREATE TABLE projects (
  id INTEGER PRIMARY KEY,
  ulid TEXT NOT NULL UNIQUE,
  organization_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  slug TEXT NOT NULL,
  description TEXT,
  secret_format TEXT NOT NULL DEFAULT 'env',
  storage_mode TEXT NOT NULL CHECK (storage_mode IN ('server', 'client')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (organization_id, slug)
);

CREATE TABLE targets (
  id INTEGER PRIMARY KEY,
  ulid TEXT NOT NULL UNIQUE,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  slug TEXT NOT NULL,
  description TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (project_id, slug)
);

CREATE TABLE environments (
  id INTEGER PRIMARY KEY,
  ulid TEXT NOT NULL UNIQUE,
  target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  slug TEXT NOT NULL,
  description TEXT,
  status TEXT NOT NULL,
  is_production INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (target_id, slug)
);

-- One row per key version of a project. Server-managed keys are wrapped under the master key.
CREATE TABLE project_keys (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  managed TEXT NOT NULL CHECK (managed IN ('server', 'client')),
  wrapped_key TEXT,
  key_check TEXT,
  key_check_salt TEXT,
  key_check_iterations INTEGER,
  is_active INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  rotated_at TEXT,
  UNIQUE (project_id, version)
);

-- One row per level that was ever written; `node` is p<id>, t<id> or e<id>.
CREATE TABLE secrets (
  id INTEGER PRIMARY KEY,
  ulid TEXT NOT NULL UNIQUE,
  node TEXT NOT NULL UNIQUE,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  target_id INTEGER REFERENCES targets(id) ON DELETE CASCADE,
  environment_id INTEGER REFERENCES environments(id) ON DELETE CASCADE,
  content TEXT,
  key_version INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX secrets_project ON secrets (project_id);

-- Every write of a level (the content written; a delete keeps the content removed).
CREATE TABLE secret_versions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  node TEXT NOT NULL,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  target_id INTEGER REFERENCES targets(id) ON DELETE CASCADE,
  environment_id INTEGER REFERENCES environments(id) ON DELETE CASCADE,
  action TEXT NOT NULL,
  content TEXT,
  size_bytes INTEGER NOT NULL,
  key_version INTEGER NOT NULL,
  is_client INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  created_by_id INTEGER,
  created_by_name TEXT
);
CREATE INDEX secret_versions_node ON secret_versions (node, id);
CREATE INDEX secret_versions_project_key ON secret_versions (project_id, key_version);
