//! The HAL+JSON codec for the Altinn 2 resources (`shared/spec/altinn2-rest.md` §5–§7).
//!
//! Responses wrap lists as `{"_links": {...}, "_embedded": {"<name>": [...]}}`, where `<name>`
//! is `rights`, `roles`, `rightholders` or `reportees`. A single right holder nests two such
//! collections under `Rights` and `Roles`. The POST Delegations body is shaped differently: the
//! receiver's fields at top level and a bare `_embedded` object with the `rights`/`Rights` and
//! `roles`/`Roles` arrays.
//!
//! Decoding is tolerant (key casing, unknown fields, absent optionals and `null`) and a failure
//! names the JSON path that failed, e.g. `Rights._embedded.rights[0].Action`. Encoding writes
//! the documented shape. The same functions serve the client (decode responses, encode
//! requests) and the mock server (the other way around), so the two can never drift apart.

use std::{fmt, marker::PhantomData};

use serde::{
    Deserialize, Deserializer, Serialize, Serializer,
    de::{self, IgnoredAny, MapAccess},
    ser::SerializeMap,
};

use tilgang_domain::{Fnr, MaskedSsn, Name, OrgNumber, PartyQuery, ReporteeId};

use crate::model::{
    DelegationRequest, Links, Receiver, Reportee, Right, RightHolder, RightRequest, Role,
    RoleRequest, null_as_default,
};

/// A response body did not decode. Carries the JSON path that failed and what was wrong, never
/// the body itself (it may hold personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid HAL+JSON at `{path}`: {message}")]
pub struct DecodeError {
    /// The path of the value that failed, e.g. `_embedded.rights[3].ServiceEditionCode`.
    pub path: String,
    /// What was wrong.
    pub message: String,
}

/// A HAL collection: the items of `_embedded.<name>` and the collection's own `_links`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// The collection's links (`self`, `find`, …).
    pub links: Links,
}

impl<T> Page<T> {
    /// A page with no links.
    pub fn new(items: Vec<T>) -> Self {
        Page {
            items,
            links: Links::new(),
        }
    }
}

/// Which casing to write for the keys of the POST Delegations `_embedded` object. The
/// reference pages use `Rights`/`Roles`, the guide uses `rights`/`roles`; the server accepts
/// both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmbeddedCasing {
    /// `Rights` and `Roles` (reference page, API Help, Postman). The default.
    #[default]
    Pascal,
    /// `rights` and `roles` (the guide and its test client).
    Lower,
}

/// The body of `POST /api/reportees/ReporteeConversion` as it arrived: strings, unchecked.
/// The mock server checks them the way Altinn would; a client builds the body from a
/// [`PartyQuery`], whose identifiers are already checked.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct ReporteeConversionRequest {
    /// A person's fødselsnummer.
    #[serde(
        rename = "SocialSecurityNumber",
        alias = "socialSecurityNumber",
        default
    )]
    pub social_security_number: Option<String>,
    /// A person's last name.
    #[serde(rename = "LastName", alias = "lastName", default)]
    pub last_name: Option<String>,
    /// An organisation's number.
    #[serde(rename = "OrganizationNumber", alias = "organizationNumber", default)]
    pub organization_number: Option<String>,
    /// An organisation's name.
    #[serde(rename = "OrganizationName", alias = "organizationName", default)]
    pub organization_name: Option<String>,
}

fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, DecodeError> {
    // The happy path decodes without path tracking: `serde_path_to_error` wraps every value
    // and costs about a fifth of the decode time. Only when decoding fails is the body decoded
    // again with tracking, to name the path that failed.
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let fast = T::deserialize(&mut de).and_then(|value| de.end().map(|()| value));
    match fast {
        Ok(value) => Ok(value),
        Err(plain) => {
            let mut de = serde_json::Deserializer::from_slice(bytes);
            match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Err(e) => Err(DecodeError {
                    path: e.path().to_string(),
                    message: e.inner().to_string(),
                }),
                // The value decoded, so what failed was the check for trailing characters.
                Ok(_) => Err(DecodeError {
                    path: ".".into(),
                    message: plain.to_string(),
                }),
            }
        }
    }
}

fn encode<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    // Every type encoded here has string keys and no fallible `Serialize`, so this cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

