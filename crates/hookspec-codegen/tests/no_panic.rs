//! Whatever a spec holds, loading never panics, and every spec that loads generates code that
//! parses as Rust. Deterministic mutations of the real specs stand in for a fuzzer.

use std::path::Path;

use hookspec_spec::{ApiSources, parse_api, read_api_dir, read_specs_root};

/// A uniform index below `n` (0 when `n` is 0), from a seeded generator so failures reproduce.
fn below(rng: &mut fastrand::Rng, n: usize) -> usize {
    rng.usize(..n.max(1))
}

const SNIPPETS: &[&str] = &[
    "",
    "\"",
    "'''",
    "[",
    "]",
    "{",
    "}",
    "=",
    "\n",
    "#",
    "array<",
    "map<json>",
    "Self",
    "type",
    "client",
    "Client",
    "{id}",
    "..",
    "é",
    "\u{0}",
    "\r\n",
    "nullable = true",
    "[[x]]",
    "0x",
];

fn mutate(text: &str, rng: &mut fastrand::Rng) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..=below(rng, 3) {
        let at = below(rng, chars.len());
        match below(rng, 3) {
            0 => {
                let end = (at + below(rng, 12)).min(chars.len());
                chars.drain(at..end);
            }
            1 => {
                let s = SNIPPETS[below(rng, SNIPPETS.len())];
                chars.splice(at..at, s.chars());
            }
            _ => {
                // Swap a word-ish run with another part of the file.
                let other = below(rng, chars.len());
                if at < chars.len() && other < chars.len() {
                    chars.swap(at, other);
                }
            }
        }
    }
    chars.into_iter().collect()
}

#[test]
fn mutated_specs_never_panic_and_valid_ones_generate_rust() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../api-specs");
    let mut rng = fastrand::Rng::with_seed(0x5eed_1234_abcd_0001);
    let (mut loaded, mut rejected) = (0, 0);
    for dir in read_specs_root(&root).unwrap() {
        let (sources, _) = read_api_dir(&dir, &|p| p.display().to_string()).unwrap();
        let files: Vec<_> = sources.files().cloned().collect();
        for round in 0..300 {
            let target = round % files.len();
            let mut files = files.clone();
            files[target].text = mutate(&files[target].text, &mut rng);
            let mutated = ApiSources {
                api: files[0].clone(),
                endpoints: files[1..].to_vec(),
            };
            match parse_api(&mutated) {
                Ok(api) => {
                    loaded += 1;
                    let tokens = hookspec_codegen::generate_api(&api);
                    if let Err(e) = hookspec_codegen::pretty(&tokens) {
                        panic!(
                            "spec loaded but generated invalid Rust ({e}):\n{}",
                            files[target].text
                        );
                    }
                }
                Err(diags) => {
                    rejected += 1;
                    assert!(!diags.0.is_empty());
                    for d in &diags.0 {
                        assert!(d.pos.line >= 1 && d.pos.col >= 1, "{d}");
                    }
                }
            }
        }
    }
    assert!(
        loaded > 0 && rejected > 0,
        "loaded {loaded}, rejected {rejected}"
    );
}

/// Inputs that once passed or crashed the loader and then made the generator panic (found by
/// review, not by the mutations above): each now loads and generates, or is refused with a
/// diagnostic.
#[test]
fn inputs_that_once_panicked() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../api-specs/fivecents");
    let (sources, _) = read_api_dir(&root, &|p| p.display().to_string()).unwrap();
    let with = |file: &str, edit: &dyn Fn(&str) -> String| {
        let mut sources = sources.clone();
        let f = sources
            .endpoints
            .iter_mut()
            .find(|f| f.path.ends_with(file))
            .unwrap();
        f.text = edit(&f.text);
        sources
    };
    let generated = |sources: &ApiSources| match parse_api(sources) {
        Ok(api) => {
            let tokens = hookspec_codegen::generate_api(&api);
            hookspec_codegen::pretty(&tokens).expect("valid Rust");
            true
        }
        Err(_) => false,
    };
    // A time range's example cut mid-character where the generator takes its minutes.
    let example = with("list_encode_jobs_in_range.toml", &|t| {
        t.replace(
            "example = \"2025-04-01 00:00 - 2025-04-30 23:59\"",
            "example = \"2025-04-01 00:0é - 2025-04-30 23:5é\"",
        )
    });
    assert!(generated(&example));
    // Endpoint names without an UpperCamelCase form.
    for name in ["_1", "__"] {
        let named = with("list_active_jobs.toml", &|t| {
            format!("name = \"{name}\"\n{t}")
        });
        assert!(!generated(&named), "{name} is refused");
    }
    // An unterminated quoted key ending in a multi-byte character.
    for tail in ["\n[models.\"Café\n", "\nx.\"é"] {
        let broken = with("list_active_jobs.toml", &|t| format!("{t}{tail}"));
        assert!(!generated(&broken));
    }
}
