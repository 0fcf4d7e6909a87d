//! The Altinn 2 endpoints of `shared/spec/altinn2-rest.md` §5, one method each, as the
//! client's own API. The neutral ports are implemented on top of these in `ports.rs`.

use reqwest::Method;
use tilgang_altinn2_wire::{
    DelegationRequest, Receiver, Reportee, Right, RightHolder, RightId, RightRequest, Role, RoleId,
    hal::{self, EmbeddedCasing, Page},
};
use tilgang_domain::{Fnr, Name, OrgNumber, PartyQuery, PartyRef};
use tilgang_ports::{AltinnError, DecodeError};
use url::Url;

use tilgang_http::{Call, append_query};

use crate::client::{Altinn2Client, HAL_JSON, JSON};

/// Altinn 2 caps every list at this many items; a full page means there may be more.
pub const PAGE_SIZE: usize = 50;
/// Paging stops with an error after this many pages (500 000 items), so a server that ignores
/// `$skip` cannot keep the client looping.
const MAX_PAGES: usize = 10_000;
/// Leaves out rights that come from roles (spec §5.4); the result is also filtered here.
const DIRECT_RIGHTS_FILTER: &str = "RightSourceType ne 'RoleTypeRights'";

/// Which rights [`Altinn2Client::rights`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RightsFilter {
    /// Every right, including those that come from roles.
    #[default]
    All,
    /// Only directly delegated rights (the ones that can be deleted one by one).
    DirectlyDelegated,
}

impl Altinn2Client {
    pub(crate) fn party(&self, party: &PartyRef) -> Result<String, AltinnError> {
        match party {
            PartyRef::PartyUuid(_) => Err(AltinnError::UnsupportedParty {
                platform: "Altinn 2",
                form: "an Altinn 3 party UUID",
                hint: "use `my`, an organisation number or a reportee id (r…)",
            }),
            PartyRef::PartyId(_) => Err(AltinnError::UnsupportedParty {
                platform: "Altinn 2",
                form: "a bare party id",
                hint: "use a reportee id (r followed by the party id)",
            }),
            other => Ok(other.path_segment()),
        }
    }

    fn delegations_url(&self, who: &str, rest: &[&str]) -> Url {
        let mut segments = vec![who, "authorization", "Delegations"];
        segments.extend_from_slice(rest);
        self.url(&segments)
    }

    fn get(&self, url: Url) -> Call {
        Call {
            method: Method::GET,
            url,
            accept: HAL_JSON,
            body: None,
            idempotent: true,
        }
    }

    fn with_language(&self, mut url: Url) -> Url {
        if let Some(language) = self.language {
            append_query(&mut url, "language", &language.to_string());
        }
        url
    }

    async fn get_decoded<T>(
        &self,
        url: Url,
        decode: fn(&[u8]) -> Result<T, hal::DecodeError>,
    ) -> Result<T, AltinnError> {
        let call = self.get(url);
        let body = self.execute(&call).await?;
        decode(&body).map_err(|e| decode_error(&call, e))
    }

    /// Reads every page of a list: a page with [`PAGE_SIZE`] items is followed by another
    /// request with `$skip` set to the number of items read so far.
    async fn get_all<T: PartialEq>(
        &self,
        url: Url,
        decode: fn(&[u8]) -> Result<Page<T>, hal::DecodeError>,
    ) -> Result<Vec<T>, AltinnError> {
        let mut items: Vec<T> = Vec::new();
        for page_no in 0..MAX_PAGES {
            let mut page_url = url.clone();
            if page_no > 0 {
                append_query(&mut page_url, "$skip", &items.len().to_string());
            }
            let path = page_url.path().to_owned();
            let page = self.get_decoded(page_url, decode).await?.items;
            let full = page.len() == PAGE_SIZE;
            if page_no > 0 && !page.is_empty() && items.get(items.len() - PAGE_SIZE) == page.first()
            {
                return Err(paging_error(
                    path,
                    "the server ignored $skip and sent the same page again",
                ));
            }
            items.extend(page);
            if !full {
                return Ok(items);
            }
        }
        Err(paging_error(
            url.path().to_owned(),
            "paging did not end after 10000 pages",
        ))
    }
}

fn paging_error(path: String, message: &str) -> AltinnError {
    AltinnError::Decode {
        path,
        error: DecodeError {
            path: "$skip".into(),
            message: message.into(),
        },
    }
}

