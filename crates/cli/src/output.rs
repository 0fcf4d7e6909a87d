//! Presenting results: readable text with tables, or one JSON document for scripts.
//!
//! Every result type implements [`Render`]: `Serialize` gives the JSON form and `text` the
//! human one. Nothing here ever receives a full fødselsnummer or a secret unless the user asked
//! for a token with `--show-token`.

use std::{
    fmt::{self, Write as _},
    time::{Duration, SystemTime},
};

use serde::Serialize;
use tilgang::{
    access::{
        AccessReport, GrantOutcome, GrantStatus, RemovalOutcome, RevokeOutcome, RevokeStatus,
        RightHolderList, RightHolderOutcome,
    },
    altinn3::wire::{AuthorizedPartyDto, meta::PackageDto},
    domain::{Grantable, HeldAccess, HeldVia, Party},
    maskinporten::SystemUserClaim,
};

use clap::ValueEnum;

/// A result that can be printed.
pub(crate) trait Render: Serialize {
    /// The human-readable form, ending in a newline.
    fn text(&self) -> String;
}

/// Prints a result to stdout in the chosen format.
pub(crate) fn print(format: OutputFormat, result: &impl Render) -> anyhow::Result<()> {
    let out = match format {
        OutputFormat::Text => result.text(),
        OutputFormat::Json => format!("{}\n", serde_json::to_string_pretty(result)?),
    };
    print!("{out}");
    Ok(())
}

/// A plain table with left-aligned columns.
#[derive(Debug)]
pub(crate) struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn new(headers: &[&'static str]) -> Self {
        Table {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |f: &mut fmt::Formatter<'_>, cells: &mut dyn Iterator<Item = &str>| {
            let mut text = String::new();
            for (cell, width) in cells.zip(&widths) {
                let pad = width.saturating_sub(cell.chars().count());
                text.push_str(cell);
                text.push_str(&" ".repeat(pad + 2));
            }
            writeln!(f, "  {}", text.trim_end())
        };
        line(f, &mut self.headers.iter().copied())?;
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(f, &mut rule.iter().map(String::as_str))?;
        for row in &self.rows {
            line(f, &mut row.iter().map(String::as_str))?;
        }
        Ok(())
    }
}

fn opt(v: Option<impl fmt::Display>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
}

/// RFC 3339 in UTC, to the second.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("@{secs}"))
}

/// Seconds from `now` until `t` (0 when already past).
pub(crate) fn seconds_until(t: SystemTime, now: SystemTime) -> u64 {
    t.duration_since(now).unwrap_or(Duration::ZERO).as_secs()
}

/// Step 1's result.
#[derive(Debug, Serialize)]
pub(crate) struct TokenOutput {
    /// When the token expires (RFC 3339, UTC).
    pub(crate) expires_at: String,
    /// Seconds left.
    pub(crate) expires_in: u64,
    /// The scopes Maskinporten says it granted.
    pub(crate) scopes: Vec<String>,
    /// The consumer organisation, from the token.
    pub(crate) consumer: Option<String>,
    /// The system user the token is for, when it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) system_user: Option<SystemUserOutput>,
    /// The token itself, only with `--show-token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) token: Option<String>,
}

/// The system user a token is for, as its claims say.
#[derive(Debug, Serialize)]
pub(crate) struct SystemUserOutput {
    /// The system user's id.
    pub(crate) id: Option<String>,
    /// The customer organisation.
    pub(crate) org: Option<String>,
    /// The vendor's system.
    pub(crate) system_id: Option<String>,
}

impl From<SystemUserClaim> for SystemUserOutput {
    fn from(c: SystemUserClaim) -> Self {
        SystemUserOutput {
            id: c.id,
            org: c.org,
            system_id: c.system_id,
        }
    }
}

