//! Shared helpers of the adapter's integration tests: the spec's placeholder values (§3.9), a
//! scripted token source, the golden fixtures, and ways to look at what wiremock received.

#![allow(dead_code, unreachable_pub)]

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::{Duration, SystemTime},
};

use async_trait::async_trait;
use tilgang_altinn3::{Altinn3Client, Altinn3Config};
use tilgang_domain::{
    Fnr, Grantable, HeldAccess, HeldVia, Name, OrgNumber, PackageCode, Party, PartyKind,
    PartyQuery, PartyRef, PartyUuid, RevokeHandle,
    secret::{AltinnToken, SecretText},
};
use tilgang_ports::{AltinnTokenSource, RetryPolicy, TokenError};
use wiremock::{MockServer, Request};

/// The customer organisation (ORG of §3.9).
pub const ORG: &str = "3f1e2d4c-5b6a-4978-8c9d-0e1f2a3b4c5d";
/// The right holder KARI NORDMANN (PA).
pub const PA: &str = "a1b2c3d4-e5f6-4789-8abc-def012345678";
/// OLA NORDMANN, general manager of ORG (PD).
pub const PD: &str = "b2c3d4e5-f6a7-4890-9bcd-ef0123456789";
/// The system user of ORG (SU).
pub const SU: &str = "8e1d2c3b-4a59-4f68-9e7d-6c5b4a392817";
/// PA's fødselsnummer as the fixtures print it. It does not pass the check digits, so it can
/// only appear in server answers, never in a query the client builds.
pub const PA_FNR_IN_FIXTURES: &str = "01017012345";
/// PD's fødselsnummer as the fixtures print it.
pub const PD_FNR_IN_FIXTURES: &str = "02028012345";
/// ORG's number as the fixtures print it (it does not pass the check digit either).
pub const ORG_NUMBER_IN_FIXTURES: &str = "310000001";
/// A valid organisation number put in place of the fixtures' one where a request names the
/// organisation by its number.
pub const ORG_NUMBER: &str = "310000000";
/// The right keys K1 (read) and K2 (write) of `ttd-hr-rapport`.
pub const K1: &str = "012c7dc13c34b964a713159d2c002f32dc15fd63737e86cc1d1226bce92473bf95";
pub const K2: &str = "013b94361ab9595bc44a94dd687e863bf7a58c60be922963202f2189d0c4b69650";
/// The resource of the fixtures.
pub const RESOURCE: &str = "ttd-hr-rapport";

/// The enduser API's path prefix on the mock host.
pub const ENDUSER: &str = "/accessmanagement/api/v1/enduser";

/// The token the tests hand out first.
pub const TOKEN: &str = "tok-1-eyJhbGciOiJSUzI1NiJ9.secret-payload";
/// The token handed out after one invalidation.
pub const TOKEN_2: &str = "tok-2-eyJhbGciOiJSUzI1NiJ9.renewed-payload";

/// A token source that hands out the tokens it is given one by one (moving on at each
/// invalidation, then repeating the last) and counts fetches and invalidations.
///
/// Each token has a fixed expiry, as a real cache's token does: the adapter keys its cache of
/// authorized parties on the expiry, so a source that invented a new expiry on every fetch
/// would make every read look like a new token.
pub struct ScriptedTokens {
    tokens: Vec<String>,
    fetched: AtomicU32,
    invalidated: AtomicU32,
}

impl ScriptedTokens {
    pub fn new(tokens: &[&str]) -> Arc<Self> {
        assert!(!tokens.is_empty(), "a token source needs a token");
        Arc::new(ScriptedTokens {
            tokens: tokens.iter().map(|t| (*t).to_owned()).collect(),
            fetched: AtomicU32::new(0),
            invalidated: AtomicU32::new(0),
        })
    }

    pub fn fetched(&self) -> u32 {
        self.fetched.load(Ordering::SeqCst)
    }

    pub fn invalidated(&self) -> u32 {
        self.invalidated.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl AltinnTokenSource for ScriptedTokens {
    async fn altinn_token(&self) -> Result<AltinnToken, TokenError> {
        self.fetched.fetch_add(1, Ordering::SeqCst);
        let idx = (self.invalidated() as usize).min(self.tokens.len() - 1);
        Ok(AltinnToken {
            token: SecretText::new(self.tokens[idx].clone()),
            // A fixed point per token, far in the future.
            expires_at: SystemTime::UNIX_EPOCH + Duration::from_secs(4_000_000_000 + idx as u64),
        })
    }

    async fn invalidate(&self) {
        self.invalidated.fetch_add(1, Ordering::SeqCst);
    }
}

/// Retries with no delay at all, so retry tests neither sleep nor depend on time.
pub fn instant_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
    }
}

/// The configuration the tests use: the mock as platform, and `retry`.
pub fn config_for(base: &str, retry: RetryPolicy) -> Altinn3Config {
    let mut config = Altinn3Config::new(base.parse().unwrap());
    config.retry = retry;
    config
}

