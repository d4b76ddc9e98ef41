//! TLS to PostgreSQL and Redis: which certificates each mode accepts and refuses, against fake
//! servers on 127.0.0.1 that present a self-signed certificate made for the test. They need
//! neither a real PostgreSQL nor a real Redis, so they run once, not per backend.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use discock::config::DatabaseConfig;
use discock::{App, Config};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use crate::helpers::off_runtime;

/// What the client's first 8 bytes must be: length 8, then the SSLRequest code 80877103.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];
/// The fake PostgreSQL's answer to a startup message it received over TLS.
const FAKE_REFUSAL: &str = "fake server: no logins here";

/// A self-signed certificate for `localhost` only (not for 127.0.0.1), its PEM file, and a
/// rustls server presenting it.
struct SelfSigned {
    server: Arc<ServerConfig>,
    pem: tempfile::NamedTempFile,
}

fn self_signed() -> SelfSigned {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.signing_key.serialize_der()));
    let server = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(made.cert.der().to_vec())], key)
        .unwrap();
    let mut pem = tempfile::NamedTempFile::new().unwrap();
    pem.write_all(made.cert.pem().as_bytes()).unwrap();
    SelfSigned { server: Arc::new(server), pem }
}

/// What a fake server saw of one client.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    /// The TLS handshake failed (the client refused the certificate, or hung up).
    HandshakeFailed,
    /// Bytes that arrived inside TLS: the client trusted the server enough to talk.
    Plaintext(Vec<u8>),
}

/// A PostgreSQL that answers the SSLRequest with `answer` (`S`: TLS follows) and then, inside
/// TLS, refuses the startup message with [`FAKE_REFUSAL`]. Reports what it saw of each client.
fn fake_postgres(tls: Arc<ServerConfig>, answer: u8) -> (SocketAddr, mpsc::Receiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (seen, reports) = mpsc::channel();
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(mut tcp) = tcp else { return };
            let mut request = [0; 8];
            tcp.read_exact(&mut request).unwrap();
            assert_eq!(request, SSL_REQUEST, "the client must ask for TLS first");
            tcp.write_all(&[answer]).unwrap();
            if answer != b'S' {
                continue;
            }
            let report = match startup_over_tls(&tls, tcp) {
                Ok(startup) => Seen::Plaintext(startup),
                Err(_) => Seen::HandshakeFailed,
            };
            if seen.send(report).is_err() {
                return;
            }
        }
    });
    (addr, reports)
}

/// Does the handshake, reads the startup message and answers it with a FATAL ErrorResponse.
fn startup_over_tls(tls: &Arc<ServerConfig>, tcp: TcpStream) -> std::io::Result<Vec<u8>> {
    let mut stream = StreamOwned::new(ServerConnection::new(tls.clone()).unwrap(), tcp);
    let mut length = [0; 4];
    stream.read_exact(&mut length)?;
    let mut startup = vec![0; u32::from_be_bytes(length) as usize - 4];
    stream.read_exact(&mut startup)?;
    let mut fields = Vec::new();
    for (code, value) in [(b'S', "FATAL"), (b'V', "FATAL"), (b'C', "28000"), (b'M', FAKE_REFUSAL)] {
        fields.push(code);
        fields.extend_from_slice(value.as_bytes());
        fields.push(0);
    }
    fields.push(0);
    let mut reply = vec![b'E'];
    reply.extend_from_slice(&(fields.len() as u32 + 4).to_be_bytes());
    reply.extend_from_slice(&fields);
    stream.write_all(&reply)?;
    stream.conn.send_close_notify();
    stream.flush()?;
    Ok(startup)
}

/// Opens the store on `url` once (no retries), off the runtime; the error text if it fails.
fn open_error(url: &str) -> String {
    let config = DatabaseConfig::from_url(url, "DATABASE_URL").expect("a valid URL");
    let config = match config {
        DatabaseConfig::Postgres { url, pool_size, .. } => {
            DatabaseConfig::Postgres { url, pool_size, connect_timeout: Duration::ZERO }
        }
        sqlite => sqlite,
    };
    match off_runtime(|| discock::store::open(&config)) {
        Ok(_) => panic!("the fake server cannot be a database"),
        Err(e) => e.to_string(),
    }
}

fn assert_not_a_tls_error(err: &str) {
    assert!(err.contains(FAKE_REFUSAL), "the client should have reached the startup message: {err}");
    assert!(!err.contains("TLS") && !err.contains("certificate"), "{err}");
}

#[tokio::test]
async fn verify_full_refuses_a_self_signed_postgres_certificate_and_start_up_says_so_without_the_password() {
    // Arrange: a server whose certificate no public authority signed.
    let cert = self_signed();
    let (addr, seen) = fake_postgres(cert.server.clone(), b'S');
    let url = format!("postgres://app:s3cret@localhost:{}/chat?sslmode=verify-full", addr.port());
    let env = [("DATABASE_URL", url.as_str()), ("DATABASE_CONNECT_TIMEOUT", "0"), ("HOST", "127.0.0.1"), ("PORT", "0")];
    let config = Config::from_lookup(|key| env.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string())).unwrap();

    // Act
    let err = App::build(config).await.err().expect("start-up must fail").to_string();

    // Assert: refused during the handshake, once (a certificate is not retried), and said plainly.
    assert_eq!(seen.recv_timeout(Duration::from_secs(5)).unwrap(), Seen::HandshakeFailed);
    assert!(seen.try_recv().is_err(), "a refused certificate must not be retried");
    assert!(err.contains("TLS certificate was not trusted") && err.contains("UnknownIssuer"), "{err}");
    assert!(err.contains(&format!("localhost:{}", addr.port())) && err.contains("sslrootcert"), "{err}");
    assert!(!err.contains("s3cret") && !err.contains("app:"), "{err}");
}

