hookspec::include_api!("api-specs/does_not_exist");

fn main() {}
