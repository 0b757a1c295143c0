//! The shape of the IPC commands, read from `src-tauri/commands.rs` (the `#[tauri::command]` functions
//! are what the webview can call; their parameter types are what it may send).

/// A command: its name, whether it is `async`, and its parameters (`name`, `Type` without spaces) —
/// the fields of its request struct, which is everything the webview can send it.
type Command = (String, bool, Vec<(String, String)>);

/// The fields of every `pub struct` of `src`: struct name → `(field, Type)`.
fn structs(src: &str) -> std::collections::HashMap<String, Vec<(String, String)>> {
    let mut out = std::collections::HashMap::new();
    for chunk in src.split("\npub struct ").skip(1) {
        let name = chunk.split([' ', '{', ';']).next().unwrap().to_owned();
        let Some(body) = chunk.split_once('{').map(|(_, b)| b.split("\n}").next().unwrap()) else { continue };
        let fields = body
            .lines()
            .map(str::trim)
            .filter_map(|l| l.strip_prefix("pub "))
            .filter_map(|l| l.split_once(':'))
            .map(|(n, t)| (n.trim().to_owned(), t.trim().trim_end_matches(',').split_whitespace().collect::<String>()))
            .collect();
        out.insert(name, fields);
    }
    out
}

/// Every command, as written in the one list (`ipc_commands!` in `src-tauri/commands.rs`).
fn commands() -> Vec<Command> {
    let src = std::fs::read_to_string("src-tauri/commands.rs").unwrap();
    let requests = structs(&src);
    let block = src.split("\nipc_commands! {\n").nth(1).unwrap();
    let mut out = Vec::new();
    for line in block.lines().map(str::trim) {
        // The macro accepts entries of one form only: `async fn name(ctx[, req: Request]) -> Answer {`.
        let Some(sig) =
            line.strip_prefix("async fn ").map(|s| (true, s)).or(line.strip_prefix("fn ").map(|s| (false, s)))
        else {
            continue;
        };
        let (is_async, sig) = sig;
        let name = sig.split('(').next().unwrap().to_owned();
        let args = &sig[sig.find('(').unwrap() + 1..sig.find(')').unwrap()];
        let params = match args.split_once(',') {
            None => Vec::new(),
            Some((_, req)) => {
                let ty = req.split_once(':').unwrap().1.trim();
                match ty {
                    "Settings" => vec![("settings".to_owned(), "Settings".to_owned())],
                    _ => requests.get(ty).unwrap_or_else(|| panic!("{name}: request type {ty} not found")).clone(),
                }
            }
        };
        out.push((name, is_async, params));
    }
    out
}

/// Issue 10, hole 2: no command takes a filesystem path (the old `preview_import(file: String)`
/// shape); files are chosen in native dialogs and named by a handle.
#[test]
fn no_command_takes_a_filesystem_path() {
    let cmds = commands();
    assert_eq!(cmds.len(), envdesk_app::COMMANDS.len(), "every declared command is found");
    for (name, _, params) in &cmds {
        for (p, ty) in params {
            assert!(
                !ty.contains("PathBuf") && !ty.ends_with("&Path") && ty != "Path",
                "{name}({p}: {ty}) takes a path"
            );
            assert!(!["file", "dir", "filename", "dest"].contains(&p.as_str()), "{name} takes `{p}`: a file name");
        }
    }
    let import: Vec<_> = cmds.iter().filter(|(n, _, _)| n == "preview_import" || n == "apply_import").collect();
    assert_eq!(import.len(), 2);
    for (name, _, params) in import {
        assert!(params.contains(&("handle".into(), "ImportHandle".into())), "{name} takes the handle: {params:?}");
    }
}

