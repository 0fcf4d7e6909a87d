//! The command tree, as clap derive types.
//!
//! Settings flags are global so they can be written before or after the subcommand. They are
//! plain `Option`s here: the environment, the profile file and the built-in environment
//! defaults are layered in `config`, which also remembers where each value came from.

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  other failures (network, server errors, unexpected answers)
  2  bad input or configuration (also usage errors)
  3  authentication or authorization refused
  4  not found";

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

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// Human-readable text and tables.
    Text,
    /// One JSON document on stdout.
    Json,
}

/// The built-in environments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EnvName {
    /// Maskinporten TEST and Altinn TT02.
    Test,
    /// Maskinporten and Altinn production.
    Prod,
    /// The mock server binary on this machine (`tilgang-mock`, default 127.0.0.1:8080), with
    /// the demo world's credentials built in.
    Local,
}

/// The settings flags (see the table in the README). Secrets have no flag on purpose: a flag
/// ends up in shell history and in the process list.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct SettingsArgs {
    /// Built-in environment defaults [env: ALTINN_ENV] [default: test].
    #[arg(
        long = "env",
        global = true,
        value_enum,
        help_heading = "Configuration"
    )]
    pub(crate) env: Option<EnvName>,

    /// Profile (a table) in the configuration file [env: ALTINN_PROFILE] [default: default].
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        help_heading = "Configuration"
    )]
    pub(crate) profile: Option<String>,

    /// Configuration file [env: ALTINN_CONFIG] [default: config.toml in the platform config
    /// directory].
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        help_heading = "Configuration"
    )]
    pub(crate) config: Option<String>,

    /// Maskinporten issuer URL; the well-known document is read from it [env: MASKINPORTEN_URL].
    #[arg(long, global = true, value_name = "URL", help_heading = "Maskinporten")]
    pub(crate) maskinporten_url: Option<String>,

    /// Maskinporten client id [env: MASKINPORTEN_CLIENT_ID].
    #[arg(long, global = true, value_name = "ID", help_heading = "Maskinporten")]
    pub(crate) client_id: Option<String>,

    /// Private key file, PEM (PKCS#1 or PKCS#8) or JWK [env: MASKINPORTEN_KEY].
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        help_heading = "Maskinporten"
    )]
    pub(crate) key: Option<String>,

    /// Key id of a key registered with Maskinporten [env: MASKINPORTEN_KID].
    #[arg(long, global = true, value_name = "KID", help_heading = "Maskinporten")]
    pub(crate) kid: Option<String>,

    /// PEM certificate chain, sent as x5c (enterprise certificate) [env: MASKINPORTEN_CERT].
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        help_heading = "Maskinporten"
    )]
    pub(crate) cert: Option<String>,

    /// PKCS#12 file with key and certificate chain [env: MASKINPORTEN_P12].
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        help_heading = "Maskinporten"
    )]
    pub(crate) p12: Option<String>,

    /// Name of the environment variable that holds the PKCS#12 password
    /// [default: MASKINPORTEN_P12_PASSWORD].
    #[arg(long, global = true, value_name = "VAR", help_heading = "Maskinporten")]
    pub(crate) p12_password_env: Option<String>,

    /// Scopes, space-separated [env: MASKINPORTEN_SCOPE] [default: altinn:enduser].
    #[arg(
        long,
        global = true,
        value_name = "SCOPES",
        help_heading = "Maskinporten"
    )]
    pub(crate) scope: Option<String>,

    /// Audience restriction: the API the token is for [env: MASKINPORTEN_RESOURCE].
    #[arg(long, global = true, value_name = "URI", help_heading = "Maskinporten")]
    pub(crate) resource: Option<String>,

    /// Altinn platform URL, for the token exchange [env: ALTINN_PLATFORM_URL].
    #[arg(long, global = true, value_name = "URL", help_heading = "Altinn")]
    pub(crate) platform_url: Option<String>,

    /// Altinn 2 REST root; paths /api/... are below it [env: ALTINN_API_URL].
    #[arg(long, global = true, value_name = "URL", help_heading = "Altinn")]
    pub(crate) api_url: Option<String>,

    /// Enterprise user name; the password is read from ALTINN_ENTERPRISE_PASSWORD
    /// [env: ALTINN_ENTERPRISE_USER].
    #[arg(long, global = true, value_name = "NAME", help_heading = "Altinn")]
    pub(crate) enterprise_user: Option<String>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Step 1: get a Maskinporten access token; prints expiry, scopes and consumer.
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
    /// Step 3: convert a fødselsnummer or organisation number to a reportee.
    Reportee(ReporteeArgs),
    /// Steps 4–6: show, grant or revoke rights.
    #[command(subcommand)]
    Rights(RightsCommand),
    /// Run all six steps against a built-in mock server (no configuration needed).
    Demo,
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

/// `altinn rights ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum RightsCommand {
    /// Step 4: show the rights a person holds from an organisation.
    Show(RightsArgs),
    /// Step 5: grant rights (only the missing ones are sent).
    Grant(RightsArgs),
    /// Step 6: revoke directly delegated rights.
    Revoke(RightsArgs),
}

/// The arguments every `rights` subcommand shares.
#[derive(Debug, Args)]
pub(crate) struct RightsArgs {
    /// The organisation giving the rights: a number, or `my` for the authenticated party.
    #[arg(long, value_name = "ORGNO|my", default_value = "my")]
    pub(crate) org: String,
    /// The person holding the rights.
    #[arg(long, value_name = "FNR", requires = "last_name")]
    pub(crate) person: String,
    /// The person's last name, as registered.
    #[arg(long, value_name = "NAME")]
    pub(crate) last_name: String,
    /// The service, as CODE:EDITION (e.g. 4503:2). Required for grant and revoke.
    #[arg(long, value_name = "CODE:EDITION")]
    pub(crate) service: Option<String>,
    /// An action (Read, Write, Sign, ArchiveRead, ...); repeat for several. Grant defaults to
    /// Read; revoke defaults to every action on the service.
    #[arg(long = "action", value_name = "ACTION")]
    pub(crate) actions: Vec<String>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

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
        assert_eq!(cli.settings.client_id.as_deref(), Some("abc"));
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
        assert_eq!(args.org, "my");
        assert_eq!(args.actions, ["Read", "Write"]);
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
