//! The neutral ports over the Altinn 2 operations.
//!
//! | port operation | Altinn 2 |
//! |---|---|
//! | `Parties::resolve` | `POST reportees/ReporteeConversion` (finds anyone; never `None`) |
//! | `Rights::right_holders` | `GET {who}/authorization/Delegations` |
//! | `Rights::add_right_holder` | the same conversion; a party becomes a right holder by its first delegation |
//! | `Rights::holdings` | `GET …/Delegations/{receiverId}` (rights and roles in one answer) |
//! | `Rights::grant` | one `POST …/Delegations` with every service right |
//! | `Rights::revoke` | `DELETE …/rights/{RightID}` or `…/roles/{RoleId}` per access |
//! | `Rights::remove_right_holder` | revokes every direct holding (only with `cascade`) |
//!
//! Handles are `right:<RightID>` and `role:<RoleId>`; nothing else interprets them.

use async_trait::async_trait;
use tilgang_altinn2_wire::{
    DelegationRequest, Receiver, ReporteeType, Right, RightHolder, RightId, RightRequest,
    RightSourceType, Role, RoleDefinitionId, RoleId, RoleType,
};
use tilgang_domain::{
    Action, Grantable, HeldAccess, HeldVia, MaskedSsn, Party, PartyKind, PartyQuery, PartyRef,
    RevokeHandle, RoleCode, ServiceRight,
};
use tilgang_ports::{
    AltinnError, Operation, Parties, RightHolderAdded, RightHolderChange, Rights, Unsupported,
};

use crate::Altinn2Client;

/// The platform name in messages.
const PLATFORM: &str = "Altinn 2";

/// The synthetic "Single Rights" role Altinn 2 lists beside directly delegated rights: it is
/// not a role one holds or can remove.
const SINGLE_RIGHTS_ROLE: RoleDefinitionId = RoleDefinitionId(0);

#[async_trait]
impl Parties for Altinn2Client {
    async fn resolve(
        &self,
        org: &PartyRef,
        query: &PartyQuery,
    ) -> Result<Option<Party>, AltinnError> {
        // The conversion does not name the organisation, but one Altinn 2 cannot address must
        // be refused before a fødselsnummer is sent anywhere.
        self.party(org)?;
        // ReporteeConversion finds anyone whose number and name match, right holder or not.
        let reportee = self.reportee(query).await?;
        Ok(Some(party_of_reportee(&reportee, query)))
    }
}

