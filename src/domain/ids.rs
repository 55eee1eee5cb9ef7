//! The ids of the service's objects, one type per kind of object, so that a case's id cannot be passed where an
//! account's is due. Each is a UUID everywhere it goes: a `uuid` column in the database (diesel), a string in stored
//! JSON (serde), and the `ID` scalar in the API (written as the UUID's hyphenated text, exactly as before).

macro_rules! entity_ids {
    ($($(#[$meta:meta])* $name:ident,)+) => {
        $(
            $(#[$meta])*
            #[derive(
                Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
                serde::Serialize, serde::Deserialize, diesel::AsExpression, diesel::FromSqlRow,
            )]
            #[serde(transparent)]
            #[diesel(sql_type = diesel::sql_types::Uuid)]
            pub struct $name(pub uuid::Uuid);

            impl $name {
                /// The UUID itself, for the places that hold ids of any kind (keys of loaders, log fields).
                pub const fn uuid(self) -> uuid::Uuid {
                    self.0
                }

                /// The id of a number, for tests and examples.
                pub const fn from_u128(n: u128) -> Self {
                    $name(uuid::Uuid::from_u128(n))
                }

                /// A new, random id.
                pub fn new_v4() -> Self {
                    $name(uuid::Uuid::new_v4())
                }
            }

            /// An id as clients write it (the UUID's text).
            impl std::str::FromStr for $name {
                type Err = uuid::Error;
                fn from_str(text: &str) -> Result<Self, uuid::Error> {
                    text.parse().map($name)
                }
            }

            impl From<uuid::Uuid> for $name {
                fn from(id: uuid::Uuid) -> Self {
                    $name(id)
                }
            }

            impl From<$name> for uuid::Uuid {
                fn from(id: $name) -> Self {
                    id.0
                }
            }

            impl std::fmt::Display for $name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    self.0.fmt(f)
                }
            }

            impl diesel::deserialize::FromSql<diesel::sql_types::Uuid, diesel::pg::Pg> for $name {
                fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                    <uuid::Uuid as diesel::deserialize::FromSql<diesel::sql_types::Uuid, diesel::pg::Pg>>::from_sql(value)
                        .map($name)
                }
            }

            impl diesel::serialize::ToSql<diesel::sql_types::Uuid, diesel::pg::Pg> for $name {
                fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>) -> diesel::serialize::Result {
                    <uuid::Uuid as diesel::serialize::ToSql<diesel::sql_types::Uuid, diesel::pg::Pg>>::to_sql(&self.0, out)
                }
            }

            // Sent as the API's one `ID` scalar: registered as `ID` itself, so the schema is unchanged.
            impl async_graphql::OutputType for $name {
                fn type_name() -> std::borrow::Cow<'static, str> {
                    <async_graphql::ID as async_graphql::OutputType>::type_name()
                }

                fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
                    <async_graphql::ID as async_graphql::OutputType>::create_type_info(registry)
                }

                async fn resolve(
                    &self,
                    _: &async_graphql::ContextSelectionSet<'_>,
                    _: &async_graphql::Positioned<async_graphql::parser::types::Field>,
                ) -> async_graphql::ServerResult<async_graphql::Value> {
                    Ok(async_graphql::Value::String(self.0.to_string()))
                }
            }
        )+
    };
}

entity_ids! {
    /// A case (信访事项).
    CaseId,
    /// An account: a petitioner's or a member of staff's.
    AccountId,
    /// A unit: a bureau, a handling unit, a committee.
    UnitId,
    /// An escalation: a review, a re-review, a joint conference, an urgent report.
    EscalationId,
    /// A supervision notice.
    NoticeId,
    /// A file attached to a case.
    AttachmentId,
    /// A reception session (领导接访日).
    ReceptionSessionId,
    /// A petitioner's booking of a place at a reception session.
    BookingId,
    /// A visitor received at a reception session.
    VisitId,
    /// An integrator's webhook.
    WebhookId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_uuid_in_json() {
        let uuid = uuid::Uuid::from_u128(7);
        let json = serde_json::to_value(CaseId(uuid)).unwrap();
        assert_eq!(json, serde_json::Value::String(uuid.to_string()));
        assert_eq!(serde_json::from_value::<CaseId>(json).unwrap(), CaseId(uuid));
        assert_eq!(CaseId(uuid).to_string(), uuid.to_string());
    }
}
