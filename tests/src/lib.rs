//! Workspace-level tests of `tilgang`; they live in `tests/tests/`, and this library is empty on
//! purpose (a package needs a target).
//!
//! - `golden.rs`: every JSON example of `shared/spec/altinn2-rest.md` (in `tests/fixtures/`)
//!   decodes to the documented values and encodes back to the documented document.
//! - `tidy.rs`: the dependency rules and conventions of `ARCHITECTURE.md`.
//! - `e2e_*.rs`: end-to-end tests across all crates against the in-process mock server.
//!
//! The property tests of identifiers and the codec live next to the code, in
//! `crates/domain/tests/props.rs`.
#![warn(missing_docs)]