#[async_trait]
impl Rights for Altinn2Client {
    fn check(&self, operation: Operation, grantable: &Grantable) -> Result<(), Unsupported> {
        let refuse = |hint: &'static str| {
            Err(Unsupported {
                platform: PLATFORM,
                operation,
                grantable: grantable.clone(),
                hint,
            })
        };
        match (operation, grantable) {
            (_, Grantable::ServiceRight(_)) => Ok(()),
            (Operation::Revoke, Grantable::Role { .. } | Grantable::Other { .. }) => Ok(()),
            (Operation::Grant, Grantable::Role { .. }) => refuse(
                "Altinn 2 delegates roles by role definition id, which this client does not map from role codes",
            ),
            (_, Grantable::Package { .. } | Grantable::ResourceRight(_)) => refuse(
                "access packages and resource rights exist only in Altinn 3; use the Altinn 3 platform",
            ),
            (Operation::Grant, _) => {
                refuse("only service rights (code, edition, action) can be granted in Altinn 2")
            }
            (Operation::Revoke, _) => refuse("this kind of access is not known to Altinn 2"),
        }
    }

    async fn right_holders(&self, org: &PartyRef) -> Result<Vec<Party>, AltinnError> {
        let holders = self.right_holders_of(org).await?;
        Ok(holders.iter().map(party_of_right_holder).collect())
    }

    async fn add_right_holder(
        &self,
        org: &PartyRef,
        query: &PartyQuery,
    ) -> Result<RightHolderAdded, AltinnError> {
        self.party(org)?;
        let reportee = self.reportee(query).await?;
        Ok(RightHolderAdded {
            party: party_of_reportee(&reportee, query),
            change: RightHolderChange::NotNeeded,
        })
    }

    async fn holdings(
        &self,
        org: &PartyRef,
        holder: &Party,
    ) -> Result<Vec<HeldAccess>, AltinnError> {
        let receiver = receiver_ref(holder)?;
        let found = self.right_holder(org, &receiver).await?;
        Ok(holdings_of(&found))
    }

    async fn grant(
        &self,
        org: &PartyRef,
        holder: &Party,
        grantables: &[Grantable],
    ) -> Result<(), AltinnError> {
        let mut rights = Vec::with_capacity(grantables.len());
        for grantable in grantables {
            self.check(Operation::Grant, grantable)?;
            if let Grantable::ServiceRight(r) = grantable {
                rights.push(RightRequest::service(
                    r.service_code.clone(),
                    r.service_edition,
                    r.action.clone(),
                ));
            }
        }
        let request = DelegationRequest {
            receiver: receiver_body(holder)?,
            rights,
            roles: Vec::new(),
            email: None,
        };
        self.add(org, &request).await
    }

    async fn revoke(
        &self,
        org: &PartyRef,
        holder: &Party,
        accesses: &[HeldAccess],
    ) -> Result<(), AltinnError> {
        let receiver = receiver_ref(holder)?;
        // Decode every handle before deleting anything, so a bad one leaves nothing half done.
        let targets = accesses
            .iter()
            .map(target_of)
            .collect::<Result<Vec<_>, _>>()?;
        for target in targets {
            match target {
                Target::Right(id) => self.delete_right(org, &receiver, id).await?,
                Target::Role(id) => self.delete_role(org, &receiver, id).await?,
            }
        }
        Ok(())
    }

    async fn remove_right_holder(
        &self,
        org: &PartyRef,
        holder: &Party,
        cascade: bool,
    ) -> Result<(), AltinnError> {
        // Altinn 2 has no right-holder resource: a right holder is whoever holds something.
        // Removing one means deleting every direct holding; without `cascade` that is refused
        // while there is any, like Altinn 3's AM.VLD-00010.
        let direct: Vec<HeldAccess> = self
            .holdings(org, holder)
            .await?
            .into_iter()
            .filter(|h| h.revocable)
            .collect();
        if direct.is_empty() {
            return Ok(());
        }
        if !cascade {
            return Err(AltinnError::StillHolds {
                holding: direct.iter().map(|h| h.grantable.to_string()).collect(),
                rejection: None,
            });
        }
        // Roles first: their rights go with them, and a deleted role's rights need no DELETE.
        let (roles, rights): (Vec<_>, Vec<_>) = direct
            .into_iter()
            .partition(|h| matches!(h.grantable, Grantable::Role { .. }));
        self.revoke(org, holder, &roles).await?;
        self.revoke(org, holder, &rights).await
    }
}

/// What a handle names.
enum Target {
    Right(RightId),
    Role(RoleId),
}

fn target_of(access: &HeldAccess) -> Result<Target, AltinnError> {
    let invalid = || {
        AltinnError::InvalidInput(format!(
            "{} cannot be revoked in Altinn 2: it is not held directly, or it was not read from Altinn 2",
            access.grantable
        ))
    };
    let handle = access.handle.as_ref().ok_or_else(invalid)?;
    let (kind, id) = handle.as_str().split_once(':').ok_or_else(invalid)?;
    let id: i64 = id.parse().map_err(|_| invalid())?;
    // Altinn hands out positive ids only; refusing others here keeps the promise that nothing
    // is deleted when any handle of a set is bad.
    if id <= 0 {
        return Err(invalid());
    }
    match kind {
        "right" => Ok(Target::Right(RightId(id))),
        "role" => Ok(Target::Role(RoleId(id))),
        _ => Err(invalid()),
    }
}

/// The path segment Altinn 2 uses for a right holder: the reportee id.
fn receiver_ref(holder: &Party) -> Result<PartyRef, AltinnError> {
    if let Some(id) = &holder.reportee_id {
        return Ok(PartyRef::Reportee(id.clone()));
    }
    holder.reference().ok_or_else(|| {
        AltinnError::InvalidInput(format!(
            "{} has no id Altinn 2 can address; look them up first",
            holder.describe()
        ))
    })
}

/// The receiver of a delegation, as Altinn 2 names it: number and (last) name.
fn receiver_body(holder: &Party) -> Result<Receiver, AltinnError> {
    match &holder.query {
        Some(PartyQuery::Person { fnr, last_name }) => Ok(Receiver::person(fnr, last_name)),
        Some(PartyQuery::Organisation { org, name }) => Ok(Receiver::organisation(org, name)),
        None => Err(AltinnError::InvalidInput(format!(
            "Altinn 2 names the receiver of a delegation by number and name; {} was not looked up by them",
            holder.describe()
        ))),
    }
}

