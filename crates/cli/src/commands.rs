//! The commands: resolve configuration, build the stack, run one use case, print the result.

use std::time::SystemTime;

use anyhow::Context as _;
use clap::CommandFactory as _;
use tilgang::{
    access::{self, AccessManager},
    domain::{
        Action, Grantable, OrgNumber, PartyQuery, PartyRef, ServiceCode, ServiceEditionCode,
        ServiceRight,
    },
    ports::{AccessTokenSource, AltinnTokenSource, TokenRequest},
};

use crate::{
    cli::{Cli, Command, OutputFormat, ReporteeArgs, RightsArgs, RightsCommand},
    config::{Config, ConfigError, EnvLookup, Inputs, platform_config_file},
    output::{self, ExchangeOutput, PartyOutput, TokenOutput},
    wiring::{self, Need},
};

/// Runs the parsed command line.
pub(crate) async fn run(cli: Cli) -> anyhow::Result<()> {
    let format = cli.output;
    let env_lookup = |name: &str| std::env::var(name).ok();
    let env: EnvLookup<'_> = &env_lookup;
    match &cli.command {
        Command::Demo => return crate::demo::run(format).await,
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(*shell, &mut cmd, "altinn", &mut std::io::stdout());
            return Ok(());
        }
        _ => {}
    }
    let config = Config::resolve(&Inputs {
        flags: &cli.settings,
        env,
        default_config_file: platform_config_file(),
    })?;
    tracing::debug!(?config, "configuration resolved");
    let result = run_with(&cli, &config, env, format).await;
    result.map_err(|e| crate::hints::add(e, &config))
}

async fn run_with(
    cli: &Cli,
    config: &Config,
    env: EnvLookup<'_>,
    format: OutputFormat,
) -> anyhow::Result<()> {
    match &cli.command {
        Command::Token { show_token } => {
            let stack = wiring::stack(config, env, Need::Tokens)?;
            let out = token(stack.tokens().as_ref(), stack.request(), *show_token).await?;
            output::print(format, &out)
        }
        Command::Exchange { show_token } => {
            let stack = wiring::stack(config, env, Need::Exchange)?;
            let user = config
                .get(crate::config::Setting::EnterpriseUser)
                .map(|v| v.value.clone());
            let out = exchange(stack.altinn_tokens()?.as_ref(), user, *show_token).await?;
            output::print(format, &out)
        }
        Command::Reportee(args) => {
            let query = reportee_query(args)?;
            let stack = wiring::stack(config, env, Need::Access)?;
            let out = reportee(stack.access()?, &PartyRef::My, &query).await?;
            output::print(format, &out)
        }
        Command::Rights(cmd) => {
            // Inputs are checked before any network traffic.
            let (args, kind) = match cmd {
                RightsCommand::Show(a) => (a, RightsKind::Show),
                RightsCommand::Grant(a) => (a, RightsKind::Grant),
                RightsCommand::Revoke(a) => (a, RightsKind::Revoke),
            };
            let input = RightsInput::parse(args, kind)?;
            let stack = wiring::stack(config, env, Need::Access)?;
            rights(stack.access()?, &input, kind, format).await
        }
        Command::Demo | Command::Completions { .. } => Ok(()),
    }
}

/// Step 1.
pub(crate) async fn token(
    tokens: &dyn AccessTokenSource,
    request: &TokenRequest,
    show_token: bool,
) -> anyhow::Result<TokenOutput> {
    let token = tokens
        .access_token(request)
        .await
        .context("step 1 (Maskinporten token) failed")?;
    Ok(TokenOutput {
        expires_at: output::rfc3339(token.expires_at),
        expires_in: output::seconds_until(token.expires_at, SystemTime::now()),
        scopes: token
            .scope
            .as_ref()
            .map(|s| s.iter().map(ToString::to_string).collect())
            .unwrap_or_default(),
        consumer: token.consumer.as_deref().map(str::to_owned),
        token: show_token.then(|| token.token.expose().to_owned()),
    })
}

/// Step 2.
pub(crate) async fn exchange(
    tokens: &dyn AltinnTokenSource,
    enterprise_user: Option<String>,
    show_token: bool,
) -> anyhow::Result<ExchangeOutput> {
    let token = tokens
        .altinn_token()
        .await
        .context("step 2 (Altinn token exchange) failed")?;
    Ok(ExchangeOutput {
        expires_at: output::rfc3339(token.expires_at),
        expires_in: output::seconds_until(token.expires_at, SystemTime::now()),
        enterprise_user,
        token: show_token.then(|| token.token.expose().to_owned()),
    })
}