/// The wire codec's decode error as the ports' own.
pub(crate) fn decode_error(call: &Call, e: hal::DecodeError) -> AltinnError {
    AltinnError::Decode {
        path: call.path(),
        error: DecodeError {
            path: e.path,
            message: e.message,
        },
    }
}

/// Checks a delegation request before it is sent: Altinn would refuse it anyway, and this way
/// the caller hears why without a round trip (and without the receiver's number in a log).
fn validate(request: &DelegationRequest) -> Result<(), AltinnError> {
    let invalid = |what: String| Err(AltinnError::InvalidInput(what));
    match &request.receiver {
        Receiver::Person { ssn, last_name } => {
            if let Err(e) = Fnr::parse(ssn) {
                return invalid(format!("the receiver's fødselsnummer: {e}"));
            }
            if let Err(e) = Name::parse(last_name) {
                return invalid(format!("the receiver's last name: {e}"));
            }
        }
        Receiver::Organisation { org, name } => {
            if let Err(e) = OrgNumber::parse(org) {
                return invalid(format!("the receiver's organisation number: {e}"));
            }
            if let Err(e) = Name::parse(name) {
                return invalid(format!("the receiver's organisation name: {e}"));
            }
        }
        Receiver::EnterpriseUser { user_name, org } => {
            if let Err(e) = Name::parse(user_name) {
                return invalid(format!("the receiving enterprise user's name: {e}"));
            }
            if let Err(e) = OrgNumber::parse(org) {
                return invalid(format!("the enterprise user's organisation number: {e}"));
            }
        }
        _ => return invalid("this kind of receiver is not supported by Altinn 2".into()),
    }
    if request.rights.is_empty() && request.roles.is_empty() {
        return invalid("a delegation needs at least one right or role".into());
    }
    for right in &request.rights {
        validate_right(right)?;
    }
    Ok(())
}

fn validate_right(right: &RightRequest) -> Result<(), AltinnError> {
    if let tilgang_domain::Action::Other(action) = &right.action {
        return Err(AltinnError::InvalidInput(format!(
            "unknown action {action:?} (expected Read, Write, Sign, ArchiveRead, ArchiveDelete, …)"
        )));
    }
    let on_service = right.service_code.is_some() && right.service_edition_code.is_some();
    if !on_service && right.message_id.is_none() && right.system_resource_id.is_none() {
        return Err(AltinnError::InvalidInput(
            "a right needs a service code and edition, a message id or a system resource id".into(),
        ));
    }
    Ok(())
}

/// The Altinn 2 operations, one per endpoint. The ports ([`Parties`](tilgang_ports::Parties),
/// [`Rights`](tilgang_ports::Rights)) are built from these; they are public for callers who
/// need the Altinn 2 model itself.
impl Altinn2Client {
    /// Converts a person (number and last name) or organisation (number and name) to a
    /// reportee (`POST /api/reportees/ReporteeConversion`).
    pub async fn reportee(&self, query: &PartyQuery) -> Result<Reportee, AltinnError> {
        let call = Call {
            method: Method::POST,
            url: self.url(&["reportees", "ReporteeConversion"]),
            accept: JSON,
            body: Some((JSON, hal::encode_reportee_query(query))),
            // A POST only so that the fødselsnummer travels in the body, not the URL; it
            // changes nothing on the server, so repeating it is harmless.
            idempotent: true,
        };
        let body = self.execute(&call).await?;
        hal::decode_reportee(&body).map_err(|e| decode_error(&call, e))
    }

    /// Everyone who holds rights or roles from `who` (`GET …/Delegations`), every page.
    pub async fn right_holders_of(&self, who: &PartyRef) -> Result<Vec<RightHolder>, AltinnError> {
        let who = self.party(who)?;
        let url = self.with_language(self.delegations_url(&who, &[]));
        self.get_all(url, hal::decode_right_holders).await
    }

