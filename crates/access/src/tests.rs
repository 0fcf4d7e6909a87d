//! Unit tests of the use cases against mockall mocks of the neutral ports.
//!
//! Every mock that a test does not expect to be called is either left without expectations
//! (mockall panics on an unexpected call) or given an explicit `.times(0)`, so "nothing was
//! sent" is checked, not assumed. Reads are served from an exact sequence, one list per
//! expected read, so the tests also pin down how often the use cases read.

use std::{
    collections::{BTreeSet, VecDeque},
    error::Error,
    sync::{Arc, Mutex},
};

use tilgang_domain::{
    Fnr, Grantable, HeldAccess, HeldVia, MaskedSsn, PackageCode, Party, PartyId, PartyKind,
    PartyQuery, PartyRef, PartyUuid, RevokeHandle, RoleCode,
};
use tilgang_ports::{
    AltinnError, Delivery, ErrorKind, MockParties, MockRights, Operation, Rejection,
    RightHolderAdded, RightHolderChange, Unsupported, ValidationIssue,
};

use crate::{
    AccessError, AccessManager, GrantStatus, HeldIndirectly, RevokeStatus, Step,
    organisation_query, package, person_query, resource_right, role, service_right,
};

const FNR: &str = "26899299344";
const MASKED: &str = "268992*****";

fn org() -> PartyRef {
    PartyRef::parse("310000000").unwrap()
}

fn person() -> PartyQuery {
    person_query(FNR, "HEIS").unwrap()
}

/// The party the backend resolves `person()` to. It carries the query that found it, as a
/// real adapter's party does, so that comparing parties also checks that the use case passes
/// on the party it was given and not one it made up.
fn holder() -> Party {
    let mut p = Party::new(PartyKind::Person);
    p.name = Some("TOM HEIS".into());
    p.ssn = Some(MaskedSsn::from(&Fnr::parse(FNR).unwrap()));
    p.party_uuid = Some(PartyUuid::parse("7a1c2d3e-0000-4000-8000-000000000001").unwrap());
    p.party_id = Some(PartyId::new(50_828_869).unwrap());
    p.query = Some(person());
    p
}

fn sr(action: &str) -> Grantable {
    service_right("4864", "1", action).unwrap()
}

fn pkg(code: &str) -> Grantable {
    package(code).unwrap()
}

fn rr(action: &str) -> Grantable {
    resource_right("ttd-hr-rapport", action).unwrap()
}

fn utinn() -> RoleCode {
    RoleCode::parse("UTINN").unwrap()
}

/// Held directly, revocable, with an adapter handle that the tests can recognise.
fn direct(grantable: Grantable, handle: &str) -> HeldAccess {
    HeldAccess {
        grantable,
        name: None,
        held_via: vec![HeldVia::Direct],
        revocable: true,
        handle: Some(RevokeHandle::new(handle)),
    }
}

fn via_utinn() -> HeldVia {
    HeldVia::Role {
        role: Some(utinn()),
        name: Some("Utfyller/innsender".into()),
    }
}

/// Held through the role UTINN only: not revocable by this client, so it has no handle.
fn via_role(grantable: Grantable) -> HeldAccess {
    HeldAccess {
        grantable,
        name: None,
        held_via: vec![via_utinn()],
        revocable: false,
        handle: None,
    }
}

/// Held through an access package only.
fn via_package(grantable: Grantable, package: &str) -> HeldAccess {
    HeldAccess {
        grantable,
        name: None,
        held_via: vec![HeldVia::Package {
            package: Some(PackageCode::parse(package).unwrap()),
        }],
        revocable: false,
        handle: None,
    }
}

fn rejection(status: u16, reason: &str) -> Rejection {
    Rejection {
        method: "POST".into(),
        path: "/accessmanagement/api/v1/enduser/connections/accesspackages".into(),
        status,
        reason: reason.into(),
        body: String::new(),
        codes: Vec::new(),
        validation: Vec::new(),
        advice: String::new(),
        retry_after: None,
    }
}

fn rejected(status: u16, reason: &str) -> AltinnError {
    AltinnError::Rejected(rejection(status, reason))
}

fn transport(delivery: Delivery, method: &str) -> AltinnError {
    AltinnError::Transport {
        delivery,
        method: method.into(),
        path: "/accessmanagement/api/v1/enduser/connections".into(),
        message: "connection reset before the answer".into(),
    }
}

fn timed_out() -> AltinnError {
    transport(Delivery::MaybeSent, "POST")
}

/// The whole chain of an error, each cause after a colon, as anyhow prints it with `{:#}`.
fn chain(err: &dyn Error) -> String {
    let mut out = err.to_string();
    let mut next = err.source();
    while let Some(cause) = next {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        next = cause.source();
    }
    out
}

/// Resolves `person()` in `org()` to `holder()`, once per call made.
fn parties() -> MockParties {
    let mut p = MockParties::new();
    p.expect_resolve()
        .withf(|o, q| *o == org() && *q == person())
        .returning(|_, _| Ok(Some(holder())));
    p
}

