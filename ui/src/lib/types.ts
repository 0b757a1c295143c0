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
  Entry,
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
export type Merged = B.MergedDto;
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
