// Generated from the Rust types by tests/app/bindings.rs (ts-rs); do not edit.
// Regenerate: ENVDESK_BLESS=1 cargo test -p envdesk --test app bindings
import { call } from './call';

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

export type Severity = "error" | "warning" | "info";

export type LintCode = "hash_in_value" | "value_starts_with_hash" | "empty_value_before_comment" | "backticks" | "quote_in_unquoted_value" | "whitespace_in_unquoted_value" | "tab_escape" | "dollar_escape" | "unknown_escape" | "single_quote_escape" | "duplicate_key" | "key_without_value" | "key_not_portable" | "byte_order_mark" | "interpolation" | "single_quoted_interpolation" | "dollar_without_name" | "annotation_invalid" | "annotation_unknown" | "schema_type";

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
 * without the annotation lines (`# @tags:`, `# @type:` …).
 */
comments: Array<string>, 
/**
 * Tags from a `# @tags: a, b` comment line directly above.
 */
tags: Array<string>, 
/**
 * What the annotation lines directly above say (`crate::schema`); `null` when there are none.
 */
schema: KeySchema | null, 
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
overridden: boolean, 
/**
 * The comment after the value on the line where the value ends, as written from its `#`
 * (`DB=x # primary` → `# primary`).
 */
inline_comment: string | null, };

export type CommentBlock = { 
/**
 * 1-based line of the block's first line.
 */
line: number, 
/**
 * The lines, each starting with `#`.
 */
lines: Array<string>, };

export type Annotation = { 
/**
 * The name, without `@`.
 */
name: string, 
/**
 * What follows `:`, trimmed; `null` for a flag.
 */
value: string | null, 
/**
 * 1-based line.
 */
line: number, };

export type KeySchema = { 
/**
 * `@description`.
 */
description: string | null, 
/**
 * `@type`.
 */
value_type: string | null, 
/**
 * `true` for `@required`, `false` for `@optional`.
 */
required: boolean | null, 
/**
 * `true` for `@sensitive`, `false` for `@public`.
 */
sensitive: boolean | null, 
/**
 * `@expires`, `YYYY-MM-DD`.
 */
expires: string | null, 
/**
 * `@rotate-every`, in days.
 */
rotate_every_days: number | null, 
/**
 * Annotations envdesk does not know, as written.
 */
unknown: Array<Annotation>, };

export type ProblemSeverity = "error" | "warning";

export type ProblemKind = { "kind": "missing" } | { "kind": "empty" } | { "kind": "wrong_type", 
/**
 * The type, as written.
 */
expected: string, 
/**
 * Why not ("is not a port number (1 to 65535)").
 */
reason: string, } | { "kind": "expired", 
/**
 * The date.
 */
on: string, } | { "kind": "expires_soon", 
/**
 * The date.
 */
on: string, 
/**
 * Days left (0: today).
 */
days: number, } | { "kind": "rotation_due", 
/**
 * When it last changed.
 */
changed: string, 
/**
 * The period, in days.
 */
every_days: number, };

export type Problem = { 
/**
 * The key.
 */
key: string, 
/**
 * What is wrong.
 */
kind: ProblemKind, 
/**
 * How much it matters.
 */
severity: ProblemSeverity, 
/**
 * In a sentence, naming the key and never its value.
 */
message: string, };

export type RequiredKeys = { 
/**
 * The level's text afterwards.
 */
text: string, 
/**
 * Keys the level did not assign: declared at its end, empty, under `# @required`.
 */
added: Array<string>, 
/**
 * Keys it assigned without `@required`: a `# @required` line directly above (the last) one.
 */
annotated: Array<string>, 
/**
 * Keys already required there: left as they are.
 */
unchanged: Array<string>, 
/**
 * Keys a level above sets: declaring them empty here would hide that value, so they are left;
 * require them at that level.
 */
set_above: Array<string>, };

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

export type MatrixColumn = { 
/**
 * Which level.
 */
kind: LevelKind, 
/**
 * The target's slug (target and environment columns).
 */
target: string | null, 
/**
 * The environment's slug (environment columns).
 */
environment: string | null, 
/**
 * The node's display name.
 */
name: string, 
/**
 * Where this level's text does not parse (its keys are left out).
 */
parse_error: string | null, 
/**
 * A level above this one does not parse, so its keys are left out here too.
 */
above_unreadable: boolean, };

