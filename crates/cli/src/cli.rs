//! The command tree, as clap derive types.
//!
//! Settings flags are global so they can be written before or after the subcommand. They are
//! plain `Option`s here: the environment, the profile file and the built-in environment
//! defaults are layered in `config`, which also remembers where each value came from.

use clap::{Args, Parser, Subcommand};
use clap_complete::Shell;

use crate::{config::SettingsArgs, output::OutputFormat};

/// The default `--timeout` of `systemuser status --wait`, in seconds.
pub(crate) const DEFAULT_WAIT_SECS: u64 = 600;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  other failures (network, server errors, unexpected answers)
  2  bad input or configuration (also usage errors)
  3  authentication or authorization refused
  4  not found
  5  plan: changes pending (0: no changes)";

const CONFIG_HELP: &str = "\
Configuration, highest precedence first:
  1. flags (secrets are never accepted as flags)
  2. environment variables (shown as [env: ...] above)
  3. a TOML profile: table [NAME] (--profile, default \"default\") of the file given by
     --config / ALTINN_CONFIG, or config.toml in the platform config directory
  4. built-in defaults of --env test|prod|local (default test)
Secrets: ALTINN_API_KEY (environment or profile `api_key`), ALTINN_ENTERPRISE_PASSWORD
(environment only), the PKCS#12 password from the variable named by --p12-password-env.";

/// Maskinporten, the Altinn token exchange, reportees and rights from the command line.
#[derive(Debug, Parser)]
#[command(
    name = "altinn",
    version,
    about,
    long_about = "Maskinporten, the Altinn token exchange, reportees and rights from the command \
                  line.\n\nStart with `altinn demo`: it runs every step against a built-in mock \
                  server and needs no configuration.",
    after_help = EXIT_CODES,
    after_long_help = format!("{CONFIG_HELP}\n\n{EXIT_CODES}"),
)]
pub(crate) struct Cli {
    /// Output format: a readable table, or JSON for scripts.
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub(crate) output: OutputFormat,

    /// Log what happens to stderr (RUST_LOG refines it). Secrets are never logged.
    #[arg(long, short = 'v', global = true)]
    pub(crate) verbose: bool,

    /// Where settings come from.
    #[command(flatten)]
    pub(crate) settings: SettingsArgs,

    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Step 1: get a Maskinporten access token; prints expiry, scopes, consumer and the system
    /// user it is for.
    Token {
        /// Also print the token itself (it is a secret: handle with care).
        #[arg(long)]
        show_token: bool,
    },
    /// Step 2: exchange a Maskinporten token for an Altinn token.
    Exchange {
        /// Also print the Altinn token itself (it is a secret: handle with care).
        #[arg(long)]
        show_token: bool,
    },
    /// The organisations the system user may act for (Altinn 3).
    Parties,
    /// Step 3: resolve a fødselsnummer or organisation number to a party. On Altinn 3 this is
    /// read-only: a person must already be a right holder of the organisation.
    Reportee(ReporteeArgs),
    /// The right holders of the organisation: list, add or remove them.
    Rightholders {
        /// What to do (default: list).
        #[command(subcommand)]
        command: Option<RightholdersCommand>,
    },
    /// Steps 4–6: show, grant or revoke rights.
    #[command(subcommand)]
    Rights(RightsCommand),
    /// The access-package catalogue (Altinn 3; no token needed).
    Packages {
        /// What to do (default: the whole catalogue).
        #[command(subcommand)]
        command: Option<PackagesCommand>,
    },
    /// The vendor's systems in the Altinn system register (Altinn 3 onboarding).
    #[command(subcommand)]
    System(SystemCommand),
    /// Ask customers for system users and follow the requests (Altinn 3 onboarding).
    #[command(subcommand)]
    Systemuser(SystemuserCommand),
    /// Show what `apply` would change for the access file, Terraform-style (exit 5 when
    /// there are changes, 0 when none).
    Plan(crate::ascode::PlanArgs),
    /// Make the organisations' accesses match the access file (asks first on a terminal).
    Apply(crate::ascode::ApplyArgs),
    /// Print what the organisation's right holders hold directly today, as an access file.
    Export,
    /// Run all six steps against a built-in mock server (no configuration needed); on
    /// Altinn 3 by default, `--platform altinn2` for the retired API.
    Demo {
        /// Show the onboarding first: register the system, request a system user, approve it.
        #[arg(long)]
        onboarding: bool,
    },
    /// Print a shell completion script to stdout.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: Shell,
    },
}

/// `altinn reportee`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("name_kind").required(true).args(["last_name", "name"])))]
pub(crate) struct ReporteeArgs {
    /// An 11-digit fødselsnummer or a 9-digit organisation number.
    #[arg(value_name = "FNR|ORGNO")]
    pub(crate) id: String,
    /// The person's last name, for a fødselsnummer.
    #[arg(long, value_name = "NAME")]
    pub(crate) last_name: Option<String>,
    /// The organisation's name, for an organisation number.
    #[arg(long, value_name = "ORGNAME")]
    pub(crate) name: Option<String>,
}

