//! `altinn demo`: the six steps against the mock server, in-process, with no configuration.
//!
//! The mock server starts on a free port with its default world, and the CLI builds the same
//! stack it uses for real environments (through `tilgang::Stack`), pointed at the mock and
//! given the demo world's public test credentials. Each step prints its result and the command
//! that does the same step on its own.

use tilgang::{
    AltinnSettings, Backend, MaskinportenSettings, Settings, Stack,
    domain::{
        Action, Fnr, OrgNumber, PackageCode, PartyRef, ResourceId, ScopeSet,
        secret::{ApiKey, EnterpriseUserCredentials, Password},
    },
    maskinporten::Environment,
    ports::{SystemUserAuthorization, TokenRequest},
};
use tilgang_mock::{MockServer, demo};

use crate::{
    commands::{self, RightsInput},
    output::OutputFormat,
    output::{self, DemoOutput, DemoStep, Render},
    wiring::{self, Platform},
};

/// The platform the demo runs on. The demo needs no configuration; only the platform is
/// read, from the flag or the environment.
pub(crate) fn platform(settings: &crate::config::SettingsArgs) -> anyhow::Result<Platform> {
    let platform = settings
        .get(crate::config::Setting::Platform)
        .map(str::to_owned)
        .or_else(|| std::env::var("ALTINN_PLATFORM").ok());
    match platform.as_deref().map(str::trim) {
        None | Some("altinn3") | Some("3") => Ok(Platform::Altinn3),
        Some("altinn2") | Some("2") => Ok(Platform::Altinn2),
        Some(other) => Err(crate::config::ConfigError::Other(format!(
            "invalid platform {other:?}: use altinn3 or altinn2"
        ))
        .into()),
    }
}

/// Runs the demo and prints every step.
pub(crate) async fn run(
    format: OutputFormat,
    platform: Platform,
    onboarding: bool,
) -> anyhow::Result<()> {
    let mock = MockServer::start().await;
    let out = match platform {
        Platform::Altinn3 => run_altinn3(&mock, onboarding).await?,
        Platform::Altinn2 => run_altinn2(&mock).await?,
    };
    output::print(format, &out)
}

/// The stack for the demo world's system user of `org` on Altinn 3 (and, with `onboarding`,
/// the vendor's own token chain).
fn altinn3_stack(mock: &MockServer, org: &str, onboarding: bool) -> anyhow::Result<Stack> {
    let mut request = TokenRequest::scopes(ScopeSet::parse(crate::config::ALTINN3_SCOPES)?);
    request.system_user = Some(SystemUserAuthorization {
        org: OrgNumber::parse(org)?,
        external_ref: None,
    });
    let vendor = onboarding
        .then(|| ScopeSet::parse(tilgang::altinn3::SYSTEM_REGISTER_SCOPES))
        .transpose()?
        .map(TokenRequest::scopes);
    Ok(Stack::build(Settings {
        maskinporten: MaskinportenSettings::new(
            Environment::Custom {
                issuer: mock.issuer(),
            },
            demo::CLIENT_ID,
            wiring::demo_key(demo::KID)?,
            request,
        ),
        altinn: Some(AltinnSettings {
            platform_url: mock.platform_url().parse()?,
            enterprise_user: None,
            retry: None,
            backend: Some(Backend::Altinn3 { retry: None }),
            onboarding: vendor,
        }),
    })?)
}

/// The six steps on Altinn 3 against a running mock server with the demo world: the demo
/// organisation's system user manages what the demo person holds from it.
pub(crate) async fn run_altinn3(mock: &MockServer, onboarding: bool) -> anyhow::Result<DemoOutput> {
    let mut steps = Vec::new();
    if onboarding {
        steps.extend(onboarding_steps(mock).await?);
    }
    let stack = altinn3_stack(mock, demo::ORG, false)?;
    let access = stack.access()?;
    let org = PartyRef::Organisation(OrgNumber::parse(demo::ORG)?);

    let fnr = Fnr::parse(demo::PERSON_FNR)?;
    let masked = fnr.masked();
    let person_args = format!("--person {masked} --last-name {}", demo::PERSON_LAST_NAME);
    let holder = tilgang::access::person_query(demo::PERSON_FNR, demo::PERSON_LAST_NAME)?;
    let input = RightsInput {
        org: org.clone(),
        holder: holder.clone(),
        service: None,
        packages: vec![PackageCode::parse(demo::PACKAGE_REGNSKAP)?],
        resource: Some(ResourceId::parse(demo::RESOURCE_ID)?),
        actions: vec![Action::Read],
    };
    let show_input = RightsInput {
        packages: Vec::new(),
        resource: None,
        actions: Vec::new(),
        ..input.clone()
    };
    let settings = format!("--system-user-org {}", demo::ORG);

    let token = commands::token(stack.tokens().as_ref(), stack.request(), false).await?;
    steps.push(step(
        1,
        "A Maskinporten token for the organisation's system user",
        &format!("altinn token {settings}"),
        &token,
    )?);
    let exchange = commands::exchange(stack.altinn_tokens()?.as_ref(), None, false).await?;
    steps.push(step(
        2,
        "Exchange it for an Altinn token",
        &format!("altinn exchange {settings}"),
        &exchange,
    )?);
    let party = commands::reportee(access, &org, &holder).await?;
    steps.push(step(
        3,
        "Find the person among the organisation's right holders (read-only)",
        &format!(
            "altinn reportee {masked} --last-name {} {settings}",
            demo::PERSON_LAST_NAME
        ),
        &party,
    )?);
    let show_cmd = format!("altinn rights show {person_args} {settings}");
    let report = commands::show(access, &show_input).await?;
    steps.push(step(
        4,
        "Show what the person holds from the organisation",
        &show_cmd,
        &report,
    )?);
    let grant = commands::grant(access, &input).await?;
    steps.push(step(
        5,
        "Grant an access package and a resource right",
        &format!(
            "altinn rights grant {person_args} --package {} --resource {} --action read {settings}",
            demo::PACKAGE_REGNSKAP,
            demo::RESOURCE_ID
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
            "altinn rights revoke {person_args} --package {} --resource {} {settings}",
            demo::PACKAGE_REGNSKAP,
            demo::RESOURCE_ID
        ),
        &revoke,
    )?);
    let report = commands::show(access, &show_input).await?;
    steps.push(step(4, "Show again after the revoke", &show_cmd, &report)?);
    Ok(DemoOutput {
        mock_server: mock.uri().to_string(),
        platform: "Altinn 3".into(),
        steps,
    })
}