export type MatrixRow = { 
/**
 * The key.
 */
key: string, 
/**
 * Two characters per column, in column order: the state (`S` set here, `P` inherited from the
 * project, `T` inherited from the target, `M` missing, `A` absent on purpose, `.` not set at an
 * optional level), then the comparison with the environment to the left (`=` same, `~` different,
 * `-` none).
 */
cells: string, 
/**
 * The 1-based line of the key's winning assignment in each `S` cell, in column order.
 */
lines: Array<number>, 
/**
 * Some environment misses the key (not marked absent).
 */
missing: boolean, 
/**
 * Some environment's value differs from the environment to its left.
 */
differs: boolean, 
/**
 * What the schema says of this key in each environment that breaks it, by column.
 */
problems: Array<CellProblem>, };

export type CellProblem = { 
/**
 * The column (an index into [`Matrix::columns`]).
 */
column: number, 
/**
 * Error (missing, empty, wrong type, expired) or warning (expires soon).
 */
severity: ProblemSeverity, 
/**
 * In a sentence, naming the key and never its value.
 */
message: string, };

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

export type Protection = "keychain" | "passphrase" | "server";

export type UnlockMethod = { 
/**
 * Project slug.
 */
project: string, 
/**
 * What protects its key.
 */
protection: Protection, 
/**
 * `keychain` only: what the key store remembers is a passphrase the user chose (anything but a
 * generated key's 64 hexadecimal characters), which the user can type again: forgetting it
 * (`forget_key`) loses nothing.
 */
remembered_passphrase: boolean, };

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

export type ViewId = number;

export type MergedRow = { 
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
 * What it overrides, shallowest first.
 */
overrides: Array<Overridden>, 
/**
 * The value with `${…}` resolved, when it has references and resolves.
 */
resolved: string | null, 
/**
 * Why it does not resolve.
 */
error: string | null, 
/**
 * `@description` (issue 16).
 */
description: string | null, 
/**
 * `@type`, as written.
 */
value_type: string | null, 
/**
 * `true` for `@sensitive`, `false` for `@public`.
 */
sensitive: boolean | null, 
/**
 * What breaks the schema here (type, expiry; presence only at an environment).
 */
problems: Array<Problem>, };

export type MergedWindow = { 
/**
 * Keys matching the filter.
 */
total: number, 
/**
 * Keys in the merged result.
 */
all: number, 
/**
 * The index (among the matching keys) of the first row.
 */
offset: number, 
/**
 * The rows from `offset`, at most the limit asked for.
 */
rows: Array<MergedRow>, 
/**
 * Whether these rows are the live result of an edit (else the saved one).
 */
live: boolean, 
/**
 * Keys the schema requires that the result does not have (an environment's only): they have no
 * row.
 */
missing: Array<Problem>, 
/**
 * Schema errors and warnings in the whole result (not only this window), `missing` included.
 */
schema_errors: number, 
/**
 * See `schema_errors`.
 */
schema_warnings: number, };

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
 * The file's keys as `@required` at the level (its values not taken): the text, and what is
 * added, annotated, left.
 */
schema: RequiredKeys, 
/**
 * The revision the preview was made on (the save's base).
 */
base_revision: number | null, 
/**
 * The level's text the preview was made on.
 */
base_text: string, };

export type KeyMatrix = { 
/**
 * The project's slug.
 */
project: string, 
/**
 * The project is locked: the columns name its nodes, and there are no rows until it is unlocked.
 */
locked: boolean, 
/**
 * The levels: the project's, then each target's followed by its environments'.
 */
columns: Array<MatrixColumn>, 
/**
 * One row per key assigned at any level (see `envdesk_core::matrix` for the cell codes).
 */
rows: Array<MatrixRow>, 
/**
 * Schema errors in the environments' cells (issue 16; each row says which).
 */
schema_errors: number, 
/**
 * Schema warnings (keys expiring soon) in the environments' cells.
 */
schema_warnings: number, };

export type ExpiryAlert = { 
/**
 * The environment.
 */
path: NodePath, 
/**
 * Keys whose `@expires` date is past.
 */
expired: number, 
/**
 * Keys whose `@expires` date is within the warning window.
 */
expiring: number, 
/**
 * The earliest of their dates (`YYYY-MM-DD`).
 */
first: string, 
/**
 * What the schema says of them, a sentence each (keys and dates, never a value), the earliest
 * first, at most [`MAX_MESSAGES`].
 */
messages: Array<string>, };

export type ExpiryReport = { 
/**
 * Environments with keys expired or expiring, in tree order.
 */
alerts: Array<ExpiryAlert>, 
/**
 * The warning window, in days.
 */
warn_days: number, 
/**
 * Projects not read because they are locked (slugs).
 */
locked: Array<string>, 
/**
 * Environments (or whole projects, whose nodes could not be listed) that could not be read: not
 * counted.
 */
unreadable: number, };