/// The system user's lines, with labels padded to `width` so they line up with the rest.
fn system_user_lines(s: &mut String, su: &Option<SystemUserOutput>, width: usize) {
    if let Some(su) = su {
        for (label, value) in [
            ("system user:", &su.id),
            ("for org:", &su.org),
            ("system:", &su.system_id),
        ] {
            let _ = writeln!(s, "  {label:<width$} {}", opt(value.as_deref()));
        }
    }
}

impl Render for TokenOutput {
    fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "Maskinporten access token");
        let _ = writeln!(
            s,
            "  expires:  {} (in {} s)",
            self.expires_at, self.expires_in
        );
        let scopes = if self.scopes.is_empty() {
            "-".to_owned()
        } else {
            self.scopes.join(" ")
        };
        let _ = writeln!(s, "  scopes:   {scopes}");
        let _ = writeln!(s, "  consumer: {}", opt(self.consumer.as_deref()));
        system_user_lines(&mut s, &self.system_user, "consumer:".len());
        if let Some(token) = &self.token {
            let _ = writeln!(s, "  token:    {token}");
        }
        s
    }
}

/// Step 2's result.
#[derive(Debug, Serialize)]
pub(crate) struct ExchangeOutput {
    /// When the Altinn token expires (RFC 3339, UTC).
    pub(crate) expires_at: String,
    /// Seconds left.
    pub(crate) expires_in: u64,
    /// The system user the token is for, when it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) system_user: Option<SystemUserOutput>,
    /// Whether an enterprise user was sent along.
    pub(crate) enterprise_user: Option<String>,
    /// The token itself, only with `--show-token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) token: Option<String>,
}

impl Render for ExchangeOutput {
    fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "Altinn token (exchanged from Maskinporten)");
        let _ = writeln!(
            s,
            "  expires:         {} (in {} s)",
            self.expires_at, self.expires_in
        );
        if let Some(user) = &self.enterprise_user {
            let _ = writeln!(s, "  enterprise user: {user}");
        }
        system_user_lines(&mut s, &self.system_user, "enterprise user:".len());
        if let Some(token) = &self.token {
            let _ = writeln!(s, "  token:           {token}");
        }
        s
    }
}

/// Step 3's result: a party, its number masked by the domain type already.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub(crate) struct PartyOutput(pub(crate) Party);

impl Render for PartyOutput {
    fn text(&self) -> String {
        let p = &self.0;
        let mut s = String::new();
        let _ = writeln!(s, "{} {}", p.kind, p.describe());
        let _ = writeln!(s, "  name:         {}", opt(p.name.as_deref()));
        if let Some(ssn) = &p.ssn {
            let _ = writeln!(s, "  ssn:          {ssn}");
        }
        if let Some(org) = &p.organization_number {
            let _ = writeln!(s, "  org number:   {org}");
        }
        if let Some(uuid) = &p.party_uuid {
            let _ = writeln!(s, "  party uuid:   {uuid}");
        }
        if let Some(id) = &p.party_id {
            let _ = writeln!(s, "  party id:     {id}");
        }
        if let Some(id) = &p.reportee_id {
            let _ = writeln!(s, "  reportee id:  {id}");
        }
        s
    }
}

/// A party in one line: name, masked number or organisation number, and its best id.
fn party_line(p: &Party) -> String {
    let mut out = p.name.clone().unwrap_or_else(|| "(no name)".into());
    if let Some(ssn) = &p.ssn {
        let _ = write!(out, " ({ssn})");
    }
    if let Some(org) = &p.organization_number {
        let _ = write!(out, " (org {org})");
    }
    if let Some(id) = p.reference() {
        let _ = write!(out, ", party {id}");
    }
    out
}