/// A backend that knows the person only once they are a right holder, and they are not one.
fn parties_without_right_holder() -> MockParties {
    let mut p = MockParties::new();
    p.expect_resolve()
        .withf(|o, q| *o == org() && *q == person())
        .returning(|_, _| Ok(None));
    p
}

/// A rights backend that accepts every grantable for every operation.
fn rights() -> MockRights {
    let mut r = MockRights::new();
    r.expect_check().returning(|_, _| Ok(()));
    r
}

/// Serves one holdings list per read, in order, and fails the test on any read beyond them.
fn expect_holdings(r: &mut MockRights, lists: Vec<Vec<HeldAccess>>) {
    let reads = lists.len();
    let lists = Mutex::new(VecDeque::from(lists));
    r.expect_holdings()
        .withf(|o, h| *o == org() && *h == holder())
        .times(reads)
        .returning(move |_, _| Ok(lists.lock().unwrap().pop_front().unwrap()));
}

/// Records what every grant call named, and answers each from `answers` in order.
fn expect_grants(
    r: &mut MockRights,
    answers: Vec<Result<(), AltinnError>>,
) -> Arc<Mutex<Vec<Vec<Grantable>>>> {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = calls.clone();
    let count = answers.len();
    let answers = Mutex::new(VecDeque::from(answers));
    r.expect_grant()
        .withf(|o, h, _| *o == org() && *h == holder())
        .times(count)
        .returning(move |_, _, grantables| {
            seen.lock().unwrap().push(grantables.to_vec());
            answers.lock().unwrap().pop_front().unwrap()
        });
    calls
}

fn manager(parties: MockParties, rights: MockRights) -> AccessManager {
    AccessManager::new(Arc::new(parties), Arc::new(rights))
}

fn status_of<'a>(lines: &'a [crate::GrantLine], g: &Grantable) -> &'a GrantStatus {
    &lines
        .iter()
        .find(|l| l.grantable == *g)
        .unwrap_or_else(|| panic!("no line for {g}"))
        .status
}

fn revoke_status_of<'a>(lines: &'a [crate::RevokeLine], g: &Grantable) -> &'a RevokeStatus {
    &lines
        .iter()
        .find(|l| l.grantable == *g)
        .unwrap_or_else(|| panic!("no line for {g}"))
        .status
}

#[tokio::test]
async fn grant_sends_only_what_is_missing() {
    let mut r = rights();
    expect_holdings(&mut r, vec![vec![direct(sr("Read"), "d:1")]]);
    let calls = expect_grants(&mut r, vec![Ok(())]);
    let out = manager(parties(), r)
        .grant(&org(), &person(), &[sr("Read"), sr("Write")])
        .await
        .unwrap();
    assert_eq!(*calls.lock().unwrap(), vec![vec![sr("Write")]]);
    assert!(out.changed);
    assert_eq!(out.requests_sent, 1);
    assert!(!out.confirmed_after_ambiguous_failure);
    assert_eq!(
        out.right_holder, None,
        "the person already was a right holder"
    );
    assert_eq!(out.holder, holder());
    assert_eq!(
        out.accesses
            .iter()
            .map(|l| (l.grantable.clone(), l.status.clone()))
            .collect::<Vec<_>>(),
        vec![
            (
                sr("Read"),
                GrantStatus::AlreadyHeld {
                    held_via: vec![HeldVia::Direct]
                }
            ),
            (sr("Write"), GrantStatus::Added),
        ]
    );
}

#[tokio::test]
async fn grant_of_held_things_sends_nothing() {
    let mut r = rights();
    expect_holdings(
        &mut r,
        vec![vec![
            direct(sr("Read"), "d:1"),
            via_role(sr("Write")),
            via_package(rr("read"), "regnskapsforer-lonn"),
        ]],
    );
    r.expect_grant().times(0);
    let out = manager(parties(), r)
        .grant(
            &org(),
            &person(),
            &[sr("Read"), sr("Write"), rr("read"), sr("Read")],
        )
        .await
        .unwrap();
    assert!(!out.changed);
    assert_eq!(out.requests_sent, 0);
    assert_eq!(out.accesses.len(), 3, "duplicates in the input are merged");
    assert_eq!(
        status_of(&out.accesses, &sr("Write")),
        &GrantStatus::AlreadyHeld {
            held_via: vec![via_utinn()]
        }
    );
    assert_eq!(
        status_of(&out.accesses, &rr("read")),
        &GrantStatus::AlreadyHeld {
            held_via: vec![HeldVia::Package {
                package: Some(PackageCode::parse("regnskapsforer-lonn").unwrap())
            }]
        }
    );
}