export type KeyChange = "added" | "changed" | "removed";

export type VersionRef = { 
/**
 * The version id (for [`Vault::key_value_at`] and [`Vault::restore_key_value`]; never shown).
 */
id: string, 
/**
 * The level's revision it was written as (`None`: the server does not count revisions).
 */
revision: number | null, 
/**
 * Its position in the level's history, 1 the oldest (what names it without a revision).
 */
position: number, 
/**
 * RFC 3339 (`""` when the server does not say).
 */
created_at: string, 
/**
 * The name of the token that wrote it; `None` when the server does not say.
 */
author: string | null, 
/**
 * `create`, `update`, `delete`, `restore` or `rotate`.
 */
action: string, };

export type KeyHistoryEvent = { 
/**
 * The version.
 */
version: VersionRef, 
/**
 * Added, changed or removed.
 */
change: KeyChange, 
/**
 * Which of the key's values it holds after this version, as a number: events with the same number
 * hold the same value (1 for the first value seen, 2 for the next other one, …); `None`: absent.
 * Two versions are compared with it without their values leaving Rust.
 */
value_class: number | null, };

export type SkippedVersion = { 
/**
 * The version.
 */
version: VersionRef, 
/**
 * Why (never a value).
 */
reason: string, };

export type KeyHistoryView = { 
/**
 * The key.
 */
key: string, 
/**
 * The versions in which its value changed, newest first.
 */
events: Array<KeyHistoryEvent>, 
/**
 * Versions that could not be read (skipped), newest first.
 */
skipped: Array<SkippedVersion>, 
/**
 * How many versions the level has.
 */
versions: number, };

export type KeyBlameView = { 
/**
 * The key.
 */
key: string, 
/**
 * The version that set its current value; `None`: not in the readable history.
 */
version: VersionRef | null, };

export type LevelBlame = { 
/**
 * The keys of the level's current text, in its order.
 */
keys: Array<KeyBlameView>, 
/**
 * Versions that could not be read (skipped), newest first.
 */
skipped: Array<SkippedVersion>, };

export type KeyRestore = { 
/**
 * The level's revision after it (`None`: the server does not count revisions).
 */
revision: number | null, 
/**
 * `false`: the key already had that value (or was already absent); nothing was written.
 */
written: boolean, };

export type SearchAnswer = { 
/**
 * The hits, grouped project → target → environment, at most 200; `total` counts all.
 */
results: SearchResults, 
/**
 * Projects of the connection that are locked: not searched ("locked — unlock to search").
 */
locked: Array<NodeInfo>, 
/**
 * Levels of searched projects that could not be read (left out).
 */
unreadable: Array<LevelId>, 
/**
 * The display names of the nodes the hits are in, and of their project and target.
 */
names: Array<LevelName>, };

export type LevelName = { 
/**
 * The node (by its own level).
 */
level: LevelId, 
/**
 * Its name.
 */
name: string, };

export type SearchResults = { 
/**
 * At most [`MAX_HITS`] hits.
 */
hits: Array<SearchHit>, 
/**
 * Every hit, including those left out.
 */
total: number, };

export type SearchHit = { 
/**
 * The level it is in.
 */
level: LevelId, 
/**
 * The key.
 */
key: string, 
/**
 * 1-based line of the assignment.
 */
line: number, 
/**
 * The key name matches.
 */
in_name: boolean, 
/**
 * The comment matches.
 */
in_comment: boolean, 
/**
 * The value matches (the value itself is never in a hit).
 */
in_value: boolean, 
/**
 * Up to [`SNIPPET_CHARS`] characters of the comment (around the match when the comment matches).
 */
comment: string | null, };

export type LevelId = { 
/**
 * Project slug.
 */
project: string, 
/**
 * Target slug (`None`: the project's level).
 */
target: string | null, 
/**
 * Environment slug (`None`: the project's or the target's level).
 */
environment: string | null, };

export type SearchQuery = string;

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
default_export_format: Format, 
/**
 * Keys whose `@expires` date is this many days away or less are "expiring soon" (1 to 365).
 */
expiry_warning_days: number, 
/**
 * Once a day, a desktop notification when keys are expired or expiring soon.
 */
expiry_notifications: boolean, };