fn party_of_reportee(reportee: &tilgang_altinn2_wire::Reportee, query: &PartyQuery) -> Party {
    let kind = match &reportee.reportee_type {
        Some(ReporteeType::Person) => PartyKind::Person,
        Some(ReporteeType::Enterprise | ReporteeType::Business) => PartyKind::Organisation,
        _ => query.kind(),
    };
    let mut party = Party::new(kind);
    party.name = reportee.name.clone();
    party.reportee_id = Some(reportee.reportee_id.clone());
    party.party_id = tilgang_domain::PartyId::new(reportee.reportee_id.number()).ok();
    party.party_uuid = reportee.party_uuid.map(tilgang_domain::PartyUuid::new);
    party.organization_number = reportee.organization_number.clone();
    party.ssn = match query {
        PartyQuery::Person { fnr, .. } => Some(MaskedSsn::from(fnr)),
        PartyQuery::Organisation { .. } => reportee.social_security_number.clone(),
    };
    if party.organization_number.is_none()
        && let PartyQuery::Organisation { org, .. } = query
    {
        party.organization_number = Some(org.as_str().to_owned());
    }
    party.query = Some(query.clone());
    party
}

fn party_of_right_holder(holder: &RightHolder) -> Party {
    let kind = if holder.social_security_number.is_some() || holder.last_name.is_some() {
        PartyKind::Person
    } else if holder.organization_number.is_some() {
        PartyKind::Organisation
    } else {
        PartyKind::Other("Unknown".into())
    };
    let mut party = Party::new(kind);
    party.name = holder.name.clone();
    party.ssn = holder.social_security_number.clone();
    party.organization_number = holder.organization_number.clone();
    party.reportee_id = holder.right_holder_id.clone();
    party.party_id = holder
        .right_holder_id
        .as_ref()
        .and_then(|r| tilgang_domain::PartyId::new(r.number()).ok());
    party
}

/// Everything in a right holder's answer, as neutral holdings: every right (the synthetic
/// "Single Rights" role left out), then every role.
fn holdings_of(holder: &RightHolder) -> Vec<HeldAccess> {
    let rights = holder.rights.iter().map(held_right);
    let roles = holder
        .roles
        .iter()
        .filter(|r| r.role_definition_id != Some(SINGLE_RIGHTS_ROLE))
        .map(held_role);
    rights.chain(roles).collect()
}

fn held_right(right: &Right) -> HeldAccess {
    let action = right.action.clone();
    let grantable = match (&right.service_code, right.service_edition_code) {
        (Some(code), Some(edition)) => {
            match ServiceRight::new(code.clone(), edition, action.clone()) {
                Ok(r) => Grantable::ServiceRight(r),
                // An action this version does not know is still shown, as the server said it.
                Err(_) => Grantable::Other {
                    what: "Service".into(),
                    reference: format!("{code}/{edition}"),
                    action: Some(action),
                },
            }
        }
        _ => {
            let (what, reference) = if let Some(m) = &right.message_id {
                ("Message".to_owned(), m.clone())
            } else if let Some(s) = &right.system_resource_id {
                ("SystemResource".to_owned(), s.clone())
            } else {
                (
                    right
                        .right_type
                        .as_ref()
                        .map(|t| t.as_str().to_owned())
                        .unwrap_or_else(|| "Right".into()),
                    right.right_id.map(|i| i.to_string()).unwrap_or_default(),
                )
            };
            Grantable::Other {
                what,
                reference,
                action: Some(action),
            }
        }
    };
    let held_via = match &right.right_source_type {
        Some(RightSourceType::DirectlyDelegatedRights) => HeldVia::Direct,
        Some(RightSourceType::RoleTypeRights) => HeldVia::Role {
            role: None,
            name: None,
        },
        Some(other) => HeldVia::Other {
            how: other.as_str().to_owned(),
        },
        None => HeldVia::Other {
            how: "an unstated source".into(),
        },
    };
    let revocable = right.is_directly_delegated() && right.right_id.is_some();
    HeldAccess {
        grantable,
        name: None,
        held_via: vec![held_via],
        revocable,
        handle: revocable
            .then(|| {
                right
                    .right_id
                    .map(|id| RevokeHandle::new(format!("right:{id}")))
            })
            .flatten(),
    }
}

