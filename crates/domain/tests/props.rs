//! Property tests of the domain's identifiers and checksums.
//!
//! - Every generated valid identifier is accepted, and each parser agrees with an independent
//!   statement of its rule on arbitrary input.
//! - The mod-11 checksums catch exactly the typos the arithmetic says they catch (worked out
//!   next to each test).
//! - No string makes a parser panic.
//!
//! The Altinn 2 models and their HAL+JSON codec have their own property tests in
//! `tilgang-altinn2-wire`.
//!
//! Case counts are kept moderate: CI runs on two cores.

use proptest::prelude::*;
use serde_json::json;
use tilgang_domain::{
    Action, Fnr, FnrCheckRule, FnrKind, MaskedSsn, Name, OrgNumber, PackageCode, PartyId, PartyRef,
    PartyUuid, ReporteeId, ResourceId, RoleCode, Scope, ScopeSet, ServiceCode, ServiceEditionCode,
};
use uuid::Uuid;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

fn text(digits: &[u8]) -> String {
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

/// Every pair of positions `(i, j)` with `i < j < len`.
fn position_pairs(len: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..len).flat_map(move |i| ((i + 1)..len).map(move |j| (i, j)))
}

// =============================================================================================
// Fødselsnummer.
//
// The rule, stated here independently of the parser: eleven digits DDMMYY III K1 K2 where
//   s1 = 3·d1 + 7·d2 + 6·d3 + 1·d4 + 8·d5 + 9·d6 + 4·d7 + 5·d8 + 2·d9 + 1·K1  (mod 11)
//   s2 = 5·d1 + 4·d2 + 3·d3 + 2·d4 + 7·d5 + 6·d6 + 5·d7 + 4·d8 + 3·d9 + 2·K1 + 1·K2  (mod 11)
// s2 must be 0. s1 must be 0 under the classic rule and may be 0, 1, 2 or 3 for numbers issued
// from 2032. The date part may carry +40 on the day (D-number), +40 on the month (H-number) or
// +80 on the month (synthetic test numbers), and the day +40 with the month +80.

const K1: [u32; 10] = [3, 7, 6, 1, 8, 9, 4, 5, 2, 1];
const K2: [u32; 11] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1];

fn mod11(digits: &[u8], weights: &[u32]) -> u32 {
    digits
        .iter()
        .zip(weights)
        .map(|(d, w)| u32::from(*d) * w)
        .sum::<u32>()
        % 11
}

fn max_day(month: u8) -> u8 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn fnr_date_ok(d: &[u8]) -> bool {
    let mut day = d[0] * 10 + d[1];
    let mut month = d[2] * 10 + d[3];
    if day > 40 {
        day -= 40;
    }
    if month > 80 {
        month -= 80;
    } else if month > 40 {
        month -= 40;
    }
    (1..=12).contains(&month) && day >= 1 && day <= max_day(month)
}

/// The independent statement of the rule above.
fn fnr_oracle(d: &[u8]) -> bool {
    fnr_date_ok(d) && mod11(&d[..10], &K1) <= 3 && mod11(d, &K2) == 0
}

#[derive(Debug, Clone)]
struct GeneratedFnr {
    digits: [u8; 11],
    kind: FnrKind,
    rule: FnrCheckRule,
}

