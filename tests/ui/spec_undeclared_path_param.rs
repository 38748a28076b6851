hookspec::include_api!("api-specs/undeclared_path_param");

fn main() {}
