//! Decoding and encoding of whole bodies, in both directions: the Altinn 3 adapter decodes
//! responses and encodes requests with these functions, and the mock server does the opposite,
//! so the two sides speak one codec.
//!
//! A decode failure names the JSON path that failed (`data[2].party.id`) and what was wrong,
//! never the body itself, which may hold fødselsnummer. Every list decoder accepts both the
//! wrapped `{links, data}` object and a bare array (§3.8 says which endpoint answers which;
//! accepting both keeps a client working if one changes). Encoding writes the shape the server
//! writes: wrapped lists with [`encode`] of a [`PaginatedResult`], E9's bare array with
//! [`encode_bare_list`].

use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use crate::check::{AccessPackageDtoCheck, ExternalResourceRightDto, ResourceCheckDto};
use crate::connection::{
    AssignmentDto, AssignmentPackageDto, ConnectionDto, PackagePermissionDto, PersonInput,
    ResourcePermissionDto, RightKeyListDto, RolePermissionDto, SimplifiedConnectionDto,
};
use crate::envelope::PaginatedResult;
use crate::meta::{AreaDto, AreaGroupDto, PackageDto, SearchObject};
use crate::party::AuthorizedPartyDto;
use crate::problem::ProblemDetails;
use crate::systemregister::{
    CreateRequestSystemUser, RegisterSystemRequest, RegisteredSystemResponse,
    RequestSystemResponse, SystemUserExternalDto,
};

/// A body did not decode. Carries the JSON path that failed and what was wrong, never the body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Altinn 3 JSON at `{path}`: {message}")]
pub struct DecodeError {
    /// The path of the value that failed, e.g. `data[0].party.id`; `.` for the whole body.
    pub path: String,
    /// What was wrong.
    pub message: String,
}

/// Decodes any body of this crate's types from JSON bytes.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    // The happy path decodes without path tracking, which wraps every value and costs time on
    // every answer; only a failing body is decoded again, with tracking, to name the path.
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

/// Decodes a body already parsed into a [`Value`] (e.g. by a server framework), naming the
/// failing path like [`decode`].
pub fn decode_value<T: DeserializeOwned>(value: Value) -> Result<T, DecodeError> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| DecodeError {
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

/// Encodes any body of this crate's types as JSON bytes, with the spec's exact names.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    // Every type here has string keys and an infallible `Serialize`, so this cannot fail; an
    // empty body would be the visible symptom if a future type broke that.
    serde_json::to_vec(value).unwrap_or_default()
}

/// Encodes any body of this crate's types as a [`Value`], with the spec's exact names.
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Encodes a list as a bare JSON array, the shape of E9 (§3.8).
pub fn encode_bare_list<T: Serialize>(items: &[T]) -> Vec<u8> {
    encode(items)
}

/// Decodes a list answer, wrapped or bare (see [`PaginatedResult`]).
pub fn decode_list<T: DeserializeOwned>(bytes: &[u8]) -> Result<PaginatedResult<T>, DecodeError> {
    decode(bytes)
}

/// E1: the parties the caller may act for.
pub fn decode_authorized_parties(
    bytes: &[u8],
) -> Result<PaginatedResult<AuthorizedPartyDto>, DecodeError> {
    decode_list(bytes)
}

/// E2: connections.
pub fn decode_connections(bytes: &[u8]) -> Result<PaginatedResult<ConnectionDto>, DecodeError> {
    decode_list(bytes)
}

/// E3's answer: the `rettighetshaver` assignment.
pub fn decode_assignment(bytes: &[u8]) -> Result<AssignmentDto, DecodeError> {
    decode(bytes)
}

/// E5: packages on connections.
pub fn decode_package_permissions(
    bytes: &[u8],
) -> Result<PaginatedResult<PackagePermissionDto>, DecodeError> {
    decode_list(bytes)
}

/// E6's answer: the package on the assignment.
pub fn decode_assignment_package(bytes: &[u8]) -> Result<AssignmentPackageDto, DecodeError> {
    decode(bytes)
}

/// E8: the package delegation check.
pub fn decode_package_checks(
    bytes: &[u8],
) -> Result<PaginatedResult<AccessPackageDtoCheck>, DecodeError> {
    decode_list(bytes)
}

/// E9: resources on connections (a bare array on the wire; a wrapped one is accepted too).
pub fn decode_resource_permissions(
    bytes: &[u8],
) -> Result<PaginatedResult<ResourcePermissionDto>, DecodeError> {
    decode_list(bytes)
}