/// Step 3.
pub(crate) async fn reportee(
    access: &AccessManager,
    org: &PartyRef,
    query: &PartyQuery,
) -> anyhow::Result<PartyOutput> {
    let party = access
        .resolve(org, query)
        .await
        .context("step 3 (reportee lookup) failed")?;
    Ok(PartyOutput(party))
}

fn reportee_query(args: &ReporteeArgs) -> anyhow::Result<PartyQuery> {
    let id = args.id.trim();
    match (&args.last_name, &args.name) {
        (Some(last_name), None) => Ok(access::person_query(id, last_name)?),
        (None, Some(name)) => {
            // Checked here, so that an invalid number says which input it was.
            OrgNumber::parse(id).context("invalid organisation number")?;
            Ok(access::organisation_query(id, name)?)
        }
        _ => Err(ConfigError::Other(
            "give --last-name for a fødselsnummer or --name for an organisation number".into(),
        )
        .into()),
    }
}

/// Which rights subcommand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RightsKind {
    Show,
    Grant,
    Revoke,
}

/// Checked inputs of a rights subcommand.
#[derive(Debug)]
pub(crate) struct RightsInput {
    pub(crate) org: PartyRef,
    pub(crate) holder: PartyQuery,
    pub(crate) service: Option<(ServiceCode, ServiceEditionCode)>,
    pub(crate) actions: Vec<Action>,
}

impl RightsInput {
    pub(crate) fn parse(args: &RightsArgs, kind: RightsKind) -> anyhow::Result<Self> {
        let org =
            PartyRef::parse(&args.org).context("invalid --org (an organisation number or `my`)")?;
        let holder = access::person_query(&args.person, &args.last_name)?;
        let service = args.service.as_deref().map(parse_service).transpose()?;
        if kind != RightsKind::Show && service.is_none() {
            return Err(ConfigError::Other(
                "--service CODE:EDITION is required for grant and revoke".into(),
            )
            .into());
        }
        let mut actions = Vec::new();
        for a in &args.actions {
            let action = Action::parse(a);
            if let Action::Other(other) = &action {
                return Err(ConfigError::Other(format!(
                    "unknown --action {other:?}; use one of {}",
                    Action::known_list()
                ))
                .into());
            }
            actions.push(action);
        }
        if kind == RightsKind::Grant && actions.is_empty() {
            actions.push(Action::Read);
        }
        Ok(RightsInput {
            org,
            holder,
            service,
            actions,
        })
    }

    fn service_rights(&self, actions: &[Action]) -> anyhow::Result<Vec<Grantable>> {
        let Some((code, edition)) = &self.service else {
            return Ok(Vec::new());
        };
        actions
            .iter()
            .map(|a| {
                ServiceRight::new(code.clone(), *edition, a.clone())
                    .map(Grantable::ServiceRight)
                    .context("invalid --action")
            })
            .collect()
    }

    /// Whether `grantable` is on the `--service` and one of the `--action`s given (any, when
    /// none is given).
    fn selects(&self, grantable: &Grantable) -> bool {
        let Grantable::ServiceRight(right) = grantable else {
            return self.service.is_none() && self.actions.is_empty();
        };
        let on_service = self.service.as_ref().is_none_or(|(code, edition)| {
            right.service_code == *code && right.service_edition == *edition
        });
        on_service && (self.actions.is_empty() || self.actions.contains(&right.action))
    }
}

/// Parses `CODE:EDITION`, e.g. `4503:2`.
pub(crate) fn parse_service(s: &str) -> anyhow::Result<(ServiceCode, ServiceEditionCode)> {
    let (code, edition) = s.split_once(':').ok_or_else(|| {
        ConfigError::Other(format!(
            "--service must be CODE:EDITION (e.g. 4503:2), got {s:?}"
        ))
    })?;
    let code = ServiceCode::parse(code.trim()).context("invalid service code in --service")?;
    let edition = ServiceEditionCode::parse(edition.trim())
        .context("invalid service edition in --service")?;
    Ok((code, edition))
}

/// Steps 4–6.
pub(crate) async fn rights(
    access: &AccessManager,
    input: &RightsInput,
    kind: RightsKind,
    format: OutputFormat,
) -> anyhow::Result<()> {
    match kind {
        RightsKind::Show => {
            let report = show(access, input).await?;
            output::print(format, &report)
        }
        RightsKind::Grant => {
            let out = grant(access, input).await?;
            output::print(format, &out)
        }
        RightsKind::Revoke => {
            let out = revoke(access, input).await?;
            output::print(format, &out)
        }
    }
}

