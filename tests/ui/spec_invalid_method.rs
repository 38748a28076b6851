hookspec::include_api!("api-specs/invalid_method");

fn main() {}