export type IpcError = { 
/**
 * What went wrong, for the UI to act on.
 */
code: Code, 
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
entries: Array<Entry>, 
/**
 * Comment lines as written, block by block, for the table view.
 */
comment_blocks: Array<CommentBlock>, };

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
 * The text as written; `null` when not sent (ask `level_text`).
 */
text: string | null, 
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

export type NodeDto = { 
/**
 * The node.
 */
path: NodePath, 
/**
 * The view to ask for rows, texts and live merges (`merged_rows`, `level_text`, `edit_view`).
 */
view: ViewId, 
/**
 * Keys in the merged result.
 */
keys: number, 
/**
 * Shallowest first.
 */
levels: Array<LevelDto>, 
/**
 * The first rows of the saved merged result, when asked for (`rows`).
 */
first: MergedWindow | null, };

export type SaveDto = { 
/**
 * The new revision.
 */
revision: number | null, 
/**
 * The conflict.
 */
conflict: Conflict | null, 
/**
 * What breaks the node's schema in what was saved (issue 16): a warning, the save is done.
 */
schema_problems: Array<Problem>, };

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

export type DroppedFileDto = { 
/**
 * The file, ready for `preview_import` / `apply_import`.
 */
file: ImportChoiceDto | null, 
/**
 * Why the drop was refused (a folder, several files, too large, unreadable).
 */
error: IpcError | null, };

export type ActivityEntry = { 
/**
 * The entry's id.
 */
id: string, 
/**
 * RFC 3339: when the request came.
 */
at: string, 
/**
 * `secret.read`, `secret.updated`, `key.rotated`, `authz.access_denied`, …
 */
event: string, 
/**
 * `success`, `denied` or `failed`.
 */
outcome: string, 
/**
 * The error code of a refusal or failure.
 */
error: string | null, 
/**
 * The token's name.
 */
token: string | null, 
/**
 * The token's id.
 */
token_id: string | null, 
/**
 * The ability checked.
 */
ability: string | null, 
/**
 * `project[/target[/environment]]`.
 */
node: string | null, 
/**
 * A version id, or a revision (`rev 4`).
 */
version: string | null, 
/**
 * The client's address.
 */
client: string | null, };

export type ActivityPage = { 
/**
 * Newest first.
 */
entries: Array<ActivityEntry>, 
/**
 * This page (from 1).
 */
page: number, 
/**
 * The last page (at least 1).
 */
last_page: number, 
/**
 * Entries matching, in all pages.
 */
total: number, };

export type ActivityKind = "reads" | "secrets" | "keys" | "tokens" | "denied";

export type Day = string;

export type PageNumber = number;

export type ImportHandle = number;

export type NewKey = { "mode": "server" } | { "mode": "generate" } | { "mode": "passphrase", 
/**
 * The passphrase.
 */
passphrase: string, };

export type Slug = string;

export type KeyName = string;

export type ExportSource = { "kind": "level", 
/**
 * The level.
 */
path: NodePath, } | { "kind": "merged", 
/**
 * The node.
 */
path: NodePath, };

export type Code = "locked" | "key_needed" | "wrong_key" | "undecryptable" | "bad_key" | "old_key_unavailable" | "server_key_refused" | "parse_error" | "import_failed" | "export_failed" | "template_error" | "schema_violation" | "keychain_error" | "io_error" | "local_vault_key_missing" | "local_vault_token_mismatch" | "rotation_outcome_unknown" | "rotation_unsupported" | "unencrypted_level" | "listing_too_large" | "invalid" | "view_closed" | "confirmation_required" | "cancelled" | "unauthenticated" | "insufficient_permissions" | "version_locked" | "not_found" | "already_exists" | "revision_conflict" | "rotation_in_progress" | "payload_too_large" | "bad_request" | "request_timeout" | "validation_failed" | "invalid_parameter_combination" | "key_proof_required" | "key_proof_mismatch" | "key_version_conflict" | "content_required_for_old_key" | "version_protected" | "undecryptable_content" | "server_keys_unavailable" | "client_managed_encryption" | "rate_limited" | "internal" | "network" | "timeout" | "invalid_response" | "unknown";

export type ImportMode = "merge" | "replace" | "schema";

export type ActivityQuery = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * A project, target or environment, and what is under it.
 */
node: NodePath | null, 
/**
 * Which entries.
 */
kind: ActivityKind | null, 
/**
 * One token (its id, as the entries name it; never the token itself).
 */
token_id: number | null, 
/**
 * From this day on (UTC).
 */
from: Day | null, 
/**
 * Up to this day, included (UTC).
 */
to: Day | null, 
/**
 * The page (50 entries each).
 */
page: PageNumber, };

