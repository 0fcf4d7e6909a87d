//! Grant signing per algorithm, next to the crypto backend's raw RSA signature over the same
//! message, so the overhead of building, serialising and encoding the grant shows as a ratio.

use std::{hint::black_box, time::SystemTime};

use aws_lc_rs::{rand::SystemRandom, signature::RsaKeyPair};
use base64::{Engine, engine::general_purpose::STANDARD};
use criterion::{Criterion, criterion_group, criterion_main};
use tilgang_domain::{OrgNumber, ScopeSet};
use tilgang_maskinporten::{ClientKey, GrantSettings, GrantSigner, SigningAlgorithm};
use tilgang_ports::TokenRequest;

const KEY_PEM: &str = include_str!("../../../mock-server/fixtures/keys/client.pkcs8.pem");

fn raw_key_pair() -> RsaKeyPair {
    let body: String = KEY_PEM
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    RsaKeyPair::from_pkcs8(&STANDARD.decode(body).unwrap()).unwrap()
}

fn bench(c: &mut Criterion) {
    let key = ClientKey::registered(
        tilgang_maskinporten::PrivateKey::from_pem(KEY_PEM.as_bytes(), "client.pkcs8.pem").unwrap(),
        "demo-key-1",
    )
    .unwrap();
    let settings = GrantSettings::new(
        "https://test.maskinporten.no/",
        "2f6b7a3e-5c1d-4e8a-9b0f-1d2c3e4f5a6b",
    );
    let mut request = TokenRequest::scopes(
        ScopeSet::parse("altinn:delegations.read altinn:delegations.write").unwrap(),
    );
    request.resource = vec!["https://tt02.altinn.no/".into()];
    request.consumer_org = Some(OrgNumber::parse("310000000").unwrap());
    let raw = raw_key_pair();
    let rng = SystemRandom::new();

    let mut group = c.benchmark_group("grant");
    for alg in [
        SigningAlgorithm::Rs256,
        SigningAlgorithm::Rs384,
        SigningAlgorithm::Rs512,
    ] {
        let signer = GrantSigner::new(key.clone(), alg);
        let sample = signer
            .sign_grant(&settings, &request, SystemTime::now())
            .unwrap();
        // The signing input of a real grant: `header.payload`.
        let message = sample.expose()[..sample.expose().rfind('.').unwrap()].to_owned();
        let mut signature = vec![0u8; raw.public_modulus_len()];

        group.bench_function(format!("sign_grant/{}", alg.name()), |b| {
            b.iter(|| {
                black_box(
                    signer
                        .sign_grant(&settings, black_box(&request), SystemTime::now())
                        .unwrap(),
                )
            })
        });
        group.bench_function(format!("raw_rsa_sign/{}", alg.name()), |b| {
            b.iter(|| {
                raw.sign(
                    alg.encoding(),
                    &rng,
                    black_box(message.as_bytes()),
                    &mut signature,
                )
                .unwrap();
                black_box(&signature);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
