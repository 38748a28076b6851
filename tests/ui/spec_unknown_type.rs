hookspec::include_api!("api-specs/unknown_type");

fn main() {}
