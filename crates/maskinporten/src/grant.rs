//! JWT-bearer grants (RFC 7523) for Maskinporten: the claims, their rules, and signing.
//!
//! A grant carries exactly the documented claims (`shared/spec/maskinporten.md` §1.4): `aud`,
//! `iss`, `scope`, `iat`, `exp`, `jti`, and when asked for `resource`, `consumer_org`, `pid`,
//! `iss_onbehalfof` and `authorization_details`. Maskinporten answers undocumented claims with
//! "Invalid assertion", so nothing else is ever added.

use std::{
    fmt,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use aws_lc_rs::{
    rand::SystemRandom,
    signature::{RSA_PKCS1_SHA256, RSA_PKCS1_SHA384, RSA_PKCS1_SHA512, RsaEncoding},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Serialize;
use tilgang_domain::secret::SecretText;
use tilgang_ports::TokenRequest;

use crate::key::{ClientKey, KeyReference};

/// The longest grant lifetime Maskinporten accepts (`exp - iat`).
pub const MAX_GRANT_LIFETIME: Duration = Duration::from_secs(120);

/// The signature algorithm of a grant. Maskinporten accepts RS256, RS384 and RS512.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (the default everywhere).
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
}

impl SigningAlgorithm {
    /// The JOSE name (`RS256`, …).
    pub fn name(self) -> &'static str {
        match self {
            SigningAlgorithm::Rs256 => "RS256",
            SigningAlgorithm::Rs384 => "RS384",
            SigningAlgorithm::Rs512 => "RS512",
        }
    }

    /// The crypto backend's padding-and-digest for this algorithm.
    pub fn encoding(self) -> &'static dyn RsaEncoding {
        match self {
            SigningAlgorithm::Rs256 => &RSA_PKCS1_SHA256,
            SigningAlgorithm::Rs384 => &RSA_PKCS1_SHA384,
            SigningAlgorithm::Rs512 => &RSA_PKCS1_SHA512,
        }
    }
}

impl std::str::FromStr for SigningAlgorithm {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "RS256" => Ok(SigningAlgorithm::Rs256),
            "RS384" => Ok(SigningAlgorithm::Rs384),
            "RS512" => Ok(SigningAlgorithm::Rs512),
            _ => Err(format!(
                "unsupported algorithm {s:?}: Maskinporten accepts RS256, RS384 and RS512"
            )),
        }
    }
}

/// How the `resource` claim is written. The Digdir docs say "currently only array supported"
/// while every surveyed client sends a plain string and it works, so both are offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceClaim {
    /// One resource as a string, several as an array.
    StringWhenSingle,
    /// Always an array.
    Array,
}

/// Why a grant could not be built. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GrantError {
    /// `consumer_org` and `iss_onbehalfof` were both set; Maskinporten refuses the combination.
    #[error("consumer_org and iss_onbehalfof are mutually exclusive; send one of them, not both")]
    ConsumerOrgWithOnBehalfOf,
    /// A `resource` is not an absolute URI.
    #[error("resource {0:?} is not an absolute URI (e.g. https://api.example.no/)")]
    InvalidResource(String),
    /// `iss_onbehalfof` is empty.
    #[error("iss_onbehalfof is empty; leave it out instead")]
    EmptyOnBehalfOf,
    /// The lifetime is zero or longer than Maskinporten accepts.
    #[error("grant lifetime {0:?} is out of range: it must be between 1 and 120 seconds")]
    Lifetime(Duration),
    /// The clock is before 1970.
    #[error("the clock is before 1970")]
    Clock,
    /// The crypto backend failed to sign.
    #[error("signing the grant failed")]
    Signing,
}

/// What every grant of one client shares: its audience, client id, lifetime and how
/// `resource` is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantSettings {
    audience: String,
    client_id: String,
    lifetime: Duration,
    resource_claim: ResourceClaim,
}

