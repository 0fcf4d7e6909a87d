//! The tidy test: guards the invariants of `ARCHITECTURE.md` that the compiler cannot.
//!
//! - The hexagon's dependency rules, read from every workspace member's `Cargo.toml` (the rule
//!   table is [`RULES`], the one place to change them), and the rule that among the libraries
//!   only the facade depends on more than one adapter ([`ADAPTERS`], [`FACADE`]).
//! - The neutral core stays neutral: the domain and the ports name no Altinn 2 wire type and
//!   hold no HAL codec ([`WIRE_WORDS`]).
//! - Every library crate opens with a `//!` crate doc and warns on missing docs.
//! - No source file parks a test with the ignore attribute or leaves a `dbg` macro call behind.
//!
//! Each failure says what is wrong, where, and what to do about it. All problems are reported at
//! once, not only the first.

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
};

// =============================================================================================
// The rules.

/// Which dependency tables a rule looks at (`[target.'cfg(..)'.*]` tables count as their kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Normal,
    Dev,
    Build,
}

impl Kind {
    fn table(self) -> &'static str {
        match self {
            Kind::Normal => "[dependencies]",
            Kind::Dev => "[dev-dependencies]",
            Kind::Build => "[build-dependencies]",
        }
    }
}

const ALL_TABLES: &[Kind] = &[Kind::Normal, Kind::Dev, Kind::Build];

/// What a crate must not depend on.
#[derive(Debug)]
enum Forbidden {
    /// These packages.
    Crates(&'static [&'static str]),
    /// Any workspace member other than these.
    InternalExcept(&'static [&'static str]),
}

#[derive(Debug)]
struct Rule {
    /// The package the rule is about.
    krate: &'static str,
    /// The dependency tables that count.
    tables: &'static [Kind],
    forbidden: Forbidden,
    /// The invariant, as `ARCHITECTURE.md` states it.
    why: &'static str,
    /// What to do instead.
    fix: &'static str,
}

