//! Benchmarks of the HAL+JSON codec on realistic sizes.
//!
//! Each decode benchmark also parses the same bytes into `serde_json::Value` in the same
//! group, so the report shows typed decoding next to untyped parsing: typed decoding should be
//! at least as fast, because it skips building a tree of maps for data it then throws away.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tilgang_altinn2_wire::{
    DelegationRequest, Link, Links, Receiver, Right, RightHolder, RightId, RightRequest,
    RightSourceType, Role, RoleDefinitionId, RoleId, RoleType,
    hal::{self, EmbeddedCasing, Page},
};
use tilgang_domain::{Action, MaskedSsn, ReporteeId, ServiceCode, ServiceEditionCode};

fn right(i: i64) -> Right {
    let mut r = Right::service(
        ServiceCode::parse(&format!("{}", 1000 + i % 400)).unwrap(),
        ServiceEditionCode::new(1 + (i % 7) as u32).unwrap(),
        Action::KNOWN[(i as usize) % 6].clone(),
    );
    r.right_id = Some(RightId(4_000_000 + i));
    r.right_source_type = Some(if i % 3 == 0 {
        RightSourceType::RoleTypeRights
    } else {
        RightSourceType::DirectlyDelegatedRights
    });
    r.is_delegatable = Some(true);
    r
}

fn role(i: i64) -> Role {
    let mut links = Links::new();
    links.insert(
        "roledefinition".into(),
        Link::new(format!(
            "https://tt02.altinn.no/api/my/authorization/roledefinitions/{i}"
        )),
    );
    Role {
        role_id: Some(RoleId(900 + i)),
        role_type: Some(RoleType::Altinn),
        role_definition_id: Some(RoleDefinitionId(i)),
        role_name: Some(format!("Rolle {i}")),
        role_description: Some("En beskrivelse av rollen som er lang nok til å telle".into()),
        delegator: Some("DEMO AS".into()),
        delegated_time: Some("2021-12-01T11:57:43.373".into()),
        role_definition_code: Some("UTINN".into()),
        links,
    }
}

fn holder(n_rights: i64, n_roles: i64) -> RightHolder {
    let mut links = Links::new();
    let base = "https://tt02.altinn.no/api/my/authorization/delegations/r50828869";
    links.insert("self".into(), Link::new(base));
    links.insert("rights".into(), Link::new(format!("{base}/rights")));
    links.insert("roles".into(), Link::new(format!("{base}/roles")));
    RightHolder {
        right_holder_id: Some(ReporteeId::parse("r50828869").unwrap()),
        name: Some("TOM HEIS".into()),
        last_name: Some("HEIS".into()),
        user_name: None,
        social_security_number: Some(MaskedSsn::new("268992*****")),
        organization_number: None,
        delegation_context: None,
        roles: (0..n_roles).map(role).collect(),
        rights: (0..n_rights).map(right).collect(),
        roles_links: Links::new(),
        rights_links: Links::new(),
        has_roles: true,
        has_rights: true,
        links,
    }
}

fn decode(c: &mut Criterion) {
    let big = hal::encode_right_holder(&holder(1000, 50));
    let page = hal::encode_rights(&Page::new((0..50).map(right).collect()));
    for (name, bytes) in [
        ("rightholder_1000_rights_50_roles", &big),
        ("rights_page_50", &page),
    ] {
        let mut group = c.benchmark_group(format!("hal_decode/{name}"));
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::new("typed", bytes.len()), bytes, |b, bytes| {
            if name.starts_with("rightholder") {
                b.iter(|| hal::decode_right_holder(black_box(bytes)).unwrap())
            } else {
                b.iter(|| hal::decode_rights(black_box(bytes)).unwrap())
            }
        });
        group.bench_with_input(
            BenchmarkId::new("serde_json_value", bytes.len()),
            bytes,
            |b, bytes| {
                b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(bytes)).unwrap())
            },
        );
        group.finish();
    }
}

fn encode(c: &mut Criterion) {
    let request = DelegationRequest {
        receiver: Receiver::Person {
            ssn: "26899299344".into(),
            last_name: "HEIS".into(),
        },
        rights: (0..10)
            .map(|i| {
                RightRequest::service(
                    ServiceCode::parse("3225").unwrap(),
                    ServiceEditionCode::new(536).unwrap(),
                    Action::KNOWN[i % 5].clone(),
                )
            })
            .collect(),
        roles: vec![],
        email: None,
    };
    c.bench_function("hal_encode/delegation_request_10_rights", |b| {
        b.iter(|| hal::encode_delegation_request(black_box(&request), EmbeddedCasing::Pascal))
    });
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
