// Types that cross IPC. They are generated from the Rust types (bindings.ts, which
// tests/app/bindings.rs keeps equal to what the Rust side sends); this module gives them the names
// the UI uses.
import type * as B from './bindings';

export type {
  Change,
  Conflict,
  Connection,
  DiffSource,
  DraftInfo,
  CommentBlock,
  Entry,
  ExpiryAlert,
  Fix,
  ImportPreview,
  KeyConflict,
  KeyState,
  LevelKind,
  Lint,
  Managed,
  NodeInfo,
  NodePath,
  Organization,
  Overridden,
  Settings,
  TextEdit,
  VersionsPage,
} from './bindings';

export type ParseErrorInfo = B.ParseErrorDto;
export type Analysis = B.AnalysisDto;
export type Level = B.LevelDto;
export type Merged = B.MergedRow;
export type MergedWindow = B.MergedWindow;
export type ViewId = B.ViewId;
export type NodeView = B.NodeDto;
export type SaveResult = B.SaveDto;
export type Summary = B.DiffSummary;
export type DiffResult = B.DiffDto;
export type VersionItem = B.Item<B.VersionAttributes>;
export type ExportFormat = B.Format;
export type CreatedProject = B.CreatedProjectDto;
export type Rotation = B.RotationDto;
export type Progress = B.ProgressDto;
export type ImportChoice = B.ImportChoiceDto;

/** Every export format, in the order the UI offers them (a format added on the Rust side must be listed). */
const formats: Record<ExportFormat, true> = { env: true, json: true, yaml: true, shell: true, dockerfile: true };
export const exportFormats = Object.keys(formats) as ExportFormat[];