/// Decodes one right holder with its nested rights and roles (`GET …/Delegations/{receiverId}`).
pub fn decode_right_holder(bytes: &[u8]) -> Result<RightHolder, DecodeError> {
    decode::<RightHolderWire>(bytes).map(Into::into)
}

/// Encodes one right holder in the response shape.
pub fn encode_right_holder(holder: &RightHolder) -> Vec<u8> {
    encode(&RightHolderRef(holder))
}

/// Decodes a list of right holders (`GET …/Delegations`).
pub fn decode_right_holders(bytes: &[u8]) -> Result<Page<RightHolder>, DecodeError> {
    let env: Envelope<RightHolderWire> = decode(bytes)?;
    Ok(Page {
        items: env.embedded.0.into_iter().map(Into::into).collect(),
        links: env.links,
    })
}

/// Encodes a list of right holders.
pub fn encode_right_holders(page: &Page<RightHolder>) -> Vec<u8> {
    let items: Vec<RightHolderRef<'_>> = page.items.iter().map(RightHolderRef).collect();
    encode(&EnvelopeRef::<RightHolderRef<'_>> {
        links: &page.links,
        items: &items,
    })
}

/// Decodes a rights list (`GET …/Delegations/{receiverId}/rights`).
pub fn decode_rights(bytes: &[u8]) -> Result<Page<Right>, DecodeError> {
    let env: Envelope<Right> = decode(bytes)?;
    Ok(Page {
        items: env.embedded.0,
        links: env.links,
    })
}

/// Encodes a rights list.
pub fn encode_rights(page: &Page<Right>) -> Vec<u8> {
    encode(&EnvelopeRef {
        links: &page.links,
        items: &page.items,
    })
}

/// Decodes a roles list (`GET …/Delegations/{receiverId}/roles`).
pub fn decode_roles(bytes: &[u8]) -> Result<Page<Role>, DecodeError> {
    let env: Envelope<Role> = decode(bytes)?;
    Ok(Page {
        items: env.embedded.0,
        links: env.links,
    })
}

/// Encodes a roles list.
pub fn encode_roles(page: &Page<Role>) -> Vec<u8> {
    encode(&EnvelopeRef {
        links: &page.links,
        items: &page.items,
    })
}

/// Decodes one reportee (the ReporteeConversion response).
pub fn decode_reportee(bytes: &[u8]) -> Result<Reportee, DecodeError> {
    decode(bytes)
}

/// Encodes one reportee.
pub fn encode_reportee(reportee: &Reportee) -> Vec<u8> {
    encode(reportee)
}

/// Decodes a reportee list (`GET /api/reportees`).
pub fn decode_reportees(bytes: &[u8]) -> Result<Page<Reportee>, DecodeError> {
    let env: Envelope<Reportee> = decode(bytes)?;
    Ok(Page {
        items: env.embedded.0,
        links: env.links,
    })
}

/// Encodes a reportee list.
pub fn encode_reportees(page: &Page<Reportee>) -> Vec<u8> {
    encode(&EnvelopeRef {
        links: &page.links,
        items: &page.items,
    })
}

/// Encodes the ReporteeConversion request body for a query.
pub fn encode_reportee_query(query: &PartyQuery) -> Vec<u8> {
    struct Body<'a>(&'a PartyQuery);
    impl Serialize for Body<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(Some(2))?;
            match self.0 {
                PartyQuery::Person { fnr, last_name } => {
                    map.serialize_entry("SocialSecurityNumber", fnr.expose())?;
                    map.serialize_entry("LastName", last_name.as_str())?;
                }
                PartyQuery::Organisation { org, name } => {
                    map.serialize_entry("OrganizationNumber", org.as_str())?;
                    map.serialize_entry("OrganizationName", name.as_str())?;
                }
            }
            map.end()
        }
    }
    encode(&Body(query))
}

/// Decodes a ReporteeConversion request body (for the mock server).
pub fn decode_reportee_conversion_request(
    bytes: &[u8],
) -> Result<ReporteeConversionRequest, DecodeError> {
    decode(bytes)
}

/// Encodes the POST Delegations body.
pub fn encode_delegation_request(request: &DelegationRequest, casing: EmbeddedCasing) -> Vec<u8> {
    encode(&DelegationRequestRef { request, casing })
}

