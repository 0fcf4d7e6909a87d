use std::{collections::BTreeSet, fmt, str::FromStr, sync::Arc};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::IdError;

/// One OAuth2 scope, e.g. `altinn:enduser` or `altinn:delegations.write`.
///
/// Accepted: 1 to 255 printable ASCII characters other than space, `"` and `\` (RFC 6749
/// §3.3 `scope-token`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope(String);

impl Scope {
    /// The longest scope accepted.
    pub const MAX_LEN: usize = 255;

    /// Parses one scope.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let what = "scope";
        if s.is_empty() {
            return Err(IdError::Empty { what });
        }
        if s.len() > Self::MAX_LEN {
            return Err(IdError::TooLong {
                what,
                max: Self::MAX_LEN,
            });
        }
        // RFC 6749: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
        if !s
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
        {
            return Err(IdError::Characters {
                what,
                allowed: "printable ASCII without spaces, quotes or backslashes",
            });
        }
        Ok(Scope(s.to_owned()))
    }

    /// The scope text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scope({})", self.0)
    }
}

impl FromStr for Scope {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A non-empty, sorted and de-duplicated set of scopes.
///
/// Sorting makes two requests for the same scopes in a different order the same cache key,
/// and `Display` gives the space-separated form that goes into a grant's `scope` claim.
/// The set is immutable and shared, so a clone (e.g. of a cached token) costs a reference
/// count, not an allocation per scope.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScopeSet(Arc<BTreeSet<Scope>>);

impl ScopeSet {
    /// Builds a set from scopes; an empty set is refused.
    pub fn new(scopes: impl IntoIterator<Item = Scope>) -> Result<Self, IdError> {
        let set: BTreeSet<Scope> = scopes.into_iter().collect();
        if set.is_empty() {
            return Err(IdError::Empty { what: "scope set" });
        }
        Ok(ScopeSet(Arc::new(set)))
    }

    /// Parses a space- or comma-separated list of scopes.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let scopes = s
            .split([' ', ','])
            .filter(|t| !t.is_empty())
            .map(Scope::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(scopes)
    }

    /// A set holding one scope.
    pub fn single(scope: Scope) -> Self {
        ScopeSet(Arc::new(BTreeSet::from([scope])))
    }

    /// Whether the set holds `scope`.
    pub fn contains(&self, scope: &str) -> bool {
        self.0.iter().any(|s| s.as_str() == scope)
    }

    /// The scopes, in sorted order.
    pub fn iter(&self) -> impl Iterator<Item = &Scope> {
        self.0.iter()
    }

    /// The number of scopes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a set is never empty. Present for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(s.as_str())?;
        }
        Ok(())
    }
}

impl fmt::Debug for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ScopeSet({self})")
    }
}

impl FromStr for ScopeSet {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for ScopeSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ScopeSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_deduplicated() {
        let a = ScopeSet::parse("b:x a:y b:x").unwrap();
        let b = ScopeSet::parse("a:y,b:x").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "a:y b:x");
        assert_eq!(a.len(), 2);
    }

    #[test]
    fn refuses_bad_scopes() {
        assert!(ScopeSet::parse("").is_err());
        assert!(ScopeSet::parse("   ").is_err());
        assert!(Scope::parse("a\"b").is_err());
        assert!(Scope::parse("æ").is_err());
    }
}