export type AddConnection = { 
/**
 * Display name.
 */
name: string, 
/**
 * The server's address.
 */
url: string, 
/**
 * Organization ULID.
 */
organization: string, 
/**
 * API token (goes to the keychain).
 */
token: string, };

export type AnalyzeLevel = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The view (from `read_node`).
 */
view: ViewId, 
/**
 * Which level the text is.
 */
level: LevelKind, 
/**
 * The text as typed.
 */
text: string, };

export type ApplyImport = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The level.
 */
path: NodePath, 
/**
 * The chosen file.
 */
handle: ImportHandle, 
/**
 * Merge into the level, or replace it.
 */
mode: ImportMode, };

export type CloseView = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The view.
 */
view: ViewId, };

export type ConfirmedNode = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The node.
 */
path: NodePath, 
/**
 * What the user typed: must be the node's slug.
 */
confirm: string, };

export type ConnRef = { 
/**
 * Connection id (`local` for the local vault).
 */
conn: string, };

export type CreateChild = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The parent.
 */
parent: NodePath, 
/**
 * Display name.
 */
name: string, };

export type CreateProject = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * Display name.
 */
name: string, 
/**
 * Who holds the key, and which.
 */
key: NewKey, };

export type DeleteVersion = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The version.
 */
id: string, 
/**
 * Delete even the only copy of a deleted level (asks natively first).
 */
force: boolean, };

export type DiffSources = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * Left side.
 */
a: DiffSource, 
/**
 * Right side.
 */
b: DiffSource, };

export type EditText = { 
/**
 * The text.
 */
text: string, 
/**
 * The edit from the table view.
 */
edit: TextEdit, };

export type EditView = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The view.
 */
view: ViewId, 
/**
 * The level being edited.
 */
level: LevelKind, 
/**
 * Its text as typed (`null`: back to the saved text).
 */
text: string | null, 
/**
 * Increases with every edit the webview sends: an older one arriving late is ignored.
 */
seq: number, };

export type ExportToFile = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * What to export.
 */
source: ExportSource, 
/**
 * The format.
 */
format: Format, 
/**
 * Resolve `${…}` templates first.
 */
resolve: boolean, 
/**
 * Export an environment that breaks its schema all the same (the user was asked).
 */
schema_confirmed?: boolean, };

export type HistoryPage = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The level.
 */
path: NodePath, 
/**
 * Page, from 1.
 */
page: number, };

export type KeyAtVersion = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The level.
 */
path: NodePath, 
/**
 * The variable's name.
 */
name: KeyName, 
/**
 * One of the level's versions.
 */
version: string, };

export type KeyBackup = { 
/**
 * The project the key is of (names the file).
 */
project: Slug, };

export type KeyRef = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The level (the deepest of the path).
 */
path: NodePath, 
/**
 * The variable's name.
 */
name: KeyName, };

export type LevelText = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The view.
 */
view: ViewId, 
/**
 * Which level.
 */
level: LevelKind, };

export type MatrixCell = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The cell's level (its node).
 */
path: NodePath, 
/**
 * The key's name.
 */
name: KeyName, };

export type MergedKey = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The view.
 */
view: ViewId, 
/**
 * The variable's name.
 */
name: KeyName, 
/**
 * From the live result while a level is edited; else the saved one.
 */
live: boolean, };

export type MergedRows = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The view (from `read_node`).
 */
view: ViewId, 
/**
 * The first row (among the keys matching `filter`).
 */
offset: number, 
/**
 * How many rows (at most 1,000 are sent).
 */
limit: number, 
/**
 * Only keys whose name contains this (ignoring case); empty: every key.
 */
filter: string, 
/**
 * The live result while a level is edited (`edit_view`); else the saved one.
 */
live: boolean, };

export type NodeRef = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The node.
 */
path: NodePath, };

export type PreviewImport = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The level.
 */
path: NodePath, 
/**
 * The chosen file.
 */
handle: ImportHandle, };

export type ProjectRef = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * Project slug.
 */
project: Slug, };

export type ReadNode = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The node.
 */
path: NodePath, 
/**
 * The level whose text to send (the one being edited); the deepest when absent.
 */
text_of: LevelKind | null, 
/**
 * The first rows of the merged result to send with it (0: none; at most 1,000), so the table on
 * screen needs no second request.
 */
rows: number, };

export type RenameNode = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The node.
 */
path: NodePath, 
/**
 * New display name.
 */
name: string, 
/**
 * New slug (derived from the name when absent).
 */
slug: Slug | null, };

