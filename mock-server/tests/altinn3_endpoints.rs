//! The Altinn 3 enduser API through real HTTP (`shared/spec/altinn3-accessmanagement.md`
//! §2.3): each endpoint's success, and each problem code it can return, checking status,
//! code, validation paths, and that a refused request changed nothing.

mod common3;

use common3::*;
use serde_json::{Value, json};
use tilgang_mock::{MockServer, demo, world::altinn3::RETTIGHETSHAVER_ROLE_ID};

/// Runs a refused request and checks the world is as before.
async fn unchanged<F, Fut>(server: &MockServer, f: F) -> Answer
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Answer>,
{
    let before = server.world();
    let answer = f().await;
    assert_eq!(
        server.world(),
        before,
        "a refused request changed the world"
    );
    answer
}

fn codes(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p["package"]["urn"]
                .as_str()
                .unwrap()
                .trim_start_matches("urn:altinn:accesspackage:")
                .to_owned()
        })
        .collect()
}

// --- Authentication and authorization (§2.1) -------------------------------------------

#[tokio::test]
async fn no_token_is_401_with_an_empty_body() {
    let s = server().await;
    let a = send(
        reqwest::Method::GET,
        &url(&s, "connections", &own("")),
        None,
        None,
    )
    .await;
    assert_eq!(a.status, 401);
    assert!(a.text.is_empty());
}

#[tokio::test]
async fn an_expired_token_is_401_on_the_mock_clock() {
    let s = server().await;
    let t = all(&s);
    assert_eq!(get(url(&s, "connections", &own("")), &t).await.status, 200);
    s.clock().advance(std::time::Duration::from_secs(3601));
    let a = get(url(&s, "connections", &own("")), &t).await;
    assert_eq!(a.status, 401);
    assert!(a.text.is_empty());
}

#[tokio::test]
async fn a_system_user_that_is_no_access_manager_gets_403() {
    let s = server().await;
    let t = token_of(&s, demo::SYSTEM_USER_2_ID, &[READ, WRITE]);
    let a = get(url(&s, "connections", &own("")), &t).await;
    assert_eq!(a.status, 403);
    assert!(a.text.is_empty());
}

// --- E1 ------------------------------------------------------------------------------------