/// Valid numbers of every kind, under both check-digit rules.
fn fnr_strategy() -> impl Strategy<Value = GeneratedFnr> {
    (0usize..5, 1u8..=12, 1u8..=31, 0u8..100, 0u16..1000, 0u32..4).prop_filter_map(
        "prefixes whose check digit would be 10 are never issued",
        |(kind, month, day, year, individual, remainder)| {
            let day = 1 + (day - 1) % max_day(month);
            let (kind, day, month) = match kind {
                0 => (FnrKind::Ordinary, day, month),
                1 => (FnrKind::DNumber, day + 40, month),
                2 => (FnrKind::HNumber, day, month + 40),
                3 => (FnrKind::Synthetic, day, month + 80),
                _ => (FnrKind::SyntheticDNumber, day + 40, month + 80),
            };
            let prefix = [
                day / 10,
                day % 10,
                month / 10,
                month % 10,
                year / 10,
                year % 10,
                (individual / 100) as u8,
                (individual / 10 % 10) as u8,
                (individual % 10) as u8,
            ];
            let [k1, k2] = Fnr::check_digits_with_remainder(prefix, remainder)?;
            let mut digits = [0u8; 11];
            digits[..9].copy_from_slice(&prefix);
            digits[9] = k1;
            digits[10] = k2;
            let rule = if remainder == 0 {
                FnrCheckRule::Classic
            } else {
                FnrCheckRule::From2032
            };
            Some(GeneratedFnr { digits, kind, rule })
        },
    )
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn generated_fnr_is_accepted_with_its_kind_and_rule(g in fnr_strategy()) {
        let s = text(&g.digits);
        prop_assert!(fnr_oracle(&g.digits));
        let fnr = Fnr::parse(&s).map_err(|e| TestCaseError::fail(format!("{s}: {e}")))?;
        prop_assert_eq!(fnr.kind(), g.kind);
        prop_assert_eq!(fnr.check_rule(), g.rule);
        prop_assert_eq!(fnr.expose(), s.as_str());
        // Printing never shows more than the date part.
        let masked = format!("{}*****", &s[..6]);
        prop_assert_eq!(fnr.to_string(), masked.clone());
        prop_assert_eq!(format!("{fnr:?}"), format!("Fnr({masked})"));
        prop_assert!(MaskedSsn::from(&fnr).matches(&fnr));
        // Serde carries the full number (the POST bodies need it) and parses it back.
        let wire = serde_json::to_string(&fnr).unwrap();
        prop_assert_eq!(serde_json::from_str::<Fnr>(&wire).unwrap(), fnr);
    }

    /// Every single-digit change is caught, by the second check sum alone: changing digit i by
    /// δ (1 ≤ |δ| ≤ 9) changes s2 by K2[i]·δ, and since 11 is prime and neither factor is a
    /// multiple of 11, that is never 0 mod 11. So the 2032 relaxation of s1 loses nothing here.
    #[test]
    fn fnr_every_single_digit_change_is_rejected(g in fnr_strategy()) {
        for i in 0..11 {
            for digit in 0..10u8 {
                if digit == g.digits[i] {
                    continue;
                }
                let mut typo = g.digits;
                typo[i] = digit;
                prop_assert_ne!(mod11(&typo, &K2), 0, "position {}", i);
                prop_assert!(Fnr::parse(&text(&typo)).is_err(), "{} accepted", text(&typo));
            }
        }
    }

    /// Every adjacent transposition of two different digits is caught, again by s2 alone:
    /// swapping positions i and i+1 changes s2 by (K2[i] − K2[i+1])·(d[i+1] − d[i]). The adjacent
    /// weight differences are 1, 1, 1, −5, 1, 1, 1, 1, 1, 1, none a multiple of 11.
    #[test]
    fn fnr_every_adjacent_transposition_is_rejected(g in fnr_strategy()) {
        for i in 0..10 {
            if g.digits[i] == g.digits[i + 1] {
                continue;
            }
            let mut typo = g.digits;
            typo.swap(i, i + 1);
            prop_assert_ne!(mod11(&typo, &K2), 0, "positions {} and {}", i, i + 1);
            prop_assert!(Fnr::parse(&text(&typo)).is_err(), "{} accepted", text(&typo));
        }
    }

    /// Exactly which transpositions s2 misses: swapping positions i < j changes s2 by
    /// (K2[i] − K2[j])·(d[j] − d[i]), which is 0 exactly when K2[i] = K2[j], i.e. for the pairs
    /// (0,6), (1,7), (2,8) and (3,9). For those the number stands or falls by s1 and the date.
    /// The pair (3,9) also has equal K1 weights (1 and 1), so there only the date can object.
    #[test]
    fn fnr_transpositions_are_caught_exactly_where_the_weights_differ(g in fnr_strategy()) {
        for (i, j) in position_pairs(11) {
            if g.digits[i] == g.digits[j] {
                continue;
            }
            let mut typo = g.digits;
            typo.swap(i, j);
            let accepted = Fnr::parse(&text(&typo)).is_ok();
            if K2[i] == K2[j] {
                prop_assert!([(0, 6), (1, 7), (2, 8), (3, 9)].contains(&(i, j)));
                prop_assert_eq!(mod11(&typo, &K2), 0);
                prop_assert_eq!(accepted, fnr_date_ok(&typo) && mod11(&typo[..10], &K1) <= 3);
                if (i, j) == (3, 9) {
                    prop_assert_eq!(mod11(&typo[..10], &K1), mod11(&g.digits[..10], &K1));
                    prop_assert_eq!(accepted, fnr_date_ok(&typo));
                }
            } else {
                prop_assert!(!accepted, "{} accepted (swap {} and {})", text(&typo), i, j);
            }
        }
    }

    /// On any eleven digits the parser agrees with the rule as stated at the top of this file.
    /// Random digits rarely satisfy s2, so half the inputs are a valid number's first nine
    /// digits with an arbitrary first check digit and the second check digit that makes s2
    /// hold: every value of s1, valid date or not.
    #[test]
    fn fnr_parser_agrees_with_the_rule(d in prop_oneof![
        prop::array::uniform11(0u8..10),
        (fnr_strategy(), 0u8..10, any::<bool>()).prop_filter_map(
            "no second check digit makes s2 hold",
            |(g, k1, keep_date)| {
                let mut d = g.digits;
                d[9] = k1;
                if !keep_date {
                    d[0] = (d[0] + 7) % 10;
                }
                let k2 = (11 - mod11(&d[..10], &K2[..10])) % 11;
                d[10] = u8::try_from(k2).ok().filter(|k| *k < 10)?;
                Some(d)
            },
        ),
    ]) {
        prop_assert_eq!(Fnr::parse(&text(&d)).is_ok(), fnr_oracle(&d));
    }
}