/// The onboarding, before the six steps: the vendor registers its system, asks a customer
/// for a system user, the customer approves (here the mock's approval endpoint stands in for
/// the customer's approver), and the system user's token lists the customer among its
/// parties.
async fn onboarding_steps(mock: &MockServer) -> anyhow::Result<Vec<DemoStep>> {
    use tilgang::domain::{SystemId, VendorSystem};
    let vendor = altinn3_stack(mock, demo::ORG, true)?;
    let register = vendor.onboarding()?;
    let system = VendorSystem {
        id: SystemId::parse(demo::SYSTEM_ID)?,
        name: "Tilgang demo".into(),
        description: None,
        packages: demo::SYSTEM_USER_PACKAGES
            .iter()
            .map(|p| PackageCode::parse(p))
            .collect::<Result<_, _>>()?,
        client_ids: vec![demo::CLIENT_ID.to_owned()],
    };
    let mut steps = Vec::new();
    let registration = register.register(&system).await?;
    steps.push(step_json(
        0,
        "Register the vendor's system with the packages it asks customers for",
        &format!(
            "altinn system register --id {} --name \"Tilgang demo\" --package {}",
            demo::SYSTEM_ID,
            demo::SYSTEM_USER_PACKAGES.join(" --package ")
        ),
        &serde_json::json!({ "registration": registration, "system": system }),
        format!("System {} {:?}\n", system.id, registration),
    )?);
    let customer = OrgNumber::parse(demo::BULK_ORG)?;
    let outcome = register
        .request_system_user(&system.id, &customer, &system.packages, None)
        .await?;
    let request = outcome.request;
    steps.push(step_json(
        0,
        "Ask the customer for a system user; send them the confirm URL",
        &format!("altinn systemuser request --customer {customer}"),
        &request,
        format!(
            "Request {} is {}; the customer approves at {}\n",
            request.id,
            request.status,
            request.confirm_url.as_deref().unwrap_or("-")
        ),
    )?);
    let id: uuid::Uuid = request.id.parse()?;
    let now = mock
        .clock()
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    mock.update_world(|w| w.approve_system_user_request(id, now))
        .map_err(|e| anyhow::anyhow!("the mock could not approve the request: {e}"))?;
    let decided = register
        .request(&request.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the request disappeared"))?;
    steps.push(step_json(
        0,
        "The customer approved (the mock's approval stands in for them)",
        &format!("altinn systemuser status {} --wait", request.id),
        &decided,
        format!("Request {} is {}\n", decided.id, decided.status),
    )?);
    let customer_stack = altinn3_stack(mock, demo::BULK_ORG, false)?;
    let tilgang::Adapter::Altinn3(client) = customer_stack.adapter()? else {
        anyhow::bail!("the Altinn 3 adapter was configured");
    };
    let parties = client.authorized_parties().await?;
    let out = output::PartiesOutput { parties };
    steps.push(step(
        0,
        "The new system user's token lists the customer among its parties",
        &format!("altinn parties --system-user-org {customer}"),
        &out,
    )?);
    Ok(steps)
}

fn step_json(
    n: u8,
    title: &str,
    command: &str,
    result: &impl serde::Serialize,
    text: String,
) -> anyhow::Result<DemoStep> {
    Ok(DemoStep {
        step: n,
        title: title.to_owned(),
        command: command.to_owned(),
        result: serde_json::to_value(result)?,
        text,
    })
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
        platform: "Altinn 2 (retired)".into(),
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
