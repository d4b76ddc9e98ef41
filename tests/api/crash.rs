//! Crash safety: the real server binary, SIGKILLed three times at random moments while clients
//! send, restarted on the same SQLite database each time. The crash test itself (clients that
//! resend what was not acknowledged, the audit of the database file) is `discock_bench::crash`,
//! which `cargo run --release -p discock-bench --bin crashtest` runs with 20 kills or more. It
//! lives in this package's tests because only here does Cargo build the server binary for the
//! test and hand over its path (`CARGO_BIN_EXE_discock`), so a fresh clone needs no extra step.

use std::path::PathBuf;

use discock_bench::crash::{self, Options};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_sigkill_stored_once_with_gapless_seqs() {
    // Arrange: the binary Cargo built for these tests, and a fixed kill schedule.
    let mut options = Options::new(PathBuf::from(env!("CARGO_BIN_EXE_discock")), 20261201);
    options.kills = 3;

    // Act
    let report = crash::run(options).await.expect("the crash test runs");

    // Assert: nothing acknowledged lost, nothing stored twice, no seq gap, the file intact.
    assert!(report.violations().is_empty(), "the crash test found violations:\n{}", report.markdown());
    assert!(report.acknowledged > 0, "no message was acknowledged, so nothing was tested:\n{}", report.markdown());
    assert_eq!(report.audit.stored, report.acknowledged, "{}", report.markdown());
}
