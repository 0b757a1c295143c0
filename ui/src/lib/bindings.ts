// Generated from the Rust types by tests/app/bindings.rs (ts-rs); do not edit.
// Regenerate: ENVDESK_BLESS=1 cargo test -p envdesk --test app bindings

export type LevelKind = "project" | "target" | "environment";

export type Overridden = { 
/**
 * The level the replaced value comes from.
 */
level: LevelKind, 
/**
 * The replaced value.
 */
value: string, };

export type Severity = "warning" | "info";

export type LintCode = "hash_in_value" | "value_starts_with_hash" | "empty_value_before_comment" | "backticks" | "quote_in_unquoted_value" | "whitespace_in_unquoted_value" | "tab_escape" | "dollar_escape" | "unknown_escape" | "single_quote_escape" | "duplicate_key" | "key_without_value" | "key_not_portable" | "byte_order_mark" | "interpolation";

export type Fix = { 
/**
 * What the fix does, e.g. "quote the value".
 */
title: string, 
/**
 * First line replaced (1-based).
 */
start_line: number, 
/**
 * Last line replaced (inclusive).
 */
end_line: number, 
/**
 * The new text of those lines, without the final line ending (empty with `delete` = remove them).
 */
replacement: string, 
/**
 * Whether the lines are removed entirely (line endings included).
 */
delete: boolean, };

export type Lint = { 
/**
 * 1-based line.
 */
line: number, 
/**
 * What it is about.
 */
code: LintCode, 
/**
 * How much it matters.
 */
severity: Severity, 
/**
 * What it means, in a sentence (names keys, never values).
 */
message: string, 
/**
 * A fix, where one exists.
 */
fix: Fix | null, };

export type Quote = "none" | "single" | "double";

export type Entry = { 
/**
 * The key.
 */
key: string, 
/**
 * The decoded value.
 */
value: string, 
/**
 * 1-based line where the assignment starts.
 */
line: number, 
/**
 * Leading comment lines directly above (no blank line between), without `#` and one space, and
 * without the `@tags:` line.
 */
comments: Array<string>, 
/**
 * Tags from a `# @tags: a, b` comment line directly above.
 */
tags: Array<string>, 
/**
 * Whether the line starts with `export `.
 */
exported: boolean, 
/**
 * How the value is quoted.
 */
quote: Quote, 
/**
 * Whether a later assignment of the same key overrides this one.
 */
overridden: boolean, };

export type Change = { "kind": "added", 
/**
 * The key.
 */
key: string, 
/**
 * Its value in the new set.
 */
value: string, } | { "kind": "removed", 
/**
 * The key.
 */
key: string, 
/**
 * Its value in the old set.
 */
value: string, } | { "kind": "changed", 
/**
 * The key.
 */
key: string, 
/**
 * Value in the old set.
 */
old: string, 
/**
 * Value in the new set.
 */
new: string, } | { "kind": "unchanged", 
/**
 * The key.
 */
key: string, 
/**
 * The value.
 */
value: string, };

export type DiffSummary = { 
/**
 * Keys only in the new set.
 */
added: number, 
/**
 * Keys only in the old set.
 */
removed: number, 
/**
 * Keys whose value changed.
 */
changed: number, 
/**
 * Keys with the same value.
 */
unchanged: number, };

export type KeyConflict = { 
/**
 * The key.
 */
key: string, 
/**
 * Its value in the common base.
 */
base: string | null, 
/**
 * Our value.
 */
ours: string | null, 
/**
 * Their value.
 */
theirs: string | null, };

export type Format = "env" | "json" | "yaml" | "shell" | "dockerfile";

export type NodePath = { 
/**
 * Project slug.
 */
project: string, 
/**
 * Target slug.
 */
target?: string | null, 
/**
 * Environment slug (needs a target).
 */
environment?: string | null, };

export type Organization = { 
/**
 * ULID, upper-case.
 */
id: string, 
/**
 * Same as `id` (the SDK reads both).
 */
ulid: string, 
/**
 * Display name.
 */
name: string, 
/**
 * Slug.
 */
slug: string, 
/**
 * `active`.
 */
status: string, 
/**
 * RFC 3339.
 */
created_at: string | null, 
/**
 * RFC 3339.
 */
updated_at: string | null, };

export type PageMeta = { 
/**
 * The page shown (from 1).
 */
current_page: number, 
/**
 * Items per page.
 */
per_page: number, 
/**
 * Items in all.
 */
total: number, 
/**
 * The last page (at least 1).
 */
last_page: number, };