/// The hexagon, as `ARCHITECTURE.md` ("Dependency rules") states it.
const RULES: &[Rule] = &[
    Rule {
        krate: "tilgang-domain",
        tables: ALL_TABLES,
        forbidden: Forbidden::InternalExcept(&[]),
        why: "the domain is the centre of the hexagon and neutral to the Altinn generation: it \
              depends on no other crate of the workspace, the wire crates included",
        fix: "move the wire-format code into the wire crate or adapter that needs it \
              (crates/altinn2-wire, crates/altinn2) and keep only neutral concepts in the domain",
    },
    Rule {
        krate: "tilgang-domain",
        tables: ALL_TABLES,
        forbidden: Forbidden::Crates(&["reqwest", "hyper", "axum", "tokio"]),
        why: "the domain does no I/O: no HTTP types, no sockets, no async runtime, not even in its tests",
        fix: "keep the domain pure: move the code that needs it into an adapter \
              (crates/maskinporten, crates/altinn2) behind a trait in crates/ports, or into the \
              workspace tests in tests/",
    },
    Rule {
        krate: "tilgang-ports",
        tables: ALL_TABLES,
        forbidden: Forbidden::InternalExcept(&["tilgang-domain"]),
        why: "the ports describe what the use cases need in the domain's terms; they know no \
              adapter",
        fix: "keep adapter types out of the port signatures; if a port needs a new type, add \
              it to crates/domain",
    },
    Rule {
        krate: "tilgang-maskinporten",
        tables: &[Kind::Normal],
        forbidden: Forbidden::Crates(&["tilgang-altinn2"]),
        why: "adapters do not depend on each other; each is usable on its own",
        fix: "depend on the port trait in crates/ports instead and let the app crate \
              (crates/cli) wire the two adapters together",
    },
    Rule {
        krate: "tilgang-altinn2",
        tables: &[Kind::Normal],
        forbidden: Forbidden::Crates(&["tilgang-maskinporten"]),
        why: "adapters do not depend on each other; the Altinn 2 client takes its tokens through \
              the AltinnTokenSource port",
        fix: "take an `AltinnTokenSource` from crates/ports and let crates/cli wire in the \
              Maskinporten adapter (a [dev-dependencies] entry is fine for end-to-end tests)",
    },
    Rule {
        krate: "tilgang-altinn3",
        tables: &[Kind::Normal],
        forbidden: Forbidden::Crates(&["tilgang-maskinporten", "tilgang-altinn2"]),
        why: "adapters do not depend on each other; the Altinn 3 client takes its tokens \
              through the AltinnTokenSource port",
        fix: "take an `AltinnTokenSource` from crates/ports and let the facade (crates/tilgang) \
              wire in the Maskinporten adapter",
    },
    Rule {
        krate: "tilgang-mock",
        tables: ALL_TABLES,
        forbidden: Forbidden::InternalExcept(&["tilgang-domain", "tilgang-altinn2-wire"]),
        why: "the mock server shares only the domain and the wire crates with the client side, \
              so it cannot quietly agree with a client bug",
        fix: "use tilgang-domain (ids) and the wire crates (models, codecs) in the mock; tests \
              that drive the mock with the real clients belong in tests/",
    },
    Rule {
        krate: "tilgang-http",
        tables: ALL_TABLES,
        forbidden: Forbidden::InternalExcept(&["tilgang-domain", "tilgang-ports"]),
        why: "the HTTP plumbing is shared by the adapters, so it must not be one: it knows the \
              ports and the domain, no adapter and no wire format",
        fix: "keep API-specific code (paths, bodies, how a refusal is worded) in the adapter and \
              pass it in (a `RejectionOf` function)",
    },
    Rule {
        krate: "tilgang-altinn2-wire",
        tables: ALL_TABLES,
        forbidden: Forbidden::InternalExcept(&["tilgang-domain"]),
        why: "a wire crate is the shared vocabulary of one API generation's client and fake; it \
              does no I/O and knows neither side",
        fix: "keep HTTP and behaviour in the adapter or the mock; the wire crate holds only the \
              DTOs and their codec",
    },
    Rule {
        krate: "tilgang-cli",
        tables: ALL_TABLES,
        forbidden: Forbidden::InternalExcept(&["tilgang", "tilgang-mock"]),
        why: "the binaries build their stack through the facade, the one composition root",
        fix: "depend on `tilgang` and reach the parts through its re-exports \
              (tilgang::domain, tilgang::access, ...); add what is missing to the facade",
    },
    Rule {
        krate: "tilgang-loadgen",
        tables: ALL_TABLES,
        forbidden: Forbidden::InternalExcept(&["tilgang", "tilgang-mock"]),
        why: "the binaries build their stack through the facade, the one composition root",
        fix: "depend on `tilgang` and reach the parts through its re-exports; add what is \
              missing to the facade",
    },
    Rule {
        krate: "tilgang-tests",
        tables: ALL_TABLES,
        forbidden: Forbidden::InternalExcept(&["tilgang", "tilgang-mock", "tilgang-altinn2-wire"]),
        why: "the workspace-level test suites build their stack through the facade, as a team \
              embeds it (the wire crate is there for the golden fixtures)",
        fix: "depend on `tilgang` and reach the parts through its re-exports; add what is \
              missing to the facade",
    },
    Rule {
        krate: "tilgang-access",
        tables: ALL_TABLES,
        forbidden: Forbidden::InternalExcept(&["tilgang-domain", "tilgang-ports"]),
        why: "the use cases depend on ports and domain only, so they work unchanged over a future \
              Altinn 3 adapter",
        fix: "express what the use case needs as a trait in crates/ports and test it with the \
              ports' mocks (feature `mocks`); end-to-end tests with real adapters belong in tests/",
    },
];

/// The adapters: crates that implement ports against one external system.
const ADAPTERS: &[&str] = &["tilgang-maskinporten", "tilgang-altinn2", "tilgang-altinn3"];

/// The one library allowed to depend on several adapters: the composition root.
const FACADE: &str = "tilgang";

