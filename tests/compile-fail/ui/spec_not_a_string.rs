hookspec::include_api!(api_specs::fivecents);

fn main() {}