#[test]
fn fnr_checksum_blind_spot_example() {
    // The guide's test person with digits 4 and 10 swapped is another valid synthetic number:
    // both check sums weigh those positions alike, and 26/84 is a valid (test) date.
    assert!(Fnr::parse("26899299344").is_ok());
    let swapped = Fnr::parse("26849299394").unwrap();
    assert_eq!(swapped.kind(), FnrKind::Synthetic);
}

// =============================================================================================
// Organisation numbers: nine digits, Σ w·d ≡ 0 (mod 11) with w = 3, 2, 7, 6, 5, 4, 3, 2, 1.

const ORG_WEIGHTS: [u32; 9] = [3, 2, 7, 6, 5, 4, 3, 2, 1];

fn org_strategy() -> impl Strategy<Value = [u8; 9]> {
    prop::array::uniform8(0u8..10).prop_filter_map("remainder 1 has no check digit", |prefix| {
        let check = OrgNumber::check_digit(prefix)?;
        let mut digits = [0u8; 9];
        digits[..8].copy_from_slice(&prefix);
        digits[8] = check;
        Some(digits)
    })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn generated_org_number_is_accepted(d in org_strategy()) {
        let s = text(&d);
        prop_assert_eq!(mod11(&d, &ORG_WEIGHTS), 0);
        let org = OrgNumber::parse(&s).unwrap();
        prop_assert_eq!(org.as_str(), s.as_str());
        prop_assert_eq!(org.to_string(), s.clone());
        let wire = serde_json::to_string(&org).unwrap();
        prop_assert_eq!(serde_json::from_str::<OrgNumber>(&wire).unwrap(), org);
    }

    /// Every single-digit change is caught: it moves the sum by w[i]·δ with 1 ≤ w[i] ≤ 7 and
    /// 1 ≤ |δ| ≤ 9, never a multiple of 11.
    #[test]
    fn org_every_single_digit_change_is_rejected(d in org_strategy()) {
        for i in 0..9 {
            for digit in 0..10u8 {
                if digit != d[i] {
                    let mut typo = d;
                    typo[i] = digit;
                    prop_assert!(OrgNumber::parse(&text(&typo)).is_err(), "{}", text(&typo));
                }
            }
        }
    }

    /// A transposition of positions i < j moves the sum by (w[i] − w[j])·(d[j] − d[i]), which
    /// is 0 mod 11 exactly when w[i] = w[j]: positions (0,6) and (1,7). Every adjacent swap is
    /// caught (differences 1, −5, 1, 1, 1, 1, 1, 1); those two far swaps are always accepted.
    #[test]
    fn org_transpositions_are_caught_exactly_where_the_weights_differ(d in org_strategy()) {
        for (i, j) in position_pairs(9) {
            if d[i] == d[j] {
                continue;
            }
            let mut typo = d;
            typo.swap(i, j);
            let accepted = OrgNumber::parse(&text(&typo)).is_ok();
            let blind = [(0, 6), (1, 7)].contains(&(i, j));
            prop_assert_eq!(blind, ORG_WEIGHTS[i] == ORG_WEIGHTS[j]);
            prop_assert_eq!(accepted, blind, "{} (swap {} and {})", text(&typo), i, j);
            if j == i + 1 {
                prop_assert!(!accepted);
            }
        }
    }

    #[test]
    fn org_parser_agrees_with_the_rule(d in prop::array::uniform9(0u8..10)) {
        prop_assert_eq!(OrgNumber::parse(&text(&d)).is_ok(), mod11(&d, &ORG_WEIGHTS) == 0);
    }
}

