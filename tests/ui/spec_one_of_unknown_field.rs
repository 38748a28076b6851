hookspec::include_api!("api-specs/one_of_unknown_field");

fn main() {}
