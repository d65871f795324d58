//! Compiles the scene and theme files into the binary for the browser build, which has no
//! folder to read them from (the native app reads scenes/ and assets/themes/ at start, so
//! an analyst can edit a topic without a rebuild). Each file is one `(name, text)` entry.

use std::fmt::Write;
use std::path::Path;

fn main() {
    // Read when the script runs, not baked in when it is compiled: a build script compiled
    // for one checkout may be reused by another with the same target dir (CI's cache).
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest_dir).join("..");
    let mut code = String::new();
    for (constant, dir) in [("SCENES", root.join("scenes")), ("THEMES", root.join("assets/themes"))] {
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|path| path.extension().is_some_and(|x| x == "ron"))
            .collect();
        files.sort();
        writeln!(code, "pub const {constant}: &[(&str, &str)] = &[").unwrap();
        for path in files {
            println!("cargo:rerun-if-changed={}", path.display());
            let name = path.strip_prefix(&root).expect("under the repository").display().to_string();
            writeln!(code, "    ({name:?}, include_str!({:?})),", path.canonicalize().expect("an existing file").display().to_string())
                .unwrap();
        }
        writeln!(code, "];").unwrap();
    }
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
