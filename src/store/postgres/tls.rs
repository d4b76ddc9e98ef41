//! TLS to PostgreSQL: the rustls client each `sslmode` asks for (see [`SslMode`] for the
//! table), handed to the driver through `tokio-postgres-rustls`.
//!
//! One connector type serves every mode, so the pool has one type: in the plain modes the
//! driver is told `sslmode=disable` (by [`PostgresUrl::parse`](crate::config::PostgresUrl::parse))
//! and never calls the connector at all.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, WebPkiServerVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::config::{PostgresTls, SslMode};
use crate::store::StoreError;

/// What the pool and start-up hand to the driver for every connection.
pub(crate) type Connector = MakeRustlsConnect;

/// The connector for `tls`; reads `sslrootcert` now, so a missing or empty file stops start-up.
pub(super) fn connector(tls: &PostgresTls) -> Result<Connector, StoreError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let private_roots = tls.root_cert.as_deref().map(read_roots).transpose()?;
    let verifier: Arc<dyn ServerCertVerifier> = match (tls.mode, private_roots) {
        // No authority named: encrypted, but whoever answers is taken at its word (libpq's
        // `require`). Handshake signatures are still checked, so the key really is the peer's.
        (SslMode::Require, None) => Arc::new(AnyCertificate { provider: provider.clone() }),
        // An authority named with require or verify-ca: the chain must reach it; the name may differ.
        (SslMode::Require | SslMode::VerifyCa, Some(roots)) => {
            Arc::new(TrustedChain { roots: Arc::new(roots), provider: provider.clone() })
        }
        // verify-full, and the plain modes (whose connector is never called): chain and host name.
        (_, roots) => {
            let roots = roots.unwrap_or_else(webpki_roots);
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| StoreError::Internal(format!("building the PostgreSQL TLS verifier: {e}").into()))?
        }
    };
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Internal(format!("TLS protocol versions: {e}").into()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    // What libpq 17 sends; a server that supports direct TLS negotiation requires it, older
    // servers ignore it.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(MakeRustlsConnect::new(config))
}

/// Mozilla's list of authorities, compiled in (the same in every image, with or without
/// `ca-certificates`).
fn webpki_roots() -> RootCertStore {
    RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() }
}

/// The certificates of an `sslrootcert` PEM file; an unreadable file, or one without a
/// certificate, is an error naming the file.
fn read_roots(path: &Path) -> Result<RootCertStore, StoreError> {
    let bad = |why: String| StoreError::Internal(format!("sslrootcert {}: {why}", path.display()).into());
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| bad(format!("cannot read PEM certificates: {e}")))?;
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(bad("holds no usable certificate".into()));
    }
    Ok(roots)
}

/// `require` without an authority: any certificate. Still checks that the server signed the
/// handshake with the key of the certificate it sent.
#[derive(Debug)]
struct AnyCertificate {
    provider: Arc<CryptoProvider>,
}

/// `verify-ca` (and `require` with an authority): the chain must reach one of `roots`; the
/// host name is not compared.
#[derive(Debug)]
struct TrustedChain {
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

impl ServerCertVerifier for TrustedChain {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let cert = ParsedCertificate::try_from(end_entity)?;
        verify_server_cert_signed_by_trust_anchor(
            &cert,
            &self.roots,
            intermediates,
            now,
            self.provider.signature_verification_algorithms.all,
        )?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}
