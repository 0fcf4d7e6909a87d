//! A cache hit: the lock-free lookup alone, through the async `access_token` (polled once, as
//! a hit completes without waiting), and with a second thread hitting the same key.

use std::{
    future::Future,
    hint::black_box,
    pin::pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll, Waker},
};

use criterion::{Criterion, criterion_group, criterion_main};
use tilgang_domain::ScopeSet;
use tilgang_maskinporten::{ClientKey, Environment, MaskinportenClient, PrivateKey};
use tilgang_mock::{MockServer, World, demo};
use tilgang_ports::{AccessTokenSource, TokenRequest};

fn poll_once<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a cache hit completes without waiting"),
    }
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut world = World::demo();
    // Long-lived tokens keep every sample a hit for the whole run.
    world.settings.access_token_lifetime_secs = 3600;
    let server = runtime.block_on(MockServer::start_with(world));
    let key = ClientKey::registered(
        PrivateKey::from_pem(demo::CLIENT_KEY_PKCS8_PEM.as_bytes(), "demo key").unwrap(),
        demo::KID,
    )
    .unwrap();
    let client = MaskinportenClient::builder(
        Environment::Custom {
            issuer: server.issuer(),
        },
        demo::CLIENT_ID,
        key,
    )
    .build()
    .unwrap();
    let request = TokenRequest::scopes(
        ScopeSet::parse("altinn:delegations.read altinn:delegations.write").unwrap(),
    );
    runtime.block_on(client.access_token(&request)).unwrap();
    assert!(client.cached(&request).is_some());

    let mut group = c.benchmark_group("cache_hit");
    group.bench_function("cached/1_thread", |b| {
        b.iter(|| black_box(client.cached(black_box(&request)).unwrap()))
    });
    group.bench_function("with_cached/1_thread", |b| {
        b.iter(|| {
            black_box(
                client
                    .with_cached(black_box(&request), |t| t.expires_at)
                    .unwrap(),
            )
        })
    });
    group.bench_function("access_token/1_thread", |b| {
        b.iter(|| black_box(poll_once(client.access_token(black_box(&request))).unwrap()))
    });

    // A second thread hits the same key as fast as it can while the first is measured.
    let stop = Arc::new(AtomicBool::new(false));
    let contender = {
        let client = client.clone();
        let request = request.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                black_box(client.with_cached(&request, |t| t.expires_at));
            }
        })
    };
    group.bench_function("cached/2_threads", |b| {
        b.iter(|| black_box(client.cached(black_box(&request)).unwrap()))
    });
    group.bench_function("with_cached/2_threads", |b| {
        b.iter(|| {
            black_box(
                client
                    .with_cached(black_box(&request), |t| t.expires_at)
                    .unwrap(),
            )
        })
    });
    group.bench_function("access_token/2_threads", |b| {
        b.iter(|| black_box(poll_once(client.access_token(black_box(&request))).unwrap()))
    });
    stop.store(true, Ordering::Relaxed);
    contender.join().unwrap();
    group.finish();
    drop(server);
}

criterion_group!(benches, bench);
criterion_main!(benches);
