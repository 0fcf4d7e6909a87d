//! Key material: private keys (PEM PKCS#1 or PKCS#8, JWK, PKCS#12), certificate chains, and
//! the [`ClientKey`] that says how a grant names its key (`kid` or `x5c`).
//!
//! Keys are parsed once into the crypto backend's key pair, so signing a grant does not parse
//! them again. Errors name the file and what is wrong with it, and never print key bytes.

use std::{
    fmt,
    path::{Path, PathBuf},
    sync::Arc,
};

use aws_lc_rs::{
    digest,
    signature::{KeyPair, RsaKeyPair},
};
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use tilgang_domain::secret::Password;

/// The smallest RSA key accepted, in bits (Digdir registers 2048-bit keys).
pub const MIN_RSA_BITS: usize = 2048;

/// Why key material could not be loaded. Every variant names where the material came from
/// (a file path or a caller-given description) and never contains key bytes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The material is not in the expected format (PEM, JWK, PKCS#12, DER).
    #[error("{origin}: {reason}")]
    Format {
        /// Where the material came from.
        origin: String,
        /// What is wrong, and what to do about it.
        reason: String,
    },
    /// The material parsed, but the crypto backend refused the key (e.g. too small, not RSA,
    /// inconsistent parameters).
    #[error("{origin}: the RSA key was refused: {reason}")]
    Rejected {
        /// Where the material came from.
        origin: String,
        /// What the crypto backend said.
        reason: String,
    },
    /// The certificate does not belong to the private key.
    #[error(
        "{origin}: the leaf certificate ({subject}) does not match the private key; check that the key and certificate files belong together"
    )]
    CertificateMismatch {
        /// Where the certificate came from.
        origin: String,
        /// The leaf certificate's subject.
        subject: String,
    },
    /// The key id is not acceptable to Maskinporten.
    #[error(
        "invalid key id {kid:?}: {reason} (Maskinporten allows letters, digits, '.', '_' and '-')"
    )]
    KeyId {
        /// The key id.
        kid: String,
        /// What is wrong.
        reason: &'static str,
    },
}

