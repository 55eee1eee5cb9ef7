//! `/export/case-history`: one case's history as a file, every entry the caller may see with its place in the
//! hash chain and its digests (`table::CASE_HISTORY`).

use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

use super::table::{self, Reading};
use super::{bad_parameter, file_safe, not_found, page, whole_file, Asked, FileName, Params};
use crate::domain::ids::CaseId;
use crate::error::Message;
use crate::http::graphql::Served;

/// One case's history, every entry the caller may see, in one file (a history is tens of entries, so one query).
pub(super) async fn serve(req: HttpRequest, params: Params, served: Served, asked: Asked) -> HttpResponse {
    let Served { state, schema, .. } = served;
    // The root field, the type of its key, and the key.
    let (root, key_type, key) = match (params.case_id.filter(|id| !id.is_empty()), params.reference) {
        (Some(id), _) if id.parse::<CaseId>().is_err() => return bad_parameter(asked, "caseId", Message::NotACaseId),
        (Some(id), _) => ("case(id: $key)", "ID", id),
        (None, Some(reference)) if !reference.is_empty() => ("caseByReference(reference: $key)", "String", reference),
        _ => return bad_parameter(asked, "caseId", Message::CaseIdOrReference),
    };
    let variables = json!({ "key": key });
    let query = format!(
        "query ExportCaseHistory($key: {key_type}!) {{ case: {root} {{ reference events {} }} }}",
        table::CASE_HISTORY.selection()
    );
    let data = match page(&req, &state, &schema, &query, variables, asked.chinese).await {
        Ok(data) => data,
        Err(refused) => return refused,
    };
    let case = &data["case"];
    let Some(reference) = case["reference"].as_str() else { return not_found(asked, "case") };
    let reading = Reading { chinese: asked.chinese, tz: state.settings.time_zone };
    let today = state.clock.now().with_timezone(&reading.tz);
    let columns = &table::CASE_HISTORY;
    let name = FileName {
        what: ("case-history", "信访事项履历"),
        place: file_safe(reference),
        place_name: None,
        period: today.format("%Y-%m-%d").to_string(),
    };
    let rows = columns.rows(&case["events"], reading);
    whole_file(asked, &name, (&columns.header(asked.chinese), &columns.widths()), rows, today.naive_local())
}