/// Identifiers of the Altinn 2 wire format that the neutral core (the domain and the ports)
/// must not contain in code: its DTOs, its HAL codec and its envelope keys. They are matched as
/// whole identifiers, so `RightHolderChange` (a neutral concept) is not `RightHolder` (the DTO).
const WIRE_WORDS: &[&str] = &[
    "hal",
    "_embedded",
    "_links",
    "DelegationRequest",
    "RightHolder",
    "RightSourceType",
    "RoleDefinitionId",
    "RightRequest",
    "ReporteeConversion",
    "tilgang_altinn2_wire",
];

/// The crates whose code must hold no wire word, by directory.
const NEUTRAL_CRATES: &[&str] = &["crates/domain", "crates/ports"];

// =============================================================================================
// Reading the workspace.

#[derive(Debug)]
struct Dep {
    /// The package depended on (after `package = "..."` renames, also in the workspace table).
    package: String,
    kind: Kind,
    /// The `[target.'...']` the entry is under, if any.
    target: Option<String>,
}

#[derive(Debug)]
struct Manifest {
    package: String,
    /// The member's directory relative to the workspace root, e.g. `crates/domain`.
    dir: String,
    deps: Vec<Dep>,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits inside the workspace")
        .to_path_buf()
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn parse_toml(text: &str, what: &str) -> toml::Table {
    toml::from_str(text).unwrap_or_else(|e| panic!("{what} is not valid TOML: {e}"))
}

/// The workspace's members (directories) and the package names behind any renamed
/// `[workspace.dependencies]` entries.
fn workspace(root_manifest: &toml::Table) -> (Vec<String>, BTreeMap<String, String>) {
    let ws = root_manifest["workspace"]
        .as_table()
        .expect("the root Cargo.toml has a [workspace]");
    let members = ws["members"]
        .as_array()
        .expect("[workspace] has members")
        .iter()
        .map(|m| m.as_str().expect("members are strings").to_owned())
        .collect();
    let renames = ws
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .map(|deps| {
            deps.iter()
                .map(|(key, spec)| (key.clone(), package_of(key, spec)))
                .collect()
        })
        .unwrap_or_default();
    (members, renames)
}

fn package_of(key: &str, spec: &toml::Value) -> String {
    spec.get("package")
        .and_then(toml::Value::as_str)
        .unwrap_or(key)
        .to_owned()
}

type DependencyTable<'a> = (Kind, Option<String>, &'a toml::Table);

/// The dependency tables of one scope (the manifest itself or one `[target.'...']`).
fn tables_of<'a>(scope: &'a toml::Table, target: Option<&str>) -> Vec<DependencyTable<'a>> {
    [
        ("dependencies", Kind::Normal),
        ("dev-dependencies", Kind::Dev),
        ("dev_dependencies", Kind::Dev),
        ("build-dependencies", Kind::Build),
        ("build_dependencies", Kind::Build),
    ]
    .into_iter()
    .filter_map(|(name, kind)| {
        let table = scope.get(name).and_then(toml::Value::as_table)?;
        Some((kind, target.map(str::to_owned), table))
    })
    .collect()
}

fn dependency_tables(manifest: &toml::Table) -> Vec<DependencyTable<'_>> {
    let mut tables = tables_of(manifest, None);
    if let Some(targets) = manifest.get("target").and_then(toml::Value::as_table) {
        for (target, scope) in targets {
            if let Some(scope) = scope.as_table() {
                tables.extend(tables_of(scope, Some(target)));
            }
        }
    }
    tables
}

fn parse_manifest(text: &str, dir: &str, renames: &BTreeMap<String, String>) -> Manifest {
    let manifest = parse_toml(text, &format!("{dir}/Cargo.toml"));
    let package = manifest
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(toml::Value::as_str)
        .unwrap_or_else(|| panic!("{dir}/Cargo.toml has no [package] name"))
        .to_owned();
    let mut deps = Vec::new();
    for (kind, target, table) in dependency_tables(&manifest) {
        for (key, spec) in table {
            let inherited = spec.get("workspace").and_then(toml::Value::as_bool) == Some(true);
            let package = match (spec.get("package"), inherited) {
                (Some(_), _) | (None, false) => package_of(key, spec),
                (None, true) => renames.get(key).cloned().unwrap_or_else(|| key.clone()),
            };
            deps.push(Dep {
                package,
                kind,
                target: target.clone(),
            });
        }
    }
    Manifest {
        package,
        dir: dir.to_owned(),
        deps,
    }
}