#[tokio::test]
async fn require_encrypts_but_does_not_check_the_certificate_as_libpq_does() {
    let cert = self_signed();
    let (addr, seen) = fake_postgres(cert.server.clone(), b'S');

    let err = open_error(&format!("postgres://app:s3cret@127.0.0.1:{}/chat?sslmode=require", addr.port()));

    let Seen::Plaintext(startup) = seen.recv_timeout(Duration::from_secs(5)).unwrap() else {
        panic!("require must accept any certificate")
    };
    assert!(startup.windows(4).any(|w| w == b"user"), "the startup message travelled inside TLS");
    assert_not_a_tls_error(&err);
}

#[tokio::test]
async fn require_refuses_a_server_that_declines_tls_instead_of_falling_back_to_plain_text() {
    let cert = self_signed();
    let (addr, _seen) = fake_postgres(cert.server.clone(), b'N');

    let err = open_error(&format!("postgres://app:s3cret@127.0.0.1:{}/chat?sslmode=require", addr.port()));

    assert!(err.contains("server does not support TLS"), "{err}");
}

#[tokio::test]
async fn verify_full_trusts_the_authority_in_sslrootcert_and_still_checks_the_host_name() {
    let cert = self_signed();
    let (addr, seen) = fake_postgres(cert.server.clone(), b'S');
    let root = cert.pem.path().display();

    // The certificate names localhost: trusted through sslrootcert.
    let err =
        open_error(&format!("postgres://app@localhost:{}/chat?sslmode=verify-full&sslrootcert={root}", addr.port()));
    assert!(matches!(seen.recv_timeout(Duration::from_secs(5)).unwrap(), Seen::Plaintext(_)));
    assert_not_a_tls_error(&err);

    // Same authority, but reached as 127.0.0.1, which the certificate does not name.
    let err =
        open_error(&format!("postgres://app@127.0.0.1:{}/chat?sslmode=verify-full&sslrootcert={root}", addr.port()));
    assert_eq!(seen.recv_timeout(Duration::from_secs(5)).unwrap(), Seen::HandshakeFailed);
    assert!(err.contains("TLS certificate was not trusted") && err.contains("NotValidForName"), "{err}");
}

#[tokio::test]
async fn verify_ca_checks_the_authority_but_not_the_host_name() {
    let trusted = self_signed();
    let stranger = self_signed();
    let (addr, seen) = fake_postgres(trusted.server.clone(), b'S');

    let by_address = |root: &tempfile::NamedTempFile| {
        open_error(&format!(
            "postgres://app@127.0.0.1:{}/chat?sslmode=verify-ca&sslrootcert={}",
            addr.port(),
            root.path().display()
        ))
    };

    assert_not_a_tls_error(&by_address(&trusted.pem));
    assert!(matches!(seen.recv_timeout(Duration::from_secs(5)).unwrap(), Seen::Plaintext(_)));
    let err = by_address(&stranger.pem);
    assert_eq!(seen.recv_timeout(Duration::from_secs(5)).unwrap(), Seen::HandshakeFailed);
    assert!(err.contains("TLS certificate was not trusted"), "{err}");
}

/// A Redis behind TLS with a self-signed certificate: it does the handshake, then answers
/// whatever arrives inside with one error reply. Reports what it saw.
fn fake_redis(tls: Arc<ServerConfig>) -> (SocketAddr, mpsc::Receiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (seen, reports) = mpsc::channel();
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { return };
            let mut stream = StreamOwned::new(ServerConnection::new(tls.clone()).unwrap(), tcp);
            let mut buf = [0; 512];
            let report = match stream.read(&mut buf) {
                Ok(n) if n > 0 => {
                    let _ = stream.write_all(b"-ERR fake redis\r\n").and_then(|()| stream.flush());
                    Seen::Plaintext(buf[..n].to_vec())
                }
                _ => Seen::HandshakeFailed,
            };
            if seen.send(report).is_err() {
                return;
            }
        }
    });
    (addr, reports)
}

async fn redis_ping(url: &str) -> redis::RedisResult<String> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    redis::cmd("PING").query_async(&mut conn).await
}

#[tokio::test]
async fn rediss_refuses_a_redis_whose_certificate_no_authority_signed() {
    let cert = self_signed();
    let (addr, seen) = fake_redis(cert.server.clone());

    let err = redis_ping(&format!("rediss://localhost:{}", addr.port())).await.unwrap_err().to_string();

    assert!(err.contains("certificate") && err.contains("UnknownIssuer"), "{err}");
    assert_eq!(seen.recv_timeout(Duration::from_secs(5)).unwrap(), Seen::HandshakeFailed);
}

#[tokio::test]
async fn rediss_with_insecure_talks_to_any_certificate_which_is_why_it_is_unsafe() {
    let cert = self_signed();
    let (addr, seen) = fake_redis(cert.server.clone());

    let answer = redis_ping(&format!("rediss://127.0.0.1:{}/#insecure", addr.port())).await;

    let Seen::Plaintext(command) = seen.recv_timeout(Duration::from_secs(5)).unwrap() else {
        panic!("#insecure must accept any certificate")
    };
    assert!(command.starts_with(b"*"), "a Redis command arrived inside TLS: {command:?}");
    // The fake answers with an error and hangs up; what matters is that it was not the certificate.
    let err = answer.unwrap_err().to_string();
    assert!(!err.contains("certificate"), "{err}");
}