/// Decodes a POST Delegations body, in either casing.
pub fn decode_delegation_request(bytes: &[u8]) -> Result<DelegationRequest, DecodeError> {
    let wire: DelegationRequestWire = decode(bytes)?;
    wire.try_into()
}

/// Builds a person receiver from checked identifiers; a convenience for callers that have them.
pub fn person_receiver(fnr: &Fnr, last_name: &Name) -> Receiver {
    Receiver::person(fnr, last_name)
}

/// Builds an organisation receiver from checked identifiers.
pub fn organisation_receiver(org: &OrgNumber, name: &Name) -> Receiver {
    Receiver::organisation(org, name)
}

// ---------------------------------------------------------------------------------------------
// Wire types.

/// The name of the `_embedded` array that holds items of this type.
trait EmbeddedName {
    const NAME: &'static str;
}

impl EmbeddedName for Right {
    const NAME: &'static str = "rights";
}
impl EmbeddedName for Role {
    const NAME: &'static str = "roles";
}
impl EmbeddedName for RightHolderWire {
    const NAME: &'static str = "rightholders";
}
impl EmbeddedName for RightHolderRef<'_> {
    const NAME: &'static str = "rightholders";
}
impl EmbeddedName for Reportee {
    const NAME: &'static str = "reportees";
}

/// The `_embedded` object of a collection: the array under the expected name, whatever its
/// casing; other keys are ignored.
struct Embedded<T>(Vec<T>);

impl<T> Default for Embedded<T> {
    fn default() -> Self {
        Embedded(Vec::new())
    }
}

impl<'de, T: Deserialize<'de> + EmbeddedName> Deserialize<'de> for Embedded<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + EmbeddedName> de::Visitor<'de> for V<T> {
            type Value = Embedded<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an object with a `{}` array", T::NAME)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Embedded::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut items: Option<Vec<T>> = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key.eq_ignore_ascii_case(T::NAME) {
                        if items.is_some() {
                            return Err(de::Error::duplicate_field(T::NAME));
                        }
                        items = Some(map.next_value::<Option<Vec<T>>>()?.unwrap_or_default());
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Embedded(items.unwrap_or_default()))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de> + EmbeddedName"))]
struct Envelope<T> {
    #[serde(rename = "_links", default, deserialize_with = "null_as_default")]
    links: Links,
    #[serde(rename = "_embedded", default)]
    embedded: Embedded<T>,
}

struct EnvelopeRef<'a, T> {
    links: &'a Links,
    items: &'a [T],
}

impl<T: Serialize + EmbeddedName> Serialize for EnvelopeRef<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Emb<'a, T>(&'a [T]);
        impl<T: Serialize + EmbeddedName> Serialize for Emb<'_, T> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry(T::NAME, self.0)?;
                map.end()
            }
        }
        let mut map = s.serialize_map(None)?;
        if !self.links.is_empty() {
            map.serialize_entry("_links", self.links)?;
        }
        map.serialize_entry("_embedded", &Emb(self.items))?;
        map.end()
    }
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de> + EmbeddedName"))]
struct Collection<T> {
    #[serde(rename = "_links", default, deserialize_with = "null_as_default")]
    links: Links,
    #[serde(rename = "_embedded", default)]
    embedded: Embedded<T>,
}

#[derive(Deserialize)]
struct RightHolderWire {
    #[serde(
        rename = "RightHolderId",
        alias = "RightHolderID",
        alias = "rightHolderId",
        default
    )]
    right_holder_id: Option<ReporteeId>,
    #[serde(rename = "Name", alias = "name", default)]
    name: Option<String>,
    #[serde(rename = "LastName", alias = "lastName", default)]
    last_name: Option<String>,
    #[serde(rename = "UserName", alias = "userName", default)]
    user_name: Option<String>,
    #[serde(
        rename = "SocialSecurityNumber",
        alias = "socialSecurityNumber",
        default
    )]
    social_security_number: Option<MaskedSsn>,
    #[serde(rename = "OrganizationNumber", alias = "organizationNumber", default)]
    organization_number: Option<String>,
    #[serde(rename = "DelegationContext", alias = "delegationContext", default)]
    delegation_context: Option<String>,
    #[serde(rename = "Roles", alias = "roles", default)]
    roles: Option<Collection<Role>>,
    #[serde(rename = "Rights", alias = "rights", default)]
    rights: Option<Collection<Right>>,
    #[serde(rename = "_links", default, deserialize_with = "null_as_default")]
    links: Links,
}

