hookspec::include_api!("api-specs/unknown_key");

fn main() {}
