hookspec::include_api!("api-specs/toml_syntax");

fn main() {}