fn members() -> Vec<Manifest> {
    let root = workspace_root();
    let root_manifest = parse_toml(&read(&root.join("Cargo.toml")), "the root Cargo.toml");
    let (dirs, renames) = workspace(&root_manifest);
    dirs.iter()
        .map(|dir| parse_manifest(&read(&root.join(dir).join("Cargo.toml")), dir, &renames))
        .collect()
}

// =============================================================================================
// Checking.

fn check_rules(manifests: &[Manifest], rules: &[Rule]) -> Vec<String> {
    let internal: Vec<&str> = manifests.iter().map(|m| m.package.as_str()).collect();
    let mut problems = Vec::new();
    for rule in rules {
        let Some(manifest) = manifests.iter().find(|m| m.package == rule.krate) else {
            problems.push(format!(
                "the tidy rules name `{}`, which is not a workspace member: update RULES in \
                 tests/tests/tidy.rs (and ARCHITECTURE.md) after renaming or removing a crate",
                rule.krate
            ));
            continue;
        };
        for dep in &manifest.deps {
            if !rule.tables.contains(&dep.kind) {
                continue;
            }
            let forbidden = match &rule.forbidden {
                Forbidden::Crates(names) => names.contains(&dep.package.as_str()),
                Forbidden::InternalExcept(allowed) => {
                    internal.contains(&dep.package.as_str())
                        && dep.package != manifest.package
                        && !allowed.contains(&dep.package.as_str())
                }
            };
            if forbidden {
                let table = match &dep.target {
                    Some(target) => format!("[target.{target}] {}", dep.kind.table()),
                    None => dep.kind.table().to_owned(),
                };
                problems.push(format!(
                    "{krate} depends on `{dep}` in {table} of {dir}/Cargo.toml.\n  \
                     Rule: {why}.\n  \
                     Fix: remove `{dep}` from {table} of {dir}/Cargo.toml; {fix}.",
                    krate = rule.krate,
                    dep = dep.package,
                    dir = manifest.dir,
                    why = rule.why,
                    fix = rule.fix,
                ));
            }
        }
    }
    problems
}

/// Among the libraries, only the facade depends on more than one adapter (in
/// `[dependencies]`; an adapter's dev-dependency on another for end-to-end tests is fine).
fn check_adapters(manifests: &[Manifest], libraries: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    for manifest in manifests {
        if manifest.package == FACADE || !libraries.contains(&manifest.package.as_str()) {
            continue;
        }
        let mut adapters: Vec<&str> = manifest
            .deps
            .iter()
            .filter(|d| d.kind == Kind::Normal && ADAPTERS.contains(&d.package.as_str()))
            .map(|d| d.package.as_str())
            .collect();
        adapters.sort_unstable();
        adapters.dedup();
        if adapters.len() > 1 {
            problems.push(format!(
                "{krate} depends on {n} adapters ({list}) in [dependencies] of {dir}/Cargo.toml.\n  \
                 Rule: among the libraries only the facade (`{FACADE}`) wires several adapters \
                 together; everything else depends on ports.\n  \
                 Fix: take the capability through a port trait of crates/ports, and let \
                 crates/tilgang build the stack.",
                krate = manifest.package,
                n = adapters.len(),
                list = adapters.join(", "),
                dir = manifest.dir,
            ));
        }
    }
    problems
}