pub fn client_with(base: &str, tokens: Arc<ScriptedTokens>, retry: RetryPolicy) -> Altinn3Client {
    Altinn3Client::new(config_for(base, retry), tokens).unwrap()
}

/// A client of `server` with the one token [`TOKEN`] and no retries.
pub fn client(server: &MockServer) -> (Altinn3Client, Arc<ScriptedTokens>) {
    let tokens = ScriptedTokens::new(&[TOKEN, TOKEN_2]);
    (
        client_with(&server.uri(), tokens.clone(), RetryPolicy::NONE),
        tokens,
    )
}

pub fn uuid(s: &str) -> PartyUuid {
    PartyUuid::parse(s).unwrap()
}

pub fn org_ref() -> PartyRef {
    PartyRef::PartyUuid(uuid(ORG))
}

pub fn org_by_number() -> PartyRef {
    PartyRef::Organisation(OrgNumber::parse(ORG_NUMBER).unwrap())
}

/// A right holder as a lookup returns it: only the UUID matters to the adapter.
pub fn holder(uuid_text: &str) -> Party {
    let mut party = Party::new(PartyKind::Person);
    party.party_uuid = Some(uuid(uuid_text));
    party
}

/// A valid synthetic fødselsnummer born on `day`.`month`.`year`, for the people whose
/// numbers the client must send or match (the fixtures' numbers fail the check digits).
pub fn synthetic_fnr(day: u8, month: u8, year: u8) -> Fnr {
    (100..999)
        .find_map(|individual| Fnr::synthetic(day, month, year, individual))
        .expect("some individual number gives valid check digits")
}

/// PA's number in the tests that look PA up.
pub fn pa_fnr() -> Fnr {
    synthetic_fnr(1, 1, 70)
}

/// PD's number in the tests that look PD up.
pub fn pd_fnr() -> Fnr {
    synthetic_fnr(2, 2, 80)
}

pub fn person(fnr: Fnr, last_name: &str) -> PartyQuery {
    PartyQuery::person(fnr, Name::parse(last_name).unwrap())
}

pub fn package(code: &str) -> PackageCode {
    PackageCode::parse(code).unwrap()
}

/// A held access with a handle, as `holdings` returns one.
pub fn held(grantable: Grantable, handle: &str) -> HeldAccess {
    HeldAccess {
        grantable,
        name: None,
        held_via: vec![HeldVia::Direct],
        revocable: true,
        handle: Some(RevokeHandle::new(handle)),
    }
}

/// One golden fixture of `tests/fixtures/altinn3/`, as text.
pub fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../../tests/fixtures/altinn3/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// X1 with a valid organisation number, for requests that name ORG by its number.
pub fn x01_with_valid_org_number() -> String {
    let text = fixture("x01_authorized_parties.json");
    assert!(text.contains(ORG_NUMBER_IN_FIXTURES));
    text.replace(ORG_NUMBER_IN_FIXTURES, ORG_NUMBER)
}

/// X2 with valid fødselsnummer for PA and PD, for lookups by number.
pub fn x02_with_valid_numbers() -> String {
    let text = fixture("x02_connections.json");
    assert!(text.contains(PA_FNR_IN_FIXTURES) && text.contains(PD_FNR_IN_FIXTURES));
    text.replace(PA_FNR_IN_FIXTURES, pa_fnr().expose())
        .replace(PD_FNR_IN_FIXTURES, pd_fnr().expose())
}

/// Every request the server received.
pub async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

/// The one request the server received; fails when there were more or none.
pub async fn only_request(server: &MockServer) -> Request {
    let mut requests = received(server).await;
    assert_eq!(
        requests.len(),
        1,
        "expected exactly one request, got {:?}",
        requests
            .iter()
            .map(|r| format!("{} {}", r.method, r.url))
            .collect::<Vec<_>>()
    );
    requests.remove(0)
}

/// A header's value as text.
pub fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

/// `METHOD path?query` of a request, for compact assertions and messages.
pub fn line(request: &Request) -> String {
    match request.url.query() {
        Some(q) => format!("{} {}?{q}", request.method, request.url.path()),
        None => format!("{} {}", request.method, request.url.path()),
    }
}

/// The lines of every request received, in order.
pub async fn lines(server: &MockServer) -> Vec<String> {
    received(server).await.iter().map(line).collect()
}

/// The body of a request as JSON.
pub fn json_body(request: &Request) -> serde_json::Value {
    serde_json::from_slice(&request.body)
        .unwrap_or_else(|e| panic!("{} has no JSON body: {e}", line(request)))
}

/// A ProblemDetails body with one validation error.
pub fn validation_problem(code: &str, path: &str, extension: (&str, &str)) -> String {
    serde_json::json!({
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        "title": "Bad Request",
        "status": 400,
        "detail": "One or more validation errors occurred.",
        "code": "STD-00000",
        "validationErrors": [
            { "code": code, "detail": "x", "paths": [path], extension.0: extension.1 }
        ]
    })
    .to_string()
}
