//! The commands: resolve configuration, build the stack, run one use case, print the result.

use std::time::SystemTime;

use anyhow::Context as _;
use clap::CommandFactory as _;
use tilgang::{
    Adapter, Stack,
    access::{self, AccessError, AccessManager},
    altinn3::Altinn3Client,
    domain::{
        Action, Grantable, OrgNumber, PackageCode, PartyQuery, PartyRef, ResourceId, ResourceRight,
        ServiceCode, ServiceEditionCode, ServiceRight,
    },
    maskinporten::system_user_claim,
    ports::{AccessTokenSource, AltinnTokenSource, TokenRequest},
};

use crate::{
    cli::{
        Cli, Command, HolderArgs, PackagesCommand, ReporteeArgs, RightholdersCommand, RightsArgs,
        RightsCommand,
    },
    config::{Config, ConfigError, EnvLookup, Inputs, Setting, platform_config_file},
    output::{
        self, ExchangeOutput, OutputFormat, PackagesOutput, PartiesOutput, PartyOutput, TokenOutput,
    },
    wiring::{self, Need, Platform},
};

/// Runs the parsed command line.
pub(crate) async fn run(mut cli: Cli) -> anyhow::Result<()> {
    let format = cli.output;
    if let Command::Rights(_) = &cli.command {
        // `--resource` there is the Altinn 3 resource the command is about (clap hands the
        // same flag to the global Maskinporten setting too).
        cli.settings.forget(Setting::Resource);
    }
    let env_lookup = |name: &str| std::env::var(name).ok();
    let env: EnvLookup<'_> = &env_lookup;
    if let Command::Completions { shell } = &cli.command {
        let mut cmd = Cli::command();
        clap_complete::generate(*shell, &mut cmd, "altinn", &mut std::io::stdout());
        return Ok(());
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
            let user = config.get(Setting::EnterpriseUser).map(|v| v.value.clone());
            let out = exchange(stack.altinn_tokens()?.as_ref(), user, *show_token).await?;
            output::print(format, &out)
        }
        Command::Parties => {
            let stack = wiring::stack(config, env, Need::Access)?;
            let client = altinn3(&stack, "altinn parties")?;
            let parties = client
                .authorized_parties()
                .await
                .context("reading the parties the system user may act for failed")?;
            output::print(format, &PartiesOutput { parties })
        }
        Command::Reportee(args) => {
            let query = reportee_query(args)?;
            let org = wiring::org(config)?;
            let stack = wiring::stack(config, env, Need::Access)?;
            let out = reportee(stack.access()?, &org, &query).await?;
            output::print(format, &out)
        }
        Command::Rightholders { command } => {
            let org = wiring::org(config)?;
            // Inputs are checked before any network traffic.
            let holder = match command {
                Some(RightholdersCommand::Add(h))
                | Some(RightholdersCommand::Remove { holder: h, .. }) => Some(holder_query(h)?),
                _ => None,
            };
            let stack = wiring::stack(config, env, Need::Access)?;
            let access = stack.access()?;
            match (command, holder) {
                (Some(RightholdersCommand::Add(_)), Some(query)) => {
                    let out = access
                        .add_right_holder(&org, &query)
                        .await
                        .context("adding the right holder failed")?;
                    output::print(format, &out)
                }
                (Some(RightholdersCommand::Remove { cascade, .. }), Some(query)) => {
                    let out = access
                        .remove_right_holder(&org, &query, *cascade)
                        .await
                        .context("removing the right holder failed")?;
                    output::print(format, &out)
                }
                _ => {
                    let out = access
                        .right_holders(&org)
                        .await
                        .context("listing the right holders failed")?;
                    output::print(format, &out)
                }
            }
        }
        Command::Rights(cmd) => {
            // Inputs are checked before any network traffic.
            let (args, kind) = match cmd {
                RightsCommand::Show(a) => (a, RightsKind::Show),
                RightsCommand::Grant(a) => (a, RightsKind::Grant),
                RightsCommand::Revoke(a) => (a, RightsKind::Revoke),
            };
            let platform = Platform::of(config)?;
            let org = wiring::org(config)?;
            let input = RightsInput::parse(args, kind, platform, org)?;
            let stack = wiring::stack(config, env, Need::Access)?;
            rights(stack.access()?, &input, kind, format).await
        }
        Command::Packages { command } => {
            if Platform::of(config)? != Platform::Altinn3 {
                return Err(ConfigError::Other(
                    "access packages exist only in Altinn 3; use --platform altinn3".into(),
                )
                .into());
            }
            let stack = wiring::stack(config, env, Need::Access)?;
            let client = altinn3(&stack, "altinn packages")?;
            let term = match command {
                Some(PackagesCommand::Search { term }) => term.as_str(),
                None => "",
            };
            let packages = client
                .search_packages(term)
                .await
                .context("reading the access-package catalogue failed")?;
            output::print(format, &PackagesOutput { packages })
        }
        Command::System(command) => {
            let stack = wiring::stack(config, env, Need::Onboarding)?;
            crate::onboarding::system(stack.onboarding()?.as_ref(), config, command, format).await
        }
        Command::Systemuser(command) => {
            let stack = wiring::stack(config, env, Need::Onboarding)?;
            crate::onboarding::systemuser(stack.onboarding()?.as_ref(), config, command, format)
                .await
        }
        Command::Plan(args) => crate::ascode::plan(config, env, args, format).await,
        Command::Apply(args) => crate::ascode::apply(config, env, args, format).await,
        Command::Export => crate::ascode::export(config, env).await,
        // Dispatched before configuration is resolved (`main::dispatch`, `run`).
        Command::Demo { .. } | Command::Completions { .. } => Ok(()),
    }
}

