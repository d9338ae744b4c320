//! The tree shows the architecture: the pure core (`src/` outside
//! `src/wasm/`) never touches `wasm_bindgen`, `js_sys` or `web_sys`, so
//! `cargo test` covers it natively and the wasm faces stay one thin layer.
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "wasm") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_pure_core_has_no_wasm_bindgen() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 10, "found only {} core files", files.len());
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for binding in ["wasm_bindgen", "js_sys", "web_sys"] {
                assert!(
                    !code.contains(binding),
                    "{}:{}: the core names {binding}; move the binding to src/wasm/",
                    file.display(),
                    n + 1
                );
            }
        }
    }
}

#[test]
fn the_javascript_half_is_in_src_js() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        assert!(
            path.extension().is_none_or(|e| e != "js"),
            "{} belongs in src/js/ (or src/wasm/ for wasm-bindgen's host bindings)",
            path.display()
        );
    }
}
