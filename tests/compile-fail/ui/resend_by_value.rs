use hookspec::fivecents::{Client, JobSelector, ResendNotificationRequest};

async fn run(client: Client) {
    // The body is borrowed, not moved.
    let _ = client.resend_notification(ResendNotificationRequest { zoneid: 1, job: JobSelector::Index(0) }).await;
}

fn main() {
    let _ = run;
}