/// The Altinn 3 client of the stack, for the commands that exist only there.
fn altinn3<'a>(stack: &'a Stack, command: &str) -> anyhow::Result<&'a Altinn3Client> {
    match stack.adapter()? {
        Adapter::Altinn3(client) => Ok(client),
        _ => Err(ConfigError::Other(format!(
            "`{command}` is an Altinn 3 command; use --platform altinn3"
        ))
        .into()),
    }
}

/// A right holder from the command line, checked before anything is sent.
fn holder_query(args: &HolderArgs) -> anyhow::Result<PartyQuery> {
    match (&args.person, &args.last_name, &args.org_number) {
        (Some(fnr), Some(last_name), None) => Ok(access::person_query(fnr, last_name)?),
        (None, None, Some(org)) => {
            OrgNumber::parse(org.trim()).context("invalid --org-number")?;
            // Altinn 3 needs only the number; the name is a placeholder Altinn 2 would check.
            Ok(access::organisation_query(org, org)?)
        }
        _ => Err(ConfigError::Other(
            "give --person FNR with --last-name NAME, or --org-number ORGNO".into(),
        )
        .into()),
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
        system_user: system_user_claim(token.token.expose()).map(Into::into),
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
        system_user: system_user_claim(token.token.expose()).map(Into::into),
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
    let party = match access.resolve(org, query).await {
        Ok(party) => party,
        Err(e @ AccessError::NotRightHolder { .. }) => {
            return Err(anyhow::Error::new(e)
                .context("step 3 (reportee lookup) failed")
                .context(crate::hints::Hint(
                    "make them a right holder first: altinn rightholders add --person FNR \
                     --last-name NAME"
                        .into(),
                )));
        }
        Err(e) => return Err(anyhow::Error::new(e).context("step 3 (reportee lookup) failed")),
    };
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
#[derive(Debug, Clone)]
pub(crate) struct RightsInput {
    pub(crate) org: PartyRef,
    pub(crate) holder: PartyQuery,
    /// Altinn 2: the service.
    pub(crate) service: Option<(ServiceCode, ServiceEditionCode)>,
    /// Altinn 3: the packages.
    pub(crate) packages: Vec<PackageCode>,
    /// Altinn 3: the resource.
    pub(crate) resource: Option<ResourceId>,
    pub(crate) actions: Vec<Action>,
}

impl RightsInput {
    pub(crate) fn parse(
        args: &RightsArgs,
        kind: RightsKind,
        platform: Platform,
        org: PartyRef,
    ) -> anyhow::Result<Self> {
        let holder = access::person_query(&args.person, &args.last_name)?;
        let wrong = |flag: &str, platform_name: &str, takes: &str| -> anyhow::Error {
            ConfigError::Other(format!(
                "{flag} is not for --platform {platform_name}: {platform_name} takes {takes}"
            ))
            .into()
        };
        match platform {
            Platform::Altinn3 if args.service.is_some() => {
                return Err(wrong(
                    "--service",
                    "altinn3",
                    "--package CODE and --resource ID [--action A]; --service CODE:EDITION is \
                     for --platform altinn2",
                ));
            }
            Platform::Altinn2 if !args.packages.is_empty() || args.resource.is_some() => {
                return Err(wrong(
                    "--package/--resource",
                    "altinn2",
                    "--service CODE:EDITION [--action A]; packages and resources are for \
                     --platform altinn3",
                ));
            }
            _ => {}
        }
        let service = args.service.as_deref().map(parse_service).transpose()?;
        let packages = args
            .packages
            .iter()
            .map(|p| PackageCode::parse(p).context("invalid --package"))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let resource = args
            .resource
            .as_deref()
            .map(|r| ResourceId::parse(r).context("invalid --resource"))
            .transpose()?;
        if kind != RightsKind::Show {
            let nothing = match platform {
                Platform::Altinn2 => service.is_none(),
                Platform::Altinn3 => packages.is_empty() && resource.is_none(),
            };
            if nothing {
                return Err(ConfigError::Other(match platform {
                    Platform::Altinn2 => {
                        "--service CODE:EDITION is required for grant and revoke".to_owned()
                    }
                    Platform::Altinn3 => {
                        "name what to grant or revoke: --package CODE or --resource ID \
                         [--action A]"
                            .to_owned()
                    }
                })
                .into());
            }
        }
        if platform == Platform::Altinn3 && resource.is_none() && !args.actions.is_empty() {
            return Err(ConfigError::Other(
                "--action applies to --resource (packages have no actions)".into(),
            )
            .into());
        }
        let mut actions = Vec::new();
        for a in &args.actions {
            let action = match platform {
                Platform::Altinn2 => {
                    let action = Action::parse(a);
                    if let Action::Other(other) = &action {
                        return Err(ConfigError::Other(format!(
                            "unknown --action {other:?}; use one of {}",
                            Action::known_list()
                        ))
                        .into());
                    }
                    action
                }
                Platform::Altinn3 => Action::checked(a).context("invalid --action")?,
            };
            actions.push(action);
        }
        let grants_actions = service.is_some() || resource.is_some();
        if kind == RightsKind::Grant && actions.is_empty() && grants_actions {
            actions.push(Action::Read);
        }
        Ok(RightsInput {
            org,
            holder,
            service,
            packages,
            resource,
            actions,
        })
    }

    /// What to grant or revoke, for `actions`.
    fn grantables(&self, actions: &[Action]) -> anyhow::Result<Vec<Grantable>> {
        let mut out: Vec<Grantable> = self
            .packages
            .iter()
            .cloned()
            .map(Grantable::package)
            .collect();
        if let Some((code, edition)) = &self.service {
            for a in actions {
                let right = ServiceRight::new(code.clone(), *edition, a.clone())
                    .context("invalid --action")?;
                out.push(Grantable::ServiceRight(right));
            }
        }
        if let Some(resource) = &self.resource {
            for a in actions {
                out.push(Grantable::ResourceRight(ResourceRight {
                    resource: resource.clone(),
                    action: a.clone(),
                }));
            }
        }
        Ok(out)
    }

    /// Whether `grantable` is one the filters select (everything, when none is given).
    fn selects(&self, grantable: &Grantable) -> bool {
        let any_filter =
            self.service.is_some() || !self.packages.is_empty() || self.resource.is_some();
        let action_ok = |action: &Action| {
            self.actions.is_empty()
                || self
                    .actions
                    .iter()
                    .any(|a| a.as_str().eq_ignore_ascii_case(action.as_str()))
        };
        match grantable {
            Grantable::ServiceRight(right) => {
                let on_service = self.service.as_ref().is_some_and(|(code, edition)| {
                    right.service_code == *code && right.service_edition == *edition
                });
                (!any_filter || on_service) && action_ok(&right.action)
            }
            Grantable::Package { package } => !any_filter || self.packages.contains(package),
            Grantable::ResourceRight(r) => {
                (!any_filter || self.resource.as_ref() == Some(&r.resource)) && action_ok(&r.action)
            }
            _ => !any_filter,
        }
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
    let wanted = input.grantables(&input.actions)?;
    access
        .grant(&input.org, &input.holder, &wanted)
        .await
        .context("step 5 (grant rights) failed")
}

/// Step 6. Without `--action`, every directly held action on the service (Altinn 2) or the
/// resource (Altinn 3) is revoked.
pub(crate) async fn revoke(
    access: &AccessManager,
    input: &RightsInput,
) -> anyhow::Result<access::RevokeOutcome> {
    let has_actions = input.service.is_some() || input.resource.is_some();
    let actions = if input.actions.is_empty() && has_actions {
        let report = show(access, input).await?;
        let mut held: Vec<Action> = report
            .accesses
            .iter()
            .filter(|a| a.revocable)
            .filter_map(|a| match &a.grantable {
                Grantable::ServiceRight(r) => Some(r.action.clone()),
                Grantable::ResourceRight(r) => Some(r.action.clone()),
                _ => None,
            })
            .collect();
        held.sort();
        held.dedup();
        if held.is_empty() {
            // Nothing held directly: ask for read so the outcome says "not held".
            held.push(Action::Read);
        }
        held
    } else {
        input.actions.clone()
    };
    let wanted = input.grantables(&actions)?;
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
            person: "26899299344".into(),
            last_name: "HEIS".into(),
            packages: Vec::new(),
            resource: None,
            service: service.map(Into::into),
            actions: actions.iter().map(|a| a.to_string()).collect(),
        }
    }

    fn parse2(a: &RightsArgs, kind: RightsKind) -> anyhow::Result<RightsInput> {
        RightsInput::parse(a, kind, Platform::Altinn2, PartyRef::My)
    }

    fn parse3(a: &RightsArgs, kind: RightsKind) -> anyhow::Result<RightsInput> {
        RightsInput::parse(a, kind, Platform::Altinn3, PartyRef::My)
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
        let input = parse2(&args(Some("4503:2"), &[]), RightsKind::Grant).unwrap();
        assert_eq!(input.actions, [Action::Read]);
        let err = parse2(&args(None, &[]), RightsKind::Grant).unwrap_err();
        assert_eq!(crate::exit_code(&err), 2);
        assert!(parse2(&args(None, &[]), RightsKind::Show).is_ok());
    }

    #[test]
    fn bad_inputs_exit_with_2_and_do_not_echo_the_number() {
        let mut a = args(Some("4503:2"), &["Read"]);
        a.person = "26899299345".into();
        let err = parse2(&a, RightsKind::Grant).unwrap_err();
        assert_eq!(crate::exit_code(&err), 2);
        assert!(!format!("{err:#}").contains("26899299345"));

        let err = parse2(&args(Some("4503:2"), &["Fly"]), RightsKind::Grant).unwrap_err();
        assert_eq!(crate::exit_code(&err), 2);
        assert!(format!("{err:#}").contains("Fly"));
    }

    /// The reason an identifier was refused is printed once, not twice.
    #[test]
    fn an_invalid_number_gives_its_reason_once() {
        let mut a = args(Some("4503:2"), &["Read"]);
        a.person = "26899299345".into();
        let err = parse2(&a, RightsKind::Grant).unwrap_err();
        let text = format!("{err:#}");
        assert_eq!(text.matches("check digit").count(), 1, "{text}");
        assert!(text.starts_with("invalid fødselsnummer: "), "{text}");
    }

    #[test]
    fn each_platform_takes_its_own_kind_of_right() {
        let err = parse3(&args(Some("4503:2"), &[]), RightsKind::Grant).unwrap_err();
        assert_eq!(crate::exit_code(&err), 2);
        let text = format!("{err:#}");
        assert!(
            text.contains("--package") && text.contains("altinn2"),
            "{text}"
        );

        let mut a = args(None, &[]);
        a.packages = vec!["lonn".into()];
        let err = parse2(&a, RightsKind::Grant).unwrap_err();
        assert_eq!(crate::exit_code(&err), 2);
        assert!(format!("{err:#}").contains("--service"));

        let input = parse3(&a, RightsKind::Grant).unwrap();
        assert_eq!(
            input.grantables(&input.actions).unwrap(),
            [Grantable::package(PackageCode::parse("lonn").unwrap())]
        );
        // A package takes no action.
        let mut with_action = a;
        with_action.actions = vec!["read".into()];
        assert!(parse3(&with_action, RightsKind::Grant).is_err());
    }

    #[test]
    fn a_resource_right_defaults_to_read_and_bad_input_sends_nothing() {
        let mut a = args(None, &[]);
        a.resource = Some("ttd-hr-rapport".into());
        let input = parse3(&a, RightsKind::Grant).unwrap();
        assert_eq!(input.actions, [Action::Read]);
        let grantables = input.grantables(&input.actions).unwrap();
        assert!(
            matches!(&grantables[..], [Grantable::ResourceRight(r)] if r.resource.as_str() == "ttd-hr-rapport")
        );
        for bad in ["a/b", "", "x?y=z"] {
            a.resource = Some(bad.into());
            let err = parse3(&a, RightsKind::Grant).unwrap_err();
            assert_eq!(crate::exit_code(&err), 2, "{bad}");
        }
        let mut bad_package = args(None, &[]);
        bad_package.packages = vec!["lønn".into()];
        assert_eq!(
            crate::exit_code(&parse3(&bad_package, RightsKind::Grant).unwrap_err()),
            2
        );
        let err = parse3(&args(None, &[]), RightsKind::Grant).unwrap_err();
        assert!(format!("{err:#}").contains("--package"));
    }

    #[test]
    fn show_filters_select_service_and_actions() {
        let input = parse2(&args(Some("4503:2"), &["Write"]), RightsKind::Show).unwrap();
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
        let everything = parse2(&args(None, &[]), RightsKind::Show).unwrap();
        assert!(everything.selects(&right("4864", Action::Write)));
    }
}
