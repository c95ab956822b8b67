//! The recording verifier: it accepts **every** certificate chain, by design.
//!
//! This is the only place where verification is deferred. The handshake must succeed whatever is
//! presented so that the chain can be captured and judged afterwards by `validate`, at an explicit
//! instant. Handshake signatures are still verified with the provider's algorithms, so the peer
//! must own the leaf's private key: a captured chain is one the peer can really use.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

/// What the server presented.
#[derive(Debug, Clone, Default)]
pub struct Captured {
    /// Leaf first, then the intermediates, in wire order.
    pub chain: Vec<CertificateDer<'static>>,
    /// The stapled OCSP response, if any.
    pub staple: Option<Vec<u8>>,
}

/// A verifier that records the chain and accepts it (see the module docs).
#[derive(Debug, Clone)]
pub struct Recorder {
    captured: Arc<Mutex<Option<Captured>>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl Recorder {
    /// A recorder verifying handshake signatures with ring's algorithms.
    pub fn new() -> Self {
        let algorithms = rustls::crypto::ring::default_provider().signature_verification_algorithms;
        Self {
            captured: Arc::new(Mutex::new(None)),
            algorithms,
        }
    }

    /// The chain captured so far (empty when the handshake ended before the Certificate message).
    pub fn take(&self) -> Captured {
        self.captured
            .lock()
            .map(|mut slot| slot.take().unwrap_or_default())
            .unwrap_or_default()
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.clone().into_owned()];
        chain.extend(intermediates.iter().map(|cert| cert.clone().into_owned()));
        let staple = (!ocsp_response.is_empty()).then(|| ocsp_response.to_vec());
        if let Ok(mut slot) = self.captured.lock() {
            *slot = Some(Captured { chain, staple });
        }
        // Deferred by design: `validate` judges the captured chain afterwards.
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
