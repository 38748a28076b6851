hookspec::include_api!("api-specs/unknown_model_reference");

fn main() {}
