//! The TypeScript declarations of every type that crosses IPC, generated from the Rust types with
//! ts-rs into `ui/src/lib/bindings.ts`. This test fails when the file differs from what the Rust types
//! say, so the UI cannot drift from the Rust side; `ENVDESK_BLESS=1 cargo test -p envdesk --test app
//! bindings` writes it anew.

use envdesk_api as api;
use envdesk_app::app::{args, dto, error, settings};
use envdesk_client::vault;
use envdesk_core::{diff, dotenv, export, merge};
use ts_rs::{Config, TS};

fn declarations() -> String {
    // u64 fields (revisions, sizes) stay far below 2^53: plain numbers in JSON and in TypeScript.
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from the Rust types by tests/app/bindings.rs (ts-rs); do not edit.\n\
         // Regenerate: ENVDESK_BLESS=1 cargo test -p envdesk --test app bindings\n\
         import { call } from './call';\n",
    );
    macro_rules! emit {
        ($($t:ty),* $(,)?) => {$(
            out.push_str(&format!("\nexport {}\n", <$t as TS>::decl(&cfg)));
        )*};
    }
    emit!(
        // envdesk-core
        merge::LevelKind,
        merge::Overridden,
        dotenv::Severity,
        dotenv::LintCode,
        dotenv::Fix,
        dotenv::Lint,
        dotenv::Quote,
        dotenv::Entry,
        dotenv::CommentBlock,
        envdesk_core::schema::Annotation,
        envdesk_core::schema::KeySchema,
        envdesk_core::schema::ProblemSeverity,
        envdesk_core::schema::ProblemKind,
        envdesk_core::schema::Problem,
        envdesk_core::schema::RequiredKeys,
        diff::Change,
        diff::DiffSummary,
        diff::Conflict,
        export::Format,
        envdesk_core::matrix::MatrixColumn,
        envdesk_core::matrix::MatrixRow,
        envdesk_core::matrix::CellProblem,
        // envdesk-api
        api::NodePath,
        api::Organization,
        api::PageMeta,
        api::Item<ts_rs::Dummy>,
        api::CreatedBy,
        api::VersionAttributes,
        // envdesk-client
        vault::Managed,
        vault::KeyState,
        vault::Protection,
        vault::UnlockMethod,
        vault::NodeInfo,
        vault::ViewId,
        vault::MergedRow,
        vault::MergedWindow,
        vault::TextMerge,
        vault::Conflict,
        vault::DraftInfo,
        vault::VersionsPage,
        vault::VersionView,
        vault::ImportPreview,
        vault::KeyMatrix,
        vault::ExpiryAlert,
        vault::ExpiryReport,
        envdesk_core::key_history::KeyChange,
        vault::VersionRef,
        vault::KeyHistoryEvent,
        vault::SkippedVersion,
        vault::KeyHistoryView,
        vault::KeyBlameView,
        vault::LevelBlame,
        vault::KeyRestore,
        vault::SearchAnswer,
        vault::LevelName,
        envdesk_core::search::SearchResults,
        envdesk_core::search::SearchHit,
        envdesk_core::search::LevelId,
        args::SearchQuery,
        // the app
        settings::Connection,
        settings::Settings,
        error::IpcError,
        dto::CreatedProjectDto,
        dto::ParseErrorDto,
        dto::AnalysisDto,
        dto::LevelDto,
        dto::NodeDto,
        dto::SaveDto,
        dto::DraftDto,
        dto::DiffSource,
        dto::DiffDto,
        dto::TextEdit,
        dto::RotationDto,
        dto::ProgressDto,
        dto::ImportChoiceDto,
        dto::DroppedFileDto,
        dto::ActivityEntry,
        dto::ActivityPage,
        args::ActivityKind,
        args::Day,
        args::PageNumber,
        args::ImportHandle,
        args::NewKey,
        args::Slug,
        envdesk_app::app::key_history::KeyName,
        args::ExportSourceArg,
        error::Code,
        envdesk_client::vault::ImportMode,
    );
    // The request types, and the wrappers of every command (`commands.<name>(request)`), from the one
    // list in src-tauri/commands.rs.
    for d in envdesk_app::commands::request_declarations(&cfg) {
        if !out.contains(&format!("\nexport {d}\n")) {
            out.push_str(&format!("\nexport {d}\n"));
        }
    }
    out.push('\n');
    out.push_str(&envdesk_app::commands::typescript(&cfg));
    out
}

#[test]
fn bindings_match_the_rust_types() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/bindings.ts");
    let want = declarations();
    if std::env::var_os("ENVDESK_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "ui/src/lib/bindings.ts is out of date with the Rust types that cross IPC; regenerate it with \
         `ENVDESK_BLESS=1 cargo test -p envdesk --test app bindings`, then fix what svelte-check finds"
    );
}
