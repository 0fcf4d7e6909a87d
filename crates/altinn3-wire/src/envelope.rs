//! The list envelope `PaginatedResult<T>` (§3.2) and the paging link (§2.2).
//!
//! The enduser API wraps most lists as `{"links": {"next": null}, "data": [...]}`; E9 returns a
//! bare array (§3.8). [`PaginatedResult`] decodes both shapes, so a client never fails because
//! an endpoint changed from one to the other, and encodes the wrapped shape; the codec's
//! `encode_bare_list` writes the bare one for E9.

use std::fmt;
use std::marker::PhantomData;

use serde::{
    Deserialize, Deserializer, Serialize,
    de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor},
};

use crate::util::dto;

dto! {
    /// The `links` object of a [`PaginatedResult`] (§3.2).
    #[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct PageLinks {
        /// The next page, a relative URI on the same host (§2.2). Nullable; the server always
        /// writes `null` today, but a client should follow a non-null string.
        #[serde(default)]
        next: Option<String> = "next" | "Next",
    }
}

/// A list answer of the enduser API: `{"links": {"next": string|null}, "data": T[]}` (§3.2).
///
/// Decoding accepts the wrapped object (keys in any casing, `links` absent or `null`, `data`
/// `null` as empty but not absent, unknown keys ignored) and also a bare JSON array, which then
/// has no next link. Encoding writes the wrapped object with `next` always present.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PaginatedResult<T> {
    /// The paging links. Not nullable on the wire (`{"next": null}` when there is one page).
    pub links: PageLinks,
    /// The items of this page. Not nullable.
    pub data: Vec<T>,
}

impl<T> PaginatedResult<T> {
    /// A single page holding `data`, with `next` null: what every list endpoint answers today.
    pub fn single(data: Vec<T>) -> Self {
        PaginatedResult {
            links: PageLinks::default(),
            data,
        }
    }

    /// The next page's URI, if the server gave one.
    pub fn next(&self) -> Option<&str> {
        self.links.next.as_deref()
    }
}

impl<T> Default for PaginatedResult<T> {
    fn default() -> Self {
        PaginatedResult::single(Vec::new())
    }
}

impl<T> From<Vec<T>> for PaginatedResult<T> {
    fn from(data: Vec<T>) -> Self {
        PaginatedResult::single(data)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for PaginatedResult<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PageVisitor(PhantomData))
    }
}

struct PageVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for PageVisitor<T> {
    type Value = PaginatedResult<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a {\"links\", \"data\"} object or a bare array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut data = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element()? {
            data.push(item);
        }
        Ok(PaginatedResult::single(data))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut links: Option<PageLinks> = None;
        let mut data: Option<Vec<T>> = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            // The keys are compared without case, as a .NET reader would; a repeated key is an
            // error rather than a silent overwrite, like serde's derived structs.
            if key.eq_ignore_ascii_case("links") {
                if links.is_some() {
                    return Err(de::Error::duplicate_field("links"));
                }
                let v: Option<PageLinks> = map.next_value()?;
                links = Some(v.unwrap_or_default());
            } else if key.eq_ignore_ascii_case("data") {
                if data.is_some() {
                    return Err(de::Error::duplicate_field("data"));
                }
                let v: Option<Vec<T>> = map.next_value()?;
                data = Some(v.unwrap_or_default());
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        // A missing `data` is an error, unlike a `null` one: an object without it is not a list
        // answer at all (for example a problem body read by mistake), and reading it as an empty
        // list would hide that.
        Ok(PaginatedResult {
            links: links.unwrap_or_default(),
            data: data.ok_or_else(|| de::Error::missing_field("data"))?,
        })
    }
}