#[tokio::test]
async fn grant_rereads_after_an_ambiguous_failure_and_does_not_resend_what_arrived() {
    let mut r = rights();
    expect_holdings(&mut r, vec![vec![], vec![direct(pkg("lonn"), "d:9")]]);
    let calls = expect_grants(&mut r, vec![Err(timed_out())]);
    let out = manager(parties(), r)
        .grant(&org(), &person(), &[pkg("lonn")])
        .await
        .unwrap();
    assert_eq!(*calls.lock().unwrap(), vec![vec![pkg("lonn")]]);
    assert!(out.changed);
    assert!(out.confirmed_after_ambiguous_failure);
    assert_eq!(out.requests_sent, 1);
    assert_eq!(status_of(&out.accesses, &pkg("lonn")), &GrantStatus::Added);
}

#[tokio::test]
async fn grant_resends_only_what_is_still_missing_after_an_ambiguous_failure() {
    let mut r = rights();
    // The first grant partly took effect: the package arrived, the resource right did not.
    expect_holdings(&mut r, vec![vec![], vec![direct(pkg("lonn"), "d:9")]]);
    let calls = expect_grants(&mut r, vec![Err(rejected(502, "Bad Gateway")), Ok(())]);
    let out = manager(parties(), r)
        .grant(&org(), &person(), &[pkg("lonn"), rr("read")])
        .await
        .unwrap();
    assert_eq!(out.requests_sent, 2);
    assert!(out.changed);
    let calls = calls.lock().unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(
        calls[0].iter().collect::<BTreeSet<_>>(),
        [pkg("lonn"), rr("read")].iter().collect::<BTreeSet<_>>()
    );
    assert_eq!(calls[1], vec![rr("read")]);
}

#[tokio::test]
async fn grant_gives_up_after_two_ambiguous_failures() {
    let mut r = rights();
    // One read before, and one after each of the two failed grants.
    expect_holdings(&mut r, vec![vec![], vec![], vec![]]);
    let calls = expect_grants(&mut r, vec![Err(timed_out()), Err(timed_out())]);
    let err = manager(parties(), r)
        .grant(&org(), &person(), &[sr("Read")])
        .await
        .unwrap_err();
    assert_eq!(calls.lock().unwrap().len(), 2);
    match &err {
        AccessError::Unconfirmed { missing, .. } => assert_eq!(missing, &vec![sr("Read")]),
        other => panic!("expected Unconfirmed, got {other:?}"),
    }
    assert!(err.to_string().contains("run it again"), "{err}");
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert!(err.altinn().is_some_and(AltinnError::is_ambiguous));
}

