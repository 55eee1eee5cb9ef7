//! Intake (DOMAIN.md §3): a petitioner submits online or in the app; a bureau clerk records a letter, visit, call or
//! fax. The rules live in `crate::domain`, intake itself in `crate::services::case_work::intake`; this module only translates.

use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::case::CaseNode;
use super::context::{state, work};
use crate::domain::case::{Category, Channel};
use crate::domain::ids::AccountId;
use crate::error::{AppError, Message};
use crate::services::case_work::intake::{
    self, Intake, Numbering, Petition, RecordedPetitioner, Recording, Representative,
};

/// A new case and its query code.
#[derive(SimpleObject)]
pub struct IntakePayload {
    /// The new case.
    pub case: CaseNode,
    /// The reference, for letters and phone calls.
    pub reference: String,
    /// 查询码: with the reference, anyone can follow the case with `trackCase`. Shown this once only (null when
    /// a retried submission returns the earlier case): it is stored hashed.
    pub query_code: Option<String>,
}

/// A petition submitted by the petitioner.
#[derive(InputObject)]
pub struct SubmitPetitionInput {
    /// Where the matter lies: a county (or city, province) code, or a township code (filed under its county).
    pub jurisdiction_code: String,
    /// A short title, up to 200 characters.
    pub title: String,
    /// The matter, up to 10000 characters.
    pub content: String,
    /// The kind of matter, if the petitioner knows it (staff classify it anyway).
    pub category: Option<Category>,
    /// A phone number to reach the petitioner.
    pub phone: Option<String>,
    /// The petitioner's resident ID number.
    pub id_number: Option<String>,
    /// Whether staff should not learn who petitioned (accusations).
    #[graphql(default)]
    pub anonymous: bool,
    /// `ONLINE` or `MOBILE` (the default).
    pub channel: Option<Channel>,
    /// Addressed above the county of the matter: the code of the city or province whose bureau the petition is
    /// sent to (a skip-level petition, 越级). Left out, the matter's own bureau.
    pub addressed_to: Option<String>,
    /// A key the client makes up per petition: a retry with the same key returns the first result again.
    pub idempotency_key: String,
}

/// Who petitioned, as a clerk records it.
#[derive(InputObject)]
pub struct RecordedPetitionerInput {
    /// The petitioner's name (or the group's name).
    pub name: String,
    /// The petitioner's account, if they have one (their cases then show in their app).
    pub account_id: Option<ID>,
}

/// A representative of a group petition.
#[derive(InputObject)]
pub struct RepresentativeInput {
    /// Name.
    pub name: String,
    /// Phone number.
    pub phone: Option<String>,
}

/// A petition received by letter, visit, phone or fax, recorded by a bureau clerk.
#[derive(InputObject)]
pub struct RecordPetitionInput {
    /// Where the matter lies (a township code is filed under its county).
    pub jurisdiction_code: String,
    /// `LETTER`, `VISIT`, `PHONE` or `FAX`.
    pub channel: Channel,
    /// When it was received; may lie in the past (its deadlines run from then), not in the future.
    pub received_at: DateTime<Utc>,
    /// A short title, up to 200 characters.
    pub title: String,
    /// The matter, up to 10000 characters.
    pub content: String,
    /// The kind of matter, if already clear.
    pub category: Option<Category>,
    /// Who petitioned.
    pub petitioner: RecordedPetitionerInput,
    /// Phone number.
    pub phone: Option<String>,
    /// Resident ID number.
    pub id_number: Option<String>,
    /// Whether the petitioner asked not to be named.
    #[graphql(default)]
    pub anonymous: bool,
    /// Up to 5 representatives of a group petition.
    #[graphql(default)]
    pub representatives: Vec<RepresentativeInput>,
    /// How many people the petition speaks for.
    #[graphql(default = 1)]
    pub group_size: i32,
    /// An internal note.
    pub note: Option<String>,
    /// Passed on from a national channel (国家信访局): only a provincial bureau records these. A petition recorded by
    /// a city's or the province's bureau about a county's matter is a skip-level petition by that level anyway.
    #[graphql(default)]
    pub national_channel: bool,
}

impl From<Intake> for IntakePayload {
    fn from(intake: Intake) -> Self {
        IntakePayload {
            reference: intake.case.reference.clone(),
            case: CaseNode(intake.case),
            query_code: intake.query_code,
        }
    }
}

/// The petition in either input: both name its fields alike.
macro_rules! petition_of {
    ($input:expr) => {
        Petition {
            jurisdiction_code: &$input.jurisdiction_code,
            title: &$input.title,
            content: &$input.content,
            category: $input.category,
            phone: $input.phone.as_deref(),
            id_number: $input.id_number.as_deref(),
            anonymous: $input.anonymous,
            addressed_to: None,
        }
    };
}

/// What the server numbers and seals new cases with, for the intake services.
pub(super) fn numbering(ctx: &Context<'_>) -> Numbering {
    let st = state(ctx);
    Numbering { serials: st.serials.clone(), query_codes: st.settings.query_codes.clone() }
}

#[derive(Default)]
pub struct IntakeMutation;

#[Object]
impl IntakeMutation {
    /// A petitioner submits a petition. Returns the case, its reference and, once, its query code.
    async fn submit_petition(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The petition.")] input: SubmitPetitionInput,
    ) -> Result<IntakePayload> {
        let w = work(ctx)?;
        let numbering = numbering(ctx);
        let result = state(ctx)
            .db
            .run(move |conn| {
                let petition = Petition { addressed_to: input.addressed_to.as_deref(), ..petition_of!(input) };
                intake::submit(
                    conn,
                    &w,
                    &numbering,
                    &petition,
                    input.channel.unwrap_or(Channel::Mobile),
                    &input.idempotency_key,
                )
            })
            .await?;
        Ok(result.into())
    }

    /// A bureau clerk records a petition received by letter, visit, phone or fax.
    async fn record_petition(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The petition.")] input: RecordPetitionInput,
    ) -> Result<IntakePayload> {
        let w = work(ctx)?;
        let numbering = numbering(ctx);
        let account = input
            .petitioner
            .account_id
            .as_ref()
            .map(|id| {
                id.parse::<AccountId>().map_err(|_| AppError::bad_input("input.petitioner.accountId", Message::NotAnId))
            })
            .transpose()?;
        let result = state(ctx)
            .db
            .run(move |conn| {
                let petition = petition_of!(input);
                let reps: Vec<Representative> = input
                    .representatives
                    .iter()
                    .map(|r| Representative { name: &r.name, phone: r.phone.as_deref() })
                    .collect();
                let recording = Recording {
                    channel: input.channel,
                    received_at: input.received_at,
                    petitioner: RecordedPetitioner { name: &input.petitioner.name, account_id: account },
                    representatives: &reps,
                    group_size: input.group_size,
                    note: input.note.as_deref(),
                    national_channel: input.national_channel,
                };
                intake::record(conn, &w, &numbering, &petition, &recording)
            })
            .await?;
        Ok(result.into())
    }
}