fn format_err(origin: &str, reason: impl Into<String>) -> KeyError {
    KeyError::Format {
        origin: origin.to_owned(),
        reason: reason.into(),
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, KeyError> {
    std::fs::read(path).map_err(|source| KeyError::Read {
        path: path.to_owned(),
        source,
    })
}

/// An RSA private key, parsed and ready to sign.
///
/// Cheap to clone (a reference count). Its `Debug` shows only where it came from and its size.
#[derive(Clone)]
pub struct PrivateKey {
    pair: Arc<RsaKeyPair>,
    origin: Arc<str>,
}

impl PrivateKey {
    /// Reads a PEM private key file: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`).
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, KeyError> {
        let path = path.as_ref();
        Self::from_pem(&read_file(path)?, &path.display().to_string())
    }

    /// Parses a PEM private key. `origin` names where it came from, for error messages.
    pub fn from_pem(pem: &[u8], origin: &str) -> Result<Self, KeyError> {
        let text = std::str::from_utf8(pem)
            .map_err(|_| format_err(origin, "not a PEM file (not UTF-8 text)"))?;
        let blocks = pem_blocks(text, origin)?;
        let mut keys = blocks
            .iter()
            .filter(|b| b.label.ends_with("PRIVATE KEY") || b.label.contains("PRIVATE"));
        let block = match (keys.next(), keys.next()) {
            (Some(b), None) => b,
            (None, _) => {
                return Err(format_err(
                    origin,
                    "no private key found (expected a 'BEGIN PRIVATE KEY' or 'BEGIN RSA PRIVATE KEY' block)",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(format_err(
                    origin,
                    "more than one private key block; put one key in the file",
                ));
            }
        };
        match block.label.as_str() {
            "PRIVATE KEY" => Self::from_pkcs8_der(&block.der, origin),
            "RSA PRIVATE KEY" => Self::from_pkcs1_der(&block.der, origin),
            "ENCRYPTED PRIVATE KEY" => Err(format_err(
                origin,
                "the private key is encrypted; decrypt it first (openssl pkcs8 -in KEY -out PLAIN) or use a PKCS#12 file with a password",
            )),
            other => Err(format_err(
                origin,
                format!(
                    "a '{other}' is not an RSA private key; Maskinporten needs RSA (RS256/384/512)"
                ),
            )),
        }
    }

    /// Parses a PKCS#8 DER private key.
    pub fn from_pkcs8_der(der: &[u8], origin: &str) -> Result<Self, KeyError> {
        Self::from_pair(RsaKeyPair::from_pkcs8(der), origin)
    }

    /// Parses a PKCS#1 (`RSAPrivateKey`) DER private key.
    pub fn from_pkcs1_der(der: &[u8], origin: &str) -> Result<Self, KeyError> {
        Self::from_pair(RsaKeyPair::from_der(der), origin)
    }

    /// Reads a private JWK (a JSON object with `kty: "RSA"` and `n`, `e`, `d`, `p`, `q`, `dp`,
    /// `dq`, `qi`). The JWK's own `kid` is ignored here; see [`ClientKey::from_jwk_file`].
    pub fn from_jwk_file(path: impl AsRef<Path>) -> Result<Self, KeyError> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        Ok(Jwk::parse(&read_file(path)?, &origin)?.key)
    }

    /// Parses a private JWK from JSON text. `origin` names where it came from.
    pub fn from_jwk(json: &[u8], origin: &str) -> Result<Self, KeyError> {
        Ok(Jwk::parse(json, origin)?.key)
    }

    fn from_pair(
        pair: Result<RsaKeyPair, aws_lc_rs::error::KeyRejected>,
        origin: &str,
    ) -> Result<Self, KeyError> {
        let pair = pair.map_err(|e| KeyError::Rejected {
            origin: origin.to_owned(),
            reason: e.to_string(),
        })?;
        let bits = pair.public_modulus_len() * 8;
        if bits < MIN_RSA_BITS {
            return Err(KeyError::Rejected {
                origin: origin.to_owned(),
                reason: format!("{bits}-bit key; Maskinporten needs at least {MIN_RSA_BITS} bits"),
            });
        }
        Ok(PrivateKey {
            pair: Arc::new(pair),
            origin: origin.into(),
        })
    }

    /// The key size in bits.
    pub fn bits(&self) -> usize {
        self.pair.public_modulus_len() * 8
    }

    /// Where the key came from (a path or the caller's description).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The public key as a DER `RSAPublicKey` (PKCS#1).
    pub fn public_key_pkcs1_der(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    pub(crate) fn pair(&self) -> &RsaKeyPair {
        &self.pair
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("origin", &self.origin)
            .field("bits", &self.bits())
            .field("key", &"[redacted]")
            .finish()
    }
}

/// A certificate chain, leaf first, as sent in a grant's `x5c` header.
#[derive(Clone, PartialEq, Eq)]
pub struct CertificateChain {
    der: Vec<Vec<u8>>,
    subjects: Vec<String>,
    origin: String,
}

impl CertificateChain {
    /// Reads a PEM file of one or more `BEGIN CERTIFICATE` blocks, leaf first.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, KeyError> {
        let path = path.as_ref();
        Self::from_pem(&read_file(path)?, &path.display().to_string())
    }

    /// Parses PEM certificates, leaf first. `origin` names where they came from.
    pub fn from_pem(pem: &[u8], origin: &str) -> Result<Self, KeyError> {
        let text = std::str::from_utf8(pem)
            .map_err(|_| format_err(origin, "not a PEM file (not UTF-8 text)"))?;
        let certs: Vec<Vec<u8>> = pem_blocks(text, origin)?
            .into_iter()
            .filter(|b| b.label == "CERTIFICATE")
            .map(|b| b.der)
            .collect();
        Self::from_der(certs, origin)
    }

    /// Builds a chain from DER certificates. They are put in order (leaf first, then each
    /// issuer) when they are given out of order.
    pub fn from_der(certs: Vec<Vec<u8>>, origin: &str) -> Result<Self, KeyError> {
        if certs.is_empty() {
            return Err(format_err(
                origin,
                "no certificate found (expected 'BEGIN CERTIFICATE' blocks)",
            ));
        }
        let mut parsed = Vec::with_capacity(certs.len());
        for (i, der) in certs.iter().enumerate() {
            let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| {
                format_err(origin, format!("certificate {} does not parse: {e}", i + 1))
            })?;
            parsed.push((
                cert.subject().to_string(),
                cert.issuer().to_string(),
                cert.tbs_certificate.subject.as_raw().to_vec(),
                cert.tbs_certificate.issuer.as_raw().to_vec(),
            ));
        }
        // The leaf is the certificate that issued none of the others. Order the rest by
        // following issuers, so `x5c` is leaf first as RFC 7515 requires; certificates that do
        // not link are kept at the end in the order given.
        let issued_any = |i: usize| {
            parsed
                .iter()
                .enumerate()
                .any(|(j, other)| j != i && other.3 == parsed[i].2 && other.2 != parsed[i].2)
        };
        let leaf = (0..parsed.len()).find(|&i| !issued_any(i)).unwrap_or(0);
        let mut order = vec![leaf];
        while let Some(&last) = order.last() {
            let next =
                (0..parsed.len()).find(|&j| !order.contains(&j) && parsed[j].2 == parsed[last].3);
            match next {
                Some(j) => order.push(j),
                None => break,
            }
        }
        let unlinked: Vec<usize> = (0..parsed.len()).filter(|i| !order.contains(i)).collect();
        order.extend(unlinked);
        Ok(CertificateChain {
            der: order.iter().map(|&i| certs[i].clone()).collect(),
            subjects: order.iter().map(|&i| parsed[i].0.clone()).collect(),
            origin: origin.to_owned(),
        })
    }

    /// The DER certificates, leaf first.
    pub fn der(&self) -> &[Vec<u8>] {
        &self.der
    }

    /// The subjects, leaf first (for logs and error messages; not secret).
    pub fn subjects(&self) -> &[String] {
        &self.subjects
    }

    /// The `x5c` header value: standard base64 (not base64url) DER certificates, leaf first.
    pub fn x5c(&self) -> Vec<String> {
        self.der.iter().map(|d| STANDARD.encode(d)).collect()
    }

    /// The `x5t#S256` thumbprint of the leaf (base64url SHA-256 of its DER).
    pub fn leaf_thumbprint(&self) -> String {
        URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, &self.der[0]))
    }

    fn leaf_public_key(&self) -> Vec<u8> {
        x509_parser::parse_x509_certificate(&self.der[0])
            .map(|(_, c)| {
                c.tbs_certificate
                    .subject_pki
                    .subject_public_key
                    .data
                    .to_vec()
            })
            .unwrap_or_default()
    }
}