/// Issue 10, holes 3 and 16: slugs, version ids and node paths are parsed types, secrets are
/// zeroizing — no command takes them as a plain `String`.
#[test]
fn commands_take_parsed_slugs_ids_and_secrets() {
    for (name, _, params) in commands() {
        for (p, ty) in &params {
            let want = match p.as_str() {
                "project" | "target" | "slug" => Some(&["Slug", "Option<Slug>"][..]),
                "id" => Some(&["VersionId"][..]),
                "path" | "parent" => Some(&["IpcPath"][..]),
                "token" | "passphrase" => Some(&["Secret", "Option<Secret>"][..]),
                // A key typed by the user, or a new key's mode with its passphrase (a `Secret` too,
                // checked below).
                "key" => Some(&["Secret", "NewKey"][..]),
                "source" => Some(&["ExportSourceArg"][..]),
                "view" => Some(&["vault::ViewId", "Option<vault::ViewId>"][..]),
                _ => None,
            };
            if let Some(want) = want {
                assert!(want.contains(&ty.as_str()), "{name}({p}: {ty}) should take one of {want:?}");
            }
            assert!(!ty.contains("NodePath"), "{name}({p}: {ty}): a node path from the webview is an IpcPath");
        }
    }
    let args = std::fs::read_to_string("src-tauri/app/args.rs").unwrap();
    let new_key = args.split("pub enum NewKey {").nth(1).unwrap().split("\n}").next().unwrap();
    assert!(new_key.contains("passphrase: Secret,"), "a new key's passphrase is a Secret");
}

/// Issue 10, hole 17: Tauri runs a synchronous command on the main thread, where a panic takes the
/// app down; every command is `async` (the list's entries, and what the macro writes for each).
#[test]
fn every_command_is_async() {
    for (name, is_async, _) in commands() {
        assert!(is_async, "the command {name} is synchronous: it would run (and could panic) on the main thread");
    }
    let src = std::fs::read_to_string("src-tauri/commands.rs").unwrap();
    let tauri_fns: Vec<&str> = src.split("#[tauri::command]").skip(1).map(|c| c.trim_start()).collect();
    assert_eq!(tauri_fns.len(), 1, "commands are written by the macro only");
    assert!(tauri_fns[0].starts_with("pub async fn $name("), "the macro writes async commands");
}

/// Issue 10, hole 17: a panic in a command's work is an `internal` error, and its message (which could
/// quote a value) is not passed on.
#[tokio::test]
async fn a_panic_in_command_work_is_an_internal_error() {
    use envdesk_app::commands::{run, EditText, Text};
    let r: Result<(), _> = envdesk_app::commands::blocking(|| panic!("a bug that quotes SECRET_VALUE=hunter2")).await;
    let e = r.unwrap_err();
    assert_eq!(e.code, envdesk_app::app::error::Code::Internal);
    assert!(!e.message.contains("hunter2"));
    // The commands that parse text run their work there.
    let (ctx, _dir, _) = super::host();
    let edit = envdesk_app::app::dto::TextEdit::Set { key: "A".into(), value: "2".into() };
    let edited = run::edit_text(&ctx, EditText { text: "A=1\n".into(), edit }).await.unwrap();
    assert_eq!(edited, "A=2\n");
    assert!(run::analyze_text(&ctx, Text { text: "A: 1\n".into() }).await.unwrap().parse_error.is_some());
}

/// Operations that wait on the network and then compute for long (open, search, matrix, expiry scan)
/// run whole on the blocking pool, not on the async workers the auto-lock timer shares; they still wait
/// on timers there, and a panic is an `internal` error without its message.
#[tokio::test]
async fn long_operations_run_off_the_async_workers() {
    use envdesk_app::commands::off_workers;
    let worker = std::thread::current().id();
    let ran_on = off_workers(async {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        Ok(std::thread::current().id())
    })
    .await
    .unwrap();
    assert_ne!(ran_on, worker, "on a thread of the blocking pool");
    let r: Result<(), _> = off_workers(async { panic!("a bug that quotes SECRET_VALUE=hunter2") }).await;
    let e = r.unwrap_err();
    assert_eq!(e.code, envdesk_app::app::error::Code::Internal);
    assert!(!e.message.contains("hunter2"));
}