#[tokio::test]
async fn grant_reports_a_refusal_with_the_servers_words_and_does_not_retry() {
    let mut r = rights();
    expect_holdings(&mut r, vec![vec![]]);
    let refusal = Rejection {
        body: r#"{"code":"AM.VLD-00026"}"#.into(),
        codes: vec!["AM.VLD-00026".into()],
        validation: vec![ValidationIssue {
            code: "AM.VLD-00026".into(),
            paths: vec!["QUERY/package".into()],
            detail: Some("The package is not assignable".into()),
            extensions: vec![("packages".into(), "lonn".into())],
        }],
        advice: "the package cannot be delegated by this party".into(),
        ..rejection(400, "The right is not delegable")
    };
    let calls = expect_grants(&mut r, vec![Err(AltinnError::Rejected(refusal.clone()))]);
    let err = manager(parties(), r)
        .grant(&org(), &person(), &[pkg("lonn")])
        .await
        .unwrap_err();
    assert_eq!(calls.lock().unwrap().len(), 1, "a refusal is not retried");
    assert!(
        matches!(
            err,
            AccessError::Altinn {
                step: Step::Grant,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::BadInput);
    // The server's refusal is kept whole, codes and validation paths included.
    let kept = err.altinn().and_then(AltinnError::rejection).unwrap();
    assert_eq!(kept, &refusal);
    assert!(err.altinn().unwrap().has_code("AM.VLD-00026"));
    let text = chain(&err);
    assert!(text.contains("granting the missing accesses"), "{text}");
    assert!(text.contains("The right is not delegable"), "{text}");
    assert!(text.contains("AM.VLD-00026"), "{text}");
    assert!(text.contains("cannot be delegated by this party"), "{text}");
}

#[tokio::test]
async fn grant_fails_without_rereading_when_the_request_was_never_sent() {
    let mut r = rights();
    expect_holdings(&mut r, vec![vec![]]);
    let calls = expect_grants(&mut r, vec![Err(transport(Delivery::NotSent, "POST"))]);
    let err = manager(parties(), r)
        .grant(&org(), &person(), &[rr("read")])
        .await
        .unwrap_err();
    assert_eq!(calls.lock().unwrap().len(), 1);
    assert!(matches!(
        err,
        AccessError::Altinn {
            step: Step::Grant,
            ..
        }
    ));
    assert_eq!(err.kind(), ErrorKind::Transient);
}

#[tokio::test]
async fn a_failed_reread_after_an_ambiguous_failure_names_the_confirm_step() {
    let mut r = rights();
    let reads = Mutex::new(0);
    r.expect_holdings().times(2).returning(move |_, _| {
        let mut n = reads.lock().unwrap();
        *n += 1;
        if *n == 1 {
            Ok(Vec::new())
        } else {
            Err(rejected(503, "Service Unavailable"))
        }
    });
    expect_grants(&mut r, vec![Err(timed_out())]);
    let err = manager(parties(), r)
        .grant(&org(), &person(), &[rr("read")])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AccessError::Altinn {
                step: Step::Confirm,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn grant_of_several_kinds_sends_exactly_the_missing_ones_in_one_call() {
    let mut r = rights();
    expect_holdings(
        &mut r,
        vec![vec![
            direct(sr("Read"), "d:1"),
            via_package(rr("read"), "regnskapsforer-lonn"),
        ]],
    );
    let calls = expect_grants(&mut r, vec![Ok(())]);
    let wanted = [
        sr("Read"),
        pkg("lonn"),
        rr("read"),
        rr("write"),
        sr("Write"),
        pkg("lonn"),
    ];
    let out = manager(parties(), r)
        .grant(&org(), &person(), &wanted)
        .await
        .unwrap();
    let calls = calls.lock().unwrap();
    assert_eq!(calls.len(), 1, "one grant call for every kind");
    let sent = &calls[0];
    assert_eq!(sent.len(), 3, "nothing is sent twice: {sent:?}");
    assert_eq!(
        sent.iter().cloned().collect::<BTreeSet<_>>(),
        BTreeSet::from([pkg("lonn"), rr("write"), sr("Write")])
    );
    assert_eq!(out.requests_sent, 1);
    assert_eq!(out.accesses.len(), 5);
    for added in [pkg("lonn"), rr("write"), sr("Write")] {
        assert_eq!(status_of(&out.accesses, &added), &GrantStatus::Added);
    }
}

#[tokio::test]
async fn grant_of_something_the_backend_cannot_grant_sends_nothing() {
    let mut p = MockParties::new();
    p.expect_resolve().times(0);
    let mut r = MockRights::new();
    // An Altinn 2 backend: it grants service rights but not access packages, which exist only
    // in Altinn 3.
    r.expect_check()
        .returning(|operation, grantable| match grantable {
            Grantable::Package { .. } => Err(Unsupported {
                platform: "Altinn 2",
                operation,
                grantable: grantable.clone(),
                hint: "access packages exist only in Altinn 3; use the Altinn 3 backend",
            }),
            _ => Ok(()),
        });
    r.expect_right_holders().times(0);
    r.expect_add_right_holder().times(0);
    r.expect_holdings().times(0);
    r.expect_grant().times(0);
    r.expect_revoke().times(0);
    r.expect_remove_right_holder().times(0);
    let m = manager(p, r);

    let err = m
        .grant(&org(), &person(), &[sr("Read"), pkg("lonn")])
        .await
        .unwrap_err();
    let AccessError::Unsupported(u) = &err else {
        panic!("expected Unsupported, got {err:?}");
    };
    assert_eq!(u.operation, Operation::Grant);
    assert_eq!(u.grantable, pkg("lonn"));
    assert_eq!(err.kind(), ErrorKind::BadInput);
    let msg = err.to_string();
    assert!(
        msg.contains("Altinn 2") && msg.contains("package lonn") && msg.contains("Altinn 3"),
        "{msg}"
    );

    // Revoking is checked the same way, before the lookup.
    let err = m
        .revoke(&org(), &person(), &[pkg("lonn")])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AccessError::Unsupported(u) if u.operation == Operation::Revoke),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::BadInput);
}

#[tokio::test]
async fn a_backend_refusing_a_grantable_on_the_wire_is_reported_as_unsupported() {
    // A backend whose `check` lets something through that its API then cannot express still
    // refuses it before sending; that is the caller's input, not a failed step.
    let mut r = rights();
    expect_holdings(&mut r, vec![vec![]]);
    expect_grants(
        &mut r,
        vec![Err(AltinnError::Unsupported(Unsupported {
            platform: "Altinn 3",
            operation: Operation::Grant,
            grantable: role("UTINN").unwrap(),
            hint: "Altinn 3 can revoke imported Altinn 2 roles but not grant them",
        }))],
    );
    let err = manager(parties(), r)
        .grant(&org(), &person(), &[role("UTINN").unwrap()])
        .await
        .unwrap_err();
    assert!(matches!(err, AccessError::Unsupported(_)), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::BadInput);
}

#[tokio::test]
async fn grant_to_a_party_who_is_not_a_right_holder_adds_them_first() {
    let mut r = rights();
    r.expect_add_right_holder()
        .withf(|o, q| *o == org() && *q == person())
        .times(1)
        .returning(|_, _| {
            Ok(RightHolderAdded {
                party: holder(),
                change: RightHolderChange::Added,
            })
        });
    // Someone made a right holder just now holds nothing yet, so reading would only cost a
    // request.
    r.expect_holdings().times(0);
    let calls = expect_grants(&mut r, vec![Ok(())]);
    let out = manager(parties_without_right_holder(), r)
        .grant(&org(), &person(), &[pkg("lonn")])
        .await
        .unwrap();
    assert_eq!(*calls.lock().unwrap(), vec![vec![pkg("lonn")]]);
    assert_eq!(out.right_holder, Some(RightHolderChange::Added));
    assert!(out.changed);
    assert_eq!(out.requests_sent, 1);
    assert_eq!(out.holder, holder());
    let json = serde_json::to_value(&out).unwrap();
    assert_eq!(json["right_holder"], "added");
}

#[tokio::test]
async fn grant_reads_first_when_the_backend_finds_the_party_already_a_right_holder() {
    // The lookup saw no right holder, but by the time of adding, they were one (someone else
    // added them in between): what they hold must be read, and nothing changed by us.
    let mut r = rights();
    r.expect_add_right_holder().times(1).returning(|_, _| {
        Ok(RightHolderAdded {
            party: holder(),
            change: RightHolderChange::AlreadyRightHolder,
        })
    });
    expect_holdings(&mut r, vec![vec![direct(pkg("lonn"), "d:1")]]);
    r.expect_grant().times(0);
    let out = manager(parties_without_right_holder(), r)
        .grant(&org(), &person(), &[pkg("lonn")])
        .await
        .unwrap();
    assert_eq!(
        out.right_holder,
        Some(RightHolderChange::AlreadyRightHolder)
    );
    assert!(!out.changed);
    assert_eq!(out.requests_sent, 0);
}

#[tokio::test]
async fn a_failure_to_add_the_right_holder_names_the_step_and_grants_nothing() {
    let mut r = rights();
    r.expect_add_right_holder()
        .times(1)
        .returning(|_, _| Err(rejected(400, "Invalid last name")));
    r.expect_holdings().times(0);
    r.expect_grant().times(0);
    let err = manager(parties_without_right_holder(), r)
        .grant(&org(), &person(), &[pkg("lonn")])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AccessError::Altinn {
                step: Step::AddRightHolder,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(chain(&err).contains("Invalid last name"));
}

#[tokio::test]
async fn invalid_input_sends_nothing() {
    // Mocks without expectations panic if called, so these calls prove that nothing is sent.
    let m = manager(MockParties::new(), MockRights::new());
    let err = m.grant(&org(), &person(), &[]).await.unwrap_err();
    assert!(matches!(err, AccessError::InvalidInput(_)), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::BadInput);
    let err = m.revoke(&org(), &person(), &[]).await.unwrap_err();
    assert!(matches!(err, AccessError::InvalidInput(_)), "{err:?}");

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
    assert_eq!(err.kind(), ErrorKind::BadInput);
    assert!(!chain(&err).contains("26899299345"), "{}", chain(&err));
    assert!(person_query(FNR, "  ").is_err());
    assert!(organisation_query("31000000", "DEMO AS").is_err());

    assert!(service_right("48 64", "1", "Read").is_err());
    assert!(service_right("4864", "0", "Read").is_err());
    let err = service_right("4864", "1", "Fly").unwrap_err();
    assert!(
        matches!(err, AccessError::InvalidId { what: "action", .. }),
        "{err:?}"
    );
    assert!(chain(&err).contains("ArchiveRead"), "{}", chain(&err));
    assert_eq!(
        service_right(" 4864", "1 ", "archiveread").unwrap(),
        sr("ArchiveRead")
    );

    assert!(package("Lønn").is_err());
    assert_eq!(
        package("urn:altinn:accesspackage:lonn").unwrap(),
        pkg("lonn")
    );
    assert!(resource_right("ttd hr", "read").is_err());
    assert!(resource_right("ttd-hr-rapport", "read it").is_err());
    assert_eq!(
        resource_right("urn:altinn:resource:ttd-hr-rapport", "read").unwrap(),
        rr("read")
    );
    assert!(role("UT INN").is_err());
    assert_eq!(role("utinn").unwrap(), Grantable::role(utinn()));
}

#[test]
fn an_invalid_id_prints_its_reason_once_in_the_chain() {
    let err = person_query("26899299345", "HEIS").unwrap_err();
    let reason = err.source().expect("the reason is the source").to_string();
    let text = chain(&err);
    assert_eq!(text.matches(reason.as_str()).count(), 1, "{text}");
    assert!(text.starts_with("invalid fødselsnummer"), "{text}");

    // The same holds for the other wrapping variants: each cause is printed by itself only.
    let wrapped = AccessError::Altinn {
        step: Step::Grant,
        source: Box::new(rejected(400, "The right is not delegable")),
    };
    let text = chain(&wrapped);
    assert_eq!(
        text.matches("The right is not delegable").count(),
        1,
        "{text}"
    );
    let unconfirmed = AccessError::Unconfirmed {
        missing: vec![pkg("lonn")],
        source: Box::new(timed_out()),
    };
    let text = chain(&unconfirmed);
    assert_eq!(
        text.matches("connection reset before the answer").count(),
        1,
        "{text}"
    );
}

#[tokio::test]
async fn lookup_failure_names_the_step() {
    let mut p = MockParties::new();
    p.expect_resolve()
        .times(1)
        .returning(|_, _| Err(rejected(400, "Invalid social security number or last name")));
    let mut r = MockRights::new();
    r.expect_holdings().times(0);
    let err = manager(p, r).show(&org(), &person()).await.unwrap_err();
    assert!(matches!(
        err,
        AccessError::Altinn {
            step: Step::LookUp,
            ..
        }
    ));
    assert!(err.to_string().contains("looking up the right holder"));
    assert!(chain(&err).contains("Invalid social security number"));
}

#[tokio::test]
async fn revoke_revokes_only_direct_holdings() {
    let mut r = rights();
    let read = direct(sr("Read"), "d:11");
    expect_holdings(
        &mut r,
        vec![vec![
            read.clone(),
            via_role(sr("Read")),
            direct(sr("Write"), "d:13"),
        ]],
    );
    let sent = read.clone();
    r.expect_revoke()
        .withf(move |o, h, accesses| *o == org() && *h == holder() && *accesses == [sent.clone()])
        .times(1)
        .returning(|_, _, _| Ok(()));
    let out = manager(parties(), r)
        .revoke(&org(), &person(), &[sr("Read"), sr("Sign")])
        .await
        .unwrap();
    assert!(out.changed);
    assert_eq!(out.holder, Some(holder()));
    assert_eq!(
        revoke_status_of(&out.accesses, &sr("Read")),
        &RevokeStatus::Removed {
            still_held_via: vec![via_utinn()]
        }
    );
    assert_eq!(
        revoke_status_of(&out.accesses, &sr("Sign")),
        &RevokeStatus::NotHeld
    );
}

#[tokio::test]
async fn revoke_of_something_held_only_via_a_role_names_the_role_and_revokes_nothing() {
    let mut r = rights();
    expect_holdings(
        &mut r,
        vec![vec![
            direct(sr("Read"), "d:11"),
            // Altinn 2 does not say which role a right comes from.
            HeldAccess {
                held_via: vec![HeldVia::Role {
                    role: None,
                    name: None,
                }],
                ..via_role(sr("Write"))
            },
            HeldAccess {
                name: Some("Utfyller/innsender".into()),
                ..direct(Grantable::role(utinn()), "role:77")
            },
        ]],
    );
    r.expect_revoke().times(0);
    let err = manager(parties(), r)
        .revoke(&org(), &person(), &[sr("Read"), sr("Write")])
        .await
        .unwrap_err();
    let AccessError::HeldIndirectly { items, roles } = &err else {
        panic!("expected HeldIndirectly, got {err:?}");
    };
    assert_eq!(
        items,
        &vec![HeldIndirectly {
            grantable: sr("Write"),
            held_via: vec![HeldVia::Role {
                role: None,
                name: None
            }],
        }]
    );
    assert_eq!(roles.len(), 1, "{roles:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(&sr("Write").to_string())
            && msg.contains("UTINN")
            && msg.contains("Utfyller/innsender")
            && msg.contains("remove the role"),
        "{msg}"
    );
    assert_eq!(err.kind(), ErrorKind::BadInput);
}

#[tokio::test]
async fn revoke_of_something_held_only_via_a_package_names_the_package_and_revokes_nothing() {
    let mut r = rights();
    expect_holdings(
        &mut r,
        vec![vec![
            direct(pkg("lonn"), "d:5"),
            via_package(rr("read"), "regnskapsforer-lonn"),
        ]],
    );
    r.expect_revoke().times(0);
    let err = manager(parties(), r)
        .revoke(&org(), &person(), &[pkg("lonn"), rr("read")])
        .await
        .unwrap_err();
    let AccessError::HeldIndirectly { items, roles } = &err else {
        panic!("expected HeldIndirectly, got {err:?}");
    };
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].grantable, rr("read"));
    assert_eq!(
        items[0].held_via,
        vec![HeldVia::Package {
            package: Some(PackageCode::parse("regnskapsforer-lonn").unwrap())
        }]
    );
    assert!(roles.is_empty());
    let msg = err.to_string();
    assert!(
        msg.contains("via package regnskapsforer-lonn") && msg.contains("package it comes from"),
        "{msg}"
    );
    assert_eq!(err.kind(), ErrorKind::BadInput);
}

#[tokio::test]
async fn revoke_of_a_party_who_is_not_a_right_holder_sends_nothing() {
    let mut r = rights();
    r.expect_add_right_holder().times(0);
    r.expect_holdings().times(0);
    r.expect_revoke().times(0);
    let out = manager(parties_without_right_holder(), r)
        .revoke(&org(), &person(), &[pkg("lonn"), sr("Read")])
        .await
        .unwrap();
    assert!(!out.changed);
    assert_eq!(out.holder, None);
    assert_eq!(out.accesses.len(), 2);
    assert!(
        out.accesses
            .iter()
            .all(|l| l.status == RevokeStatus::NotHeld)
    );
}

#[tokio::test]
async fn revoke_confirms_an_ambiguous_failure_by_reading_again() {
    let mut r = rights();
    expect_holdings(&mut r, vec![vec![direct(sr("Read"), "d:11")], vec![]]);
    r.expect_revoke()
        .times(1)
        .returning(|_, _, _| Err(transport(Delivery::MaybeSent, "DELETE")));
    let out = manager(parties(), r)
        .revoke(&org(), &person(), &[sr("Read")])
        .await
        .unwrap();
    assert!(out.changed);
    assert_eq!(
        revoke_status_of(&out.accesses, &sr("Read")),
        &RevokeStatus::Removed {
            still_held_via: vec![]
        }
    );
}

#[tokio::test]
async fn revoke_takes_a_not_found_as_done_when_reading_again_shows_it_gone() {
    let mut r = rights();
    expect_holdings(&mut r, vec![vec![direct(pkg("lonn"), "d:11")], vec![]]);
    r.expect_revoke()
        .times(1)
        .returning(|_, _, _| Err(rejected(404, "Not Found")));
    let out = manager(parties(), r)
        .revoke(&org(), &person(), &[pkg("lonn")])
        .await
        .unwrap();
    assert!(out.changed);
}

#[tokio::test]
async fn revoke_reports_a_failed_revoke_when_the_access_is_still_there() {
    let mut r = rights();
    let read = direct(sr("Read"), "d:11");
    expect_holdings(&mut r, vec![vec![read.clone()], vec![read]]);
    r.expect_revoke()
        .times(1)
        .returning(|_, _, _| Err(rejected(503, "Service Unavailable")));
    let err = manager(parties(), r)
        .revoke(&org(), &person(), &[sr("Read")])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AccessError::Altinn {
                step: Step::Revoke,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert!(chain(&err).contains("Service Unavailable"));
}

#[tokio::test]
async fn revoke_reports_a_refusal_without_reading_again() {
    let mut r = rights();
    // A refusal cannot have taken effect, so there is only the one read before revoking.
    expect_holdings(&mut r, vec![vec![direct(sr("Read"), "d:11")]]);
    r.expect_revoke()
        .times(1)
        .returning(|_, _, _| Err(rejected(403, "Forbidden")));
    let err = manager(parties(), r)
        .revoke(&org(), &person(), &[sr("Read")])
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        AccessError::Altinn {
            step: Step::Revoke,
            ..
        }
    ));
    assert_eq!(err.kind(), ErrorKind::Auth);
}