impl From<RightHolderWire> for RightHolder {
    fn from(w: RightHolderWire) -> Self {
        let has_roles = w.roles.is_some();
        let has_rights = w.rights.is_some();
        let (roles, roles_links) = w.roles.map(|c| (c.embedded.0, c.links)).unwrap_or_default();
        let (rights, rights_links) = w
            .rights
            .map(|c| (c.embedded.0, c.links))
            .unwrap_or_default();
        RightHolder {
            right_holder_id: w.right_holder_id,
            name: w.name,
            last_name: w.last_name,
            user_name: w.user_name,
            social_security_number: w.social_security_number,
            organization_number: w.organization_number,
            delegation_context: w.delegation_context,
            roles,
            rights,
            roles_links,
            rights_links,
            has_roles,
            has_rights,
            links: w.links,
        }
    }
}

struct RightHolderRef<'a>(&'a RightHolder);

impl Serialize for RightHolderRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let h = self.0;
        let mut map = s.serialize_map(None)?;
        if let Some(v) = &h.right_holder_id {
            map.serialize_entry("RightHolderId", v)?;
        }
        if let Some(v) = &h.name {
            map.serialize_entry("Name", v)?;
        }
        if let Some(v) = &h.last_name {
            map.serialize_entry("LastName", v)?;
        }
        if let Some(v) = &h.user_name {
            map.serialize_entry("UserName", v)?;
        }
        if let Some(v) = &h.social_security_number {
            map.serialize_entry("SocialSecurityNumber", v)?;
        }
        if let Some(v) = &h.organization_number {
            map.serialize_entry("OrganizationNumber", v)?;
        }
        if let Some(v) = &h.delegation_context {
            map.serialize_entry("DelegationContext", v)?;
        }
        if h.has_roles || !h.roles.is_empty() {
            map.serialize_entry(
                "Roles",
                &EnvelopeRef {
                    links: &h.roles_links,
                    items: &h.roles,
                },
            )?;
        }
        if h.has_rights || !h.rights.is_empty() {
            map.serialize_entry(
                "Rights",
                &EnvelopeRef {
                    links: &h.rights_links,
                    items: &h.rights,
                },
            )?;
        }
        if !h.links.is_empty() {
            map.serialize_entry("_links", &h.links)?;
        }
        map.end()
    }
}

#[derive(Deserialize, Default)]
struct DelegationEmbeddedWire {
    #[serde(
        rename = "Rights",
        alias = "rights",
        default,
        deserialize_with = "null_as_default"
    )]
    rights: Vec<RightRequest>,
    #[serde(
        rename = "Roles",
        alias = "roles",
        default,
        deserialize_with = "null_as_default"
    )]
    roles: Vec<RoleRequest>,
}

#[derive(Deserialize)]
struct DelegationRequestWire {
    #[serde(
        rename = "SocialSecurityNumber",
        alias = "socialSecurityNumber",
        default
    )]
    social_security_number: Option<String>,
    #[serde(rename = "LastName", alias = "lastName", default)]
    last_name: Option<String>,
    #[serde(rename = "OrganizationNumber", alias = "organizationNumber", default)]
    organization_number: Option<String>,
    #[serde(rename = "Name", alias = "name", default)]
    name: Option<String>,
    #[serde(rename = "UserName", alias = "userName", default)]
    user_name: Option<String>,
    #[serde(rename = "Email", alias = "email", default)]
    email: Option<String>,
    #[serde(rename = "_embedded", default, deserialize_with = "null_as_default")]
    embedded: DelegationEmbeddedWire,
}

impl TryFrom<DelegationRequestWire> for DelegationRequest {
    type Error = DecodeError;

