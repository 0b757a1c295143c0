// Types that cross IPC, mirroring src-tauri/app/dto.rs and the client's serde types.

export type LevelKind = 'project' | 'target' | 'environment';
export type Managed = 'server' | 'client';

export interface NodePath {
  project: string;
  target?: string;
  environment?: string;
}

export interface Connection {
  id: string;
  name: string;
  url: string;
  organization: string;
}

export interface NodeInfo {
  id: string;
  slug: string;
  name: string;
  managed: Managed | null;
  has_secrets: boolean | null;
  children: number | null;
  status: string | null;
}

export interface KeyState {
  managed: Managed;
  unlocked: boolean;
  key_version: number;
}

export interface Fix {
  title: string;
  start_line: number;
  end_line: number;
  replacement: string;
  delete: boolean;
}

export interface Lint {
  line: number;
  code: string;
  severity: 'warning' | 'info';
  message: string;
  fix: Fix | null;
}

export interface Entry {
  key: string;
  value: string;
  line: number;
  comments: string[];
  tags: string[];
  exported: boolean;
  quote: 'none' | 'single' | 'double';
  overridden: boolean;
}

export interface ParseErrorInfo {
  line: number;
  column: number;
  message: string;
}

export interface Analysis {
  parse_error: ParseErrorInfo | null;
  lints: Lint[];
  entries: Entry[];
}

export interface Level {
  kind: LevelKind;
  source: string;
  text: string;
  exists: boolean;
  revision: number;
  updated_at: string | null;
  /** Where the saved text does not parse (its keys are then left out of the merge). */
  parse_error: string | null;
}

export interface Overridden {
  level: LevelKind;
  value: string;
}

export interface Merged {
  key: string;
  value: string;
  source: LevelKind;
  overrides: Overridden[];
  resolved: string | null;
  error: string | null;
}

export interface NodeView {
  path: NodePath;
  levels: Level[];
  merged: Merged[];
}

export interface KeyConflict {
  key: string;
  base: string | null;
  ours: string | null;
  theirs: string | null;
}

export interface Conflict {
  theirs_revision: number;
  theirs_text: string;
  merge: { text: string; conflicts: KeyConflict[]; auto_merged: boolean };
}

export interface SaveResult {
  revision: number | null;
  conflict: Conflict | null;
}

export interface DraftInfo {
  path: NodePath;
  base_revision: number;
  saved_at: string;
}

export type Change =
  | { kind: 'added'; key: string; value: string }
  | { kind: 'removed'; key: string; value: string }
  | { kind: 'changed'; key: string; old: string; new: string }
  | { kind: 'unchanged'; key: string; value: string };

export interface Summary {
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
}

export type DiffSource =
  | { kind: 'level'; path: NodePath }
  | { kind: 'merged'; path: NodePath }
  | { kind: 'version'; path: NodePath; id: string };

export interface DiffResult {
  a_text: string;
  b_text: string;
  changes: Change[];
  summary: Summary;
}

export interface VersionItem {
  type: string;
  id: string;
  attributes: {
    action: string;
    size_bytes: number;
    is_client_encrypted: boolean;
    encryption_key_version: string;
    key_version: string | null;
    created_at: string;
    created_by: { id: number; name: string } | null;
    locked: boolean;
    locked_reason: string | null;
    revision: number | null;
  };
}

export interface VersionsPage {
  versions: VersionItem[];
  meta: { current_page: number; per_page: number; total: number; last_page: number };
}

export interface ImportPreview {
  incoming: number;
  merge_changes: Change[];
  merge_summary: Summary;
  replace_changes: Change[];
  replace_summary: Summary;
  merged_text: string;
  replace_text: string;
  base_revision: number;
  base_text: string;
}

export interface Settings {
  theme: 'system' | 'light' | 'dark';
  auto_lock_minutes: number;
  clipboard_clear_seconds: number;
  default_export_format: ExportFormat;
}

export type ExportFormat = 'env' | 'json' | 'yaml' | 'shell' | 'dockerfile';

export interface Organization {
  id: string;
  name: string;
  slug: string;
  status: string;
}

export interface CreatedProject {
  project: NodeInfo;
  key_to_back_up: string | null;
}

export type TextEdit =
  | { op: 'set'; key: string; value: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'remove'; key: string };

export interface Rotation {
  blobs: number;
  versions: number;
  key_version: number;
  key_to_back_up: string | null;
}

export interface Progress {
  stage: string;
  done: number;
  total: number;
}