// =============================================================================================
// ReporteeIds, service codes and editions, scopes.

fn is_reportee_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix(['r', 'R']) else {
        return false;
    };
    (1..=18).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_digit())
}

fn is_service_code(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_scope(s: &str) -> bool {
    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
    (1..=255).contains(&s.len())
        && s.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

fn scope_strategy() -> impl Strategy<Value = String> {
    "[!#-\\[\\]-~]{1,40}"
}

/// Strings near the valid ones as well as arbitrary ones, so that the "agrees with the rule"
/// properties see both sides of every boundary.
fn near(valid: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        valid,
        any::<String>(),
        "[rR0-9a-zA-Z_ ./:-]{0,40}",
        "[0-9]{0,12}",
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn generated_reportee_id_is_accepted(upper in any::<bool>(), digits in "[0-9]{1,18}") {
        let s = format!("{}{digits}", if upper { 'R' } else { 'r' });
        let id = ReporteeId::parse(&s).unwrap();
        prop_assert_eq!(id.as_str(), format!("r{digits}"));
        prop_assert_eq!(id.number(), digits.parse::<u64>().unwrap());
        prop_assert_eq!(ReporteeId::from_number(id.number()).number(), id.number());
        let wire = serde_json::to_string(&id).unwrap();
        prop_assert_eq!(serde_json::from_str::<ReporteeId>(&wire).unwrap(), id);
    }

    #[test]
    fn reportee_id_parser_agrees_with_the_rule(s in near("[rR][0-9]{0,20}")) {
        prop_assert_eq!(ReporteeId::parse(&s).is_ok(), is_reportee_id(&s));
    }

    #[test]
    fn generated_service_code_is_accepted(s in "[A-Za-z0-9_-]{1,32}") {
        let code = ServiceCode::parse(&s).unwrap();
        prop_assert_eq!(code.as_str(), s.as_str());
        let wire = serde_json::to_string(&code).unwrap();
        prop_assert_eq!(serde_json::from_str::<ServiceCode>(&wire).unwrap(), code);
    }

    #[test]
    fn service_code_parser_agrees_with_the_rule(s in near("[A-Za-z0-9_/?-]{0,34}")) {
        prop_assert_eq!(ServiceCode::parse(&s).is_ok(), is_service_code(&s));
    }

    #[test]
    fn service_codes_decode_from_json_numbers(n in any::<u64>()) {
        let code: ServiceCode = serde_json::from_value(json!(n)).unwrap();
        prop_assert_eq!(code.as_str(), n.to_string());
    }

    #[test]
    fn generated_service_edition_is_accepted_as_number_and_string(n in 1u32..=u32::MAX) {
        let edition = ServiceEditionCode::new(n).unwrap();
        prop_assert_eq!(edition.get(), n);
        prop_assert_eq!(ServiceEditionCode::parse(&n.to_string()).unwrap(), edition);
        prop_assert_eq!(serde_json::from_value::<ServiceEditionCode>(json!(n)).unwrap(), edition);
        prop_assert_eq!(
            serde_json::from_value::<ServiceEditionCode>(json!(n.to_string())).unwrap(),
            edition
        );
        // It always goes back on the wire as a number.
        prop_assert_eq!(serde_json::to_value(edition).unwrap(), json!(n));
    }

    #[test]
    fn service_edition_parser_agrees_with_the_rule(s in near("[0-9]{0,11}")) {
        let expected = !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_digit())
            && s.parse::<u32>().is_ok_and(|n| n > 0);
        prop_assert_eq!(ServiceEditionCode::parse(&s).is_ok(), expected);
    }

    #[test]
    fn generated_scopes_are_accepted_and_sets_round_trip(
        scopes in prop::collection::vec(scope_strategy(), 1..6),
        comma in any::<bool>(),
    ) {
        for s in &scopes {
            let scope = Scope::parse(s).unwrap();
            prop_assert_eq!(scope.as_str(), s.as_str());
        }
        let separator = if comma { "," } else { " " };
        // A comma is a valid scope character but also a separator of the list form; a scope
        // containing one cannot go through the comma form, so use spaces for those.
        let separator = if scopes.iter().any(|s| s.contains(',')) { " " } else { separator };
        let set = ScopeSet::parse(&scopes.join(separator)).unwrap();
        let mut expected: Vec<&str> = scopes
            .iter()
            .flat_map(|s| s.split(','))
            .filter(|s| !s.is_empty())
            .collect();
        expected.sort_unstable();
        expected.dedup();
        let printed = set.to_string();
        prop_assert_eq!(printed.split(' ').collect::<Vec<_>>(), expected);
        prop_assert_eq!(ScopeSet::parse(&printed).unwrap(), set.clone());
        let wire = serde_json::to_string(&set).unwrap();
        prop_assert_eq!(serde_json::from_str::<ScopeSet>(&wire).unwrap(), set);
    }

    #[test]
    fn scope_parser_agrees_with_the_rule(s in near("[ -~]{0,20}")) {
        prop_assert_eq!(Scope::parse(&s).is_ok(), is_scope(&s));
    }

    #[test]
    fn party_refs_parse_every_form(
        org in org_strategy(),
        digits in "[0-9]{1,18}",
        uuid in any::<u128>(),
    ) {
        let org = text(&org);
        prop_assert_eq!(PartyRef::parse(&org).unwrap().path_segment(), org);
        let id = format!("r{digits}");
        prop_assert_eq!(PartyRef::parse(&id).unwrap().path_segment(), id);
        let uuid = Uuid::from_u128(uuid);
        prop_assert_eq!(
            PartyRef::parse(&uuid.to_string().to_uppercase()).unwrap(),
            PartyRef::PartyUuid(PartyUuid::new(uuid))
        );
        // Whatever the spelling that came in, the one that goes out is lower-case, hyphenated.
        prop_assert_eq!(
            PartyRef::parse(&uuid.simple().to_string()).unwrap().path_segment(),
            uuid.hyphenated().to_string()
        );
        prop_assert_eq!(PartyRef::parse("MY").unwrap(), PartyRef::My);
    }
}

// =============================================================================================
// Parsers never panic.

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn parsers_never_panic(s in prop_oneof![any::<String>(), "\\PC{0,40}", "[0-9rR*, ]{0,40}"]) {
        let _ = Fnr::parse(&s);
        let _ = OrgNumber::parse(&s);
        let _ = ReporteeId::parse(&s);
        let _ = ServiceCode::parse(&s);
        let _ = ServiceEditionCode::parse(&s);
        let _ = Scope::parse(&s);
        let _ = ScopeSet::parse(&s);
        let _ = PartyRef::parse(&s);
        let _ = Name::parse(&s);
        let _ = PartyUuid::parse(&s);
        let _ = PartyId::parse(&s);
        let _ = PackageCode::parse(&s);
        let _ = ResourceId::parse(&s);
        let _ = RoleCode::parse(&s);
        let _ = Action::checked(&s);
        let _ = MaskedSsn::new(&s);
        // Actions never fail to parse, and parsing what they print gives them back.
        let action = Action::parse(&s);
        prop_assert_eq!(Action::parse(action.as_str()), action);
    }

    /// Masking is idempotent, keeps at most six characters of the input and always ends in
    /// `*****`: a value that went through the codec once is stable afterwards.
    #[test]
    fn masking_is_idempotent(s in prop_oneof![any::<String>(), "[0-9*]{0,14}"]) {
        let once = MaskedSsn::new(&s);
        prop_assert_eq!(MaskedSsn::new(once.as_str()), once.clone());
        prop_assert!(once.as_str().ends_with("*****"));
        let kept = once.as_str().trim_end_matches('*');
        prop_assert!(kept.chars().count() <= 6);
        prop_assert!(s.starts_with(kept));
    }
}

