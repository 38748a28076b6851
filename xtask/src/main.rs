//! `cargo xtask <command>`: see `cargo xtask --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Arg, Command};
use xtask::{bench, derived, openapi, rel, scaffold, workspace_root};

fn cli() -> Command {
    Command::new("xtask")
        .about("The hookspec spec workflow")
        .subcommand_required(true)
        .subcommand(Command::new("regen").about(
            "Regenerate everything derived from the specs: codegen snapshots, the README endpoint table, openapi/*.json and openapi/3.0/*.json",
        ))
        .subcommand(Command::new("check").about(
            "Fail if anything derived is stale, a spec is invalid or a snapshot is unreviewed",
        ))
        .subcommand(
            Command::new("new-endpoint")
                .about("Write a spec skeleton api-specs/<api>/<name>.toml")
                .arg(Arg::new("api").required(true))
                .arg(Arg::new("name").required(true).help("snake_case endpoint name"))
                .arg(Arg::new("method").long("method").required(true))
                .arg(Arg::new("path").long("path").required(true).help("e.g. /client/webhooks/{id}")),
        )
        .subcommand(
            Command::new("openapi")
                .about("Export openapi/<api>.json (OpenAPI 3.1) or openapi/3.0/<api>.json (OpenAPI 3.0.3) for every API")
                .arg(
                    Arg::new("version")
                        .long("version")
                        .value_parser(["3.1", "3.0"])
                        .default_value("3.1")
                        .help("OpenAPI version: 3.0 for the tools that read only 3.0 (progenitor…)"),
                ),
        )
        .subcommand(
            Command::new("bench")
                .about("Run the benchmarks and print every table of BENCHMARKS.md as Markdown")
                .arg(
                    Arg::new("sections")
                        .num_args(0..)
                        .value_parser(bench::SECTIONS)
                        .help("Sections to run (default: all)"),
                )
                .arg(
                    Arg::new("quick")
                        .long("quick")
                        .action(clap::ArgAction::SetTrue)
                        .help("A short smoke run"),
                ),
        )
        .subcommand(
            Command::new("import-openapi")
                .about("Turn an OpenAPI 3.0/3.1 document into spec files under api-specs/<api>/")
                .arg(Arg::new("file").required(true))
                .arg(Arg::new("api").long("api").required(true))
                .arg(Arg::new("out").long("out").help("Folder to write to (default api-specs/<api>)")),
        )
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let root = workspace_root();
    let m = cli().get_matches();
    let arg = |m: &clap::ArgMatches, id: &str| m.get_one::<String>(id).cloned().unwrap_or_default();
    match m.subcommand() {
        Some(("regen", _)) => {
            let changed = derived::regen(&root)?;
            if changed.is_empty() {
                println!("everything derived from the specs is up to date");
            }
            for c in changed {
                println!("wrote {c}");
            }
            Ok(())
        }
        Some(("check", _)) => {
            derived::check(&root)?;
            println!("specs valid; derived files up to date; no unreviewed snapshots");
            Ok(())
        }
        Some(("bench", s)) => {
            let sections: Vec<String> = s
                .get_many::<String>("sections")
                .map(|v| v.cloned().collect())
                .unwrap_or_default();
            bench::run(&root, &sections, s.get_flag("quick"))
        }
        Some(("new-endpoint", s)) => {
            let file = scaffold::new_endpoint(
                &root,
                &arg(s, "api"),
                &arg(s, "name"),
                &arg(s, "method"),
                &arg(s, "path"),
            )?;
            println!(
                "wrote {}: fill in the TODOs, then run `cargo xtask regen`",
                rel(&root, &file)
            );
            Ok(())
        }
        Some(("openapi", s)) => {
            let v3_0 = arg(s, "version") == "3.0";
            let dir = if v3_0 {
                root.join("openapi/3.0")
            } else {
                root.join("openapi")
            };
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            for api in xtask::load_apis(&root)? {
                let path = dir.join(format!("{}.json", api.name));
                let doc = openapi::export(&api);
                let doc = if v3_0 { openapi::to_3_0(&doc) } else { doc };
                std::fs::write(&path, openapi::to_string(&doc)).map_err(|e| e.to_string())?;
                println!("wrote {}", rel(&root, &path));
            }
            Ok(())
        }
        Some(("import-openapi", s)) => {
            let file = arg(s, "file");
            let api = arg(s, "api");
            let text = std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?;
            let doc: serde_json::Value = serde_json::from_str(&text)
                .or_else(|_| toml::from_str(&text))
                .map_err(|e| format!("{file}: not JSON: {e}"))?;
            let imported = openapi::import(&doc, &api).map_err(|e| format!("{file}: {e}"))?;
            let out = s
                .get_one::<String>("out")
                .map_or_else(|| root.join("api-specs").join(&api), PathBuf::from);
            std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
            for (name, text) in &imported.files {
                let path = out.join(name);
                if path.exists() {
                    return Err(format!(
                        "{} exists; import into an empty folder (--out)",
                        path.display()
                    ));
                }
                std::fs::write(&path, text).map_err(|e| e.to_string())?;
                println!("wrote {}", rel(&root, &path));
            }
            for w in &imported.warnings {
                eprintln!("not expressible: {w}");
            }
            Ok(())
        }
        _ => Err("unknown command".into()),
    }
}