#[tokio::test]
async fn show_lists_holdings_and_masks_the_fnr() {
    let mut r = MockRights::new();
    expect_holdings(
        &mut r,
        vec![vec![
            direct(sr("Read"), "d:1"),
            via_role(sr("Write")),
            via_package(rr("read"), "regnskapsforer-lonn"),
        ]],
    );
    r.expect_add_right_holder().times(0);
    let report = manager(parties(), r).show(&org(), &person()).await.unwrap();
    assert_eq!(report.org, "310000000");
    assert_eq!(report.accesses.len(), 3);
    assert!(report.accesses[0].revocable);
    assert!(!report.accesses[1].revocable);
    assert!(!report.accesses[2].revocable);
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains(FNR), "{json}");
    assert!(json.contains(MASKED), "{json}");
    assert!(
        json.contains(r#""held_via":[{"kind":"role","role":"utinn","name":"Utfyller/innsender"}]"#),
        "{json}"
    );
    assert!(
        json.contains(r#""held_via":[{"kind":"package","package":"regnskapsforer-lonn"}]"#),
        "{json}"
    );
    assert!(!json.contains("d:1"), "handles stay inside: {json}");
    assert!(!format!("{report:?}").contains(FNR));
}

#[tokio::test]
async fn show_reports_an_unknown_organisation_with_the_servers_words() {
    let mut r = MockRights::new();
    r.expect_holdings()
        .times(1)
        .returning(|_, _| Err(rejected(404, "The reportee '310000000' was not found.")));
    let err = manager(parties(), r)
        .show(&org(), &person())
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        AccessError::Altinn {
            step: Step::Read,
            ..
        }
    ));
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let text = chain(&err);
    assert!(
        text.contains("The reportee '310000000' was not found."),
        "{text}"
    );
}