/// Code lines of a neutral crate that name a wire word. Comments and doc comments may speak of
/// Altinn 2 (to explain a mapping); code may not.
fn check_neutral_source(path: &str, source: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let identifiers: Vec<&str> = code
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        for word in WIRE_WORDS {
            if identifiers.contains(word) {
                problems.push(format!(
                    "{path}:{line}: names `{word}`, a word of the Altinn 2 wire format, in the \
                     neutral core.\n  \
                     Rule: the domain and the ports know no API generation's wire format.\n  \
                     Fix: keep the wire type in crates/altinn2-wire or the adapter, and express \
                     what the core needs in neutral terms (Party, Grantable, HeldAccess).",
                    line = n + 1
                ));
            }
        }
    }
    problems
}

/// The library target's root file, if the member has one.
fn lib_root(root: &Path, manifest: &Manifest) -> Option<PathBuf> {
    let text = read(&root.join(&manifest.dir).join("Cargo.toml"));
    let parsed = parse_toml(&text, &manifest.dir);
    let path = parsed
        .get("lib")
        .and_then(|lib| lib.get("path"))
        .and_then(toml::Value::as_str)
        .unwrap_or("src/lib.rs");
    let path = root.join(&manifest.dir).join(path);
    path.exists().then_some(path)
}

fn check_lib_docs(dir: &str, source: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let first = source.lines().find(|line| !line.trim().is_empty());
    if !first.is_some_and(|line| line.trim_start().starts_with("//!")) {
        problems.push(format!(
            "{dir}/src/lib.rs does not start with a `//!` crate doc.\n  \
             Fix: open the file with `//!` lines that say what the crate is for and which \
             invariants hold (see ARCHITECTURE.md)."
        ));
    }
    let warns = ["warn", "deny", "forbid"]
        .iter()
        .any(|level| source.contains(&format!("#![{level}(missing_docs)]")));
    if !warns {
        problems.push(format!(
            "{dir}/src/lib.rs lacks `#![warn(missing_docs)]`.\n  \
             Fix: add `#![warn(missing_docs)]` after the crate doc and document what it flags."
        ));
    }
    problems
}

/// The source patterns that must not be committed. Spelled in pieces so that this file does
/// not trip over itself.
fn banned() -> [(String, &'static str); 2] {
    [
        (
            concat!("#[", "ignore").to_owned(),
            "tests are real: fix the test or delete it; if it documents a known bug, assert the \
             current (wrong) behaviour and add a FIXME",
        ),
        (
            concat!("dbg", "!(").to_owned(),
            "remove the debugging leftover (use `tracing` for diagnostics that should stay)",
        ),
    ]
}

fn check_source(path: &str, source: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (pattern, fix) in banned() {
        for (n, line) in source.lines().enumerate() {
            let hits = line.match_indices(&pattern).any(|(at, _)| {
                // The ignore attribute may be bare or carry a reason; `#[ignore_foo]` is fine.
                let next = line[at + pattern.len()..].chars().next();
                !pattern.starts_with('#') || matches!(next, Some(']' | ' ' | '=' | '('))
            });
            if hits {
                problems.push(format!(
                    "{path}:{line}: contains `{pattern}`.\n  Fix: {fix}.",
                    line = n + 1
                ));
            }
        }
    }
    problems
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, out);
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

#[track_caller]
fn assert_no_problems(what: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{what}: {} problem(s)\n\n{}\n",
        problems.len(),
        problems.join("\n\n")
    );
}

// =============================================================================================
// The tests.

#[test]
fn hexagon_dependency_rules_hold() {
    assert_no_problems(
        "the hexagon is crossed (ARCHITECTURE.md, \"Dependency rules\")",
        &check_rules(&members(), RULES),
    );
}

#[test]
fn only_the_facade_depends_on_several_adapters() {
    let root = workspace_root();
    let manifests = members();
    let libraries: Vec<String> = manifests
        .iter()
        .filter(|m| lib_root(&root, m).is_some())
        .map(|m| m.package.clone())
        .collect();
    let libraries: Vec<&str> = libraries.iter().map(String::as_str).collect();
    assert!(libraries.contains(&FACADE), "the facade is a library");
    assert_no_problems(
        "adapters wired outside the facade",
        &check_adapters(&manifests, &libraries),
    );
}

