use hookspec::fivecents::{JobSelector, ResendNotificationRequest};

fn main() {
    // One selector only: there is no way to give both an index and an input file.
    let _ = ResendNotificationRequest { zoneid: 1234, job: JobSelector::Index(0), infile: "a.mp4".to_owned() };
    let _ = JobSelector::Index(0, "a.mp4".to_owned());
}
