//! `altinn system` and `altinn systemuser`: from nothing to a working system user.
//!
//! A vendor registers its system with the packages it will ask customers for, asks a customer
//! for a system user, sends them the `confirmUrl`, and waits for the decision; once accepted,
//! the Altinn 3 commands work with `--system-user-org` set to the customer. The calls go
//! through the `SystemRegister` port; this module only reads arguments, presents and waits.

use std::{fmt::Write as _, time::Duration};

use anyhow::Context as _;
use serde::Serialize;
use tilgang::{
    domain::{
        OrgNumber, PackageCode, RequestStatus, SystemId, SystemUserInfo, SystemUserRequest,
        VendorSystem,
    },
    ports::{Registration, SystemRegister},
};

use crate::{
    cli::{SystemCommand, SystemuserCommand},
    config::{Config, ConfigError, Setting},
    output::{self, OutputFormat, Render, Table},
};

/// The first pause between polls; it doubles up to [`MAX_POLL`].
const FIRST_POLL: Duration = Duration::from_secs(2);
/// The longest pause between polls.
const MAX_POLL: Duration = Duration::from_secs(30);

/// The system the configuration names (`--system`, `ALTINN_SYSTEM_ID`, `system`).
fn system_id(config: &Config, given: Option<&str>) -> anyhow::Result<SystemId> {
    match given {
        Some(id) => Ok(SystemId::parse(id).context("invalid system id")?),
        None => {
            let value = config.require(Setting::System)?;
            Ok(SystemId::parse(&value.value).map_err(|e| config.invalid(Setting::System, e))?)
        }
    }
}

fn packages(codes: &[String]) -> anyhow::Result<Vec<PackageCode>> {
    codes
        .iter()
        .map(|p| PackageCode::parse(p).context("invalid --package"))
        .collect()
}

/// `altinn system ...`.
pub(crate) async fn system(
    register: &dyn SystemRegister,
    config: &Config,
    command: &SystemCommand,
    format: OutputFormat,
) -> anyhow::Result<()> {
    match command {
        SystemCommand::Register {
            id,
            name,
            packages: codes,
            client_ids,
        } => {
            let id = SystemId::parse(id).context("invalid --id")?;
            let mut ids = Vec::new();
            if let Some(client) = config.get(Setting::ClientId) {
                ids.push(client.value.clone());
            }
            for extra in client_ids {
                if !ids.contains(extra) {
                    ids.push(extra.clone());
                }
            }
            let client_ids = ids;
            let system = VendorSystem {
                id,
                name: name.clone(),
                description: None,
                packages: packages(codes)?,
                client_ids,
            };
            let registration = register
                .register(&system)
                .await
                .context("registering the system failed")?;
            output::print(
                format,
                &Registered {
                    registration,
                    system,
                },
            )
        }
        SystemCommand::Show { id } => {
            let id = system_id(config, id.as_deref())?;
            let found = register
                .system(&id)
                .await
                .context("reading the system failed")?;
            match found {
                Some(system) => output::print(format, &Systems(vec![system])),
                None => Err(anyhow::Error::new(tilgang::ports::AltinnError::NotFound {
                    what: format!("system {id}"),
                    hint: "register it with `altinn system register`".into(),
                })),
            }
        }
        SystemCommand::List => {
            let systems = register
                .systems()
                .await
                .context("listing the systems failed")?;
            output::print(format, &Systems(systems))
        }
    }
}

/// `altinn systemuser ...`.
pub(crate) async fn systemuser(
    register: &dyn SystemRegister,
    config: &Config,
    command: &SystemuserCommand,
    format: OutputFormat,
) -> anyhow::Result<()> {
    match command {
        SystemuserCommand::Request {
            customer,
            packages: codes,
            external_ref,
        } => {
            let customer = OrgNumber::parse(customer).context("invalid --customer")?;
            let system = system_id(config, None)?;
            let mut wanted = packages(codes)?;
            if wanted.is_empty() {
                // By default the customer is asked for every package the system declares.
                let registered = register
                    .system(&system)
                    .await
                    .context("reading the system failed")?;
                wanted = registered.map(|s| s.packages).unwrap_or_default();
            }
            let outcome = register
                .request_system_user(&system, &customer, &wanted, external_ref.clone())
                .await
                .context("requesting a system user failed")?;
            output::print(
                format,
                &RequestShown {
                    existing: outcome.existing,
                    request: outcome.request,
                },
            )
        }
        SystemuserCommand::Status {
            request_id,
            customer,
            external_ref,
            wait,
            timeout_secs,
        } => {
            let system = system_id(config, None)?;
            let customer = customer
                .as_deref()
                .map(|c| OrgNumber::parse(c).context("invalid --customer"))
                .transpose()?;
            if request_id.is_none() && customer.is_none() {
                return Err(
                    ConfigError::Other("give the request id, or --customer ORGNO".into()).into(),
                );
            }
            let read = async || -> anyhow::Result<SystemUserRequest> {
                let found = match (request_id, &customer) {
                    (Some(id), _) => register.request(id).await?,
                    (None, Some(customer)) => {
                        register
                            .request_for(&system, customer, external_ref.clone())
                            .await?
                    }
                    (None, None) => None,
                };
                found.ok_or_else(|| {
                    anyhow::Error::new(tilgang::ports::AltinnError::NotFound {
                        what: "the system-user request".into(),
                        hint: "make one with `altinn systemuser request --customer ORGNO`".into(),
                    })
                })
            };
            let mut request = read().await.context("reading the request failed")?;
            if *wait && !request.status.is_decided() {
                let deadline = Duration::from_secs(*timeout_secs);
                request = wait_for_decision(request, deadline, &read).await?;
            }
            let refused = request.status != RequestStatus::Accepted;
            output::print(
                format,
                &RequestShown {
                    existing: true,
                    request,
                },
            )?;
            // A script that waits for the decision needs to tell "the system user exists" from
            // "it never will" by the exit status alone: any decision but Accepted is exit 3,
            // as a refusal is. Without --wait the command only reports, and exits 0.
            if *wait && refused {
                return Err(crate::ascode::Exit(3).into());
            }
            Ok(())
        }
        SystemuserCommand::List => {
            let system = system_id(config, None)?;
            let users = register
                .system_users(&system)
                .await
                .context("listing the system users failed")?;
            output::print(format, &SystemUsers(users))
        }
    }
}

