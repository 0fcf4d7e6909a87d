//! Unit tests of the use cases against mockall mocks of the ports.

use std::sync::{Arc, Mutex};

use tilgang_domain::{
    Action, PartyRef, Receiver, Reportee, ReporteeId, ReporteeQuery, Right, RightHolder, RightId,
    RightSourceType, Role, RoleDefinitionId, RoleId, RoleType, ServiceCode, ServiceEditionCode,
};
use tilgang_ports::{
    AltinnError, Delivery, ErrorKind, MockDelegations, MockReporteeLookup, Rejection, RightsFilter,
};

use crate::{
    AccessError, AccessManager, GrantStatus, RevokeStatus, ServiceRight, Step, person_query,
};

const FNR: &str = "26899299344";

fn org() -> PartyRef {
    PartyRef::parse("310000000").unwrap()
}

fn person() -> ReporteeQuery {
    person_query(FNR, "HEIS").unwrap()
}

fn sr(action: Action) -> ServiceRight {
    ServiceRight::new(
        ServiceCode::parse("4864").unwrap(),
        ServiceEditionCode::new(1).unwrap(),
        action,
    )
    .unwrap()
}

fn held(id: i64, action: Action, source: RightSourceType) -> Right {
    let mut r = Right::service(
        ServiceCode::parse("4864").unwrap(),
        ServiceEditionCode::new(1).unwrap(),
        action,
    );
    r.right_id = Some(RightId(id));
    r.right_source_type = Some(source);
    r
}

fn direct(id: i64, action: Action) -> Right {
    held(id, action, RightSourceType::DirectlyDelegatedRights)
}

fn via_role(id: i64, action: Action) -> Right {
    held(id, action, RightSourceType::RoleTypeRights)
}

fn rejected(status: u16, reason: &str) -> AltinnError {
    AltinnError::Rejected(Rejection {
        method: "POST".into(),
        path: "/api/310000000/authorization/Delegations".into(),
        status,
        reason: reason.into(),
        body: String::new(),
        code: None,
        retry_after: None,
    })
}

fn timed_out() -> AltinnError {
    AltinnError::Transport {
        delivery: Delivery::MaybeSent,
        method: "POST".into(),
        path: "/api/310000000/authorization/Delegations".into(),
        message: "timed out reading the response".into(),
    }
}

fn lookup() -> MockReporteeLookup {
    let mut m = MockReporteeLookup::new();
    m.expect_reportee()
        .withf(|q| matches!(q, ReporteeQuery::Person { fnr, last_name } if fnr.expose() == FNR && last_name.as_str() == "HEIS"))
        .returning(|_| {
            Ok(Reportee {
                reportee_id: ReporteeId::parse("r50828869").unwrap(),
                party_uuid: None,
                name: Some("HEIS TOM".into()),
                reportee_type: None,
                social_security_number: None,
                organization_number: None,
                parent_organization_number: None,
                organization_form: None,
                status: None,
                links: Default::default(),
            })
        });
    m
}

fn manager(delegations: MockDelegations) -> AccessManager {
    AccessManager::new(Arc::new(lookup()), Arc::new(delegations))
}

fn is_receiver(p: &PartyRef) -> bool {
    *p == PartyRef::Reportee(ReporteeId::parse("r50828869").unwrap())
}

/// Rights lists served one after another, the last repeated.
fn rights_sequence(d: &mut MockDelegations, lists: Vec<Vec<Right>>) {
    let lists = Mutex::new(lists);
    d.expect_rights()
        .withf(|who, receiver, filter| {
            *who == org() && is_receiver(receiver) && *filter == RightsFilter::All
        })
        .returning(move |_, _, _| {
            let mut lists = lists.lock().unwrap();
            Ok(if lists.len() > 1 {
                lists.remove(0)
            } else {
                lists[0].clone()
            })
        });
}

fn actions_of(request: &tilgang_domain::DelegationRequest) -> Vec<Action> {
    request.rights.iter().map(|r| r.action.clone()).collect()
}

