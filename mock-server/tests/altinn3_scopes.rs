//! The scope matrix (`shared/spec/altinn3-accessmanagement.md` §2.1, §2.4): each endpoint
//! with each scope set gives its documented success status or 403, for the to-others view
//! (party = from) and, for the bidirectional endpoints, the from-others view (party = to).

mod common3;

use common3::*;
use reqwest::Method;
use serde_json::json;
use tilgang_mock::demo;

/// Which policy an endpoint has.
#[derive(Clone, Copy)]
enum Kind {
    Parties,
    BidirRead,
    BidirWrite,
    WriteToOthers,
}

struct Case {
    name: &'static str,
    method: Method,
    path: &'static str,
    kind: Kind,
    ok: u16,
}

fn cases() -> Vec<Case> {
    use Kind::*;
    let c = |name, method, path, kind, ok| Case {
        name,
        method,
        path,
        kind,
        ok,
    };
    vec![
        c("E1", Method::GET, "authorizedparties", Parties, 200),
        c("E2", Method::GET, "connections", BidirRead, 200),
        c("E3", Method::POST, "connections", WriteToOthers, 200),
        c("E4", Method::DELETE, "connections", BidirWrite, 204),
        c(
            "E5",
            Method::GET,
            "connections/accesspackages",
            BidirRead,
            200,
        ),
        c(
            "E6",
            Method::POST,
            "connections/accesspackages",
            WriteToOthers,
            200,
        ),
        c(
            "E7",
            Method::DELETE,
            "connections/accesspackages",
            BidirWrite,
            204,
        ),
        c(
            "E8",
            Method::GET,
            "connections/accesspackages/delegationcheck",
            WriteToOthers,
            200,
        ),
        c("E9", Method::GET, "connections/resources", BidirRead, 200),
        c(
            "E10",
            Method::GET,
            "connections/resources/rights",
            BidirRead,
            200,
        ),
        c(
            "E11",
            Method::GET,
            "connections/resources/delegationcheck",
            WriteToOthers,
            200,
        ),
        c(
            "E12",
            Method::POST,
            "connections/resources/rights",
            WriteToOthers,
            201,
        ),
        c(
            "E13",
            Method::PUT,
            "connections/resources/rights",
            WriteToOthers,
            200,
        ),
        c(
            "E14",
            Method::DELETE,
            "connections/resources",
            BidirWrite,
            204,
        ),
        c("E15", Method::GET, "connections/roles", BidirRead, 200),
        c("E16", Method::DELETE, "connections/roles", BidirWrite, 204),
    ]
}

/// The query of a to-others call that succeeds with the right scope.
fn query(case: &Case) -> String {
    let o = org();
    let p = demo::PERSON_UUID;
    let r = demo::RESOURCE_ID;
    match case.name {
        "E1" => String::new(),
        "E3" => format!("party={o}&to={}", demo::ORG_RECEIVER_UUID),
        "E6" => format!("party={o}&to={p}&package=posttjenester"),
        "E7" => format!("party={o}&from={o}&to={p}&package=posttjenester"),
        "E8" => format!("party={o}"),
        "E10" | "E14" => format!("party={o}&from={o}&to={p}&resource={r}"),
        "E11" => format!("party={o}&resource={r}"),
        "E12" | "E13" => format!("party={o}&to={p}&resource={r}"),
        "E16" => format!("party={o}&from={o}&to={p}&rolecode=utinn"),
        _ => format!("party={o}&from={o}&to={p}"),
    }
}

fn body(case: &Case) -> Option<serde_json::Value> {
    matches!(case.name, "E12" | "E13").then(|| json!({"directRightKeys": [key("read")]}))
}

fn allowed(kind: Kind, scopes: &[&str], from_others: bool) -> bool {
    let has = |s: &str| scopes.contains(&s);
    match kind {
        Kind::Parties => has(PARTIES),
        Kind::WriteToOthers => has(WRITE),
        Kind::BidirRead => has(if from_others { FROM_READ } else { READ }),
        Kind::BidirWrite => has(if from_others { FROM_WRITE } else { WRITE }),
    }
}

fn scope_sets() -> Vec<Vec<&'static str>> {
    vec![
        vec![],
        vec![PARTIES],
        vec![READ],
        vec![WRITE],
        vec![FROM_READ],
        vec![FROM_WRITE],
        vec![READ, WRITE],
        vec![PARTIES, READ, WRITE, FROM_READ, FROM_WRITE],
    ]
}

#[tokio::test]
async fn to_others_every_endpoint_times_every_scope_set() {
    for case in cases() {
        for scopes in scope_sets() {
            // A fresh server per cell, so a write of one cell cannot change another.
            let s = server().await;
            let t = su_token(&s, &scopes);
            let q = query(&case);
            let u = if case.name == "E1" {
                format!(
                    "{}/accessmanagement/api/v1/enduser/authorizedparties",
                    s.uri()
                )
            } else {
                url(&s, case.path, &q)
            };
            let a = send(case.method.clone(), &u, Some(&t), body(&case)).await;
            let want = if allowed(case.kind, &scopes, false) {
                case.ok
            } else {
                403
            };
            assert_eq!(a.status, want, "{} with {scopes:?}: {}", case.name, a.text);
        }
    }
}

#[tokio::test]
async fn from_others_bidirectional_endpoints_need_the_from_others_scopes() {
    // The demo organisation as receiver: party = to = ORG (it receives nothing, so reads are
    // empty and deletes have nothing to do, but the scope decides first).
    let o = org();
    for case in cases()
        .into_iter()
        .filter(|c| matches!(c.kind, Kind::BidirRead | Kind::BidirWrite))
    {
        for scopes in scope_sets() {
            let s = server().await;
            let t = su_token(&s, &scopes);
            let mut q = format!("party={o}&to={o}&from={}", demo::OTHER_ORG_UUID);
            match case.name {
                "E7" => q.push_str("&package=posttjenester"),
                "E10" | "E14" => q.push_str(&format!("&resource={}", demo::RESOURCE_ID)),
                "E16" => q.push_str("&rolecode=utinn"),
                _ => {}
            }
            let a = send(case.method.clone(), url(&s, case.path, &q), Some(&t), None).await;
            let want = if allowed(case.kind, &scopes, true) {
                case.ok
            } else {
                403
            };
            assert_eq!(
                a.status, want,
                "{} from others with {scopes:?}: {}",
                case.name, a.text
            );
        }
    }
}

#[tokio::test]
async fn the_portal_scope_satisfies_every_enduser_policy() {
    let s = server().await;
    let t = su_token(&s, &["altinn:portal/enduser"]);
    let a = get(url(&s, "connections", &own("")), &t).await;
    assert_eq!(a.status, 200);
    let e1 = get(
        format!(
            "{}/accessmanagement/api/v1/enduser/authorizedparties",
            s.uri()
        ),
        &t,
    )
    .await;
    // E1 accepts the portal scope too (§2.3).
    assert_eq!(e1.status, 200);
    let none = su_token(&s, &["altinn:enduser"]);
    assert_eq!(
        get(url(&s, "connections", &own("")), &none).await.status,
        403
    );
}