#[tokio::test]
async fn show_of_a_party_who_is_not_a_right_holder_says_so_without_the_fnr() {
    let mut r = MockRights::new();
    r.expect_add_right_holder().times(0);
    r.expect_holdings().times(0);
    let m = manager(parties_without_right_holder(), r);
    let err = m.show(&org(), &person()).await.unwrap_err();
    assert!(matches!(err, AccessError::NotRightHolder { .. }), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let text = chain(&err);
    assert!(!text.contains(FNR), "{text}");
    assert!(
        text.contains(MASKED) && text.contains("310000000"),
        "{text}"
    );
    assert!(!format!("{err:?}").contains(FNR));

    // Resolving alone says the same.
    let err = m.resolve(&org(), &person()).await.unwrap_err();
    assert!(matches!(err, AccessError::NotRightHolder { .. }));
}

#[tokio::test]
async fn remove_right_holder_is_idempotent() {
    let mut r = MockRights::new();
    r.expect_remove_right_holder().times(0);
    let out = manager(parties_without_right_holder(), r)
        .remove_right_holder(&org(), &person(), false)
        .await
        .unwrap();
    assert!(!out.removed);
    assert_eq!(out.holder, format!("person {MASKED}"));
}

#[tokio::test]
async fn remove_right_holder_passes_cascade_through() {
    for cascade in [false, true] {
        let mut r = MockRights::new();
        r.expect_remove_right_holder()
            .withf(move |o, h, c| *o == org() && *h == holder() && *c == cascade)
            .times(1)
            .returning(|_, _, _| Ok(()));
        let out = manager(parties(), r)
            .remove_right_holder(&org(), &person(), cascade)
            .await
            .unwrap();
        assert!(out.removed);
        assert!(!serde_json::to_string(&out).unwrap().contains(FNR));
    }
}

#[tokio::test]
async fn remove_right_holder_who_still_holds_something_is_bad_input() {
    let mut r = MockRights::new();
    r.expect_remove_right_holder()
        .withf(|_, _, cascade| !*cascade)
        .times(1)
        .returning(|_, _, _| {
            Err(AltinnError::StillHolds {
                holding: vec!["package lonn".into()],
                rejection: None,
            })
        });
    let err = manager(parties(), r)
        .remove_right_holder(&org(), &person(), false)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AccessError::Altinn {
                step: Step::RemoveRightHolder,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::BadInput);
    let text = chain(&err);
    assert!(
        text.contains("package lonn") && text.contains("cascade"),
        "{text}"
    );
}

#[tokio::test]
async fn right_holders_lists_them_and_names_the_step_on_failure() {
    let mut r = MockRights::new();
    r.expect_right_holders()
        .withf(|o| *o == org())
        .times(1)
        .returning(|_| Ok(vec![holder()]));
    let list = manager(MockParties::new(), r)
        .right_holders(&org())
        .await
        .unwrap();
    assert_eq!(list.right_holders, vec![holder()]);
    assert!(!serde_json::to_string(&list).unwrap().contains(FNR));

    let mut r = MockRights::new();
    r.expect_right_holders()
        .times(1)
        .returning(|_| Err(rejected(403, "Forbidden")));
    let err = manager(MockParties::new(), r)
        .right_holders(&org())
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        AccessError::Altinn {
            step: Step::ListRightHolders,
            ..
        }
    ));
}

