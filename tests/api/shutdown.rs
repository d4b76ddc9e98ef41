//! The real binary stops cleanly on SIGTERM, which is how a PaaS stops a container: it finishes
//! what it was doing and exits 0, instead of being killed mid-write when the platform loses
//! patience.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn the_server_exits_cleanly_on_sigterm() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_discock"))
        .env_clear()
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("DATABASE_URL", format!("sqlite://{}/term.db", dir.path().display()))
        .env("SECRET_KEY", "sigterm-test-secret-sigterm-test-secret")
        .env("BCRYPT_COST", "4")
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "the server did not listen within 20 s");
        std::thread::sleep(Duration::from_millis(50));
    }

    let sent = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().expect("kill runs");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = server.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };

    assert!(sent.success());
    let status = status.expect("the server exits within 10 s of SIGTERM");
    assert!(status.success(), "a clean exit, not a death by signal: {status:?}");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "nothing listens any more");
}