/// `altinn rightholders ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum RightholdersCommand {
    /// Everyone who holds something from the organisation.
    List,
    /// Make a person or an organisation a right holder (in Altinn 3 a change: person lookups
    /// are limited to two misses an hour).
    Add(HolderArgs),
    /// End a right holder's relation to the organisation.
    Remove {
        /// Who.
        #[command(flatten)]
        holder: HolderArgs,
        /// Also remove everything they hold from the organisation.
        #[arg(long)]
        cascade: bool,
    },
}

/// A right holder: a person by number and last name, or an organisation by number.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("holder").required(true).args(["person", "org_number"])))]
pub(crate) struct HolderArgs {
    /// The person's fødselsnummer.
    #[arg(long, value_name = "FNR", requires = "last_name")]
    pub(crate) person: Option<String>,
    /// The person's last name, as registered.
    #[arg(long, value_name = "NAME")]
    pub(crate) last_name: Option<String>,
    /// An organisation's number.
    #[arg(long, value_name = "ORGNO", conflicts_with_all = ["person", "last_name"])]
    pub(crate) org_number: Option<String>,
}

/// `altinn system ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum SystemCommand {
    /// Create the vendor's system, or update it when it exists.
    Register {
        /// The system's id: the vendor's organisation number, `_`, a name.
        #[arg(long, value_name = "VENDORORGNO_NAME")]
        id: String,
        /// The name customers see.
        #[arg(long, value_name = "TEXT")]
        name: String,
        /// An access package the system will ask customers for; repeat for several.
        #[arg(long = "package", value_name = "CODE")]
        packages: Vec<String>,
        /// Another Maskinporten client id of the system, besides the configured `--client-id`
        /// (which is always included); repeat for several.
        #[arg(long = "extra-client-id", value_name = "ID")]
        client_ids: Vec<String>,
    },
    /// Show one system (default: the configured `--system`).
    Show {
        /// The system's id.
        #[arg(long, value_name = "VENDORORGNO_NAME")]
        id: Option<String>,
    },
    /// The vendor's systems.
    List,
}

/// `altinn systemuser ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum SystemuserCommand {
    /// Ask a customer for a system user of the system; prints the link to send them. Asking
    /// again for the same customer and reference shows the existing request.
    Request {
        /// The customer organisation.
        #[arg(long, value_name = "ORGNO")]
        customer: String,
        /// An access package to ask for; repeat for several (default: the system's).
        #[arg(long = "package", value_name = "CODE")]
        packages: Vec<String>,
        /// A reference that tells several system users of one customer apart.
        #[arg(long, value_name = "REF")]
        external_ref: Option<String>,
    },
    /// Where a request stands: New, Accepted, Rejected, Denied or Timedout.
    Status {
        /// The request id.
        #[arg(value_name = "REQUEST_ID", required_unless_present = "customer")]
        request_id: Option<String>,
        /// Or the customer the request was made to.
        #[arg(long, value_name = "ORGNO")]
        customer: Option<String>,
        /// With --customer: the request's reference.
        #[arg(long, value_name = "REF")]
        external_ref: Option<String>,
        /// Poll with backoff until the request is decided or the timeout passes; exits 3
        /// when the decision is anything but Accepted.
        #[arg(long)]
        wait: bool,
        /// How long `--wait` waits, in seconds.
        #[arg(long = "timeout", value_name = "SECS", default_value_t = DEFAULT_WAIT_SECS)]
        timeout_secs: u64,
    },
    /// The system users of the system, per customer.
    List,
}

/// `altinn packages ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum PackagesCommand {
    /// The packages whose name or description matches a term.
    Search {
        /// The term.
        term: String,
    },
}

/// `altinn rights ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum RightsCommand {
    /// Step 4: show what a person holds from the organisation, and how.
    Show(RightsArgs),
    /// Step 5: grant (only what is missing is sent).
    Grant(RightsArgs),
    /// Step 6: revoke what is held directly.
    Revoke(RightsArgs),
}

/// The arguments every `rights` subcommand shares. The organisation is the global `--org`.
#[derive(Debug, Args)]
pub(crate) struct RightsArgs {
    /// The person holding the rights.
    #[arg(long, value_name = "FNR", requires = "last_name")]
    pub(crate) person: String,
    /// The person's last name, as registered.
    #[arg(long, value_name = "NAME")]
    pub(crate) last_name: String,
    /// An access package (a code such as `regnskap-okonomi-rapport`, or its URN); repeat for
    /// several. Altinn 3 only.
    #[arg(long = "package", value_name = "CODE")]
    pub(crate) packages: Vec<String>,
    /// A resource from the Resource Registry (e.g. `ttd-hr-rapport`), with `--action`.
    /// Altinn 3 only. (After `rights`, `--resource` names this, not the Maskinporten
    /// audience; set that with MASKINPORTEN_RESOURCE or `resource` in the profile.)
    #[arg(long, value_name = "ID")]
    pub(crate) resource: Option<String>,
    /// The service, as CODE:EDITION (e.g. 4503:2). Altinn 2 only; required there for grant
    /// and revoke.
    #[arg(long, value_name = "CODE:EDITION")]
    pub(crate) service: Option<String>,
    /// An action (read, write, sign, ...; on Altinn 2 Read, Write, ArchiveRead, ...); repeat
    /// for several. Grant defaults to read; revoke defaults to every action held directly.
    #[arg(long = "action", value_name = "ACTION")]
    pub(crate) actions: Vec<String>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::config::{EnvName, Setting};