/// The kind and the thing itself, as two table cells: `service 4864:1` and `Read`.
fn grantable_cells(g: &Grantable) -> (String, String, String) {
    match g {
        Grantable::ServiceRight(r) => (
            "service".into(),
            format!("{}:{}", r.service_code, r.service_edition),
            r.action.to_string(),
        ),
        Grantable::ResourceRight(r) => (
            "resource".into(),
            r.resource.to_string(),
            r.action.as_str().to_ascii_lowercase(),
        ),
        Grantable::Package { package } => ("package".into(), package.to_string(), "-".into()),
        Grantable::Role { role } => ("role".into(), role.upper(), "-".into()),
        Grantable::Other {
            what,
            reference,
            action,
        } => (what.clone(), reference.clone(), opt(action.as_ref())),
        other => ("other".into(), other.to_string(), "-".into()),
    }
}

fn held_via(via: &[HeldVia]) -> String {
    if via.is_empty() {
        return "-".into();
    }
    via.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn accesses_table(accesses: &[HeldAccess]) -> Table {
    let mut table = Table::new(&["KIND", "WHAT", "ACTION", "HELD", "REVOCABLE"]);
    for a in accesses {
        let (kind, what, action) = grantable_cells(&a.grantable);
        let what = match &a.name {
            Some(name) => format!("{what} ({name})"),
            None => what,
        };
        table.row(vec![
            kind,
            what,
            action,
            held_via(&a.held_via),
            if a.revocable { "yes" } else { "no" }.into(),
        ]);
    }
    table
}

impl Render for AccessReport {
    fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Accesses of {} from {}",
            party_line(&self.holder),
            self.org
        );
        if self.accesses.is_empty() {
            let _ = writeln!(s, "  (none)");
        } else {
            let _ = write!(s, "{}", accesses_table(&self.accesses));
        }
        s
    }
}

fn changed(changed: bool) -> &'static str {
    if changed { "changed" } else { "nothing to do" }
}

impl Render for GrantOutcome {
    fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Grant to {} from {}: {}",
            party_line(&self.holder),
            self.org,
            changed(self.changed)
        );
        if let Some(change) = self.right_holder {
            let _ = writeln!(s, "  right holder: {change:?}");
        }
        let mut table = Table::new(&["KIND", "WHAT", "ACTION", "RESULT"]);
        for line in &self.accesses {
            let result = match &line.status {
                GrantStatus::Added => "added".to_owned(),
                GrantStatus::AlreadyHeld { held_via: via } => {
                    format!("already held ({})", held_via(via))
                }
                _ => "unknown".to_owned(),
            };
            let (kind, what, action) = grantable_cells(&line.grantable);
            table.row(vec![kind, what, action, result]);
        }
        let _ = write!(s, "{table}");
        // A grant call carries every missing access; on Altinn 3 it is several requests (a
        // package, a resource's right check and its keys), so the count names calls.
        let _ = writeln!(s, "  grant calls: {}", self.requests_sent);
        s
    }
}

impl Render for RevokeOutcome {
    fn text(&self) -> String {
        let mut s = String::new();
        let who = self
            .holder
            .as_ref()
            .map(party_line)
            .unwrap_or_else(|| "a party who is not a right holder".into());
        let _ = writeln!(
            s,
            "Revoke from {who} at {}: {}",
            self.org,
            changed(self.changed)
        );
        let mut table = Table::new(&["KIND", "WHAT", "ACTION", "RESULT"]);
        for line in &self.accesses {
            let result = match &line.status {
                RevokeStatus::Removed { still_held_via } if still_held_via.is_empty() => {
                    "removed".to_owned()
                }
                RevokeStatus::Removed { still_held_via } => {
                    format!("removed; still held {}", held_via(still_held_via))
                }
                RevokeStatus::NotHeld => "not held".to_owned(),
                _ => "unknown".to_owned(),
            };
            let (kind, what, action) = grantable_cells(&line.grantable);
            table.row(vec![kind, what, action, result]);
        }
        let _ = write!(s, "{table}");
        s
    }
}

/// `altinn parties`: the organisations the system user may act for.
#[derive(Debug, Serialize)]
pub(crate) struct PartiesOutput {
    /// The parties, as Altinn lists them (a person's number masked in JSON too).
    pub(crate) parties: Vec<AuthorizedPartyDto>,
}