impl GrantSettings {
    /// Settings with the longest lifetime (120 s) and `resource` as a string when single.
    ///
    /// `audience` is the issuer string exactly as the well-known document spells it (e.g.
    /// `https://test.maskinporten.no/`, with the slash); `client_id` is the client's id.
    pub fn new(audience: impl Into<String>, client_id: impl Into<String>) -> Self {
        GrantSettings {
            audience: audience.into(),
            client_id: client_id.into(),
            lifetime: MAX_GRANT_LIFETIME,
            resource_claim: ResourceClaim::StringWhenSingle,
        }
    }

    /// Sets the lifetime (`exp - iat`); it must be 1 to 120 seconds (whole seconds).
    pub fn with_lifetime(mut self, lifetime: Duration) -> Result<Self, GrantError> {
        if lifetime < Duration::from_secs(1) || lifetime > MAX_GRANT_LIFETIME {
            return Err(GrantError::Lifetime(lifetime));
        }
        self.lifetime = lifetime;
        Ok(self)
    }

    /// Sets how `resource` is written.
    pub fn with_resource_claim(mut self, resource_claim: ResourceClaim) -> Self {
        self.resource_claim = resource_claim;
        self
    }

    /// The audience (`aud`).
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The client id (`iss`).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The lifetime.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }
}

/// Checks the rules a request must follow before anything is signed or sent.
pub fn validate(request: &TokenRequest) -> Result<(), GrantError> {
    if request.consumer_org.is_some() && request.iss_onbehalfof.is_some() {
        return Err(GrantError::ConsumerOrgWithOnBehalfOf);
    }
    if request.iss_onbehalfof.as_deref() == Some("") {
        return Err(GrantError::EmptyOnBehalfOf);
    }
    for resource in &request.resource {
        // `Url::parse` accepts only absolute URIs (a scheme is required), which is what
        // RFC 8707 asks of a resource indicator.
        if url::Url::parse(resource).is_err() {
            return Err(GrantError::InvalidResource(resource.clone()));
        }
    }
    Ok(())
}

/// A signed grant (the compact JWS sent as `assertion`). A bearer credential until it
/// expires, so its `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Assertion(SecretText);

impl Assertion {
    /// The compact JWS.
    ///
    /// # Security
    /// Do not log it: anyone holding it can get a token until it expires.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl fmt::Debug for Assertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Assertion([redacted])")
    }
}

/// Signs grants with one key and algorithm. The JWT header never changes for a signer, so it
/// is encoded once.
pub struct GrantSigner {
    key: ClientKey,
    algorithm: SigningAlgorithm,
    header_b64: String,
    rng: SystemRandom,
}

