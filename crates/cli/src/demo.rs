//! `altinn demo`: the six steps against the mock server, in-process, with no configuration.
//!
//! The mock server starts on a free port with its default world, and the CLI builds the same
//! stack it uses for real environments (through `tilgang::Stack`), pointed at the mock and
//! given the demo world's public test credentials. Each step prints its result and the command
//! that does the same step on its own.

use tilgang::{
    AltinnSettings, Backend, MaskinportenSettings, Settings, Stack,
    domain::{
        Action, Fnr, PartyRef, ScopeSet,
        secret::{ApiKey, EnterpriseUserCredentials, Password},
    },
    maskinporten::Environment,
    ports::TokenRequest,
};
use tilgang_mock::{MockServer, demo};

use crate::{
    cli::OutputFormat,
    commands::{self, RightsInput},
    output::{self, DemoOutput, DemoStep, Render},
    wiring::{self, Platform},
};

/// Runs the demo and prints every step.
pub(crate) async fn run(
    format: OutputFormat,
    platform: Platform,
    onboarding: bool,
) -> anyhow::Result<()> {
    let _ = onboarding;
    let mock = MockServer::start().await;
    let out = match platform {
        Platform::Altinn3 => run_altinn3(&mock).await?,
        Platform::Altinn2 => run_altinn2(&mock).await?,
    };
    output::print(format, &out)
}

/// The six steps on Altinn 3 against a running mock server with the demo world.
pub(crate) async fn run_altinn3(_mock: &MockServer) -> anyhow::Result<DemoOutput> {
    Err(crate::config::ConfigError::Other(
        "the Altinn 3 demo needs the mock's Altinn 3 world; use --platform altinn2".into(),
    )
    .into())
}

/// The six steps on the retired Altinn 2 API against a running mock server with the demo
/// world.
pub(crate) async fn run_altinn2(mock: &MockServer) -> anyhow::Result<DemoOutput> {
    let scopes = ScopeSet::parse("altinn:enduser")?;
    let settings = Settings {
        maskinporten: MaskinportenSettings::new(
            Environment::Custom {
                issuer: mock.issuer(),
            },
            demo::CLIENT_ID,
            wiring::demo_key(demo::KID)?,
            TokenRequest::scopes(scopes),
        ),
        altinn: Some(AltinnSettings {
            platform_url: mock.platform_url().parse()?,
            enterprise_user: Some(EnterpriseUserCredentials {
                user_name: demo::ENTERPRISE_USER.to_owned(),
                password: Password::new(demo::ENTERPRISE_PASSWORD),
            }),
            retry: None,
            backend: Some(Backend::Altinn2 {
                api_url: mock.api_url().parse()?,
                api_key: ApiKey::new(demo::API_KEY),
                retry: None,
            }),
            onboarding: None,
        }),
    };
    let stack = Stack::build(settings)?;
    let access = stack.access()?;

    let fnr = Fnr::parse(demo::PERSON_FNR)?;
    let masked = fnr.masked();
    let service = format!("{}:{}", demo::SERVICE_CODE, demo::SERVICE_EDITION);
    let person_args = format!("--person {masked} --last-name {}", demo::PERSON_LAST_NAME);
    let input = RightsInput {
        org: PartyRef::My,
        holder: tilgang::access::person_query(demo::PERSON_FNR, demo::PERSON_LAST_NAME)?,
        service: Some(commands::parse_service(&service)?),
        packages: Vec::new(),
        resource: None,
        actions: vec![Action::Read, Action::Write],
    };
    let show_input = RightsInput {
        actions: Vec::new(),
        ..input.clone()
    };

    let mut steps = Vec::new();
    let token = commands::token(stack.tokens().as_ref(), stack.request(), false).await?;
    steps.push(step(
        1,
        "Maskinporten access token",
        "altinn token",
        &token,
    )?);

    let exchange = commands::exchange(
        stack.altinn_tokens()?.as_ref(),
        Some(demo::ENTERPRISE_USER.to_owned()),
        false,
    )
    .await?;
    steps.push(step(
        2,
        "Exchange it for an Altinn token",
        "altinn exchange",
        &exchange,
    )?);

    let query = tilgang::access::person_query(demo::PERSON_FNR, demo::PERSON_LAST_NAME)?;
    let reportee = commands::reportee(access, &PartyRef::My, &query).await?;
    steps.push(step(
        3,
        "Look up the person as a reportee",
        &format!(
            "altinn reportee {masked} --last-name {}",
            demo::PERSON_LAST_NAME
        ),
        &reportee,
    )?);

    let show_cmd = format!("altinn rights show --org my {person_args} --service {service}");
    let report = commands::show(access, &show_input).await?;
    steps.push(step(
        4,
        "Show the rights the person holds from the organisation",
        &show_cmd,
        &report,
    )?);

    let grant = commands::grant(access, &input).await?;
    steps.push(step(
        5,
        "Grant Read and Write on the demo service",
        &format!(
            "altinn rights grant --org my {person_args} --service {service} --action Read --action Write"
        ),
        &grant,
    )?);
    let report = commands::show(access, &show_input).await?;
    steps.push(step(4, "Show again after the grant", &show_cmd, &report)?);

    let revoke = commands::revoke(access, &input).await?;
    steps.push(step(
        6,
        "Revoke them again",
        &format!(
            "altinn rights revoke --org my {person_args} --service {service} --action Read --action Write"
        ),
        &revoke,
    )?);
    let report = commands::show(access, &show_input).await?;
    steps.push(step(4, "Show again after the revoke", &show_cmd, &report)?);

    Ok(DemoOutput {
        mock_server: mock.uri().to_string(),
        steps,
    })
}

fn step(n: u8, title: &str, command: &str, result: &impl Render) -> anyhow::Result<DemoStep> {
    Ok(DemoStep {
        step: n,
        title: title.to_owned(),
        command: command.to_owned(),
        result: serde_json::to_value(result)?,
        text: result.text(),
    })
}
