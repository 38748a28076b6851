hookspec::include_api!("api-specs/unused_path_param");

fn main() {}