#[tokio::test]
async fn grant_posts_only_what_is_missing() {
    let mut d = MockDelegations::new();
    rights_sequence(&mut d, vec![vec![direct(1, Action::Read)]]);
    d.expect_add()
        .withf(|who, req| {
            *who == org()
                && actions_of(req) == vec![Action::Write]
                && matches!(&req.receiver, Receiver::Person { ssn, last_name } if ssn == FNR && last_name == "HEIS")
        })
        .times(1)
        .returning(|_, _| Ok(()));
    let out = manager(d)
        .grant(&org(), &person(), &[sr(Action::Read), sr(Action::Write)])
        .await
        .unwrap();
    assert!(out.changed);
    assert_eq!(out.requests_sent, 1);
    assert_eq!(
        out.rights
            .iter()
            .map(|l| (l.right.action.clone(), l.status.clone()))
            .collect::<Vec<_>>(),
        vec![
            (
                Action::Read,
                GrantStatus::AlreadyHeld {
                    source: Some(RightSourceType::DirectlyDelegatedRights)
                }
            ),
            (Action::Write, GrantStatus::Added),
        ]
    );
}

#[tokio::test]
async fn grant_of_held_rights_sends_nothing() {
    let mut d = MockDelegations::new();
    rights_sequence(
        &mut d,
        vec![vec![direct(1, Action::Read), via_role(2, Action::Write)]],
    );
    d.expect_add().times(0);
    let out = manager(d)
        .grant(
            &org(),
            &person(),
            &[sr(Action::Read), sr(Action::Write), sr(Action::Read)],
        )
        .await
        .unwrap();
    assert!(!out.changed);
    assert_eq!(out.requests_sent, 0);
    assert_eq!(out.rights.len(), 2, "duplicates in the input are merged");
    assert_eq!(
        out.rights[1].status,
        GrantStatus::AlreadyHeld {
            source: Some(RightSourceType::RoleTypeRights)
        }
    );
}

#[tokio::test]
async fn grant_rereads_after_an_ambiguous_failure_and_does_not_repost_what_arrived() {
    let mut d = MockDelegations::new();
    rights_sequence(&mut d, vec![vec![], vec![direct(9, Action::Read)]]);
    d.expect_add().times(1).returning(|_, _| Err(timed_out()));
    let out = manager(d)
        .grant(&org(), &person(), &[sr(Action::Read)])
        .await
        .unwrap();
    assert!(out.changed);
    assert!(out.confirmed_after_ambiguous_failure);
    assert_eq!(out.requests_sent, 1);
}

#[tokio::test]
async fn grant_resends_only_what_is_still_missing_after_an_ambiguous_failure() {
    let mut d = MockDelegations::new();
    // The first POST partly took effect: Read arrived, Write did not.
    rights_sequence(&mut d, vec![vec![], vec![direct(9, Action::Read)]]);
    let calls = Mutex::new(Vec::new());
    let calls = Arc::new(calls);
    let seen = calls.clone();
    d.expect_add().times(2).returning(move |_, req| {
        let mut seen = seen.lock().unwrap();
        seen.push(actions_of(req));
        if seen.len() == 1 {
            Err(rejected(502, "Bad Gateway"))
        } else {
            Ok(())
        }
    });
    let out = manager(d)
        .grant(&org(), &person(), &[sr(Action::Read), sr(Action::Write)])
        .await
        .unwrap();
    assert_eq!(out.requests_sent, 2);
    assert_eq!(
        *calls.lock().unwrap(),
        vec![vec![Action::Read, Action::Write], vec![Action::Write]]
    );
}

#[tokio::test]
async fn grant_gives_up_after_two_ambiguous_failures() {
    let mut d = MockDelegations::new();
    rights_sequence(&mut d, vec![vec![]]);
    d.expect_add().times(2).returning(|_, _| Err(timed_out()));
    let err = manager(d)
        .grant(&org(), &person(), &[sr(Action::Read)])
        .await
        .unwrap_err();
    match &err {
        AccessError::Unconfirmed { missing, .. } => assert_eq!(missing, &vec![sr(Action::Read)]),
        other => panic!("expected Unconfirmed, got {other:?}"),
    }
    assert!(err.to_string().contains("run grant again"), "{err}");
}

