include!("command_names.rs");

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/command_names.rs");
    println!("cargo:rerun-if-changed=capabilities");
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