#[test]
fn the_neutral_core_names_no_wire_type() {
    let root = workspace_root();
    let mut problems = Vec::new();
    let mut scanned = 0;
    for dir in NEUTRAL_CRATES {
        let mut files = Vec::new();
        rust_files(&root.join(dir), &mut files);
        for file in files {
            scanned += 1;
            let shown = file
                .strip_prefix(&root)
                .unwrap_or(&file)
                .display()
                .to_string();
            problems.extend(check_neutral_source(&shown, &read(&file)));
        }
    }
    assert!(scanned >= 5, "only {scanned} files scanned");
    assert_no_problems("wire types in the neutral core", &problems);
}

#[test]
fn every_library_crate_has_a_crate_doc_and_warns_on_missing_docs() {
    let root = workspace_root();
    let mut problems = Vec::new();
    let mut libraries = 0;
    for manifest in members() {
        if let Some(lib) = lib_root(&root, &manifest) {
            libraries += 1;
            problems.extend(check_lib_docs(&manifest.dir, &read(&lib)));
        }
    }
    // The domain, ports, two adapters, use cases, mock server and this crate at least.
    assert!(libraries >= 7, "found only {libraries} library crates");
    assert_no_problems("library crate docs", &problems);
}

#[test]
fn no_ignored_tests_or_debugging_leftovers() {
    let root = workspace_root();
    let mut files = Vec::new();
    for manifest in members() {
        rust_files(&root.join(&manifest.dir), &mut files);
    }
    assert!(
        files.iter().any(|f| f.ends_with("tests/tidy.rs")),
        "the scan must see this file"
    );
    let mut problems = Vec::new();
    for file in &files {
        let shown = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .display()
            .to_string();
        problems.extend(check_source(&shown, &read(file)));
    }
    assert_no_problems("banned source patterns", &problems);
}

#[test]
fn architecture_md_describes_every_crate() {
    let root = workspace_root();
    let architecture = read(&root.join("ARCHITECTURE.md"));
    let manifests = members();
    let mut problems = Vec::new();
    for manifest in &manifests {
        if !architecture.contains(&format!("`{}`", manifest.package)) {
            problems.push(format!(
                "ARCHITECTURE.md does not mention the crate `{}` ({}).\n  \
                 Fix: add a paragraph headed ### `{}` (`{}`) under \"Crates\" that says what \
                 the crate is for and which invariants hold.",
                manifest.package, manifest.dir, manifest.dir, manifest.package
            ));
        }
    }
    // Every crate heading names a member that exists.
    for heading in architecture.lines().filter(|l| l.starts_with("### `")) {
        let dir = heading
            .trim_start_matches("### `")
            .split('`')
            .next()
            .unwrap_or_default();
        if !manifests.iter().any(|m| m.dir == dir) {
            problems.push(format!(
                "ARCHITECTURE.md describes `{dir}`, which is not a workspace member.\n  \
                 Fix: update or remove that paragraph."
            ));
        }
    }
    assert_no_problems("ARCHITECTURE.md and the workspace disagree", &problems);
}

// The checks themselves must be able to fail: run them on small made-up inputs.

fn fake_workspace(manifests: &[(&str, &str)]) -> Vec<Manifest> {
    let renames = BTreeMap::from([("rt".to_owned(), "tokio".to_owned())]);
    let mut all: Vec<Manifest> = [
        "tilgang-domain",
        "tilgang-altinn2-wire",
        "tilgang-ports",
        "tilgang-http",
        "tilgang-maskinporten",
        "tilgang-altinn2",
        "tilgang-altinn3",
        "tilgang-access",
        "tilgang",
        "tilgang-cli",
        "tilgang-loadgen",
        "tilgang-tests",
        "tilgang-mock",
    ]
    .iter()
    .filter(|name| !manifests.iter().any(|(n, _)| n == *name))
    .map(|name| Manifest {
        package: (*name).to_owned(),
        dir: format!("fake/{name}"),
        deps: Vec::new(),
    })
    .collect();
    for (name, deps) in manifests {
        let text = format!("[package]\nname = \"{name}\"\n{deps}");
        all.push(parse_manifest(&text, &format!("fake/{name}"), &renames));
    }
    all
}