impl fmt::Debug for CertificateChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateChain")
            .field("origin", &self.origin)
            .field("subjects", &self.subjects)
            .finish()
    }
}

/// How a grant names its key.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyReference {
    /// A key registered on the client (JWK uploaded to Maskinporten): `kid` header.
    Kid(String),
    /// An enterprise certificate (virksomhetssertifikat): `x5c` header, leaf first.
    X5c(CertificateChain),
}

impl fmt::Debug for KeyReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyReference::Kid(kid) => f.debug_tuple("Kid").field(kid).finish(),
            KeyReference::X5c(chain) => f.debug_tuple("X5c").field(chain).finish(),
        }
    }
}

/// A private key together with how grants name it: the unit a Maskinporten client signs with.
#[derive(Clone)]
pub struct ClientKey {
    key: PrivateKey,
    reference: KeyReference,
    key_id: String,
}

impl ClientKey {
    /// A key registered on the Maskinporten client under `kid`.
    pub fn registered(key: PrivateKey, kid: impl Into<String>) -> Result<Self, KeyError> {
        let kid = kid.into();
        check_kid(&kid)?;
        Ok(ClientKey {
            key,
            key_id: format!("kid:{kid}"),
            reference: KeyReference::Kid(kid),
        })
    }

    /// An enterprise certificate and its private key: grants carry the chain in `x5c`.
    /// Fails when the leaf certificate does not belong to the key.
    pub fn certificate(chain: CertificateChain, key: PrivateKey) -> Result<Self, KeyError> {
        if chain.leaf_public_key() != key.public_key_pkcs1_der() {
            return Err(KeyError::CertificateMismatch {
                origin: chain.origin.clone(),
                subject: chain.subjects[0].clone(),
            });
        }
        Ok(ClientKey {
            key,
            key_id: format!("x5t#S256:{}", chain.leaf_thumbprint()),
            reference: KeyReference::X5c(chain),
        })
    }