export type Item<A> = { 
/**
 * `"projects"`, `"targets"`, …
 */
type: string, 
/**
 * The id (a ULID for resources, a numeric string for versions). Read from a string or an integer.
 */
id: string, 
/**
 * The fields.
 */
attributes: A, };

export type CreatedBy = { 
/**
 * The token's id.
 */
id: number, 
/**
 * The token's name.
 */
name: string, };

export type VersionAttributes = { 
/**
 * `create|update|delete|restore|rotate`.
 */
action: string, 
/**
 * Size of the blob.
 */
size_bytes: number, 
/**
 * Whether the project is client-managed (`None`: not said; the project's key descriptor says).
 */
is_client_encrypted: boolean | null, 
/**
 * Key version of the blob (a string; read from a string or a number). `None`: not said.
 */
encryption_key_version: string | null, 
/**
 * Same, under the SDK's other name.
 */
key_version: string | null, 
/**
 * RFC 3339 (`""` when the server does not say).
 */
created_at: string, 
/**
 * Who wrote it.
 */
created_by: CreatedBy | null, 
/**
 * Outside the retention period.
 */
locked: boolean, 
/**
 * Why it is locked.
 */
locked_reason: string | null, 
/**
 * [ext] The level's revision this version was written as.
 */
revision: number | null, };

export type Managed = "server" | "client";

export type KeyState = { 
/**
 * Who holds the key.
 */
managed: Managed, 
/**
 * Whether it is unlocked now.
 */
unlocked: boolean, 
/**
 * Key version.
 */
key_version: number, };

export type NodeInfo = { 
/**
 * ULID.
 */
id: string, 
/**
 * Slug (the path segment).
 */
slug: string, 
/**
 * Display name.
 */
name: string, 
/**
 * Projects: who holds the key.
 */
managed: Managed | null, 
/**
 * Projects: whether any level holds content.
 */
has_secrets: boolean | null, 
/**
 * Children, where known (targets of a project, environments of a target).
 */
children: number | null, 
/**
 * Environments: status.
 */
status: string | null, };

export type TextMerge = { 
/**
 * Our text with their changes applied: keys only they changed take their value, keys they added
 * are appended, keys they removed are removed; conflicting keys keep our value until resolved.
 */
text: string, 
/**
 * The keys both sides changed, differently.
 */
conflicts: Array<KeyConflict>, 
/**
 * `false` when a side does not parse, so no key-wise merge was possible (`text` is ours).
 */
auto_merged: boolean, };

export type Conflict = { 
/**
 * The revision now stored (`None`: the server does not count revisions).
 */
theirs_revision: number | null, 
/**
 * The text now stored.
 */
theirs_text: string, 
/**
 * The merge of both sides.
 */
merge: TextMerge, };

export type DraftInfo = { 
/**
 * The level.
 */
path: NodePath, 
/**
 * The revision the text was based on.
 */
base_revision: number | null, 
/**
 * When it was kept (RFC 3339).
 */
saved_at: string, };

export type VersionsPage = { 
/**
 * Newest first.
 */
versions: Array<Item<VersionAttributes>>, 
/**
 * Pagination.
 */
meta: PageMeta, };

export type VersionView = { 
/**
 * Version id.
 */
id: string, 
/**
 * Its fields (action, size, author, time, key version, locked).
 */
attributes: VersionAttributes, 
/**
 * Its text.
 */
text: string, };

export type ImportPreview = { 
/**
 * Keys in the file.
 */
incoming: number, 
/**
 * Key-wise changes against the level, per mode.
 */
merge_changes: Array<Change>, 
/**
 * Counts for merge.
 */
merge_summary: DiffSummary, 
/**
 * Key-wise changes against the level when replacing.
 */
replace_changes: Array<Change>, 
/**
 * Counts for replace.
 */
replace_summary: DiffSummary, 
/**
 * The level's text after the import, for each mode.
 */
merged_text: string, 
/**
 * The text that replaces the level.
 */
replace_text: string, 
/**
 * The revision the preview was made on (the save's base).
 */
base_revision: number | null, 
/**
 * The level's text the preview was made on.
 */
base_text: string, };

export type Connection = { 
/**
 * Stable id (key-store names and drafts use it).
 */
id: string, 
/**
 * Display name.
 */
name: string, 
/**
 * `local` for the local vault, else the server's base URL.
 */
url: string, 
/**
 * Organization ULID (empty for the local vault).
 */
organization: string, };

