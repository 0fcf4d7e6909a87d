//! A macro for enums of server text values that keep unknown values instead of failing.
//!
//! Servers add values over time (a new right source, a new role type). An enum built with
//! [`text_enum!`](crate::text_enum) parses known spellings case-insensitively, keeps anything
//! else in `Other(String)`, prints the documented spelling, and (de)serialises as a string. The
//! domain uses it for [`Action`](crate::Action); the Altinn 2 wire crate for its own enums.

/// Declares a text enum: `Name { /// doc \n Variant = "Wire" | "alias", ... }`.
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$doc:meta])*
        $name:ident {
            $( $(#[$vdoc:meta])* $variant:ident = $wire:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )+
            /// A value this version does not know, kept as the server sent it.
            Other(String),
        }

        impl $name {
            /// The documented wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Other(s) => s,
                }
            }

            /// Parses a wire value, ignoring ASCII case and accepting the documented
            /// alternative spellings. Never fails: unknown values become `Other`.
            pub fn parse(s: &str) -> Self {
                let t = s.trim();
                $(
                    if t.eq_ignore_ascii_case($wire) $(|| t.eq_ignore_ascii_case($alias))* {
                        return $name::$variant;
                    }
                )+
                $name::Other(t.to_owned())
            }

            /// Every known variant, for help texts and test generators.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::parse(s))
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as $crate::__private::serde::Deserialize<'de>>::deserialize(d)?;
                Ok(Self::parse(&s))
            }
        }
    };
}