    fn try_from(w: DelegationRequestWire) -> Result<Self, DecodeError> {
        let missing = |path: &str, message: &str| DecodeError {
            path: path.into(),
            message: message.into(),
        };
        let receiver = if let Some(ssn) = w.social_security_number {
            Receiver::Person {
                ssn,
                last_name: w.last_name.ok_or_else(|| {
                    missing(
                        "LastName",
                        "a person receiver needs LastName with SocialSecurityNumber",
                    )
                })?,
            }
        } else if let Some(user_name) = w.user_name {
            Receiver::EnterpriseUser {
                user_name,
                org: w.organization_number.ok_or_else(|| {
                    missing(
                        "OrganizationNumber",
                        "an enterprise-user receiver needs OrganizationNumber with UserName",
                    )
                })?,
            }
        } else if let Some(org) = w.organization_number {
            Receiver::Organisation {
                org,
                name: w.name.ok_or_else(|| {
                    missing(
                        "Name",
                        "an organisation receiver needs Name with OrganizationNumber",
                    )
                })?,
            }
        } else {
            return Err(missing(
                ".",
                "no receiver: expected SocialSecurityNumber + LastName, OrganizationNumber + Name, or UserName + OrganizationNumber",
            ));
        };
        Ok(DelegationRequest {
            receiver,
            rights: w.embedded.rights,
            roles: w.embedded.roles,
            email: w.email,
        })
    }
}

struct DelegationRequestRef<'a> {
    request: &'a DelegationRequest,
    casing: EmbeddedCasing,
}

impl Serialize for DelegationRequestRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Emb<'a>(&'a DelegationRequest, EmbeddedCasing);
        impl Serialize for Emb<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let (rights, roles) = match self.1 {
                    EmbeddedCasing::Pascal => ("Rights", "Roles"),
                    EmbeddedCasing::Lower => ("rights", "roles"),
                };
                let mut map = s.serialize_map(None)?;
                if !self.0.roles.is_empty() {
                    map.serialize_entry(roles, &self.0.roles)?;
                }
                if !self.0.rights.is_empty() {
                    map.serialize_entry(rights, &self.0.rights)?;
                }
                map.end()
            }
        }
        let r = self.request;
        let mut map = s.serialize_map(None)?;
        match &r.receiver {
            Receiver::Person { ssn, last_name } => {
                map.serialize_entry("SocialSecurityNumber", ssn)?;
                map.serialize_entry("LastName", last_name)?;
            }
            Receiver::Organisation { org, name } => {
                map.serialize_entry("OrganizationNumber", org)?;
                map.serialize_entry("Name", name)?;
            }
            Receiver::EnterpriseUser { user_name, org } => {
                map.serialize_entry("UserName", user_name)?;
                map.serialize_entry("OrganizationNumber", org)?;
            }
        }
        if let Some(email) = &r.email {
            map.serialize_entry("Type", "Email")?;
            map.serialize_entry("Email", email)?;
        }
        map.serialize_entry("_embedded", &Emb(r, self.casing))?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_error_names_the_path() {
        let body = br#"{"RightHolderId":"r1","Rights":{"_embedded":{"rights":[{"Action":"Read","ServiceEditionCode":"x"}]}}}"#;
        let err = decode_right_holder(body).unwrap_err();
        assert_eq!(err.path, "Rights._embedded.rights[0].ServiceEditionCode");
    }

    #[test]
    fn tolerates_casing_nulls_and_unknown_fields() {
        let body = br#"{"_links":null,"_embedded":{"Rights":[{"rightId":7,"action":"write","serviceCode":"4864","serviceEditionCode":"1","Unknown":{"x":1},"RightSourceType":null}]},"extra":true}"#;
        let page = decode_rights(body).unwrap();
        assert_eq!(page.items.len(), 1);
        let r = &page.items[0];
        assert_eq!(r.right_id, Some(crate::RightId(7)));
        assert_eq!(r.action, tilgang_domain::Action::Write);
        assert_eq!(r.right_source_type, None);
    }

    #[test]
    fn absent_embedded_is_an_empty_list() {
        let page = decode_right_holders(br#"{"_links":{"self":{"href":"x"}}}"#).unwrap();
        assert!(page.items.is_empty());
        assert_eq!(page.links["self"].href, "x");
    }

    #[test]
    fn trailing_garbage_is_refused() {
        assert!(decode_rights(br#"{"_embedded":{"rights":[]}} x"#).is_err());
    }

    #[test]
    fn delegation_request_needs_a_receiver() {
        let err = decode_delegation_request(br#"{"_embedded":{"rights":[]}}"#).unwrap_err();
        assert!(err.message.contains("no receiver"));
        let err =
            decode_delegation_request(br#"{"SocialSecurityNumber":"26899299344"}"#).unwrap_err();
        assert_eq!(err.path, "LastName");
    }
}