/// Polls until the request is decided or `deadline` passes, with a doubling pause and a
/// spinner on a terminal (none when stderr is not one). Polling is a read, so repeating it is
/// harmless.
async fn wait_for_decision(
    mut request: SystemUserRequest,
    deadline: Duration,
    read: &impl AsyncFn() -> anyhow::Result<SystemUserRequest>,
) -> anyhow::Result<SystemUserRequest> {
    let spinner =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    spinner.set_style(indicatif::ProgressStyle::default_spinner());
    spinner.enable_steady_tick(Duration::from_millis(120));
    let start = tokio::time::Instant::now();
    let mut pause = FIRST_POLL;
    while !request.status.is_decided() {
        spinner.set_message(format!(
            "waiting for the customer to decide ({} s)",
            start.elapsed().as_secs()
        ));
        // The last pause is cut short at the deadline, so the request is read once more when
        // the time is up instead of giving up a whole pause early.
        let remaining = deadline.saturating_sub(start.elapsed());
        if remaining.is_zero() {
            spinner.finish_and_clear();
            return Err(anyhow::anyhow!(
                "the request is still {} after {} s; the customer has the confirm URL (run \
                 again with --wait to keep waiting)",
                request.status,
                deadline.as_secs()
            ));
        }
        tokio::time::sleep(pause.min(remaining)).await;
        pause = (pause * 2).min(MAX_POLL);
        request = read().await.context("reading the request failed")?;
    }
    spinner.finish_and_clear();
    Ok(request)
}

#[derive(Debug, Serialize)]
struct Registered {
    registration: Registration,
    system: VendorSystem,
}

impl Render for Registered {
    fn text(&self) -> String {
        let verb = match self.registration {
            Registration::Created => "registered",
            Registration::Updated => "updated",
            _ => "saved",
        };
        let mut s = format!("System {} {verb}\n", self.system.id);
        let _ = write!(s, "{}", systems_table(std::slice::from_ref(&self.system)));
        s
    }
}

#[derive(Debug, Serialize)]
#[serde(transparent)]
struct Systems(Vec<VendorSystem>);

fn systems_table(systems: &[VendorSystem]) -> Table {
    let mut table = Table::new(&["SYSTEM", "NAME", "PACKAGES", "CLIENT IDS"]);
    for s in systems {
        table.row(vec![
            s.id.to_string(),
            s.name.clone(),
            join(s.packages.iter()),
            join(s.client_ids.iter()),
        ]);
    }
    table
}

fn join<T: ToString>(items: impl Iterator<Item = T>) -> String {
    let items: Vec<String> = items.map(|i| i.to_string()).collect();
    if items.is_empty() {
        "-".into()
    } else {
        items.join(", ")
    }
}

impl Render for Systems {
    fn text(&self) -> String {
        if self.0.is_empty() {
            return "No systems registered.\n".into();
        }
        systems_table(&self.0).to_string()
    }
}

#[derive(Debug, Serialize)]
struct RequestShown {
    existing: bool,
    #[serde(flatten)]
    request: SystemUserRequest,
}

impl Render for RequestShown {
    fn text(&self) -> String {
        let r = &self.request;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "System-user request {} for {} ({}){}",
            r.id,
            r.customer,
            r.status,
            if self.existing { "" } else { ": new" }
        );
        let _ = writeln!(s, "  system:       {}", r.system);
        let _ = writeln!(s, "  packages:     {}", join(r.packages.iter()));
        if let Some(reference) = &r.external_ref {
            let _ = writeln!(s, "  external ref: {reference}");
        }
        if let Some(url) = &r.confirm_url
            && r.status == RequestStatus::New
        {
            let _ = writeln!(s, "  send the customer this link to approve it:");
            let _ = writeln!(s, "  {url}");
        }
        if r.status == RequestStatus::Accepted {
            let _ = writeln!(
                s,
                "  accepted: the Altinn 3 commands now work with --system-user-org {}",
                r.customer
            );
        }
        s
    }
}

#[derive(Debug, Serialize)]
#[serde(transparent)]
struct SystemUsers(Vec<SystemUserInfo>);

impl Render for SystemUsers {
    fn text(&self) -> String {
        if self.0.is_empty() {
            return "No system users yet.\n".into();
        }
        let mut table = Table::new(&["CUSTOMER", "SYSTEM USER", "EXTERNAL REF", "NAME"]);
        for u in &self.0 {
            table.row(vec![
                u.customer.clone(),
                u.id.clone(),
                u.external_ref.clone().unwrap_or_else(|| "-".into()),
                u.name.clone().unwrap_or_else(|| "-".into()),
            ]);
        }
        table.to_string()
    }
}
