hookspec::include_api!("api-specs/many_errors");

fn main() {}