#[tokio::test]
async fn e1_lists_the_customer_with_its_packages() {
    let s = server().await;
    let a = get(
        &format!(
            "{}/accessmanagement/api/v1/enduser/authorizedparties?includeAccessPackages=true",
            s.uri()
        ),
        all(&s),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let body = a.json();
    assert!(body["links"]["next"].is_null());
    let party = &body["data"][0];
    assert_eq!(party["partyUuid"], demo::ORG_UUID);
    assert_eq!(party["organizationNumber"], demo::ORG);
    assert_eq!(party["type"], "Organization");
    assert_eq!(
        party["authorizedAccessPackages"],
        json!([
            "posttjenester",
            "regnskap-okonomi-rapport",
            "tilgangsstyrer"
        ])
    );
    assert_eq!(party["authorizedRoles"], json!([]));
}

#[tokio::test]
async fn e1_without_a_system_user_is_401_unknown_user_type() {
    let s = server().await;
    let t = s.mint_altinn_token(
        None,
        demo::ORG,
        &[PARTIES],
        s.clock().now() + std::time::Duration::from_secs(60),
    );
    let a = get(
        &format!(
            "{}/accessmanagement/api/v1/enduser/authorizedparties",
            s.uri()
        ),
        &t,
    )
    .await;
    assert_eq!(a.status, 401);
    assert_eq!(a.json(), json!("Unknown user type"));
}

// --- E2 ------------------------------------------------------------------------------------

#[tokio::test]
async fn e2_lists_right_holders_key_role_holders_and_system_users() {
    let s = server().await;
    let a = get(
        url(&s, "connections", &own("includeAccessPackages=true")),
        all(&s),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let body = a.json();
    let ids: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["party"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![
            demo::PERSON_UUID,
            demo::DAGL_PERSON_UUID,
            demo::SYSTEM_USER_ID
        ]
    );
    let kari = &body["data"][1];
    assert_eq!(kari["roles"][0]["code"], "daglig-leder");
    assert_eq!(kari["roles"][0]["legacyurn "], "urn:altinn:rolecode:dagl");
    assert_eq!(kari["roles"][1]["code"], "utinn");
    assert_eq!(kari["party"]["personIdentifier"], demo::DAGL_PERSON_FNR);
    let su = &body["data"][2];
    assert_eq!(su["party"]["type"], "Systembruker");
    assert_eq!(su["packages"].as_array().unwrap().len(), 3);
    assert!(su["party"]["children"].is_null());
}

#[tokio::test]
async fn e2_answers_from_its_cache_only_while_the_world_is_unchanged_and_to_those_allowed() {
    let s = server().await;
    let t = all(&s);
    let list = url(&s, "connections", &own(""));
    let holders = |a: &Answer| a.json()["data"].as_array().unwrap().len();
    let first = get(&list, &t).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(get(&list, &t).await.text, first.text, "the cached answer");
    // A cached answer is never given to a caller who may not read it.
    let other = token_of(&s, demo::SYSTEM_USER_2_ID, &[READ, WRITE]);
    assert_eq!(get(&list, &other).await.status, 403);
    // A change makes the next listing fresh.
    let added = post(e3(&s, &format!("to={}", demo::ORG_RECEIVER_UUID)), &t, None).await;
    assert_eq!(added.status, 200, "{}", added.text);
    let after = get(&list, &t).await;
    assert_eq!(holders(&after), holders(&first) + 1);
    assert!(after.text.contains(demo::ORG_RECEIVER_UUID));
}

#[tokio::test]
async fn e17_lists_the_right_holders_simplified_and_needs_the_write_scope() {
    let s = server().await;
    let users = url(&s, "connections/users", &format!("party={}", org()));
    let a = get(&users, all(&s)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let body = a.json();
    let ids: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["party"]["id"].as_str().unwrap())
        .collect();
    // The right holders only: the general manager holds her access through key roles.
    assert_eq!(ids, vec![demo::PERSON_UUID, demo::SYSTEM_USER_ID]);
    let first = &body["data"][0];
    assert_eq!(first["party"]["type"], "Person");
    assert!(first["party"].get("personIdentifier").is_none(), "{first}");
    assert_eq!(first["connections"], json!([]));
    assert!(body["links"].is_object());
    // Reading needs the write scope (E17 is for those who delegate).
    let read_only = su_token(&s, &[READ]);
    assert_eq!(get(&users, &read_only).await.status, 403);
    // A new right holder shows at once.
    let added = post(
        e3(&s, &format!("to={}", demo::ORG_RECEIVER_UUID)),
        all(&s),
        None,
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.text);
    let after = get(&users, all(&s)).await.json();
    assert_eq!(after["data"].as_array().unwrap().len(), 3, "{after}");
}

#[tokio::test]
async fn e2_an_unknown_to_gives_an_empty_list() {
    let s = server().await;
    let q = own("to=0fffffff-0000-4000-8000-000000000000");
    let a = get(url(&s, "connections", &q), all(&s)).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["data"], json!([]));
}

#[tokio::test]
async fn e2_a_to_of_a_wrong_type_is_am_vld_00008() {
    let s = server().await;
    let q = own(&format!("to={}", demo::ENTERPRISE_USER_UUID));
    let a = get(url(&s, "connections", &q), all(&s)).await;
    let body = a.invalid(&[("AM.VLD-00008", &["QUERY/to"])]);
    assert_eq!(
        body["validationErrors"][0]["type"],
        "Got 'Virksomhetbruker', expected one of: 'Organisasjon,Person,Systembruker'."
    );
}

#[tokio::test]
async fn e2_a_malformed_guid_is_a_binding_problem() {
    let s = server().await;
    let a = get(url(&s, "connections", &own("to=nope")), all(&s)).await;
    assert_eq!(a.status, 400);
    let body = a.json();
    assert!(body.get("code").is_none());
    assert_eq!(body["errors"]["to"][0], "The value 'nope' is not valid.");
}

// --- E3 ------------------------------------------------------------------------------------

fn e3(s: &MockServer, extra: &str) -> String {
    let q = if extra.is_empty() {
        format!("party={}", org())
    } else {
        format!("party={}&{extra}", org())
    };
    url(s, "connections", &q)
}

#[tokio::test]
async fn e3_adds_an_organisation_and_answers_the_same_link_again() {
    let s = server().await;
    let t = all(&s);
    let a = post(e3(&s, &format!("to={}", demo::ORG_RECEIVER_UUID)), &t, None).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let first = a.json();
    assert_eq!(first["roleId"], RETTIGHETSHAVER_ROLE_ID);
    assert_eq!(first["fromId"], demo::ORG_UUID);
    assert_eq!(first["toId"], demo::ORG_RECEIVER_UUID);
    let again = post(e3(&s, &format!("to={}", demo::ORG_RECEIVER_UUID)), &t, None).await;
    assert_eq!(again.json(), first);
}

#[tokio::test]
async fn e3_adds_a_person_found_by_number_and_last_name() {
    let s = server().await;
    let body = json!({"PersonIdentifier": demo::PROFILE_PERSON_FNR, "lastname": "mossigesen"});
    let a = post(e3(&s, ""), all(&s), Some(body)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json()["toId"], demo::PROFILE_PERSON_UUID);
}

#[tokio::test]
async fn e3_an_unknown_to_is_am_vld_00006() {
    let s = server().await;
    let a = unchanged(&s, || {
        post(
            e3(&s, "to=0fffffff-0000-4000-8000-000000000000"),
            all(&s),
            None,
        )
    })
    .await;
    a.invalid(&[("AM.VLD-00006", &["QUERY/to"])]);
}

#[tokio::test]
async fn e3_a_person_without_a_connection_by_to_is_am_vld_00006() {
    let s = server().await;
    let q = format!("to={}", demo::PROFILE_PERSON_UUID);
    let a = unchanged(&s, || post(e3(&s, &q), all(&s), None)).await;
    a.invalid(&[("AM.VLD-00006", &["QUERY/to"])]);
}

#[tokio::test]
async fn e3_empty_person_fields_are_std_vld_00000() {
    let s = server().await;
    let body = json!({"personIdentifier": "", "lastName": " "});
    let a = unchanged(&s, || post(e3(&s, ""), all(&s), Some(body))).await;
    let body = a.invalid(&[
        ("STD.VLD-00000", &["/PersonIdentifier"]),
        ("STD.VLD-00000", &["/LastName"]),
    ]);
    assert!(
        body["validationErrors"][0]
            .get("personIdentifier")
            .is_some()
    );
    assert!(body["validationErrors"][1].get("lastName").is_some());
}

#[tokio::test]
async fn e3_neither_to_nor_person_is_std_vld_00000_on_all_three() {
    let s = server().await;
    let a = unchanged(&s, || post(e3(&s, ""), all(&s), None)).await;
    let body = a.invalid(&[(
        "STD.VLD-00000",
        &["QUERY/to", "/PersonIdentifier", "/LastName"],
    )]);
    assert!(body["validationErrors"][0].get("params").is_some());
}

#[tokio::test]
async fn e3_a_name_mismatch_is_am_vld_00034() {
    let s = server().await;
    let body = json!({"personIdentifier": demo::PROFILE_PERSON_FNR, "lastName": "Hansen"});
    let a = unchanged(&s, || post(e3(&s, ""), all(&s), Some(body))).await;
    let body = a.invalid(&[("AM.VLD-00034", &["/PersonIdentifier", "/LastName"])]);
    assert_eq!(
        body["validationErrors"][0]["personInput"],
        "PersonInput details must match"
    );
}

#[tokio::test]
async fn e3_a_person_outside_access_management_is_am_vld_00034() {
    let s = server().await;
    let outsider = s
        .world()
        .persons
        .iter()
        .find(|p| p.last_name == "TESTESEN")
        .unwrap()
        .ssn
        .clone();
    let body = json!({"personIdentifier": outsider, "lastName": "testesen"});
    let a = unchanged(&s, || post(e3(&s, ""), all(&s), Some(body))).await;
    let body = a.invalid(&[("AM.VLD-00034", &["/PersonIdentifier", "/LastName"])]);
    assert_eq!(
        body["validationErrors"][0]["personInput"],
        "person was found in profile register, but not in AM."
    );
}

#[tokio::test]
async fn e3_a_deceased_person_is_am_vld_00034() {
    let mut w = tilgang_mock::World::demo();
    for p in &mut w.altinn3.persons {
        if p.uuid.to_string() == demo::PROFILE_PERSON_UUID {
            p.date_of_death = Some("2029-12-01".into());
        }
    }
    let s = server_with(w).await;
    let body = json!({"personIdentifier": demo::PROFILE_PERSON_FNR, "lastName": demo::PROFILE_PERSON_LAST_NAME});
    let a = unchanged(&s, || post(e3(&s, ""), all(&s), Some(body))).await;
    let body = a.invalid(&[("AM.VLD-00034", &["/PersonIdentifier", "/LastName"])]);
    assert!(
        body["validationErrors"][0]["personInput"]
            .as_str()
            .unwrap()
            .contains("deceased")
    );
}

#[tokio::test]
async fn e3_a_recipient_of_a_wrong_type_is_am_vld_00008() {
    let s = server().await;
    let q = format!("to={}", demo::ENTERPRISE_USER_UUID);
    let a = unchanged(&s, || post(e3(&s, &q), all(&s), None)).await;
    a.invalid(&[("AM.VLD-00008", &["QUERY/to"])]);
}

#[tokio::test]
async fn e3_two_failed_lookups_within_an_hour_give_429_for_every_system_user() {
    let s = server().await;
    let wrong = json!({"personIdentifier": demo::PROFILE_PERSON_FNR, "lastName": "Feil"});
    let right = json!({"personIdentifier": demo::PROFILE_PERSON_FNR, "lastName": demo::PROFILE_PERSON_LAST_NAME});
    for _ in 0..2 {
        assert_eq!(
            post(e3(&s, ""), all(&s), Some(wrong.clone())).await.status,
            400
        );
    }
    // The third attempt is refused even with correct data, and the counter is shared.
    let a = unchanged(&s, || post(e3(&s, ""), all(&s), Some(right.clone()))).await;
    let body = a.problem(429, "AM-00026");
    assert_eq!(body["detail"], "There has been too many failed lookups");
    s.clock().advance(std::time::Duration::from_secs(3601));
    assert_eq!(post(e3(&s, ""), all(&s), Some(right)).await.status, 200);
}

// --- E4 ------------------------------------------------------------------------------------

fn pair(to: &str, extra: &str) -> String {
    let o = org();
    if extra.is_empty() {
        format!("party={o}&from={o}&to={to}")
    } else {
        format!("party={o}&from={o}&to={to}&{extra}")
    }
}

#[tokio::test]
async fn e4_removes_a_right_holder_and_is_idempotent() {
    let s = server().await;
    let t = all(&s);
    let u = url(&s, "connections", &pair(demo::PERSON_UUID, ""));
    assert_eq!(delete(&u, &t).await.status, 204);
    assert_eq!(delete(&u, &t).await.status, 204);
    let list = get(url(&s, "connections", &own("")), &t).await.json();
    assert!(!list.to_string().contains(demo::PERSON_UUID));
}

#[tokio::test]
async fn e4_a_link_with_packages_without_cascade_is_am_vld_00010() {
    let s = server().await;
    let t = all(&s);
    let give = url(
        &s,
        "connections/accesspackages",
        &format!(
            "party={}&to={}&package=posttjenester",
            org(),
            demo::PERSON_UUID
        ),
    );
    let row = post(&give, &t, None).await.json();
    let u = url(&s, "connections", &pair(demo::PERSON_UUID, ""));
    let a = unchanged(&s, || delete(&u, &t)).await;
    let body = a.invalid(&[("AM.VLD-00010", &["QUERY/cascade"])]);
    assert_eq!(
        body["validationErrors"][0]["packages"],
        format!(
            "following packages have active assignments [{}].",
            row["id"].as_str().unwrap()
        )
    );
    let cascade = url(&s, "connections", &pair(demo::PERSON_UUID, "cascade=true"));
    assert_eq!(delete(&cascade, &t).await.status, 204);
}

#[tokio::test]
async fn e4_an_unknown_to_is_am_vld_00006() {
    let s = server().await;
    let u = url(
        &s,
        "connections",
        &pair("0fffffff-0000-4000-8000-000000000000", ""),
    );
    let a = unchanged(&s, || delete(&u, all(&s))).await;
    a.invalid(&[("AM.VLD-00006", &["QUERY/to"])]);
}

#[tokio::test]
async fn e4_a_to_of_a_wrong_type_is_am_vld_00008() {
    let s = server().await;
    let u = url(&s, "connections", &pair(demo::ENTERPRISE_USER_UUID, ""));
    let a = unchanged(&s, || delete(&u, all(&s))).await;
    a.invalid(&[("AM.VLD-00008", &["QUERY/to"])]);
}

// --- E5 ------------------------------------------------------------------------------------

#[tokio::test]
async fn e5_lists_direct_and_key_role_packages() {
    let s = server().await;
    let t = all(&s);
    let su = get(
        url(
            &s,
            "connections/accesspackages",
            &pair(demo::SYSTEM_USER_ID, ""),
        ),
        &t,
    )
    .await
    .json();
    assert_eq!(
        codes(&su),
        vec![
            "tilgangsstyrer",
            "posttjenester",
            "regnskap-okonomi-rapport"
        ]
    );
    assert_eq!(su["data"][0]["permissions"][0]["reason"]["flag"], 1);
    let kari = get(
        &url(
            &s,
            "connections/accesspackages",
            &pair(demo::DAGL_PERSON_UUID, ""),
        ),
        &t,
    )
    .await
    .json();
    let first = &kari["data"][0];
    assert_eq!(
        first["package"]["urn"],
        "urn:altinn:accesspackage:tilgangsstyrer"
    );
    assert_eq!(
        first["permissions"][0]["reason"]["items"][0]["name"],
        "keyrole"
    );
    assert_eq!(first["permissions"][0]["role"]["code"], "daglig-leder");
}

#[tokio::test]
async fn e5_a_to_of_a_wrong_type_is_am_vld_00008() {
    let s = server().await;
    let u = url(
        &s,
        "connections/accesspackages",
        &pair(demo::ENTERPRISE_USER_UUID, ""),
    );
    get(&u, all(&s))
        .await
        .invalid(&[("AM.VLD-00008", &["QUERY/to"])]);
}

// --- E6 ------------------------------------------------------------------------------------

fn e6(s: &MockServer, to: &str, package: &str) -> String {
    url(
        s,
        "connections/accesspackages",
        &format!("party={}&to={to}&package={package}", org()),
    )
}

#[tokio::test]
async fn e6_gives_a_package_it_holds_and_answers_the_same_row_again() {
    let s = server().await;
    let t = all(&s);
    let a = post(
        e6(
            &s,
            demo::PERSON_UUID,
            "urn:altinn:accesspackage:posttjenester",
        ),
        &t,
        None,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let first = a.json();
    assert_eq!(first["assignmentId"], demo::PERSON_LINK_ID);
    assert_eq!(first["packageId"], "a736c33b-c15a-43ac-85be-a684630e1e59");
    let again = post(e6(&s, demo::PERSON_UUID, ":posttjenester"), &t, None).await;
    assert_eq!(again.json(), first);
}

#[tokio::test]
async fn e6_to_a_system_user_creates_the_right_holder_link() {
    let s = server().await;
    let t = all(&s);
    let a = post(e6(&s, demo::SYSTEM_USER_2_ID, "posttjenester"), &t, None).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let link = get(
        url(&s, "connections", &pair(demo::SYSTEM_USER_2_ID, "")),
        &t,
    )
    .await
    .json();
    assert_eq!(link["data"][0]["roles"][0]["code"], "rettighetshaver");
}

#[tokio::test]
async fn e6_an_unknown_package_is_am_vld_00011() {
    let s = server().await;
    let a = unchanged(&s, || {
        post(e6(&s, demo::PERSON_UUID, "finnes-ikke"), all(&s), None)
    })
    .await;
    let body = a.invalid(&[("AM.VLD-00011", &["QUERY/package"])]);
    assert!(body["validationErrors"][0].get("packages").is_some());
}

#[tokio::test]
async fn e6_without_to_is_am_vld_00006() {
    let s = server().await;
    let u = url(
        &s,
        "connections/accesspackages",
        &format!("party={}&package=posttjenester", org()),
    );
    let a = unchanged(&s, || post(&u, all(&s), None)).await;
    a.invalid(&[("AM.VLD-00006", &["QUERY/to"])]);
}

#[tokio::test]
async fn e6_a_to_of_a_wrong_type_is_am_vld_00008() {
    let s = server().await;
    let a = unchanged(&s, || {
        post(
            e6(&s, demo::ENTERPRISE_USER_UUID, "posttjenester"),
            all(&s),
            None,
        )
    })
    .await;
    a.invalid(&[("AM.VLD-00008", &["QUERY/to"])]);
}

#[tokio::test]
async fn e6_without_a_connection_is_am_00022() {
    let s = server().await;
    let a = unchanged(&s, || {
        post(
            e6(&s, demo::PROFILE_PERSON_UUID, "posttjenester"),
            all(&s),
            None,
        )
    })
    .await;
    a.problem(400, "AM-00022");
}

#[tokio::test]
async fn e6_a_person_package_from_an_organisation_is_am_00041() {
    let s = server().await;
    let a = unchanged(&s, || {
        post(
            e6(&s, demo::PERSON_UUID, demo::PACKAGE_PERSON),
            all(&s),
            None,
        )
    })
    .await;
    a.problem(400, "AM-00041");
}

#[tokio::test]
async fn e6_a_package_the_system_user_does_not_hold_is_am_vld_00026() {
    let s = server().await;
    let a = unchanged(&s, || {
        post(
            e6(&s, demo::PERSON_UUID, demo::PACKAGE_NOT_HELD),
            all(&s),
            None,
        )
    })
    .await;
    let body = a.invalid(&[("AM.VLD-00026", &["QUERY/packageId"])]);
    assert!(body["validationErrors"][0].get("packages").is_some());
}

#[tokio::test]
async fn e6_hovedadministrator_to_an_organisation_is_am_vld_00028() {
    let mut w = tilgang_mock::World::demo();
    // The system user may hand out hovedadministrator, and the receiver is a right holder.
    for a in &mut w.altinn3.assignments {
        if a.id.to_string() == demo::SYSTEM_USER_LINK_ID {
            a.packages
                .push(tilgang_mock::world::altinn3::AssignedPackage {
                    id: demo::uuid("0199a1b2-c3d4-7e5f-8a6b-0000000000ff"),
                    package: "hovedadministrator".into(),
                });
        }
    }
    let s = server_with(w).await;
    let t = all(&s);
    post(e3(&s, &format!("to={}", demo::ORG_RECEIVER_UUID)), &t, None).await;
    let a = unchanged(&s, || {
        post(
            e6(&s, demo::ORG_RECEIVER_UUID, "hovedadministrator"),
            &t,
            None,
        )
    })
    .await;
    let body = a.invalid(&[("AM.VLD-00028", &["QUERY/packageId"])]);
    assert!(body["validationErrors"][0].get("Packages").is_some());
}

// --- E7 ------------------------------------------------------------------------------------

#[tokio::test]
async fn e7_removes_a_package_and_is_idempotent() {
    let s = server().await;
    let t = all(&s);
    post(e6(&s, demo::PERSON_UUID, "posttjenester"), &t, None).await;
    let u = url(
        &s,
        "connections/accesspackages",
        &pair(demo::PERSON_UUID, "package=posttjenester"),
    );
    assert_eq!(delete(&u, &t).await.status, 204);
    assert_eq!(delete(&u, &t).await.status, 204);
    let left = get(
        url(
            &s,
            "connections/accesspackages",
            &pair(demo::PERSON_UUID, ""),
        ),
        &t,
    )
    .await
    .json();
    assert_eq!(left["data"], json!([]));
}

#[tokio::test]
async fn e7_without_a_package_is_am_vld_00011() {
    let s = server().await;
    let u = url(
        &s,
        "connections/accesspackages",
        &pair(demo::PERSON_UUID, ""),
    );
    let a = unchanged(&s, || delete(&u, all(&s))).await;
    a.invalid(&[("AM.VLD-00011", &["QUERY/package"])]);
}

#[tokio::test]
async fn e7_an_unknown_to_is_am_vld_00006() {
    let s = server().await;
    let u = url(
        &s,
        "connections/accesspackages",
        &pair(
            "0fffffff-0000-4000-8000-000000000000",
            "package=posttjenester",
        ),
    );
    let a = unchanged(&s, || delete(&u, all(&s))).await;
    a.invalid(&[("AM.VLD-00006", &["QUERY/to"])]);
}

// --- E8 ------------------------------------------------------------------------------------

#[tokio::test]
async fn e8_checks_every_org_package_and_filters() {
    let s = server().await;
    let t = all(&s);
    let everything = get(
        &url(
            &s,
            "connections/accesspackages/delegationcheck",
            &format!("party={}", org()),
        ),
        &t,
    )
    .await
    .json();
    let org_packages = s
        .world()
        .altinn3
        .packages
        .iter()
        .filter(|p| p.entity_type == tilgang_mock::world::altinn3::PackageEntityType::Org)
        .count();
    assert_eq!(everything["data"].as_array().unwrap().len(), org_packages);
    let q = format!(
        "party={}&packages=posttjenester&packages=skattegrunnlag",
        org()
    );
    let some = get(
        url(&s, "connections/accesspackages/delegationcheck", &q),
        &t,
    )
    .await
    .json();
    assert_eq!(some["data"][0]["result"], true);
    assert_eq!(
        some["data"][0]["reasons"][0]["description"],
        "Direct-AssignmentPackage"
    );
    assert_eq!(some["data"][1]["result"], false);
    assert_eq!(some["data"][1]["reasons"][0]["description"], "NoAccess");
}

#[tokio::test]
async fn e8_an_unknown_packages_value_is_am_vld_00009() {
    let s = server().await;
    let q = format!("party={}&packages=finnes-ikke", org());
    let a = get(
        url(&s, "connections/accesspackages/delegationcheck", &q),
        all(&s),
    )
    .await;
    a.invalid(&[("AM.VLD-00009", &["QUERY/package"])]);
}

#[tokio::test]
async fn e8_a_package_id_of_the_wrong_type_is_am_00041() {
    let s = server().await;
    let q = format!(
        "party={}&packageIds=6b4c19ff-250a-4625-a4f7-d9684db537f4",
        org()
    );
    let a = get(
        url(&s, "connections/accesspackages/delegationcheck", &q),
        all(&s),
    )
    .await;
    a.problem(400, "AM-00041");
}

// --- E9–E14 ----------------------------------------------------------------------------------

fn rights_url(s: &MockServer, to: &str, resource: &str) -> String {
    url(
        s,
        "connections/resources/rights",
        &format!("party={}&to={to}&resource={resource}", org()),
    )
}

#[tokio::test]
async fn e11_read_is_delegable_through_a_package_and_write_is_not() {
    let s = server().await;
    let q = format!("party={}&resource={}", org(), demo::RESOURCE_ID);
    let a = get(
        url(&s, "connections/resources/delegationcheck", &q),
        all(&s),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let body = a.json();
    assert_eq!(body["resource"]["refId"], demo::RESOURCE_ID);
    assert_eq!(body["resource"]["type"]["name"], "GenericAccessResource");
    assert_eq!(body["rights"][0]["right"]["key"], key("read"));
    assert_eq!(body["rights"][0]["right"]["name"], "Les");
    assert_eq!(body["rights"][0]["result"], true);
    assert_eq!(body["rights"][0]["reasonCodes"], json!(["PackageAccess"]));
    assert_eq!(body["rights"][1]["result"], false);
    assert_eq!(
        body["rights"][1]["reasonCodes"],
        json!([
            "MissingPackageAccess",
            "MissingRoleAccess",
            "MissingDelegationAccess"
        ])
    );
}

#[tokio::test]
async fn e11_a_non_delegable_resource_says_so() {
    let s = server().await;
    let q = format!(
        "party={}&resource={}",
        org(),
        demo::NON_DELEGABLE_RESOURCE_ID
    );
    let body = get(
        url(&s, "connections/resources/delegationcheck", &q),
        all(&s),
    )
    .await
    .json();
    assert_eq!(body["rights"][0]["result"], false);
    assert_eq!(
        body["rights"][0]["reasonCodes"],
        json!(["ResourceNotDelegable"])
    );
}

#[tokio::test]
async fn e11_an_unknown_resource_is_am_00027() {
    let s = server().await;
    let q = format!("party={}&resource=ttd-ukjent", org());
    let body = get(
        url(&s, "connections/resources/delegationcheck", &q),
        all(&s),
    )
    .await
    .problem(400, "AM-00027");
    assert_eq!(body["resource"], "ttd-ukjent");
}

#[tokio::test]
async fn e11_a_resource_without_policy_rights_is_am_00008() {
    let s = server().await;
    let q = format!("party={}&resource={}", org(), demo::NO_POLICY_RESOURCE_ID);
    get(
        url(&s, "connections/resources/delegationcheck", &q),
        all(&s),
    )
    .await
    .problem(400, "AM-00008");
}

#[tokio::test]
async fn e12_e9_e10_e13_e14_round_trip() {
    let s = server().await;
    let t = all(&s);
    let u = rights_url(&s, demo::PERSON_UUID, demo::RESOURCE_ID);
    let a = post(&u, &t, Some(json!({"directRightKeys": [key("read")]}))).await;
    assert_eq!(a.status, 201, "{}", a.text);
    assert!(a.text.is_empty());
    // E9: a bare array.
    let list = get(
        url(&s, "connections/resources", &pair(demo::PERSON_UUID, "")),
        &t,
    )
    .await
    .json();
    assert_eq!(list[0]["resource"]["refId"], demo::RESOURCE_ID);
    assert_eq!(
        list[0]["resource"]["providerId"],
        "00000000-0000-0000-0000-000000000000"
    );
    // E10: a bare object with the direct right.
    let q = pair(
        demo::PERSON_UUID,
        &format!("resource={}", demo::RESOURCE_ID),
    );
    let rights = get(url(&s, "connections/resources/rights", &q), &t)
        .await
        .json();
    assert_eq!(rights["directRights"][0]["right"]["key"], key("read"));
    // E13: replace with nothing clears.
    assert_eq!(
        put(&u, &t, Some(json!({"directRightKeys": []})))
            .await
            .status,
        200
    );
    let list = get(
        url(&s, "connections/resources", &pair(demo::PERSON_UUID, "")),
        &t,
    )
    .await
    .json();
    assert_eq!(list, json!([]));
    // E14: idempotent.
    post(&u, &t, Some(json!({"directRightKeys": [key("read")]}))).await;
    let del = url(&s, "connections/resources", &q);
    assert_eq!(delete(&del, &t).await.status, 204);
    assert_eq!(delete(&del, &t).await.status, 204);
    let rights = get(url(&s, "connections/resources/rights", &q), &t)
        .await
        .json();
    assert_eq!(rights["directRights"], json!([]));
}

#[tokio::test]
async fn e9_an_unknown_resource_is_am_00027() {
    let s = server().await;
    let q = pair(demo::PERSON_UUID, "resource=ttd-ukjent");
    let body = get(url(&s, "connections/resources", &q), all(&s))
        .await
        .problem(400, "AM-00027");
    assert_eq!(body["resource"], "ttd-ukjent");
}

#[tokio::test]
async fn e9_a_to_of_a_wrong_type_is_am_vld_00008() {
    let s = server().await;
    let u = url(
        &s,
        "connections/resources",
        &pair(demo::ENTERPRISE_USER_UUID, ""),
    );
    get(&u, all(&s))
        .await
        .invalid(&[("AM.VLD-00008", &["QUERY/to"])]);
}

#[tokio::test]
async fn e10_an_unknown_resource_is_am_00027() {
    let s = server().await;
    let q = pair(demo::PERSON_UUID, "resource=ttd-ukjent");
    get(url(&s, "connections/resources/rights", &q), all(&s))
        .await
        .problem(400, "AM-00027");
}

#[tokio::test]
async fn e12_an_unknown_resource_is_am_00027() {
    let s = server().await;
    let u = rights_url(&s, demo::PERSON_UUID, "ttd-ukjent");
    let a = unchanged(&s, || {
        post(&u, all(&s), Some(json!({"directRightKeys": [key("read")]})))
    })
    .await;
    a.problem(400, "AM-00027");
}

#[tokio::test]
async fn e12_no_keys_is_am_00033() {
    let s = server().await;
    let u = rights_url(&s, demo::PERSON_UUID, demo::RESOURCE_ID);
    let a = unchanged(&s, || {
        post(&u, all(&s), Some(json!({"directRightKeys": []})))
    })
    .await;
    let body = a.problem(400, "AM-00033");
    assert_eq!(body["detail"], "No right key provided");
}

#[tokio::test]
async fn e12_a_key_the_caller_may_not_give_is_am_00028() {
    let s = server().await;
    let u = rights_url(&s, demo::PERSON_UUID, demo::RESOURCE_ID);
    let body = json!({"directRightKeys": [key("read"), key("write")]});
    let a = unchanged(&s, || post(&u, all(&s), Some(body))).await;
    a.problem(400, "AM-00028");
}

#[tokio::test]
async fn e12_without_a_connection_is_am_00022() {
    let s = server().await;
    let u = rights_url(&s, demo::PROFILE_PERSON_UUID, demo::RESOURCE_ID);
    let a = unchanged(&s, || {
        post(&u, all(&s), Some(json!({"directRightKeys": [key("read")]})))
    })
    .await;
    a.problem(400, "AM-00022");
}

#[tokio::test]
async fn e13_a_key_the_caller_may_not_give_is_am_00028() {
    let s = server().await;
    let u = rights_url(&s, demo::PERSON_UUID, demo::RESOURCE_ID);
    let a = unchanged(&s, || {
        put(
            &u,
            all(&s),
            Some(json!({"directRightKeys": [key("write")]})),
        )
    })
    .await;
    a.problem(400, "AM-00028");
}

#[tokio::test]
async fn e13_an_unknown_resource_is_am_00027() {
    let s = server().await;
    let u = rights_url(&s, demo::PERSON_UUID, "ttd-ukjent");
    let a = unchanged(&s, || {
        put(&u, all(&s), Some(json!({"directRightKeys": []})))
    })
    .await;
    a.problem(400, "AM-00027");
}

#[tokio::test]
async fn e14_an_unknown_resource_is_am_vld_00030() {
    let s = server().await;
    let u = url(
        &s,
        "connections/resources",
        &pair(demo::PERSON_UUID, "resource=ttd-ukjent"),
    );
    let a = unchanged(&s, || delete(&u, all(&s))).await;
    let body = a.invalid(&[("AM.VLD-00030", &["QUERY/resource"])]);
    assert_eq!(
        body["validationErrors"][0]["resources"],
        "No resources with name 'ttd-ukjent' exists."
    );
}

#[tokio::test]
async fn e14_an_unknown_to_is_am_vld_00006() {
    let s = server().await;
    let q = pair(
        "0fffffff-0000-4000-8000-000000000000",
        &format!("resource={}", demo::RESOURCE_ID),
    );
    let a = unchanged(&s, || delete(url(&s, "connections/resources", &q), all(&s))).await;
    a.invalid(&[("AM.VLD-00006", &["QUERY/to"])]);
}

// --- E15, E16 ------------------------------------------------------------------------------

#[tokio::test]
async fn e15_lists_assigned_and_mapped_roles() {
    let s = server().await;
    let body = get(
        url(&s, "connections/roles", &pair(demo::DAGL_PERSON_UUID, "")),
        all(&s),
    )
    .await
    .json();
    let data = body["data"].as_array().unwrap();
    let find = |code: &str| data.iter().find(|r| r["role"]["code"] == code).unwrap();
    assert_eq!(find("daglig-leder")["role"]["isKeyRole"], true);
    assert_eq!(find("daglig-leder")["role"]["isRevocable"], false);
    let utinn = find("utinn");
    assert_eq!(utinn["role"]["isRevocable"], true);
    assert_eq!(utinn["permissions"].as_array().unwrap().len(), 2);
    assert_eq!(find("regna")["role"]["isRevocable"], false);
    assert_eq!(
        find("regna")["permissions"][0]["reason"]["items"][0]["name"],
        "rolemap"
    );
}

#[tokio::test]
async fn e15_without_from_or_to_is_refused_by_the_scope_policy_first() {
    // AM-00023 sits behind the scope policy, which needs party to equal from or to.
    let s = server().await;
    let a = get(
        url(&s, "connections/roles", &format!("party={}", org())),
        all(&s),
    )
    .await;
    assert_eq!(a.status, 403);
}

#[tokio::test]
async fn e15_a_to_of_a_wrong_type_is_am_vld_00008() {
    let s = server().await;
    let u = url(
        &s,
        "connections/roles",
        &pair(demo::ENTERPRISE_USER_UUID, ""),
    );
    get(&u, all(&s))
        .await
        .invalid(&[("AM.VLD-00008", &["QUERY/to"])]);
}

#[tokio::test]
async fn e16_removes_a_direct_altinn2_role_then_refuses_the_mapped_one() {
    let s = server().await;
    let t = all(&s);
    let u = url(
        &s,
        "connections/roles",
        &pair(demo::DAGL_PERSON_UUID, "rolecode=utinn"),
    );
    assert_eq!(delete(&u, &t).await.status, 204);
    let roles = get(
        url(&s, "connections/roles", &pair(demo::DAGL_PERSON_UUID, "")),
        &t,
    )
    .await
    .json();
    let utinn = roles["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"]["code"] == "utinn")
        .unwrap()
        .clone();
    assert_eq!(utinn["role"]["isRevocable"], false);
    // Now held only through the ER role map.
    let a = unchanged(&s, || delete(&u, &t)).await;
    a.problem(400, "AM-00040");
}

#[tokio::test]
async fn e16_nothing_to_remove_is_204() {
    let s = server().await;
    let u = url(
        &s,
        "connections/roles",
        &pair(demo::PERSON_UUID, "rolecode=a0282"),
    );
    assert_eq!(delete(&u, all(&s)).await.status, 204);
}

#[tokio::test]
async fn e16_an_unknown_role_code_is_am_00039() {
    let s = server().await;
    let u = url(
        &s,
        "connections/roles",
        &pair(demo::PERSON_UUID, "rolecode=nope"),
    );
    unchanged(&s, || delete(&u, all(&s)))
        .await
        .problem(400, "AM-00039");
}

#[tokio::test]
async fn e16_a_role_not_from_altinn2_is_am_00040() {
    let s = server().await;
    let u = url(
        &s,
        "connections/roles",
        &pair(demo::DAGL_PERSON_UUID, "rolecode=dagl"),
    );
    unchanged(&s, || delete(&u, all(&s)))
        .await
        .problem(400, "AM-00040");
}

#[tokio::test]
async fn e16_an_unknown_to_is_am_vld_00006() {
    let s = server().await;
    let u = url(
        &s,
        "connections/roles",
        &pair("0fffffff-0000-4000-8000-000000000000", "rolecode=utinn"),
    );
    unchanged(&s, || delete(&u, all(&s)))
        .await
        .invalid(&[("AM.VLD-00006", &["QUERY/to"])]);
}

// --- The metadata API ------------------------------------------------------------------------

#[tokio::test]
async fn the_metadata_api_serves_the_catalogue_without_a_token() {
    let s = server().await;
    let base = format!(
        "{}/accessmanagement/api/v1/meta/info/accesspackages",
        s.uri()
    );
    let c = reqwest::Client::new();
    let p: Value = c
        .get(format!(
            "{base}/package/urn/urn:altinn:accesspackage:tilgangsstyrer"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(p["isAssignable"], true);
    assert_eq!(p["isDelegable"], false);
    let by_id = c
        .get(format!("{base}/package/{}", p["id"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(by_id.status(), 200);
    let missing = c
        .get(format!(
            "{base}/package/0fffffff-0000-4000-8000-000000000000"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let hits: Value = c
        .get(format!("{base}/search?term=regnskap"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(hits.as_array().unwrap().len() >= 2);
    let resources: Value = c
        .get(format!(
            "{base}/package/{}/resources",
            demo::PACKAGE_REGNSKAP
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(resources.to_string().contains(demo::RESOURCE_ID));
    let export: Value = c
        .get(format!("{base}/export"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let area = export[0]["areas"][0]["id"].as_str().unwrap().to_owned();
    let area_packages: Value = c
        .get(format!("{base}/area/{area}/packages"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!area_packages.as_array().unwrap().is_empty());
}

// --- /_mock/ ---------------------------------------------------------------------------------

#[tokio::test]
async fn new_routes_are_counted_logged_and_faulted() {
    let s = server().await;
    let t = all(&s);
    get(url(&s, "connections", &own("")), &t).await;
    assert_eq!(
        s.count("GET /accessmanagement/api/v1/enduser/connections"),
        1
    );
    let logged = s.requests();
    let last = logged.last().unwrap();
    assert_eq!(
        last.route.as_deref(),
        Some("GET /accessmanagement/api/v1/enduser/connections")
    );
    assert!(!last.headers.iter().any(|(_, v)| v.contains(&t)));
    s.inject(tilgang_mock::FaultRule::always(
        "GET /accessmanagement/api/v1/enduser/connections",
        503,
    ));
    assert_eq!(get(url(&s, "connections", &own("")), &t).await.status, 503);
}