export type ResolveConflict = { 
/**
 * The merged text.
 */
text: string, 
/**
 * Per conflicting key, the value chosen (`null` removes the key).
 */
choices: Array<[string, string | null]>, };

export type RestoreKeyValue = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The level.
 */
path: NodePath, 
/**
 * The variable's name.
 */
name: KeyName, 
/**
 * The version whose value is restored.
 */
version: string, 
/**
 * The level's revision as shown (a level changed since is a `revision_conflict`).
 */
base_revision: number | null, };

export type RestoreVersion = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The level.
 */
path: NodePath, 
/**
 * The version.
 */
id: string, 
/**
 * The level's revision as shown.
 */
base_revision: number | null, };

export type RotateKey = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * Project slug.
 */
project: Slug, 
/**
 * The new key (`generate` or `passphrase`).
 */
key: NewKey, };

export type SaveDraft = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The level.
 */
path: NodePath, 
/**
 * The unsaved text.
 */
text: string, 
/**
 * The revision it is based on.
 */
base_revision: number | null, };

export type SaveLevel = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The level (the deepest part of the path).
 */
path: NodePath, 
/**
 * The text to store, as written.
 */
text: string, 
/**
 * The revision the text was read at (`null`: the server does not count revisions).
 */
base_revision: number | null, 
/**
 * The text as it was read (the base of a three-way merge).
 */
base_text: string, 
/**
 * The open view the level was edited in: the save is checked against the node's schema there
 * (issue 16) — refused when the project is strict, else answered with what breaks it.
 */
view?: ViewId, };

export type Search = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * What the user typed.
 */
query: SearchQuery, 
/**
 * Search comments too.
 */
comments: boolean, 
/**
 * Search values too (a hit says only that the value matches).
 */
values: boolean, };

export type TargetRef = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * Project slug.
 */
project: Slug, 
/**
 * Target slug.
 */
target: Slug, };

export type Text = { 
/**
 * The text.
 */
text: string, };

export type UnlockMethods = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * The project asked about first (the one of the node that was open), if any.
 */
project: Slug | null, };

export type UnlockWithKey = { 
/**
 * Connection id.
 */
conn: string, 
/**
 * Project slug.
 */
project: Slug, 
/**
 * The key or passphrase typed.
 */
key: string, 
/**
 * Keep it in the keychain.
 */
remember: boolean, };

