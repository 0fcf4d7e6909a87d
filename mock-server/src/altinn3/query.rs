//! The query string as ASP.NET binds it: names without case, values percent-decoded, repeated
//! names kept in order. The scope policy reads the raw values; the rules bind GUIDs and
//! booleans through [`Query::guid`] and [`Query::flag`], which answer ASP.NET's binding
//! errors.

use uuid::Uuid;

use super::refusal::Refusal;

/// The decoded query string.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses a raw query string.
    pub(crate) fn parse(raw: Option<&str>) -> Self {
        Query {
            pairs: raw
                .map(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// The first value of `name` (lower-case), as sent.
    pub(crate) fn first(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The value of `name` as a GUID, when it is one.
    pub(crate) fn uuid(&self, name: &str) -> Option<Uuid> {
        self.first(name)
            .and_then(|v| Uuid::parse_str(v.trim()).ok())
    }

    /// An optional GUID parameter: absent or empty is `None`; anything else must be a GUID.
    pub(crate) fn guid(&self, name: &'static str) -> Result<Option<Uuid>, Refusal> {
        match self.first(name).map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => Uuid::parse_str(v).map(Some).map_err(|_| Refusal::Binding {
                field: name,
                message: format!("The value '{v}' is not valid."),
            }),
        }
    }

    /// A required GUID parameter.
    pub(crate) fn required_guid(&self, name: &'static str) -> Result<Uuid, Refusal> {
        self.guid(name)?.ok_or(Refusal::Binding {
            field: name,
            message: format!("The {name} field is required."),
        })
    }

    /// A GUID parameter that binds as `Guid` (not nullable): missing is the empty GUID.
    pub(crate) fn guid_or_empty(&self, name: &'static str) -> Result<Uuid, Refusal> {
        Ok(self.guid(name)?.unwrap_or(Uuid::nil()))
    }

    /// A boolean parameter with its default.
    pub(crate) fn flag(&self, name: &'static str, default: bool) -> Result<bool, Refusal> {
        match self.first(name).map(str::trim) {
            None | Some("") => Ok(default),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(Refusal::Binding {
                field: name,
                message: format!("The value '{v}' is not valid."),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_bind_without_case_and_values_are_decoded() {
        let q = Query::parse(Some(
            "Party=A&packages=x&PACKAGES=urn%3Aaltinn%3Ay&flag=TRUE",
        ));
        assert_eq!(q.first("party"), Some("A"));
        assert_eq!(q.all("packages"), vec!["x", "urn:altinn:y"]);
        assert_eq!(q.flag("flag", false), Ok(true));
        assert_eq!(q.flag("other", true), Ok(true));
    }

    #[test]
    fn guids_bind_as_aspnet_does() {
        let q = Query::parse(Some("to=nope&from="));
        assert!(matches!(
            q.guid("to"),
            Err(Refusal::Binding { field: "to", .. })
        ));
        assert_eq!(q.guid("from"), Ok(None));
        assert_eq!(q.guid_or_empty("party"), Ok(Uuid::nil()));
        assert!(matches!(
            q.required_guid("party"),
            Err(Refusal::Binding { field: "party", .. })
        ));
    }
}