/// Step 4, filtered to `--service` and `--action` when given.
pub(crate) async fn show(
    access: &AccessManager,
    input: &RightsInput,
) -> anyhow::Result<access::AccessReport> {
    let mut report = access
        .show(&input.org, &input.holder)
        .await
        .context("step 4 (show rights) failed")?;
    report.accesses.retain(|a| input.selects(&a.grantable));
    Ok(report)
}

/// Step 5.
pub(crate) async fn grant(
    access: &AccessManager,
    input: &RightsInput,
) -> anyhow::Result<access::GrantOutcome> {
    let wanted = input.service_rights(&input.actions)?;
    access
        .grant(&input.org, &input.holder, &wanted)
        .await
        .context("step 5 (grant rights) failed")
}

/// Step 6. Without `--action`, every directly delegated action on the service is revoked.
pub(crate) async fn revoke(
    access: &AccessManager,
    input: &RightsInput,
) -> anyhow::Result<access::RevokeOutcome> {
    let actions = if input.actions.is_empty() {
        let report = show(access, input).await?;
        let mut held: Vec<Action> = report
            .accesses
            .iter()
            .filter(|a| a.revocable)
            .filter_map(|a| match &a.grantable {
                Grantable::ServiceRight(r) => Some(r.action.clone()),
                _ => None,
            })
            .collect();
        held.sort();
        held.dedup();
        if held.is_empty() {
            // Nothing directly delegated: ask for Read so the outcome says "not held".
            held.push(Action::Read);
        }
        held
    } else {
        input.actions.clone()
    };
    let wanted = input.service_rights(&actions)?;
    access
        .revoke(&input.org, &input.holder, &wanted)
        .await
        .context("step 6 (revoke rights) failed")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(service: Option<&str>, actions: &[&str]) -> RightsArgs {
        RightsArgs {
            org: "my".into(),
            person: "26899299344".into(),
            last_name: "HEIS".into(),
            service: service.map(Into::into),
            actions: actions.iter().map(|a| a.to_string()).collect(),
        }
    }

    #[test]
    fn service_parses_code_and_edition() {
        let (code, edition) = parse_service("4503:2").unwrap();
        assert_eq!(code.as_str(), "4503");
        assert_eq!(edition.get(), 2);
        assert!(parse_service("4503").is_err());
        assert!(parse_service("4503:x").is_err());
    }

    #[test]
    fn grant_defaults_to_read_and_needs_a_service() {
        let input = RightsInput::parse(&args(Some("4503:2"), &[]), RightsKind::Grant).unwrap();
        assert_eq!(input.actions, [Action::Read]);
        let err = RightsInput::parse(&args(None, &[]), RightsKind::Grant).unwrap_err();
        assert_eq!(crate::exit_code(&err), 2);
        assert!(RightsInput::parse(&args(None, &[]), RightsKind::Show).is_ok());
    }

    #[test]
    fn bad_inputs_exit_with_2_and_do_not_echo_the_number() {
        let mut a = args(Some("4503:2"), &["Read"]);
        a.person = "26899299345".into();
        let err = RightsInput::parse(&a, RightsKind::Grant).unwrap_err();
        assert_eq!(crate::exit_code(&err), 2);
        assert!(!format!("{err:#}").contains("26899299345"));

        let err =
            RightsInput::parse(&args(Some("4503:2"), &["Fly"]), RightsKind::Grant).unwrap_err();
        assert_eq!(crate::exit_code(&err), 2);
        assert!(format!("{err:#}").contains("Fly"));
    }

    /// The reason an identifier was refused is printed once, not twice.
    #[test]
    fn an_invalid_number_gives_its_reason_once() {
        let mut a = args(Some("4503:2"), &["Read"]);
        a.person = "26899299345".into();
        let err = RightsInput::parse(&a, RightsKind::Grant).unwrap_err();
        let text = format!("{err:#}");
        assert_eq!(text.matches("check digit").count(), 1, "{text}");
        assert!(text.starts_with("invalid fødselsnummer: "), "{text}");
    }

    #[test]
    fn show_filters_select_service_and_actions() {
        let input =
            RightsInput::parse(&args(Some("4503:2"), &["Write"]), RightsKind::Show).unwrap();
        let right = |code: &str, action: Action| {
            Grantable::ServiceRight(
                ServiceRight::new(
                    ServiceCode::parse(code).unwrap(),
                    ServiceEditionCode::new(2).unwrap(),
                    action,
                )
                .unwrap(),
            )
        };
        assert!(input.selects(&right("4503", Action::Write)));
        assert!(!input.selects(&right("4503", Action::Read)));
        assert!(!input.selects(&right("4864", Action::Write)));
    }
}