#[test]
fn rules_catch_every_kind_of_crossing() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "tilgang-domain",
            "[dev-dependencies]\ntokio.workspace = true\n",
            "tilgang-domain depends on `tokio` in [dev-dependencies]",
        ),
        (
            "tilgang-domain",
            "[dependencies]\nhttp-client = { package = \"reqwest\", version = \"0.13\" }\n",
            "depends on `reqwest` in [dependencies]",
        ),
        (
            "tilgang-domain",
            "[dependencies]\nrt = { workspace = true }\n",
            "depends on `tokio` in [dependencies]",
        ),
        (
            "tilgang-domain",
            "[target.'cfg(unix)'.build-dependencies]\naxum = \"0.8\"\n",
            "depends on `axum` in [target.cfg(unix)] [build-dependencies]",
        ),
        (
            "tilgang-altinn2",
            "[dependencies]\ntilgang-maskinporten.workspace = true\n",
            "tilgang-altinn2 depends on `tilgang-maskinporten` in [dependencies]",
        ),
        (
            "tilgang-maskinporten",
            "[dependencies]\ntilgang-altinn2.workspace = true\n",
            "tilgang-maskinporten depends on `tilgang-altinn2`",
        ),
        (
            "tilgang-mock",
            "[dev-dependencies]\ntilgang-access.workspace = true\n",
            "tilgang-mock depends on `tilgang-access`",
        ),
        (
            "tilgang-access",
            "[dependencies]\ntilgang-altinn2.workspace = true\n",
            "tilgang-access depends on `tilgang-altinn2`",
        ),
        (
            "tilgang-ports",
            "[dependencies]\ntilgang-maskinporten.workspace = true\n",
            "tilgang-ports depends on `tilgang-maskinporten`",
        ),
        (
            "tilgang-ports",
            "[dependencies]\ntilgang-altinn2-wire.workspace = true\n",
            "tilgang-ports depends on `tilgang-altinn2-wire`",
        ),
        (
            "tilgang-domain",
            "[dependencies]\ntilgang-altinn2-wire.workspace = true\n",
            "tilgang-domain depends on `tilgang-altinn2-wire`",
        ),
        (
            "tilgang-cli",
            "[dependencies]\ntilgang-altinn2.workspace = true\n",
            "tilgang-cli depends on `tilgang-altinn2`",
        ),
        (
            "tilgang-loadgen",
            "[dependencies]\ntilgang-access.workspace = true\n",
            "tilgang-loadgen depends on `tilgang-access`",
        ),
        (
            "tilgang-tests",
            "[dev-dependencies]\ntilgang-maskinporten.workspace = true\n",
            "tilgang-tests depends on `tilgang-maskinporten`",
        ),
        (
            "tilgang-mock",
            "[dependencies]\ntilgang.workspace = true\n",
            "tilgang-mock depends on `tilgang`",
        ),
    ];
    for (krate, deps, expected) in cases {
        let problems = check_rules(&fake_workspace(&[(krate, deps)]), RULES);
        assert_eq!(problems.len(), 1, "{krate} with {deps:?}: {problems:#?}");
        assert!(
            problems[0].contains(expected) && problems[0].contains("Fix: remove"),
            "{krate} with {deps:?}: {}",
            problems[0]
        );
    }

    // What the rules allow: the domain's own deps, an adapter's dev-dependency on the other,
    // the use cases on ports and domain (also with features), the mock on the domain.
    let allowed = fake_workspace(&[
        (
            "tilgang-domain",
            "[dependencies]\nserde.workspace = true\n[dev-dependencies]\nproptest = \"1\"\n",
        ),
        (
            "tilgang-altinn2",
            "[dependencies]\nreqwest.workspace = true\n[dev-dependencies]\ntilgang-maskinporten.workspace = true\ntilgang-mock.workspace = true\n",
        ),
        (
            "tilgang-access",
            "[dependencies]\ntilgang-domain.workspace = true\ntilgang-ports.workspace = true\n[dev-dependencies]\ntilgang-ports = { workspace = true, features = [\"mocks\"] }\n",
        ),
        (
            "tilgang-mock",
            "[dependencies]\ntilgang-domain.workspace = true\ntilgang-altinn2-wire.workspace = true\ntokio = \"1\"\n",
        ),
        (
            "tilgang-cli",
            "[dependencies]\ntilgang.workspace = true\ntilgang-mock.workspace = true\n",
        ),
        (
            "tilgang-tests",
            "[dev-dependencies]\ntilgang.workspace = true\ntilgang-altinn2-wire.workspace = true\n",
        ),
    ]);
    assert_eq!(check_rules(&allowed, RULES), Vec::<String>::new());

    // A rule about a crate that no longer exists is a problem too.
    let problems = check_rules(&[], RULES);
    assert_eq!(problems.len(), RULES.len());
    assert!(problems[0].contains("not a workspace member"));
}

