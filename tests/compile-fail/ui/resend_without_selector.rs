use hookspec::fivecents::ResendNotificationRequest;

fn main() {
    // `zoneid` alone does not say which job: the selector is required.
    let _ = ResendNotificationRequest { zoneid: 1234 };
}