    /// One right holder with all their rights and roles from `who`
    /// (`GET …/Delegations/{receiverId}`); a nested list that hits the cap is read in pages.
    pub async fn right_holder(
        &self,
        who: &PartyRef,
        receiver: &PartyRef,
    ) -> Result<RightHolder, AltinnError> {
        let who_seg = self.party(who)?;
        let receiver_seg = self.party(receiver)?;
        let url = self.with_language(self.delegations_url(&who_seg, &[&receiver_seg]));
        let mut holder = self.get_decoded(url, hal::decode_right_holder).await?;
        // The nested lists are capped like any other; a full one is read again in pages.
        if holder.rights.len() >= PAGE_SIZE {
            holder.rights = self.rights(who, receiver, RightsFilter::All).await?;
        }
        if holder.roles.len() >= PAGE_SIZE {
            holder.roles = self.roles(who, receiver).await?;
        }
        Ok(holder)
    }

    /// The rights `receiver` holds from `who` (`GET …/Delegations/{receiverId}/rights`).
    pub async fn rights(
        &self,
        who: &PartyRef,
        receiver: &PartyRef,
        filter: RightsFilter,
    ) -> Result<Vec<Right>, AltinnError> {
        let who = self.party(who)?;
        let receiver = self.party(receiver)?;
        let mut url = self.delegations_url(&who, &[&receiver, "rights"]);
        let direct_only = filter == RightsFilter::DirectlyDelegated;
        if direct_only {
            append_query(&mut url, "$filter", DIRECT_RIGHTS_FILTER);
        }
        let mut rights = self.get_all(url, hal::decode_rights).await?;
        if direct_only {
            rights.retain(Right::is_directly_delegated);
        }
        Ok(rights)
    }

    /// The roles `receiver` holds from `who` (`GET …/Delegations/{receiverId}/roles`).
    pub async fn roles(
        &self,
        who: &PartyRef,
        receiver: &PartyRef,
    ) -> Result<Vec<Role>, AltinnError> {
        let who = self.party(who)?;
        let receiver = self.party(receiver)?;
        let url = self.with_language(self.delegations_url(&who, &[&receiver, "roles"]));
        self.get_all(url, hal::decode_roles).await
    }

    /// Delegates rights and roles from `who` in one request (`POST …/Delegations`). Not
    /// retried once it may have reached the server: it may have taken effect.
    pub async fn add(
        &self,
        who: &PartyRef,
        request: &DelegationRequest,
    ) -> Result<(), AltinnError> {
        let who = self.party(who)?;
        validate(request)?;
        let call = Call {
            method: Method::POST,
            url: self.delegations_url(&who, &[]),
            accept: HAL_JSON,
            body: Some((
                HAL_JSON,
                hal::encode_delegation_request(request, EmbeddedCasing::Pascal),
            )),
            idempotent: false,
        };
        self.execute(&call).await.map(drop)
    }

    /// Deletes one directly delegated right (`DELETE …/rights/{authzRuleId}`).
    pub async fn delete_right(
        &self,
        who: &PartyRef,
        receiver: &PartyRef,
        right: RightId,
    ) -> Result<(), AltinnError> {
        let who = self.party(who)?;
        let receiver = self.party(receiver)?;
        if right.0 <= 0 {
            return Err(AltinnError::InvalidInput(format!(
                "right id {right} is not a RightID Altinn hands out"
            )));
        }
        let id = right.to_string();
        let call = Call {
            method: Method::DELETE,
            url: self.delegations_url(&who, &[&receiver, "rights", &id]),
            accept: HAL_JSON,
            body: None,
            idempotent: true,
        };
        self.execute(&call).await.map(drop)
    }

    /// Deletes one role assignment (`DELETE …/roles/{roleId}`).
    pub async fn delete_role(
        &self,
        who: &PartyRef,
        receiver: &PartyRef,
        role: RoleId,
    ) -> Result<(), AltinnError> {
        let who = self.party(who)?;
        let receiver = self.party(receiver)?;
        if role.0 <= 0 {
            return Err(AltinnError::InvalidInput(format!(
                "role id {role} is not a RoleId Altinn hands out"
            )));
        }
        let id = role.to_string();
        let call = Call {
            method: Method::DELETE,
            url: self.delegations_url(&who, &[&receiver, "roles", &id]),
            accept: HAL_JSON,
            body: None,
            idempotent: true,
        };
        self.execute(&call).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_keep_odata_readable() {
        let mut url = Url::parse("https://x/api/a").unwrap();
        append_query(&mut url, "$filter", DIRECT_RIGHTS_FILTER);
        append_query(&mut url, "$skip", "50");
        assert_eq!(
            url.query(),
            Some("$filter=RightSourceType%20ne%20%27RoleTypeRights%27&$skip=50")
        );
    }
}