#[test]
fn the_adapter_and_neutrality_checks_can_fail() {
    let libs = ["tilgang", "tilgang-access", "tilgang-altinn2"];
    let two =
        "[dependencies]\ntilgang-maskinporten.workspace = true\ntilgang-altinn2.workspace = true\n";
    let problems = check_adapters(&fake_workspace(&[("tilgang-access", two)]), &libs);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].contains("2 adapters"), "{}", problems[0]);
    // The facade may; a dev-dependency does not count.
    assert!(check_adapters(&fake_workspace(&[("tilgang", two)]), &libs).is_empty());
    let dev = "[dependencies]\ntilgang-altinn2.workspace = true\n[dev-dependencies]\ntilgang-maskinporten.workspace = true\n";
    assert!(check_adapters(&fake_workspace(&[("tilgang-access", dev)]), &libs).is_empty());

    let problems = check_neutral_source(
        "p.rs",
        "use x::DelegationRequest;\n// a RightHolder in prose\nlet v = hal::decode(b);\n",
    );
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].starts_with("p.rs:1:"), "{}", problems[0]);
    assert!(problems[1].starts_with("p.rs:3:"), "{}", problems[1]);
    assert!(check_neutral_source("p.rs", "pub enum RightHolderChange {}\n").is_empty());
    assert!(
        check_neutral_source("p.rs", "/// Altinn 2 `_embedded` lists.\nfn f() {}\n").is_empty()
    );
}

#[test]
fn doc_and_source_checks_can_fail() {
    assert!(check_lib_docs("x", "//! Docs.\n#![warn(missing_docs)]\n").is_empty());
    assert!(check_lib_docs("x", "\n//! Docs.\n#![deny(missing_docs)]\n").is_empty());
    let problems = check_lib_docs("x", "/// Not a crate doc.\n#![warn(missing_docs)]\n");
    assert_eq!(problems.len(), 1);
    assert!(problems[0].contains("does not start with a `//!` crate doc"));
    let problems = check_lib_docs("x", "//! Docs.\n");
    assert_eq!(problems.len(), 1);
    assert!(problems[0].contains("lacks `#![warn(missing_docs)]`"));

    let ignore = concat!("#[", "ignore]");
    let ignore_reason = concat!("#[", "ignore = \"slow\"]");
    let dbg = concat!("dbg", "!(x)");
    assert_eq!(
        check_source("a.rs", &format!("{ignore}\nfn t() {{}}")).len(),
        1
    );
    assert_eq!(check_source("a.rs", ignore_reason).len(), 1);
    let problems = check_source("a.rs", &format!("fn f() {{\n    {dbg};\n}}"));
    assert_eq!(problems.len(), 1);
    assert!(problems[0].starts_with("a.rs:2:"), "{}", problems[0]);
    assert!(check_source("a.rs", concat!("#[", "ignore_me]\nlet debug = 1;")).is_empty());
}