/// E10: the rights on one resource for one pair (a bare object).
pub fn decode_resource_rights(bytes: &[u8]) -> Result<ExternalResourceRightDto, DecodeError> {
    decode(bytes)
}

/// E11: the resource delegation check (a bare object).
pub fn decode_resource_check(bytes: &[u8]) -> Result<ResourceCheckDto, DecodeError> {
    decode(bytes)
}

/// E15: roles on connections.
pub fn decode_role_permissions(
    bytes: &[u8],
) -> Result<PaginatedResult<RolePermissionDto>, DecodeError> {
    decode_list(bytes)
}

/// E17: the simplified list of right holders.
pub fn decode_simplified_connections(
    bytes: &[u8],
) -> Result<PaginatedResult<SimplifiedConnectionDto>, DecodeError> {
    decode_list(bytes)
}

/// E3's request body (for the fake).
pub fn decode_person_input(bytes: &[u8]) -> Result<PersonInput, DecodeError> {
    decode(bytes)
}

/// E12/E13's request body (for the fake).
pub fn decode_right_key_list(bytes: &[u8]) -> Result<RightKeyListDto, DecodeError> {
    decode(bytes)
}

/// A problem body (§4).
pub fn decode_problem(bytes: &[u8]) -> Result<ProblemDetails, DecodeError> {
    decode(bytes)
}

/// A plain-message body such as E1's 401 `"Unknown user type"` (§4.5): a JSON string, or
/// failing that the body as UTF-8 text, trimmed. `None` for an empty body.
pub fn decode_message(bytes: &[u8]) -> Option<String> {
    let text = match serde_json::from_slice::<String>(bytes) {
        Ok(s) => s,
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    };
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// `GET meta/info/accesspackages/package/{id}` and `…/package/urn/{urn}`.
pub fn decode_package(bytes: &[u8]) -> Result<PackageDto, DecodeError> {
    decode(bytes)
}

/// `GET meta/info/accesspackages/area/{id}`.
pub fn decode_area(bytes: &[u8]) -> Result<AreaDto, DecodeError> {
    decode(bytes)
}

/// `GET meta/info/accesspackages/export`: the area-group → area → package tree.
pub fn decode_export(bytes: &[u8]) -> Result<Vec<AreaGroupDto>, DecodeError> {
    decode_list(bytes).map(|page| page.data)
}

/// `GET meta/info/accesspackages/search`.
pub fn decode_package_search(bytes: &[u8]) -> Result<Vec<SearchObject<PackageDto>>, DecodeError> {
    decode_list(bytes).map(|page| page.data)
}

/// `POST`/`PUT systemregister/vendor` request body (for the fake).
pub fn decode_register_system_request(bytes: &[u8]) -> Result<RegisterSystemRequest, DecodeError> {
    decode(bytes)
}

/// `GET systemregister/vendor/{systemId}`.
pub fn decode_registered_system(bytes: &[u8]) -> Result<RegisteredSystemResponse, DecodeError> {
    decode(bytes)
}

/// `POST systemuser/request/vendor` request body (for the fake).
pub fn decode_create_request_system_user(
    bytes: &[u8],
) -> Result<CreateRequestSystemUser, DecodeError> {
    decode(bytes)
}

/// `POST`/`GET systemuser/request/vendor…`: one system-user request.
pub fn decode_request_system_response(bytes: &[u8]) -> Result<RequestSystemResponse, DecodeError> {
    decode(bytes)
}

/// `GET systemuser/vendor/byquery`: one system user.
pub fn decode_system_user(bytes: &[u8]) -> Result<SystemUserExternalDto, DecodeError> {
    decode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_names_the_path() {
        let err = decode_connections(br#"{"links":{"next":null},"data":[{"party":{"id":"x"}}]}"#)
            .unwrap_err();
        assert_eq!(err.path, "data[0].party.id", "{err}");
    }

    #[test]
    fn trailing_garbage_is_an_error_at_the_root() {
        let err = decode_assignment_package(
            br#"{"id":"0199a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2c","assignmentId":"0199a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b","packageId":"a736c33b-c15a-43ac-85be-a684630e1e59"} x"#,
        )
        .unwrap_err();
        assert_eq!(err.path, ".");
    }

    #[test]
    fn plain_messages() {
        assert_eq!(
            decode_message(br#""Unknown user type""#).as_deref(),
            Some("Unknown user type")
        );
        assert_eq!(
            decode_message(b" Unknown user type\n").as_deref(),
            Some("Unknown user type")
        );
        assert_eq!(decode_message(b""), None);
    }
}