    /// A private JWK file as a registered key, named by the JWK's own `kid`. Use
    /// [`ClientKey::registered`] with [`PrivateKey::from_jwk_file`] to name it otherwise.
    pub fn from_jwk_file(path: impl AsRef<Path>) -> Result<Self, KeyError> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let jwk = Jwk::parse(&read_file(path)?, &origin)?;
        let kid = jwk.kid.ok_or_else(|| {
            format_err(
                &origin,
                "the JWK has no \"kid\"; add the key id it is registered under, or pass one with ClientKey::registered",
            )
        })?;
        Self::registered(jwk.key, kid)
    }

    /// A key file in whichever format it is in, with how grants should name it: the unit a
    /// configuration file or command line describes.
    ///
    /// The file's format is detected from its content: a JSON object is a private JWK, anything
    /// else PEM (PKCS#1 or PKCS#8). With `cert`, a PEM certificate chain (leaf first), grants
    /// carry `x5c`; otherwise with `kid` they carry that key id; a JWK without either is named
    /// by its own `kid`. A PEM key with neither is refused, saying what to add.
    pub fn from_file(
        path: impl AsRef<Path>,
        kid: Option<&str>,
        cert: Option<&Path>,
    ) -> Result<Self, KeyError> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let text = read_file(path)?;
        let is_jwk = text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        if is_jwk && cert.is_none() && kid.is_none() {
            return Self::from_jwk_file(path);
        }
        let key = if is_jwk {
            PrivateKey::from_jwk(&text, &origin)?
        } else {
            PrivateKey::from_pem(&text, &origin)?
        };
        match (cert, kid) {
            (Some(cert), _) => Self::certificate(CertificateChain::from_pem_file(cert)?, key),
            (None, Some(kid)) => Self::registered(key, kid),
            (None, None) => Err(format_err(
                &origin,
                "a PEM key needs the key id it is registered under, or the certificate chain it belongs to",
            )),
        }
    }

    /// A PEM private key file as a registered key named `kid`.
    pub fn from_pem_file(path: impl AsRef<Path>, kid: impl Into<String>) -> Result<Self, KeyError> {
        Self::registered(PrivateKey::from_pem_file(path)?, kid)
    }

    /// An enterprise certificate from a PEM chain file (leaf first) and a PEM key file.
    pub fn from_certificate_pem_files(
        chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Self, KeyError> {
        Self::certificate(
            CertificateChain::from_pem_file(chain)?,
            PrivateKey::from_pem_file(key)?,
        )
    }

    /// An enterprise certificate from a PKCS#12 (`.p12`/`.pfx`) file.
    pub fn from_pkcs12_file(path: impl AsRef<Path>, password: &Password) -> Result<Self, KeyError> {
        let path = path.as_ref();
        Self::from_pkcs12(&read_file(path)?, password, &path.display().to_string())
    }

    /// An enterprise certificate from PKCS#12 bytes. `origin` names where they came from.
    pub fn from_pkcs12(bytes: &[u8], password: &Password, origin: &str) -> Result<Self, KeyError> {
        let store = p12_keystore::KeyStore::from_pkcs12(
            bytes,
            password.expose(),
            p12_keystore::Pkcs12ImportPolicy::Relaxed,
        )
        .map_err(|e| {
            format_err(
                origin,
                format!("cannot open the PKCS#12 file ({e}); check the password and that it is a .p12/.pfx file"),
            )
        })?;
        let (_, chain) = store.private_key_chain().ok_or_else(|| {
            format_err(
                origin,
                "the PKCS#12 file holds no private key with a certificate",
            )
        })?;
        let key = PrivateKey::from_pkcs8_der(chain.key().as_der(), origin)?;
        if chain.certs().is_empty() {
            return Err(format_err(
                origin,
                "the PKCS#12 file holds a private key but no certificate for it",
            ));
        }
        let certs = chain.certs().iter().map(|c| c.as_der().to_vec()).collect();
        Self::certificate(CertificateChain::from_der(certs, origin)?, key)
    }

    /// The private key.
    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// How grants name the key.
    pub fn reference(&self) -> &KeyReference {
        &self.reference
    }

    /// A stable identifier of the key for cache keys: `kid:<kid>` or `x5t#S256:<thumbprint>`.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
}

