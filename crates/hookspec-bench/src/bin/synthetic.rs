//! Writes a crate using `hookspec::include_api!` on a synthetic API of N endpoints, for the
//! compile-time scaling measurement (`cargo xtask bench compile`).
//!
//! Usage: `synthetic <endpoints> <dir>`.

use std::path::{Path, PathBuf};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "target/synthetic".into()));
    let hookspec = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../hookspec")
        .canonicalize()?;
    let sources = hookspec_bench::synthetic_api(n);
    let specs = dir.join("api-specs/synthetic");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&specs)?;
    std::fs::create_dir_all(dir.join("src"))?;
    for f in sources.files() {
        let name = Path::new(&f.path).file_name().unwrap_or_default();
        std::fs::write(specs.join(name), &f.text)?;
    }
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"synthetic-{n}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nhookspec = {{ path = {:?} }}\n\n[workspace]\n",
            hookspec.display().to_string()
        ),
    )?;
    std::fs::write(
        dir.join("src/lib.rs"),
        "hookspec::include_api!(\"../api-specs/synthetic\");\n",
    )?;
    println!("{}", dir.display());
    Ok(())
}
