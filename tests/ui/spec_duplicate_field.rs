hookspec::include_api!("api-specs/duplicate_field");

fn main() {}
