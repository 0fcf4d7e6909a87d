//! Property test: random sequences of adding and removing right holders, packages and right
//! keys through the enduser API keep the world's invariants: no package or right on a party
//! without a connection (system users get their link with the first package), deletes are
//! idempotent, and E2, E5, E9 and E15 agree with one another.

mod common3;

use std::collections::BTreeSet;

use common3::*;
use proptest::prelude::*;
use serde_json::{Value, json};
use tilgang_mock::{MockServer, demo};

/// The parties the sequences act on: a right holder, an organisation, a system user without
/// a link, and a person in the profile register without a connection.
const TARGETS: [&str; 4] = [
    demo::PERSON_UUID,
    demo::ORG_RECEIVER_UUID,
    demo::SYSTEM_USER_2_ID,
    demo::PROFILE_PERSON_UUID,
];
const PACKAGES: [&str; 2] = [demo::PACKAGE_POSTTJENESTER, demo::PACKAGE_REGNSKAP];

#[derive(Debug, Clone)]
enum Op {
    AddHolder(usize),
    AddPerson,
    RemoveHolder(usize, bool),
    GivePackage(usize, usize),
    RemovePackage(usize, usize),
    GiveRead(usize),
    RemoveResource(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..4usize).prop_map(Op::AddHolder),
        Just(Op::AddPerson),
        (0..4usize, any::<bool>()).prop_map(|(t, c)| Op::RemoveHolder(t, c)),
        (0..4usize, 0..2usize).prop_map(|(t, p)| Op::GivePackage(t, p)),
        (0..4usize, 0..2usize).prop_map(|(t, p)| Op::RemovePackage(t, p)),
        (0..4usize).prop_map(Op::GiveRead),
        (0..4usize).prop_map(Op::RemoveResource),
    ]
}

fn pair(to: &str, extra: &str) -> String {
    let o = org();
    format!("party={o}&from={o}&to={to}{extra}")
}

/// Runs one operation; a delete is run twice and must answer 204 both times without the
/// second changing anything.
async fn run(s: &MockServer, t: &str, op: &Op) {
    let o = org();
    match op {
        Op::AddHolder(i) => {
            post(
                url(s, "connections", &format!("party={o}&to={}", TARGETS[*i])),
                t,
                None,
            )
            .await;
        }
        Op::AddPerson => {
            let body = json!({"personIdentifier": demo::PROFILE_PERSON_FNR, "lastName": demo::PROFILE_PERSON_LAST_NAME});
            let a = post(url(s, "connections", &format!("party={o}")), t, Some(body)).await;
            assert_eq!(a.status, 200, "{}", a.text);
        }
        Op::GivePackage(i, p) => {
            let q = format!("party={o}&to={}&package={}", TARGETS[*i], PACKAGES[*p]);
            post(url(s, "connections/accesspackages", &q), t, None).await;
        }
        Op::GiveRead(i) => {
            let q = format!(
                "party={o}&to={}&resource={}",
                TARGETS[*i],
                demo::RESOURCE_ID
            );
            let body = json!({"directRightKeys": [key("read")]});
            post(url(s, "connections/resources/rights", &q), t, Some(body)).await;
        }
        Op::RemoveHolder(i, cascade) => {
            let u = url(
                s,
                "connections",
                &pair(TARGETS[*i], &format!("&cascade={cascade}")),
            );
            idempotent(s, t, &u).await;
        }
        Op::RemovePackage(i, p) => {
            let q = pair(TARGETS[*i], &format!("&package={}", PACKAGES[*p]));
            idempotent(s, t, &url(s, "connections/accesspackages", &q)).await;
        }
        Op::RemoveResource(i) => {
            let q = pair(TARGETS[*i], &format!("&resource={}", demo::RESOURCE_ID));
            idempotent(s, t, &url(s, "connections/resources", &q)).await;
        }
    }
}

async fn idempotent(s: &MockServer, t: &str, u: &str) {
    let first = delete(u, t).await;
    if first.status != 204 {
        // Only a link that still holds something without cascade may refuse.
        first.invalid(&[("AM.VLD-00010", &["QUERY/cascade"])]);
        return;
    }
    let before = s.world();
    assert_eq!(delete(u, t).await.status, 204);
    assert_eq!(s.world(), before, "a repeated delete changed the world");
}

fn set(v: &Value, f: impl Fn(&Value) -> Option<String>) -> BTreeSet<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(&f).collect())
        .unwrap_or_default()
}

async fn check(s: &MockServer, t: &str) {
    s.world().check().expect("the world stays consistent");
    for target in TARGETS {
        let e2 = get(
            url(
                s,
                "connections",
                &pair(target, "&includeAccessPackages=true&includeResources=true"),
            ),
            t,
        )
        .await
        .json();
        let e5 = get(url(s, "connections/accesspackages", &pair(target, "")), t)
            .await
            .json();
        let e9 = get(url(s, "connections/resources", &pair(target, "")), t)
            .await
            .json();
        let e15 = get(url(s, "connections/roles", &pair(target, "")), t)
            .await
            .json();
        let entries = e2["data"].as_array().unwrap();
        assert!(entries.len() <= 1);
        let connected = !entries.is_empty();
        let direct_packages = set(&e5["data"], |p| {
            p["permissions"]
                .as_array()?
                .iter()
                .any(|perm| {
                    perm["reason"]["flag"] == 1 && perm["role"]["code"] == "rettighetshaver"
                })
                .then(|| p["package"]["urn"].as_str().unwrap().to_owned())
        });
        let resources = set(&e9, |r| r["resource"]["refId"].as_str().map(str::to_owned));
        let roles = set(&e15["data"], |r| {
            r["role"]["code"].as_str().map(str::to_owned)
        });
        // Nothing is held without a connection.
        if !connected {
            assert!(
                direct_packages.is_empty(),
                "{target}: packages without a link"
            );
            assert!(resources.is_empty(), "{target}: rights without a link");
            assert!(roles.is_empty(), "{target}: roles without a link");
            continue;
        }
        let e2_packages = set(&entries[0]["packages"], |p| {
            p["urn"].as_str().map(str::to_owned)
        });
        let e2_resources = set(&entries[0]["resources"], |r| {
            r["refId"].as_str().map(str::to_owned)
        });
        let e2_roles = set(&entries[0]["roles"], |r| {
            r["code"].as_str().map(str::to_owned)
        });
        assert_eq!(e2_packages, direct_packages, "{target}: E2 and E5 disagree");
        assert_eq!(e2_resources, resources, "{target}: E2 and E9 disagree");
        assert!(e2_roles.is_subset(&roles), "{target}: E2 and E15 disagree");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn sequences_keep_the_invariants(ops in proptest::collection::vec(op(), 1..8)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let s = server().await;
            let t = all(&s);
            for op in &ops {
                run(&s, &t, op).await;
                check(&s, &t).await;
            }
        });
    }
}