fn held_role(role: &Role) -> HeldAccess {
    let code = role
        .role_definition_code
        .as_deref()
        .and_then(|c| RoleCode::parse(c).ok());
    let grantable = match &code {
        Some(code) => Grantable::role(code.clone()),
        None => Grantable::Other {
            what: "Role".into(),
            reference: role
                .role_definition_id
                .map(|d| format!("definition {d}"))
                .or_else(|| role.role_name.clone())
                .unwrap_or_default(),
            action: None::<Action>,
        },
    };
    // Roles from the external registers (the Central Coordinating Register) come from the
    // holder's position there, not from a delegation, and cannot be removed here.
    let external = role.role_type == Some(RoleType::External);
    let held_via = if external {
        HeldVia::KeyRole {
            role: code,
            via: None,
        }
    } else {
        HeldVia::Direct
    };
    let revocable = !external && role.role_id.is_some();
    HeldAccess {
        grantable,
        name: role.role_name.clone(),
        held_via: vec![held_via],
        revocable,
        handle: revocable
            .then(|| {
                role.role_id
                    .map(|id| RevokeHandle::new(format!("role:{id}")))
            })
            .flatten(),
    }
}

#[cfg(test)]
mod tests {
    use tilgang_domain::{ServiceCode, ServiceEditionCode};

    use super::*;

    fn right(id: i64, source: RightSourceType, action: Action) -> Right {
        let mut r = Right::service(
            ServiceCode::parse("4864").unwrap(),
            ServiceEditionCode::new(1).unwrap(),
            action,
        );
        r.right_id = Some(RightId(id));
        r.right_source_type = Some(source);
        r
    }

    #[test]
    fn direct_rights_carry_a_handle_and_role_rights_do_not() {
        let direct = held_right(&right(
            7,
            RightSourceType::DirectlyDelegatedRights,
            Action::Read,
        ));
        assert!(direct.revocable);
        assert_eq!(direct.held_via, [HeldVia::Direct]);
        assert_eq!(direct.handle.as_ref().unwrap().as_str(), "right:7");
        assert!(matches!(target_of(&direct), Ok(Target::Right(RightId(7)))));

        let via_role = held_right(&right(8, RightSourceType::RoleTypeRights, Action::Write));
        assert!(!via_role.revocable);
        assert!(via_role.handle.is_none());
        assert!(target_of(&via_role).is_err());
    }

    #[test]
    fn unknown_actions_and_message_rights_are_shown_as_other() {
        let odd = held_right(&right(
            9,
            RightSourceType::DirectlyDelegatedRights,
            Action::Other("Dance".into()),
        ));
        assert!(matches!(odd.grantable, Grantable::Other { .. }));
    }

    /// A client whose token source fails: any request it tried to send would fail with that
    /// error, so a test that gets a different answer proves nothing was sent.
    fn offline_client() -> Altinn2Client {
        struct NoTokens;
        #[async_trait]
        impl tilgang_ports::AltinnTokenSource for NoTokens {
            async fn altinn_token(
                &self,
            ) -> Result<tilgang_domain::secret::AltinnToken, tilgang_ports::TokenError>
            {
                Err(tilgang_ports::TokenError::Config {
                    message: "no tokens in this test".into(),
                })
            }
            async fn invalidate(&self) {}
        }
        let config = crate::Altinn2Config::new(
            url::Url::parse("https://tt02.altinn.no").unwrap(),
            tilgang_domain::secret::ApiKey::new("k"),
        );
        Altinn2Client::new(config, std::sync::Arc::new(NoTokens)).unwrap()
    }

    #[tokio::test]
    async fn packages_and_resource_rights_are_refused_before_sending() {
        let client = offline_client();
        let package = Grantable::package(tilgang_domain::PackageCode::parse("lonn").unwrap());
        let err = client.check(Operation::Grant, &package).unwrap_err();
        assert!(err.to_string().contains("Altinn 3"), "{err}");
        let mut holder = Party::new(PartyKind::Person);
        holder.reportee_id = Some(tilgang_domain::ReporteeId::parse("r1").unwrap());
        let org = PartyRef::parse("310000000").unwrap();
        let err = client.grant(&org, &holder, &[package]).await.unwrap_err();
        assert!(matches!(err, AltinnError::Unsupported(_)), "{err:?}");
        let role = Grantable::role(RoleCode::parse("UTINN").unwrap());
        assert!(client.check(Operation::Grant, &role).is_err());
        assert!(client.check(Operation::Revoke, &role).is_ok());
    }

    #[tokio::test]
    async fn a_party_uuid_is_refused_before_sending() {
        let client = offline_client();
        let org = PartyRef::parse("0195efb8-7c80-7a95-ad36-900c3d8ad300").unwrap();
        let mut holder = Party::new(PartyKind::Person);
        holder.reportee_id = Some(tilgang_domain::ReporteeId::parse("r1").unwrap());
        let err = client.holdings(&org, &holder).await.unwrap_err();
        assert!(
            matches!(err, AltinnError::UnsupportedParty { .. }),
            "{err:?}"
        );
    }
}
