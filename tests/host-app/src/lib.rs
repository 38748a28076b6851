//! A stand-in for an application that depends on hookspec and has HTTP clients of its own.
//! Its tests check that hookspec changes nothing about those clients.

/// Builds the application's own client the way it always has: `reqwest::Client::new()` with
/// the features this crate asked for (none).
pub fn app_client() -> reqwest::Client {
    reqwest::Client::builder()
        .build()
        .expect("the application's own client builds")
}