impl GrantSigner {
    /// A signer for `key` with `algorithm`. The header carries `kid` or `x5c` as the key says,
    /// never both.
    pub fn new(key: ClientKey, algorithm: SigningAlgorithm) -> Self {
        #[derive(Serialize)]
        struct Header<'a> {
            alg: &'static str,
            typ: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            kid: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            x5c: Option<Vec<String>>,
        }
        let header = match key.reference() {
            KeyReference::Kid(kid) => Header {
                alg: algorithm.name(),
                typ: "JWT",
                kid: Some(kid),
                x5c: None,
            },
            KeyReference::X5c(chain) => Header {
                alg: algorithm.name(),
                typ: "JWT",
                kid: None,
                x5c: Some(chain.x5c()),
            },
        };
        let header_json = serde_json::to_vec(&header).expect("a header always serialises");
        GrantSigner {
            header_b64: URL_SAFE_NO_PAD.encode(header_json),
            key,
            algorithm,
            rng: SystemRandom::new(),
        }
    }

    /// The key.
    pub fn key(&self) -> &ClientKey {
        &self.key
    }

    /// The algorithm.
    pub fn algorithm(&self) -> SigningAlgorithm {
        self.algorithm
    }

    /// Builds and signs a grant for `request` at `now`, with a fresh `jti`.
    pub fn sign_grant(
        &self,
        settings: &GrantSettings,
        request: &TokenRequest,
        now: SystemTime,
    ) -> Result<Assertion, GrantError> {
        validate(request)?;
        let iat = now
            .duration_since(UNIX_EPOCH)
            .map_err(|_| GrantError::Clock)?
            .as_secs();
        let scope = request.scopes.to_string();
        let resource = match (request.resource.as_slice(), settings.resource_claim) {
            ([], _) => None,
            ([one], ResourceClaim::StringWhenSingle) => Some(Resource::One(one)),
            (many, _) => Some(Resource::Many(many)),
        };
        let system_user = request.system_user.as_ref().map(|su| {
            [AuthorizationDetail {
                kind: "urn:altinn:systemuser",
                systemuser_org: OrgId {
                    authority: "iso6523-actorid-upis",
                    id: format!("0192:{}", su.org.as_str()),
                },
                external_ref: su.external_ref.as_deref(),
            }]
        });
        let jti = uuid::Uuid::new_v4();
        let mut jti_buf = uuid::Uuid::encode_buffer();
        let claims = Claims {
            aud: &settings.audience,
            iss: &settings.client_id,
            scope: &scope,
            iat,
            exp: iat + settings.lifetime.as_secs(),
            jti: jti.hyphenated().encode_lower(&mut jti_buf),
            resource,
            consumer_org: request.consumer_org.as_ref().map(|o| o.as_str()),
            pid: request.pid.as_ref().map(|p| p.expose()),
            iss_onbehalfof: request.iss_onbehalfof.as_deref(),
            authorization_details: system_user.as_ref().map(|a| a.as_slice()),
        };
        self.sign_claims(&claims)
    }

    fn sign_claims(&self, claims: &Claims<'_>) -> Result<Assertion, GrantError> {
        let claims_json = serde_json::to_vec(claims).map_err(|_| GrantError::Signing)?;
        let pair = self.key.key().pair();
        let sig_len = pair.public_modulus_len();
        let b64_len = |n: usize| n.div_ceil(3) * 4;
        let mut out = String::with_capacity(
            self.header_b64.len() + 2 + b64_len(claims_json.len()) + b64_len(sig_len),
        );
        out.push_str(&self.header_b64);
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(&claims_json, &mut out);
        let mut signature = vec![0u8; sig_len];
        pair.sign(
            self.algorithm.encoding(),
            &self.rng,
            out.as_bytes(),
            &mut signature,
        )
        .map_err(|_| GrantError::Signing)?;
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut out);
        Ok(Assertion(SecretText::new(out)))
    }
}

impl fmt::Debug for GrantSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrantSigner")
            .field("key", &self.key)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    aud: &'a str,
    iss: &'a str,
    scope: &'a str,
    iat: u64,
    exp: u64,
    jti: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<Resource<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consumer_org: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss_onbehalfof: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authorization_details: Option<&'a [AuthorizationDetail<'a>]>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Resource<'a> {
    One(&'a str),
    Many(&'a [String]),
}

#[derive(Serialize)]
struct AuthorizationDetail<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    systemuser_org: OrgId,
    #[serde(rename = "externalRef", skip_serializing_if = "Option::is_none")]
    external_ref: Option<&'a str>,
}

#[derive(Serialize)]
struct OrgId {
    authority: &'static str,
    #[serde(rename = "ID")]
    id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetime_is_bounded() {
        let s = GrantSettings::new("https://test.maskinporten.no/", "c");
        assert_eq!(
            s.clone().with_lifetime(Duration::from_secs(121)),
            Err(GrantError::Lifetime(Duration::from_secs(121)))
        );
        assert_eq!(
            s.clone().with_lifetime(Duration::ZERO),
            Err(GrantError::Lifetime(Duration::ZERO))
        );
        assert!(s.with_lifetime(Duration::from_secs(30)).is_ok());
    }

    #[test]
    fn algorithms_parse() {
        assert_eq!("rs384".parse(), Ok(SigningAlgorithm::Rs384));
        assert!("ES256".parse::<SigningAlgorithm>().is_err());
    }
}