impl Render for PartiesOutput {
    fn text(&self) -> String {
        let mut table = Table::new(&["ORG NUMBER", "NAME", "PARTY UUID", "PACKAGES"]);
        for p in &self.parties {
            for p in std::iter::once(p).chain(p.subunits.iter()) {
                table.row(vec![
                    opt(p.organization_number.as_deref()),
                    opt(p.name.as_deref()),
                    p.party_uuid.to_string(),
                    if p.authorized_access_packages.is_empty() {
                        "-".to_owned()
                    } else {
                        p.authorized_access_packages.join(", ")
                    },
                ]);
            }
        }
        let mut s = String::from("Parties the system user may act for\n");
        if self.parties.is_empty() {
            s.push_str("  (none)\n");
        } else {
            let _ = write!(s, "{table}");
        }
        s
    }
}

/// `altinn packages`: the catalogue.
#[derive(Debug, Serialize)]
pub(crate) struct PackagesOutput {
    /// The packages.
    pub(crate) packages: Vec<PackageDto>,
}

impl Render for PackagesOutput {
    fn text(&self) -> String {
        let mut table = Table::new(&["CODE", "NAME", "AREA", "ASSIGNABLE", "DELEGABLE"]);
        for p in &self.packages {
            let code = p
                .urn
                .strip_prefix("urn:altinn:accesspackage:")
                .unwrap_or(&p.urn)
                .to_owned();
            table.row(vec![
                code,
                p.name.clone(),
                p.area
                    .as_ref()
                    .map(|a| a.name.clone())
                    .unwrap_or_else(|| "-".into()),
                yes_no(p.is_assignable),
                yes_no(p.is_delegable),
            ]);
        }
        let mut s = format!("{} access package(s)\n", self.packages.len());
        let _ = write!(s, "{table}");
        s
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

impl Render for RightHolderList {
    fn text(&self) -> String {
        let mut table = Table::new(&["KIND", "NAME", "NUMBER", "PARTY"]);
        for p in &self.right_holders {
            table.row(vec![
                p.kind.to_string(),
                opt(p.name.as_deref()),
                p.ssn
                    .as_ref()
                    .map(ToString::to_string)
                    .or_else(|| p.organization_number.clone())
                    .unwrap_or_else(|| "-".into()),
                opt(p.reference()),
            ]);
        }
        let mut s = format!("Right holders of {}\n", self.org);
        if self.right_holders.is_empty() {
            s.push_str("  (none)\n");
        } else {
            let _ = write!(s, "{table}");
        }
        s
    }
}

impl Render for RightHolderOutcome {
    fn text(&self) -> String {
        let what = match self.change {
            tilgang::ports::RightHolderChange::Added => "added as a right holder",
            tilgang::ports::RightHolderChange::AlreadyRightHolder => {
                "already a right holder; nothing changed"
            }
            tilgang::ports::RightHolderChange::NotNeeded => {
                "looked up (Altinn 2 makes a right holder by the first delegation)"
            }
            _ => "done",
        };
        format!("{} of {}: {what}\n", party_line(&self.holder), self.org)
    }
}

impl Render for RemovalOutcome {
    fn text(&self) -> String {
        let what = if self.removed {
            "removed as a right holder"
        } else {
            "not a right holder; nothing to do"
        };
        format!("{} of {}: {what}\n", self.holder, self.org)
    }
}

/// What the demo did: one entry per step.
#[derive(Debug, Serialize)]
pub(crate) struct DemoOutput {
    /// The mock server's address.
    pub(crate) mock_server: String,
    /// Which Altinn API the demo ran on.
    pub(crate) platform: String,
    /// The steps, in order.
    pub(crate) steps: Vec<DemoStep>,
}

/// One step of the demo.
#[derive(Debug, Serialize)]
pub(crate) struct DemoStep {
    /// The step's number (1–6; "show again" repeats 4; 0 for the onboarding before them).
    pub(crate) step: u8,
    /// What the step does.
    pub(crate) title: String,
    /// The command that does the same outside the demo.
    pub(crate) command: String,
    /// The step's result.
    pub(crate) result: serde_json::Value,
    /// The text form of the result.
    #[serde(skip)]
    pub(crate) text: String,
}

impl Render for DemoOutput {
    fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Demo on {} against an in-process mock server at {} (default world)\n",
            self.platform, self.mock_server
        );
        for step in &self.steps {
            if step.step == 0 {
                let _ = writeln!(s, "== Onboarding: {}", step.title);
            } else {
                let _ = writeln!(s, "== Step {}: {}", step.step, step.title);
            }
            let _ = writeln!(s, "   $ {}", step.command);
            for line in step.text.lines() {
                let _ = writeln!(s, "   {line}");
            }
            let _ = writeln!(s);
        }
        let _ = writeln!(
            s,
            "All steps succeeded. Against the real test environment, configure Maskinporten and \
             Altinn (see README) and run the same commands with --env test."
        );
        s
    }
}