export const commands = {
  /**
   * The UI has drawn its first screen (the tree): show the window, which starts hidden so that it
   * never flashes blank (Electron's "ready-to-show"). Logs the launch time at debug level
   * (`envdesk::startup`; bench/app-perf.mjs reads it).
   */
  uiReady: () => call<null>('ui_ready', {}),
  /**
   * The local vault first, then the remote connections.
   */
  listConnections: () => call<Array<Connection>>('list_connections', {}),
  /**
   * Adds a server after checking that the token works; the token goes to the keychain.
   */
  addConnection: (req: AddConnection) => call<Connection>('add_connection', { req }),
  /**
   * Checks a connection: its organization.
   */
  testConnection: (req: ConnRef) => call<Organization>('test_connection', { req }),
  /**
   * Removes a remote connection and its token, once the user confirms natively.
   */
  removeConnection: (req: ConnRef) => call<null>('remove_connection', { req }),
  /**
   * The projects of a connection.
   */
  listProjects: (req: ConnRef) => call<Array<NodeInfo>>('list_projects', { req }),
  /**
   * The targets of a project.
   */
  listTargets: (req: ProjectRef) => call<Array<NodeInfo>>('list_targets', { req }),
  /**
   * The environments of a target.
   */
  listEnvironments: (req: TargetRef) => call<Array<NodeInfo>>('list_environments', { req }),
  /**
   * Creates a project; a generated key is returned once, for the user to back up.
   */
  createProject: (req: CreateProject) => call<CreatedProjectDto>('create_project', { req }),
  /**
   * Creates a target under a project, or an environment under a target.
   */
  createChild: (req: CreateChild) => call<NodeInfo>('create_child', { req }),
  /**
   * Renames a node (and its slug).
   */
  renameNode: (req: RenameNode) => call<NodeInfo>('rename_node', { req }),
  /**
   * Deletes a node: the typed slug, then a native confirmation.
   */
  deleteNode: (req: ConfirmedNode) => call<null>('delete_node', { req }),
  /**
   * Writes the key waiting for backup to a file the user chooses (owner-only); returns where.
   */
  saveKeyBackup: (req: KeyBackup) => call<string | null>('save_key_backup', { req }),
  /**
   * Forgets the key waiting for backup.
   */
  dismissKeyBackup: () => call<null>('dismiss_key_backup', {}),
  /**
   * Rotates a client-managed project's key, reporting progress as `progress` events.
   */
  rotateKey: (req: RotateKey) => call<RotationDto>('rotate_key', { req }),
  /**
   * Unlocks a project with the keychain (client-managed) or the server (server-managed).
   */
  unlock: (req: ProjectRef) => call<KeyState>('unlock', { req }),
  /**
   * Unlocks a project with a key or passphrase the user typed.
   */
  unlockWithKey: (req: UnlockWithKey) => call<KeyState>('unlock_with_key', { req }),
  /**
   * What unlocking asks for (the lock screen): the project given first, then the others a lock
   * locked and not unlocked since; whether the OS keychain, a passphrase or the server protects
   * each key. Never key material.
   */
  unlockMethods: (req: UnlockMethods) => call<Array<UnlockMethod>>('unlock_methods', { req }),
  /**
   * Forgets a remembered passphrase of a client-managed project on this computer (after a native
   * confirmation); unlocking it then asks for the passphrase. A generated key is never forgotten.
   */
  forgetKey: (req: ProjectRef) => call<UnlockMethod>('forget_key', { req }),
  /**
   * A project's key state, without unlocking it.
   */
  keyState: (req: ProjectRef) => call<KeyState>('key_state', { req }),
  /**
   * Locks one project: its key leaves memory; reading it again asks for what protects the key.
   */
  lockProject: (req: ProjectRef) => call<null>('lock_project', { req }),
  /**
   * Locks every key of every connection.
   */
  lockAll: () => call<null>('lock_all', {}),
  /**
   * A node, opened as a view: its levels (revision, parse error; the text of the level asked for
   * and of any level that does not parse) and how many keys its merged result has. The decrypted
   * rest stays in Rust: the webview asks for the rows it shows (`merged_rows`).
   */
  readNode: (req: ReadNode) => call<NodeDto>('read_node', { req }),
  /**
   * A window of a view's merged result (the live result while a level is edited): keys with the
   * level each comes from, what it overrides and `${…}` resolved.
   */
  mergedRows: (req: MergedRows) => call<MergedWindow>('merged_rows', { req }),
  /**
   * One key of a view's merged result, if it has it.
   */
  mergedKey: (req: MergedKey) => call<MergedRow | null>('merged_key', { req }),
  /**
   * The text of one level of a view, as it was read (the base of its next save).
   */
  levelText: (req: LevelText) => call<string>('level_text', { req }),
  /**
   * A level of a view as typed (`null`: as saved): the view's rows become the live merged result.
   * Answers how many keys it has.
   */
  editView: (req: EditView) => call<number>('edit_view', { req }),
  /**
   * Closes a view the webview no longer shows: its decrypted data leaves memory now.
   */
  closeView: (req: CloseView) => call<null>('close_view', { req }),
  /**
   * Searches every unlocked project of the connection (key names; comments and values when asked):
   * hits grouped project → target → environment, never a value; the projects still locked.
   */
  search: (req: Search) => call<SearchAnswer>('search', { req }),
  /**
   * Saves a level; a save that lost a race answers the conflict to resolve.
   */
  saveLevel: (req: SaveLevel) => call<SaveDto>('save_level', { req }),
  /**
   * Writes a level from the diff ("set in …" and its undo): checked against the revision like a
   * save, but no draft is written or discarded (a draft of that level is the user's own text).
   */
  writeLevel: (req: SaveLevel) => call<SaveDto>('write_level', { req }),
  /**
   * A text's parse error, lints and entries (for the editor and the table).
   */
  analyzeText: (req: Text) => call<AnalysisDto>('analyze_text', { req }),
  /**
   * [`analyze_text`] of a level of an open view: values are also checked against the schema the
   * levels above it and the text itself declare (`# @type: …`, issue 16).
   */
  analyzeLevel: (req: AnalyzeLevel) => call<AnalysisDto>('analyze_level', { req }),
  /**
   * Applies a table-view edit to a text, changing only the bytes it must.
   */
  editText: (req: EditText) => call<string>('edit_text', { req }),
  /**
   * Applies the user's choices to the conflicting keys of a merged text.
   */
  resolveConflict: (req: ResolveConflict) => call<string>('resolve_conflict', { req }),
  /**
   * Keeps unsaved text as an encrypted draft.
   */
  saveDraft: (req: SaveDraft) => call<null>('save_draft', { req }),
  /**
   * The drafts of a connection (no text).
   */
  listDrafts: (req: ConnRef) => call<Array<DraftInfo>>('list_drafts', { req }),
  /**
   * A draft's text and base revision.
   */
  getDraft: (req: NodeRef) => call<DraftDto | null>('get_draft', { req }),
  /**
   * Forgets a draft.
   */
  discardDraft: (req: NodeRef) => call<null>('discard_draft', { req }),
  /**
   * Two sources side by side with their key-wise diff (both read at once).
   */
  diffSources: (req: DiffSources) => call<DiffDto>('diff_sources', { req }),
  /**
   * A page (of 50) of a level's history, newest first.
   */
  history: (req: HistoryPage) => call<VersionsPage>('history', { req }),
  /**
   * Restores a version as the level's current content; answers the new revision, if counted.
   */
  restoreVersion: (req: RestoreVersion) => call<number | null>('restore_version', { req }),
  /**
   * A page of a server connection's audit log, newest first (50 entries a page). The local vault,
   * or a server without one, answers `not_found`; a token without `audit:read`, `forbidden`.
   */
  activity: (req: ActivityQuery) => call<ActivityPage>('activity', { req }),
  /**
   * The newest recorded read of a level (a read of it or of a node under it), when the connection
   * keeps an audit log the token may read; `null` when none is recorded.
   */
  lastRead: (req: NodeRef) => call<ActivityEntry | null>('last_read', { req }),
  /**
   * The versions of a level in which one key's value changed, newest first (no value).
   */
  keyHistory: (req: KeyRef) => call<KeyHistoryView>('key_history', { req }),
  /**
   * For each key of a level, the version that set its current value (no value).
   */
  levelBlame: (req: NodeRef) => call<LevelBlame>('level_blame', { req }),
  /**
   * One key's value in one version of a level (`null`: absent there), when the user reveals it.
   */
  keyValueAt: (req: KeyAtVersion) => call<string | null>('key_value_at', { req }),
  /**
   * Sets one key of a level to its value in a version (removes it if absent there), other keys
   * untouched, with the revision check.
   */
  restoreKeyValue: (req: RestoreKeyValue) => call<KeyRestore>('restore_key_value', { req }),
  /**
   * Deletes a version (the only copy of a deleted level only with `force`, confirmed natively).
   */
  deleteVersion: (req: DeleteVersion) => call<null>('delete_version', { req }),
  /**
   * Purges a level's history: the typed slug, then a native confirmation. Answers how many went.
   */
  purgeHistory: (req: ConfirmedNode) => call<number>('purge_history', { req }),
  /**
   * Shows the open dialog and reads the chosen file on this side; the UI gets an opaque handle and
   * the file's name, never its path.
   */
  chooseImportFile: () => call<ImportChoiceDto | null>('choose_import_file', {}),
  /**
   * What importing the chosen file would change.
   */
  previewImport: (req: PreviewImport) => call<ImportPreview>('preview_import', { req }),
  /**
   * Imports the chosen file into a level.
   */
  applyImport: (req: ApplyImport) => call<SaveDto>('apply_import', { req }),
  /**
   * Checks the export (a merged environment that breaks its schema is refused unless confirmed),
   * then shows the save dialog and writes it with owner-only permissions; returns where.
   */
  exportToFile: (req: ExportToFile) => call<string | null>('export_to_file', { req }),
  /**
   * The key matrix of a project: one row per key, one column per level, each cell's state without
   * its value; a locked project answers the names of its nodes and no rows.
   */
  keyMatrix: (req: ProjectRef) => call<KeyMatrix>('key_matrix', { req }),
  /**
   * The value of one cell of the key matrix (`null` when the key has none there).
   */
  matrixCellValue: (req: MatrixCell) => call<string | null>('matrix_cell_value', { req }),
  /**
   * Shows the save dialog and writes the key matrix's presence (never a value) as CSV, owner-only;
   * returns where. A locked project is refused (it has no rows to write).
   */
  exportMatrixCsv: (req: ProjectRef) => call<string | null>('export_matrix_csv', { req }),
  /**
   * The environments of the connection's unlocked projects with keys expired or expiring soon (the
   * tree's badges); locked projects are listed, not read.
   */
  expiryReport: (req: ConnRef) => call<ExpiryReport>('expiry_report', { req }),
  /**
   * The settings (defaults where unset).
   */
  getSettings: () => call<Settings>('get_settings', {}),
  /**
   * Stores the settings; they hold at once.
   */
  setSettings: (req: Settings) => call<Settings>('set_settings', { req }),
};