    #[test]
    fn command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn settings_flags_are_global() {
        let cli = Cli::try_parse_from([
            "altinn",
            "token",
            "--client-id",
            "abc",
            "--env",
            "prod",
            "-o",
            "json",
        ])
        .unwrap();
        assert_eq!(cli.settings.get(Setting::ClientId), Some("abc"));
        assert_eq!(cli.settings.env, Some(EnvName::Prod));
        assert_eq!(cli.output, OutputFormat::Json);
    }

    #[test]
    fn secrets_have_no_flags() {
        for flag in [
            "--api-key",
            "--password",
            "--enterprise-password",
            "--p12-password",
        ] {
            let res = Cli::try_parse_from(["altinn", "token", flag, "x"]);
            assert!(res.is_err(), "{flag} must not be accepted");
        }
    }

    #[test]
    fn reportee_needs_a_name() {
        assert!(Cli::try_parse_from(["altinn", "reportee", "26899299344"]).is_err());
        assert!(
            Cli::try_parse_from([
                "altinn",
                "reportee",
                "26899299344",
                "--last-name",
                "A",
                "--name",
                "B"
            ])
            .is_err()
        );
    }

    #[test]
    fn rights_take_repeated_actions() {
        let cli = Cli::try_parse_from([
            "altinn",
            "rights",
            "grant",
            "--person",
            "26899299344",
            "--last-name",
            "HEIS",
            "--service",
            "4503:2",
            "--action",
            "Read",
            "--action",
            "Write",
        ])
        .unwrap();
        let Command::Rights(RightsCommand::Grant(args)) = cli.command else {
            panic!("expected rights grant");
        };
        assert_eq!(args.actions, ["Read", "Write"]);
        assert_eq!(cli.settings.get(Setting::Org), None);
    }

    /// `--org` is a global setting now, and still works where scripts put it: after the
    /// subcommand, as `rights show --org my`.
    #[test]
    fn org_is_a_global_setting_that_works_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "altinn",
            "rights",
            "show",
            "--org",
            "my",
            "--person",
            "26899299344",
            "--last-name",
            "HEIS",
            "--package",
            "lonn",
            "--package",
            "urn:altinn:accesspackage:a-ordning",
        ])
        .unwrap();
        assert_eq!(cli.settings.get(Setting::Org), Some("my"));
        let Command::Rights(RightsCommand::Show(args)) = cli.command else {
            panic!("expected rights show");
        };
        assert_eq!(args.packages.len(), 2);
    }

    /// After `rights`, `--resource` is the Altinn 3 resource the command is about.
    #[test]
    fn resource_after_rights_names_the_resource() {
        let cli = Cli::try_parse_from([
            "altinn",
            "rights",
            "grant",
            "--person",
            "26899299344",
            "--last-name",
            "HEIS",
            "--resource",
            "ttd-hr-rapport",
        ])
        .unwrap();
        let Command::Rights(RightsCommand::Grant(args)) = &cli.command else {
            panic!("expected rights grant");
        };
        assert_eq!(args.resource.as_deref(), Some("ttd-hr-rapport"));
    }

    #[test]
    fn a_right_holder_is_a_person_or_an_organisation_not_both() {
        let ok =
            Cli::try_parse_from(["altinn", "rightholders", "add", "--org-number", "310000000"]);
        assert!(ok.is_ok());
        let both = Cli::try_parse_from([
            "altinn",
            "rightholders",
            "add",
            "--org-number",
            "310000000",
            "--person",
            "26899299344",
            "--last-name",
            "HEIS",
        ]);
        assert!(both.is_err());
        assert!(Cli::try_parse_from(["altinn", "rightholders", "remove", "--cascade"]).is_err());
        let list = Cli::try_parse_from(["altinn", "rightholders"]).unwrap();
        assert!(matches!(
            list.command,
            Command::Rightholders { command: None }
        ));
    }

    #[test]
    fn help_documents_exit_codes() {
        let help = Cli::command().render_long_help().to_string();
        for line in [
            "0  success",
            "2  bad input",
            "3  authentication",
            "4  not found",
        ] {
            assert!(help.contains(line), "missing {line:?} in help");
        }
        assert!(help.contains("MASKINPORTEN_CLIENT_ID"));
    }
}
