//! A connection to the platform's database: the password read from where the
//! configuration points (never from a command line, never logged), TLS by `sslmode`, and
//! a session set up so that values arrive in the forms validation reads.

use std::sync::Arc;
use std::time::Duration;

use postgres::{Client, NoTls};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::config::{Connection, SslMode};
use crate::PullError;

impl Connection {
    /// `host:port/dbname as user`: how messages and the audit log name the database.
    pub fn describe(&self) -> String {
        format!("{}:{}/{} as {}", self.host, self.port, self.dbname, self.user)
    }

    fn password(&self) -> Result<String, PullError> {
        let config = |message: String| PullError::Config(message);
        if let Some(name) = &self.password_env {
            return std::env::var(name)
                .map_err(|_| config(format!("connection: the environment variable {name} (password_env) is not set")));
        }
        if let Some(path) = &self.password_file {
            let text =
                std::fs::read_to_string(path).map_err(|e| config(format!("connection: password_file {}: {}", path.display(), e.kind())))?;
            return Ok(text.lines().next().unwrap_or_default().to_string());
        }
        Err(config("connection: no password_env or password_file".into()))
    }
}

/// Opens a session: the sessions' settings make dates ISO (`2025-06-03`), times Beijing
/// time, and floats exact, and bound each statement by `statement_timeout_s`.
pub fn connect(connection: &Connection) -> Result<Client, PullError> {
    let password = connection.password()?;
    let mut config = postgres::Config::new();
    config
        .host(&connection.host)
        .port(connection.port)
        .dbname(&connection.dbname)
        .user(&connection.user)
        .password(password)
        .application_name("szjy-pull")
        .connect_timeout(Duration::from_secs(connection.connect_timeout_s));
    let failed = |e: postgres::Error| PullError::Connect { database: connection.describe(), message: crate::describe_error(&e) };
    let mut client = match connection.sslmode {
        SslMode::Disable => config.ssl_mode(postgres::config::SslMode::Disable).connect(NoTls).map_err(failed)?,
        mode => {
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(mode, connection)?);
            config.ssl_mode(postgres::config::SslMode::Require).connect(tls).map_err(failed)?
        }
    };
    let settings = format!(
        "SET DateStyle = 'ISO, YMD'; SET TimeZone = 'Asia/Shanghai'; SET extra_float_digits = 1; \
         SET standard_conforming_strings = on; SET statement_timeout = {}",
        connection.statement_timeout_s.saturating_mul(1000)
    );
    client.batch_execute(&settings).map_err(failed)?;
    Ok(client)
}

fn tls_config(mode: SslMode, connection: &Connection) -> Result<ClientConfig, PullError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| PullError::Config(format!("connection: TLS: {e}")))?;
    let verifier: Arc<dyn ServerCertVerifier> = match (&connection.ca_file, mode) {
        (None, SslMode::Require) => {
            tracing::warn!(database = %connection.describe(), "sslmode require without ca_file: the server's certificate is not checked");
            Arc::new(NameBlind { chain: None, provider })
        }
        (None, _) => return Err(PullError::Config(format!("connection: sslmode {} needs ca_file", mode.as_str()))),
        (Some(path), _) => {
            let mut roots = RootCertStore::empty();
            let certificates = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| PullError::Config(format!("connection: ca_file {}: {e}", path.display())))?;
            if certificates.is_empty() {
                return Err(PullError::Config(format!("connection: ca_file {}: no certificate in it", path.display())));
            }
            for certificate in certificates {
                roots.add(certificate).map_err(|e| PullError::Config(format!("connection: ca_file {}: {e}", path.display())))?;
            }
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| PullError::Config(format!("connection: ca_file {}: {e}", path.display())))?;
            match mode {
                SslMode::VerifyFull => webpki,
                // libpq's require with a root certificate checks the chain as verify-ca.
                _ => Arc::new(NameBlind { chain: Some(webpki), provider }),
            }
        }
    };
    Ok(builder.dangerous().with_custom_certificate_verifier(verifier).with_no_client_auth())
}

/// verify-ca (and require with a CA file): the chain is checked, the name is not. Without
/// a chain (require without a CA file) the certificate is not checked at all; the
/// handshake's signatures always are.
#[derive(Debug)]
struct NameBlind {
    chain: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for NameBlind {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else { return Ok(ServerCertVerified::assertion()) };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. })) => {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}