#[tokio::test]
async fn grant_reports_a_refusal_with_the_servers_words_and_does_not_retry() {
    let mut d = MockDelegations::new();
    rights_sequence(&mut d, vec![vec![]]);
    d.expect_add()
        .times(1)
        .returning(|_, _| Err(rejected(400, "The right is not delegable")));
    let err = manager(d)
        .grant(&org(), &person(), &[sr(Action::Sign)])
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        AccessError::Altinn {
            step: Step::Delegate,
            ..
        }
    ));
    assert_eq!(err.kind(), ErrorKind::BadInput);
    assert!(
        err.to_string().contains("The right is not delegable"),
        "{err}"
    );
}

#[tokio::test]
async fn invalid_input_sends_nothing() {
    // Mocks without expectations panic if called.
    let m = AccessManager::new(
        Arc::new(MockReporteeLookup::new()),
        Arc::new(MockDelegations::new()),
    );
    let err = m.grant(&org(), &person(), &[]).await.unwrap_err();
    assert!(matches!(err, AccessError::InvalidInput(_)));
    let err = m.revoke(&org(), &person(), &[]).await.unwrap_err();
    assert!(matches!(err, AccessError::InvalidInput(_)));

    let err = person_query("26899299345", "HEIS").unwrap_err();
    assert!(
        matches!(
            err,
            AccessError::InvalidId {
                what: "fødselsnummer",
                ..
            }
        ),
        "{err}"
    );
    assert!(person_query(FNR, "  ").is_err());
    assert!(ServiceRight::parse("48 64", "1", "Read").is_err());
    assert!(ServiceRight::parse("4864", "0", "Read").is_err());
    let err = ServiceRight::parse("4864", "1", "Fly").unwrap_err();
    assert!(err.to_string().contains("ArchiveRead"), "{err}");
    assert_eq!(
        ServiceRight::parse(" 4864", "1 ", "archiveread").unwrap(),
        sr(Action::ArchiveRead)
    );
}

#[tokio::test]
async fn lookup_failure_names_the_step() {
    let mut l = MockReporteeLookup::new();
    l.expect_reportee()
        .returning(|_| Err(rejected(400, "Invalid social security number or last name")));
    let m = AccessManager::new(Arc::new(l), Arc::new(MockDelegations::new()));
    let err = m.show(&org(), &person()).await.unwrap_err();
    assert!(matches!(
        err,
        AccessError::Altinn {
            step: Step::LookUp,
            ..
        }
    ));
    assert!(err.to_string().contains("looking up the right holder"));
    assert!(err.to_string().contains("Invalid social security number"));
}

#[tokio::test]
async fn revoke_deletes_only_directly_delegated_rights() {
    let mut d = MockDelegations::new();
    rights_sequence(
        &mut d,
        vec![vec![
            direct(11, Action::Read),
            via_role(12, Action::Read),
            direct(13, Action::Write),
        ]],
    );
    d.expect_delete_right()
        .withf(|who, receiver, id| *who == org() && is_receiver(receiver) && *id == RightId(11))
        .times(1)
        .returning(|_, _, _| Ok(()));
    let out = manager(d)
        .revoke(&org(), &person(), &[sr(Action::Read), sr(Action::Sign)])
        .await
        .unwrap();
    assert!(out.changed);
    assert_eq!(
        out.rights[0].status,
        RevokeStatus::Removed {
            right_ids: vec![RightId(11)],
            still_held_via_role: true
        }
    );
    assert_eq!(out.rights[1].status, RevokeStatus::NotHeld);
}

#[tokio::test]
async fn revoke_of_a_role_derived_right_names_the_role_and_deletes_nothing() {
    let mut d = MockDelegations::new();
    rights_sequence(
        &mut d,
        vec![vec![direct(11, Action::Read), via_role(12, Action::Write)]],
    );
    d.expect_roles().returning(|_, _| {
        Ok(vec![
            Role {
                role_id: None,
                role_type: Some(RoleType::Local),
                role_definition_id: Some(RoleDefinitionId(0)),
                role_name: Some("Single Rights".into()),
                role_description: None,
                delegator: None,
                delegated_time: None,
                role_definition_code: None,
                links: Default::default(),
            },
            Role {
                role_id: Some(RoleId(77)),
                role_type: Some(RoleType::Altinn),
                role_definition_id: Some(RoleDefinitionId(3)),
                role_name: Some("Utfyller/innsender".into()),
                role_description: None,
                delegator: None,
                delegated_time: None,
                role_definition_code: Some("UTINN".into()),
                links: Default::default(),
            },
        ])
    });
    d.expect_delete_right().times(0);
    let err = manager(d)
        .revoke(&org(), &person(), &[sr(Action::Read), sr(Action::Write)])
        .await
        .unwrap_err();
    let AccessError::RoleDerived { rights, roles } = &err else {
        panic!("expected RoleDerived, got {err:?}");
    };
    assert_eq!(rights, &vec![sr(Action::Write)]);
    assert_eq!(
        roles.len(),
        1,
        "the synthetic Single Rights entry is left out"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("UTINN")
            && msg.contains("role id 77")
            && msg.contains("remove the role instead"),
        "{msg}"
    );
    assert_eq!(err.kind(), ErrorKind::BadInput);
}