export type Settings = { 
/**
 * `system`, `light` or `dark`.
 */
theme: "system" | "light" | "dark", 
/**
 * Lock every key after this many idle minutes (0: never).
 */
auto_lock_minutes: number, 
/**
 * Clear the clipboard this many seconds after copying a value (0: never).
 */
clipboard_clear_seconds: number, 
/**
 * `env`, `json`, `yaml`, `shell` or `dockerfile`.
 */
default_export_format: Format, };

export type IpcError = { 
/**
 * One of the codes of `ui/src/lib/ipc.ts` (`ErrorCode`).
 */
code: string, 
/**
 * What happened and what to do.
 */
message: string, };

export type CreatedProjectDto = { 
/**
 * The project.
 */
project: NodeInfo, 
/**
 * A generated key to show once (absent for server-managed and passphrase projects).
 */
key_to_back_up: string | null, };

export type ParseErrorDto = { 
/**
 * 1-based line.
 */
line: number, 
/**
 * 1-based column.
 */
column: number, 
/**
 * What is wrong.
 */
message: string, };

export type AnalysisDto = { 
/**
 * Where it does not parse.
 */
parse_error: ParseErrorDto | null, 
/**
 * Lints with fixes.
 */
lints: Array<Lint>, 
/**
 * Entries for the table view.
 */
entries: Array<Entry>, };

export type LevelDto = { 
/**
 * `project`, `target` or `environment`.
 */
kind: LevelKind, 
/**
 * The node's slug.
 */
source: string, 
/**
 * The text as written.
 */
text: string, 
/**
 * Whether the level holds content.
 */
exists: boolean, 
/**
 * Its revision (base of the next save); `null` when the server does not count revisions (then
 * a save re-reads the level first to catch a concurrent edit).
 */
revision: number | null, 
/**
 * Last write.
 */
updated_at: string | null, 
/**
 * Where the text does not parse (its keys are then left out of the merge).
 */
parse_error: string | null, };

export type MergedDto = { 
/**
 * The key.
 */
key: string, 
/**
 * The value (as written, templates unresolved).
 */
value: string, 
/**
 * The level it comes from.
 */
source: LevelKind, 
/**
 * What it overrides.
 */
overrides: Array<Overridden>, 
/**
 * The value with `${…}` resolved, when it has references and resolves.
 */
resolved: string | null, 
/**
 * Why it does not resolve.
 */
error: string | null, };

export type NodeDto = { 
/**
 * The node.
 */
path: NodePath, 
/**
 * Shallowest first.
 */
levels: Array<LevelDto>, 
/**
 * The merged result.
 */
merged: Array<MergedDto>, };

export type SaveDto = { 
/**
 * The new revision.
 */
revision: number | null, 
/**
 * The conflict.
 */
conflict: Conflict | null, };

export type DraftDto = { 
/**
 * Its text.
 */
text: string, 
/**
 * The revision it was based on (`null`: the server does not count revisions).
 */
base_revision: number | null, };

export type DiffSource = { "kind": "level", 
/**
 * The level.
 */
path: NodePath, } | { "kind": "merged", 
/**
 * The node.
 */
path: NodePath, } | { "kind": "version", 
/**
 * The level.
 */
path: NodePath, 
/**
 * Version id.
 */
id: string, };

export type DiffDto = { 
/**
 * Left text.
 */
a_text: string, 
/**
 * Right text.
 */
b_text: string, 
/**
 * Key-wise changes from left to right (empty when a side does not parse).
 */
changes: Array<Change>, 
/**
 * Counts.
 */
summary: DiffSummary, };

export type TextEdit = { "op": "set", 
/**
 * The key.
 */
key: string, 
/**
 * The value.
 */
value: string, } | { "op": "rename", 
/**
 * Old name.
 */
from: string, 
/**
 * New name.
 */
to: string, } | { "op": "remove", 
/**
 * The key.
 */
key: string, };

export type RotationDto = { 
/**
 * Current blobs re-encrypted.
 */
blobs: number, 
/**
 * History versions re-encrypted.
 */
versions: number, 
/**
 * The new key version.
 */
key_version: number, 
/**
 * A generated key to show once.
 */
key_to_back_up: string | null, };

export type ProgressDto = { 
/**
 * What is being done.
 */
stage: string, 
/**
 * Steps done.
 */
done: number, 
/**
 * Steps in all.
 */
total: number, };

export type ImportChoiceDto = { 
/**
 * What to pass to `preview_import` and `apply_import`.
 */
handle: ImportHandle, 
/**
 * The file's name (without its directory), to show.
 */
name: string, };

export type ImportHandle = number;
