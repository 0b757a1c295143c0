//! The shape of the IPC commands, read from `src-tauri/commands.rs` (the `#[tauri::command]` functions
//! are what the webview can call; their parameter types are what it may send).

/// A command: its name, whether it is `async`, and its parameters (`name`, `Type` without spaces).
type Command = (String, bool, Vec<(String, String)>);

/// Every command, as written.
fn commands() -> Vec<Command> {
    let src = std::fs::read_to_string("src-tauri/commands.rs").unwrap();
    let mut out = Vec::new();
    for chunk in src.split("#[tauri::command]").skip(1) {
        let sig = chunk.trim_start();
        let sig = &sig[..sig.find('{').unwrap()];
        let is_async = sig.starts_with("pub async fn ");
        let name = sig.split("fn ").nth(1).unwrap().split(['(', '<']).next().unwrap().trim().to_owned();
        let open = sig.find('(').unwrap();
        let close = sig.rfind(')').unwrap();
        let close =
            if sig[..close].contains("->") { sig[..sig.find("->").unwrap()].rfind(')').unwrap() } else { close };
        let mut params = Vec::new();
        let mut depth = 0;
        let mut cur = String::new();
        for c in sig[open + 1..close].chars() {
            match c {
                '<' | '(' => depth += 1,
                '>' | ')' => depth -= 1,
                ',' if depth == 0 => {
                    params.push(std::mem::take(&mut cur));
                    continue;
                }
                _ => {}
            }
            cur.push(c);
        }
        params.push(cur);
        let params = params
            .into_iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| {
                let (n, t) = p.split_once(':').unwrap();
                (n.trim().to_owned(), t.split_whitespace().collect::<String>())
            })
            .collect();
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
                "token" | "key" | "passphrase" => Some(&["Secret", "Option<Secret>"][..]),
                "source" => Some(&["ExportSourceArg"][..]),
                _ => None,
            };
            if let Some(want) = want {
                assert!(want.contains(&ty.as_str()), "{name}({p}: {ty}) should take one of {want:?}");
            }
            assert!(!ty.contains("NodePath"), "{name}({p}: {ty}): a node path from the webview is an IpcPath");
        }
    }
}

/// Issue 10, hole 17: Tauri runs a synchronous command on the main thread, where a panic takes the
/// app down; every command is `async`.
#[test]
fn every_command_is_async() {
    for (name, is_async, _) in commands() {
        assert!(is_async, "the command {name} is synchronous: it would run (and could panic) on the main thread");
    }
}

/// Issue 10, hole 17: a panic in a command's work is an `internal` error, and its message (which could
/// quote a value) is not passed on.
#[tokio::test]
async fn a_panic_in_command_work_is_an_internal_error() {
    let r: Result<(), _> = envdesk_app::commands::blocking(|| panic!("a bug that quotes SECRET_VALUE=hunter2")).await;
    let e = r.unwrap_err();
    assert_eq!(e.code, "internal");
    assert!(!e.message.contains("hunter2"));
    // The commands that parse text run their work there.
    let edited = envdesk_app::commands::edit_text(
        "A=1\n".into(),
        envdesk_app::app::dto::TextEdit::Set { key: "A".into(), value: "2".into() },
    )
    .await
    .unwrap();
    assert_eq!(edited, "A=2\n");
    assert!(envdesk_app::commands::analyze_text("A: 1\n".into()).await.unwrap().parse_error.is_some());
}