#[tokio::test]
async fn revoke_confirms_an_ambiguous_delete_by_reading_again() {
    let mut d = MockDelegations::new();
    rights_sequence(&mut d, vec![vec![direct(11, Action::Read)], vec![]]);
    d.expect_delete_right().times(1).returning(|_, _, _| {
        Err(AltinnError::Transport {
            delivery: Delivery::MaybeSent,
            method: "DELETE".into(),
            path: "/x".into(),
            message: "connection reset".into(),
        })
    });
    let out = manager(d)
        .revoke(&org(), &person(), &[sr(Action::Read)])
        .await
        .unwrap();
    assert!(out.changed);
}

#[tokio::test]
async fn revoke_reports_a_failed_delete_when_the_right_is_still_there() {
    let mut d = MockDelegations::new();
    rights_sequence(&mut d, vec![vec![direct(11, Action::Read)]]);
    d.expect_delete_right()
        .times(1)
        .returning(|_, _, _| Err(rejected(503, "Service Unavailable")));
    let err = manager(d)
        .revoke(&org(), &person(), &[sr(Action::Read)])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AccessError::Altinn {
                step: Step::Delete(RightId(11)),
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn show_lists_rights_and_roles_and_masks_the_fnr() {
    let mut d = MockDelegations::new();
    d.expect_right_holder()
        .withf(|who, receiver| *who == org() && is_receiver(receiver))
        .returning(|_, _| {
            Ok(RightHolder {
                right_holder_id: Some(ReporteeId::parse("r50828869").unwrap()),
                name: Some("TOM HEIS".into()),
                last_name: Some("HEIS".into()),
                user_name: None,
                social_security_number: None,
                organization_number: None,
                delegation_context: None,
                roles: vec![],
                rights: vec![direct(1, Action::Read), via_role(2, Action::Write)],
                roles_links: Default::default(),
                rights_links: Default::default(),
                has_roles: true,
                has_rights: true,
                links: Default::default(),
            })
        });
    let report = manager(d).show(&org(), &person()).await.unwrap();
    assert_eq!(report.rights.len(), 2);
    assert!(report.rights[0].revocable);
    assert!(!report.rights[1].revocable);
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains(FNR), "{json}");
    assert!(json.contains("268992*****"), "{json}");
    assert!(json.contains(r#""source":"RoleTypeRights""#), "{json}");
}

#[tokio::test]
async fn show_reports_an_unknown_organisation_with_the_servers_words() {
    let mut d = MockDelegations::new();
    d.expect_right_holder()
        .returning(|_, _| Err(rejected(404, "The reportee '310000000' was not found.")));
    let err = manager(d).show(&org(), &person()).await.unwrap_err();
    assert!(matches!(
        err,
        AccessError::Altinn {
            step: Step::Read,
            ..
        }
    ));
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        err.to_string()
            .contains("The reportee '310000000' was not found."),
        "{err}"
    );
}

#[tokio::test]
async fn outcomes_serialise_flat_and_masked() {
    let mut d = MockDelegations::new();
    rights_sequence(&mut d, vec![vec![]]);
    d.expect_add().returning(|_, _| Ok(()));
    let out = manager(d)
        .grant(&org(), &person(), &[sr(Action::Read)])
        .await
        .unwrap();
    let json = serde_json::to_value(&out).unwrap();
    assert_eq!(
        json["rights"][0],
        serde_json::json!({"service_code": "4864", "service_edition": 1, "action": "Read", "status": "added"})
    );
    assert!(!json.to_string().contains(FNR));
}
