hookspec::include_api!("api-specs/bad_base_url");

fn main() {}
