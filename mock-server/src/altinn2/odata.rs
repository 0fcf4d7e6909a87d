//! The OData query options the Altinn 2 lists take: `$filter` (comparisons joined by `and`),
//! `$skip` and `$top`, and the paging every list gets.

use std::collections::HashMap;

use tilgang_altinn2_wire::{Right, RightHolder, Role};

use super::refusal::{Refusal, TOP_MAX};

/// Query parameters with lower-cased names (ASP.NET binds them case-insensitively).
pub(super) type Query = HashMap<String, String>;

/// The properties a right can be filtered on.
pub(super) const RIGHT_PROPERTIES: &[&str] = &[
    "RightSourceType",
    "ServiceCode",
    "ServiceEditionCode",
    "Action",
    "RightType",
];
/// The properties a role can be filtered on.
pub(super) const ROLE_PROPERTIES: &[&str] = &["RoleType", "RoleDefinitionId"];
/// The properties a right holder can be filtered on.
pub(super) const HOLDER_PROPERTIES: &[&str] = &["Name", "RightHolderId"];

/// Parsed OData options.
#[derive(Debug, Default)]
pub(super) struct OData {
    /// `(property, equal, value)`: `eq` when `equal`, else `ne`.
    filters: Vec<(String, bool, String)>,
    skip: usize,
    top: Option<usize>,
}

impl OData {
    /// Reads the options from query parameters with lower-cased names, allowing `$filter` on
    /// `filterable` properties of the type `type_name` (named in the error, as OData does).
    pub(super) fn parse(
        q: &Query,
        filterable: &[&str],
        type_name: &'static str,
    ) -> Result<OData, Refusal> {
        let number = |name: &'static str| -> Result<Option<usize>, Refusal> {
            match q.get(name) {
                None => Ok(None),
                Some(v) => {
                    v.trim()
                        .parse::<usize>()
                        .map(Some)
                        .map_err(|_| Refusal::InvalidNumber {
                            name,
                            value: v.clone(),
                        })
                }
            }
        };
        let skip = number("$skip")?.unwrap_or(0);
        let top = number("$top")?;
        if let Some(t) = top
            && t > TOP_MAX
        {
            return Err(Refusal::TopTooLarge(t));
        }
        let mut filters = Vec::new();
        if let Some(f) = q.get("$filter") {
            for clause in split_and(f) {
                let parts: Vec<&str> = clause.trim().splitn(3, ' ').collect();
                let [prop, op, value] = parts.as_slice() else {
                    return Err(Refusal::FilterSyntax(clause.to_owned()));
                };
                let Some(prop) = filterable.iter().find(|p| p.eq_ignore_ascii_case(prop)) else {
                    return Err(Refusal::UnknownProperty {
                        property: (*prop).to_owned(),
                        type_name,
                    });
                };
                let eq = match op.to_ascii_lowercase().as_str() {
                    "eq" => true,
                    "ne" => false,
                    other => return Err(Refusal::UnsupportedOperator(other.to_owned())),
                };
                let value = value.trim();
                let value = value
                    .strip_prefix('\'')
                    .and_then(|v| v.strip_suffix('\''))
                    .unwrap_or(value);
                filters.push(((*prop).to_owned(), eq, value.to_owned()));
            }
        }
        Ok(OData { filters, skip, top })
    }

    /// Skips `$skip` items, then takes `$top`, never more than `cap`.
    pub(super) fn page<T>(&self, items: Vec<T>, cap: usize) -> Vec<T> {
        let take = self.top.unwrap_or(cap).min(cap);
        items.into_iter().skip(self.skip).take(take).collect()
    }

    /// Whether every filter holds for a value of each property (compared case-insensitively).
    fn keep(&self, actual: impl Fn(&str) -> String) -> bool {
        self.filters
            .iter()
            .all(|(prop, eq, value)| actual(prop).eq_ignore_ascii_case(value) == *eq)
    }

    /// Whether a right passes the filters.
    pub(super) fn keep_right(&self, r: &Right) -> bool {
        self.keep(|prop| match prop {
            "RightSourceType" => r
                .right_source_type
                .as_ref()
                .map(|v| v.as_str().to_owned())
                .unwrap_or_default(),
            "ServiceCode" => r
                .service_code
                .as_ref()
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default(),
            "ServiceEditionCode" => r
                .service_edition_code
                .map(|e| e.to_string())
                .unwrap_or_default(),
            "Action" => r.action.as_str().to_owned(),
            "RightType" => r
                .right_type
                .as_ref()
                .map(|v| v.as_str().to_owned())
                .unwrap_or_default(),
            _ => String::new(),
        })
    }

    /// Whether a role passes the filters.
    pub(super) fn keep_role(&self, r: &Role) -> bool {
        self.keep(|prop| match prop {
            "RoleType" => r
                .role_type
                .as_ref()
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default(),
            _ => r
                .role_definition_id
                .map(|d| d.0.to_string())
                .unwrap_or_default(),
        })
    }

    /// Whether a right holder passes the filters.
    pub(super) fn keep_holder(&self, h: &RightHolder) -> bool {
        self.keep(|prop| match prop {
            "Name" => h.name.clone().unwrap_or_default(),
            _ => h
                .right_holder_id
                .as_ref()
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default(),
        })
    }
}

/// Splits a `$filter` at ` and ` (any case), keeping the clauses' own text.
fn split_and(f: &str) -> Vec<&str> {
    let lower = f.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut start = 0;
    let mut search = 0;
    while let Some(i) = lower[search..].find(" and ") {
        let at = search + i;
        out.push(&f[start..at]);
        start = at + 5;
        search = start;
    }
    out.push(&f[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn options_are_refused_with_the_odata_message() {
        let parse = |pairs: &[(&str, &str)]| {
            OData::parse(&query(pairs), RIGHT_PROPERTIES, "Right").map(|_| ())
        };
        assert_eq!(
            parse(&[("$top", "x")]),
            Err(Refusal::InvalidNumber {
                name: "$top",
                value: "x".into()
            })
        );
        assert_eq!(
            parse(&[("$top", "10001")]),
            Err(Refusal::TopTooLarge(10_001))
        );
        assert_eq!(
            parse(&[("$filter", "Action eq 'Read' AND Colour eq 'red'")]),
            Err(Refusal::UnknownProperty {
                property: "Colour".into(),
                type_name: "Right"
            })
        );
        assert_eq!(
            parse(&[("$filter", "Action gt 'Read'")]),
            Err(Refusal::UnsupportedOperator("gt".into()))
        );
        assert_eq!(
            parse(&[("$filter", "Action")]),
            Err(Refusal::FilterSyntax("Action".into()))
        );
    }

    #[test]
    fn paging_skips_then_takes_at_most_the_cap() {
        let od = OData::parse(&query(&[("$skip", "2"), ("$top", "3")]), &[], "Right").unwrap();
        assert_eq!(od.page((0..10).collect(), 50), vec![2, 3, 4]);
        assert_eq!(od.page((0..10).collect(), 2), vec![2, 3]);
    }
}