impl fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientKey")
            .field("reference", &self.reference)
            .field("key", &self.key)
            .finish()
    }
}

fn check_kid(kid: &str) -> Result<(), KeyError> {
    let err = |reason| KeyError::KeyId {
        kid: kid.to_owned(),
        reason,
    };
    if kid.is_empty() {
        return Err(err("it is empty"));
    }
    if kid.len() > 255 {
        return Err(err("it is longer than 255 characters"));
    }
    if !kid
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(err("it contains characters that are not allowed"));
    }
    Ok(())
}

struct PemBlock {
    label: String,
    der: Vec<u8>,
}

/// Splits PEM text into its blocks. Text outside blocks (comments, `Bag Attributes` written by
/// openssl) is ignored, as PEM readers conventionally do.
fn pem_blocks(text: &str, origin: &str) -> Result<Vec<PemBlock>, KeyError> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            if current.is_some() {
                return Err(format_err(
                    origin,
                    format!("line {}: a BEGIN inside another PEM block", n + 1),
                ));
            }
            current = Some((label.to_owned(), String::new()));
        } else if let Some(label) = line
            .strip_prefix("-----END ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            let Some((begin, body)) = current.take() else {
                return Err(format_err(
                    origin,
                    format!("line {}: END without BEGIN", n + 1),
                ));
            };
            if begin != label {
                return Err(format_err(
                    origin,
                    format!("line {}: BEGIN {begin} ended by END {label}", n + 1),
                ));
            }
            let der = STANDARD.decode(body.as_bytes()).map_err(|_| {
                format_err(
                    origin,
                    format!(
                        "the {begin} block is not valid base64 (ends at line {})",
                        n + 1
                    ),
                )
            })?;
            blocks.push(PemBlock { label: begin, der });
        } else if let Some((_, body)) = current.as_mut() {
            // Encrypted legacy PEM carries headers such as `Proc-Type:`; they are not base64.
            if line.contains(':') {
                return Err(format_err(
                    origin,
                    "the PEM block has headers (an encrypted legacy key?); decrypt it first",
                ));
            }
            body.push_str(line);
        }
    }
    if current.is_some() {
        return Err(format_err(origin, "a PEM block has no END line"));
    }
    if blocks.is_empty() {
        return Err(format_err(origin, "no PEM blocks found"));
    }
    Ok(blocks)
}

/// A private JWK, converted to a key pair (via a PKCS#1 DER encoding of its parameters).
struct Jwk {
    key: PrivateKey,
    kid: Option<String>,
}

