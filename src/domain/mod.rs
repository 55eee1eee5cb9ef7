//! Pure domain rules: no I/O, no database, unit-tested on their own.

/// Defines a domain enum with its stable spelling, which is the same everywhere: in the API (async-graphql's enum),
/// in the database's text columns (diesel's `Text`, each column CHECKed against the same list), and in stored JSON
/// (serde). The derives only name the spelling; nothing here does I/O.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, diesel::AsExpression, diesel::FromSqlRow, Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = std::str::from_utf8(value.as_bytes())?;
                $name::parse(text).ok_or_else(|| format!("{} is no {}", text, stringify!($name)).into())
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        // Stored and sent (history details, evaluations) with the same spelling.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                $name::parse(&text).ok_or_else(|| serde::de::Error::unknown_variant(&text, &[$($text,)+]))
            }
        }
    };
}

pub mod administration;
pub mod case;
pub mod chain;
pub mod credentials;
pub mod deadline;
pub mod details;
pub mod escalation;
pub mod evidence;
pub mod figures;
pub mod ids;
pub mod labels;
pub mod lifecycle;
pub mod organisation;
pub mod permission;
pub mod person;
pub mod reception;
pub mod role;
pub mod schedule;
pub mod scope;
pub mod sealing;
pub mod supervision;
pub mod visibility;
pub mod webhook;
