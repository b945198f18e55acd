fn main() {
    // Every command the window may call is listed here and granted one by one
    // in capabilities/default.json: the window gets nothing else.
    let manifest = tauri_build::AppManifest::new().commands(groundgame_domain::ipc::command::ALL);
    if let Err(error) =
        tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
    {
        eprintln!("tauri build step failed: {error:#}");
        eprintln!(
            "is the UI built? run `cargo xtask ui` (it writes ui/dist, which the app embeds)"
        );
        std::process::exit(1);
    }
}