/// An error as JSON, for `--output json`.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorOutput {
    /// The error and its causes, outermost first, joined.
    pub(crate) error: String,
    /// What to do next, when the program knows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) hint: Option<String>,
    /// The exit code.
    pub(crate) exit_code: u8,
}

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// Human-readable text and tables.
    Text,
    /// One JSON document on stdout.
    Json,
}

#[cfg(test)]
mod tests {
    use tilgang::domain::{
        Action, MaskedSsn, PartyKind, ReporteeId, RevokeHandle, ServiceCode, ServiceEditionCode,
        ServiceRight,
    };

    use super::*;

    fn holder() -> Party {
        let mut p = Party::new(PartyKind::Person);
        p.name = Some("HEIS TESTESEN".into());
        p.ssn = Some(MaskedSsn::new("26899299344"));
        p.reportee_id = Some(ReporteeId::parse("r50001234").unwrap());
        p
    }

    #[test]
    fn table_aligns_columns() {
        let mut t = Table::new(&["A", "LONGER"]);
        t.row(vec!["wide cell".into(), "x".into()]);
        let text = t.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "  A          LONGER");
        assert_eq!(lines[1], "  ---------  ------");
        assert_eq!(lines[2], "  wide cell  x");
    }

    #[test]
    fn report_text_and_json_mask_the_person() {
        let report = AccessReport {
            org: "my".into(),
            holder: holder(),
            accesses: vec![HeldAccess {
                grantable: Grantable::ServiceRight(
                    ServiceRight::new(
                        ServiceCode::parse("4503").unwrap(),
                        ServiceEditionCode::new(2).unwrap(),
                        Action::Read,
                    )
                    .unwrap(),
                ),
                name: None,
                held_via: vec![HeldVia::Direct],
                revocable: true,
                handle: Some(RevokeHandle::new("right:42")),
            }],
        };
        let text = report.text();
        assert!(text.contains("4503:2"), "{text}");
        assert!(text.contains("268992*****"), "{text}");
        assert!(text.contains("directly"), "{text}");
        let json = serde_json::to_string(&report).unwrap();
        assert!(!json.contains("26899299344"), "{json}");
        assert!(json.contains("\"service_code\":\"4503\""), "{json}");
        assert!(json.contains("\"reportee_id\":\"r50001234\""), "{json}");
        // The handle is the adapter's business, never output.
        assert!(!json.contains("right:42"), "{json}");
    }

    #[test]
    fn token_is_hidden_unless_asked_for() {
        let out = TokenOutput {
            expires_at: rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(86_400)),
            expires_in: 119,
            scopes: vec!["altinn:enduser".into()],
            consumer: Some("0192:310000000".into()),
            system_user: None,
            token: None,
        };
        assert_eq!(out.expires_at, "1970-01-02T00:00:00Z");
        let json = serde_json::to_value(&out).unwrap();
        assert!(json.get("token").is_none());
        assert!(!out.text().contains("token:"));
    }
}