impl Jwk {
    fn parse(json: &[u8], origin: &str) -> Result<Self, KeyError> {
        #[derive(serde::Deserialize)]
        struct Raw {
            kty: String,
            kid: Option<String>,
            n: Option<String>,
            e: Option<String>,
            d: Option<String>,
            p: Option<String>,
            q: Option<String>,
            dp: Option<String>,
            dq: Option<String>,
            qi: Option<String>,
        }
        // The error from serde_json names the position, never the values, so it is safe here.
        let raw: Raw = serde_json::from_slice(json)
            .map_err(|e| format_err(origin, format!("not a JWK JSON object: {e}")))?;
        if raw.kty != "RSA" {
            return Err(format_err(
                origin,
                format!("kty is {:?}; Maskinporten needs an RSA key", raw.kty),
            ));
        }
        if raw.d.is_none() {
            return Err(format_err(
                origin,
                "this is a public JWK (no \"d\"); use the private JWK",
            ));
        }
        let field = |name: &'static str, value: &Option<String>| -> Result<Vec<u8>, KeyError> {
            let value = value.as_deref().ok_or_else(|| {
                format_err(
                    origin,
                    format!(
                        "the JWK lacks \"{name}\" (all of n, e, d, p, q, dp, dq, qi are needed)"
                    ),
                )
            })?;
            URL_SAFE_NO_PAD
                .decode(value.trim_end_matches('='))
                .map_err(|_| format_err(origin, format!("\"{name}\" is not base64url")))
        };
        let parts = [
            field("n", &raw.n)?,
            field("e", &raw.e)?,
            field("d", &raw.d)?,
            field("p", &raw.p)?,
            field("q", &raw.q)?,
            field("dp", &raw.dp)?,
            field("dq", &raw.dq)?,
            field("qi", &raw.qi)?,
        ];
        let der = rsa_private_key_der(&parts);
        Ok(Jwk {
            key: PrivateKey::from_pkcs1_der(&der, origin)?,
            kid: raw.kid,
        })
    }
}

/// DER `RSAPrivateKey` (RFC 8017 A.1.2): SEQUENCE { version 0, n, e, d, p, q, dp, dq, qi }.
fn rsa_private_key_der(parts: &[Vec<u8>; 8]) -> Vec<u8> {
    let mut body = Vec::new();
    der_integer(&mut body, &[0]);
    for part in parts {
        der_integer(&mut body, part);
    }
    let mut out = Vec::with_capacity(body.len() + 4);
    out.push(0x30);
    der_length(&mut out, body.len());
    out.extend_from_slice(&body);
    out
}

fn der_integer(out: &mut Vec<u8>, unsigned_be: &[u8]) {
    let first = unsigned_be
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(unsigned_be.len());
    let digits = &unsigned_be[first..];
    let pad = digits.first().is_none_or(|&b| b & 0x80 != 0);
    out.push(0x02);
    der_length(out, digits.len() + usize::from(pad));
    if pad {
        out.push(0);
    }
    out.extend_from_slice(digits);
}

fn der_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let first = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - first) as u8);
        out.extend_from_slice(&bytes[first..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_integers_are_minimal_and_positive() {
        let mut out = Vec::new();
        der_integer(&mut out, &[0x00, 0x00, 0x7f]);
        assert_eq!(out, [0x02, 0x01, 0x7f]);
        out.clear();
        der_integer(&mut out, &[0x80]);
        assert_eq!(out, [0x02, 0x02, 0x00, 0x80]);
        out.clear();
        der_integer(&mut out, &[0]);
        assert_eq!(out, [0x02, 0x01, 0x00]);
    }

    #[test]
    fn der_lengths_use_long_form_above_127() {
        let mut out = Vec::new();
        der_length(&mut out, 300);
        assert_eq!(out, [0x82, 0x01, 0x2c]);
    }

    #[test]
    fn kid_rules() {
        assert!(check_kid("demo-key-1").is_ok());
        assert!(check_kid("a.b_c").is_ok());
        assert!(check_kid("").is_err());
        assert!(check_kid("has space").is_err());
    }
}