// =============================================================================================
// Altinn 3 identifiers.

fn is_package_code(s: &str) -> bool {
    let lower = s.trim().to_ascii_lowercase();
    let code = lower
        .strip_prefix("urn:altinn:accesspackage:")
        .or_else(|| lower.strip_prefix(':'))
        .unwrap_or(&lower);
    !code.is_empty()
        && code.len() <= 100
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_resource_id(s: &str) -> bool {
    let t = s.trim();
    let id = match t.get(..20) {
        Some(p) if p.eq_ignore_ascii_case("urn:altinn:resource:") => &t[20..],
        _ => t,
    };
    !id.is_empty()
        && id.len() <= 255
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

proptest! {
    #![proptest_config(config(256))]

    /// A package code is the same package in each of the three forms the API accepts, and
    /// always comes out as the bare lower-case code.
    #[test]
    fn package_codes_are_one_code_in_every_form(code in "[a-z0-9][a-z0-9-]{0,40}") {
        let bare = PackageCode::parse(&code).unwrap();
        prop_assert_eq!(bare.as_str(), code.as_str());
        prop_assert_eq!(&PackageCode::parse(&format!(":{code}")).unwrap(), &bare);
        prop_assert_eq!(&PackageCode::parse(&bare.urn()).unwrap(), &bare);
        prop_assert_eq!(&PackageCode::parse(&bare.urn().to_uppercase()).unwrap(), &bare);
    }

    #[test]
    fn package_code_parser_agrees_with_the_rule(s in near("[a-zA-Z0-9:/ ?&-]{0,30}")) {
        prop_assert_eq!(PackageCode::parse(&s).is_ok(), is_package_code(&s), "{:?}", s);
    }

    #[test]
    fn resource_id_parser_agrees_with_the_rule(s in near("[a-zA-Z0-9_:/ ?&-]{0,30}")) {
        prop_assert_eq!(ResourceId::parse(&s).is_ok(), is_resource_id(&s), "{:?}", s);
    }

    /// Role codes compare without case, in bare and URN form.
    #[test]
    fn role_codes_ignore_case(code in "[A-Za-z0-9]{1,10}") {
        let a = RoleCode::parse(&code).unwrap();
        prop_assert_eq!(&RoleCode::parse(&code.to_lowercase()).unwrap(), &a);
        prop_assert_eq!(&RoleCode::parse(&format!("urn:altinn:rolecode:{code}")).unwrap(), &a);
        prop_assert_eq!(a.upper(), code.to_uppercase());
    }

    /// Every synthetic number the generator builds is a valid synthetic fødselsnummer of the
    /// classic rule, for the date and individual number asked for.
    #[test]
    fn synthetic_numbers_are_valid(day in 1u8..=28, month in 1u8..=12, year in 0u8..=99, individual in 0u16..=999) {
        if let Some(fnr) = Fnr::synthetic(day, month, year, individual) {
            prop_assert_eq!(fnr.kind(), FnrKind::Synthetic);
            prop_assert_eq!(fnr.check_rule(), FnrCheckRule::Classic);
            let expected_start = format!("{day:02}{:02}{year:02}{individual:03}", month + 80);
            prop_assert!(fnr.expose().starts_with(&expected_start));
        }
    }
}

/// About five in six individual numbers have check digits; the generator must not be so
/// strict that fixtures run out of people.
#[test]
fn synthetic_numbers_exist_for_most_individual_numbers() {
    let found = (0..=999u16)
        .filter(|i| Fnr::synthetic(1, 1, 90, *i).is_some())
        .count();
    assert!((700..=900).contains(&found), "{found}");
    assert_eq!(Fnr::synthetic(30, 2, 90, 1), None);
    assert_eq!(Fnr::synthetic(1, 13, 90, 1), None);
}