#[tokio::test]
async fn add_right_holder_reports_what_changed() {
    let mut r = MockRights::new();
    r.expect_add_right_holder()
        .withf(|o, q| *o == org() && *q == person())
        .times(1)
        .returning(|_, _| {
            Ok(RightHolderAdded {
                party: holder(),
                change: RightHolderChange::AlreadyRightHolder,
            })
        });
    let out = manager(MockParties::new(), r)
        .add_right_holder(&org(), &person())
        .await
        .unwrap();
    assert_eq!(out.change, RightHolderChange::AlreadyRightHolder);
    let json = serde_json::to_value(&out).unwrap();
    assert_eq!(json["change"], "already_right_holder");
    assert!(!json.to_string().contains(FNR));
}

#[tokio::test]
async fn outcomes_serialise_flat_and_masked() {
    let mut r = rights();
    expect_holdings(&mut r, vec![vec![direct(pkg("lonn"), "d:1")]]);
    expect_grants(&mut r, vec![Ok(())]);
    let out = manager(parties(), r)
        .grant(&org(), &person(), &[sr("Read"), pkg("lonn")])
        .await
        .unwrap();
    let json = serde_json::to_value(&out).unwrap();
    assert_eq!(
        json["accesses"][0],
        serde_json::json!({"kind": "service_right", "service_code": "4864", "service_edition": 1, "action": "Read", "status": "added"})
    );
    assert_eq!(
        json["accesses"][1],
        serde_json::json!({"kind": "package", "package": "lonn", "status": "already_held", "held_via": [{"kind": "direct"}]})
    );
    assert!(
        json.get("right_holder").is_none(),
        "absent unless the holder was added: {json}"
    );
    assert_eq!(json["holder"]["ssn"], MASKED);
    assert!(!json.to_string().contains(FNR));

    let mut r = rights();
    expect_holdings(
        &mut r,
        vec![vec![direct(rr("read"), "d:2"), via_role(rr("read"))]],
    );
    r.expect_revoke().times(1).returning(|_, _, _| Ok(()));
    let out = manager(parties(), r)
        .revoke(&org(), &person(), &[rr("read")])
        .await
        .unwrap();
    let json = serde_json::to_value(&out).unwrap();
    assert_eq!(
        json["accesses"][0],
        serde_json::json!({
            "kind": "resource_right",
            "resource": "ttd-hr-rapport",
            "action": "Read",
            "status": "removed",
            "still_held_via": [{"kind": "role", "role": "utinn", "name": "Utfyller/innsender"}]
        })
    );
    assert!(!json.to_string().contains(FNR));
    assert!(!json.to_string().contains("d:2"));
}
