//! Exports for portals, each as CSV and as an Excel workbook (`.xlsx`): `/export/cases`, `/export/escalations`
//! and `/export/supervision-notices` (a list, with the filter (and order) of its GraphQL connection as
//! parameters), `/export/figures` (a jurisdiction's figures for a period and each of its children's) and
//! `/export/case-history` (one case's history with each entry's digest), with the bearer token as for `/graphql`.
//!
//! An export runs the GraphQL queries a portal would run itself, as the caller, page after page, so what it holds
//! is scope-checked and filtered exactly as the API's lists and figures are, by the same resolvers; a refusal
//! (a bad filter, no token, no right to the figures) is the same error with the same code, in the request's
//! language, before any row is sent. Rows are streamed as each page arrives (`csv`, `xlsx` say how each format
//! writes them); should a later page fail, the body ends there without its final chunk, so the download fails
//! instead of looking complete. Values are as the API shows them (due dates as the last day, like `dueOn`), the
//! closed sets and yes/no in Chinese for a Chinese reader, and the file is named after what it holds, the place
//! and the day or period.

mod case_history;
mod csv;
mod figures;
mod table;
mod xlsx;

use actix_web::http::StatusCode;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use async_graphql::{Request, Variables};
use futures_util::StreamExt;
use serde_json::{json, Value};

use super::files::named_attachment;
use super::graphql::{code_errors, coded_refusal, request_data, status_of, Served};
use super::language::{prefers_chinese, render};
use super::request_id::RequestId;
use crate::error::{ErrorCode, Message};
use crate::graphql::context::AppState;
use crate::graphql::AppSchema;
use table::{Cell, List, Reading};

/// The file formats of every export.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// What an export holds.
#[derive(Clone, Copy)]
pub enum Export {
    List(&'static List),
    Figures,
    CaseHistory,
}

/// Every export's path.
pub const FILES: [(&str, Export, Format); 10] = [
    ("/export/cases.csv", Export::List(&table::CASES), Format::Csv),
    ("/export/cases.xlsx", Export::List(&table::CASES), Format::Xlsx),
    ("/export/escalations.csv", Export::List(&table::ESCALATIONS), Format::Csv),
    ("/export/escalations.xlsx", Export::List(&table::ESCALATIONS), Format::Xlsx),
    ("/export/supervision-notices.csv", Export::List(&table::SUPERVISION_NOTICES), Format::Csv),
    ("/export/supervision-notices.xlsx", Export::List(&table::SUPERVISION_NOTICES), Format::Xlsx),
    ("/export/figures.csv", Export::Figures, Format::Csv),
    ("/export/figures.xlsx", Export::Figures, Format::Xlsx),
    ("/export/case-history.csv", Export::CaseHistory, Format::Csv),
    ("/export/case-history.xlsx", Export::CaseHistory, Format::Xlsx),
];

/// The parameters of the exports: `filter` (the list's filter input as JSON) and `order` for lists;
/// `jurisdictionCode`, `from` and `to` for figures; `caseId` or `reference` for a case's history.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Params {
    filter: Option<String>,
    order: Option<String>,
    jurisdiction_code: Option<String>,
    from: Option<String>,
    to: Option<String>,
    case_id: Option<String>,
    reference: Option<String>,
}

pub async fn serve(
    req: HttpRequest,
    params: web::Query<Params>,
    served: Served,
    export: Export,
    format: Format,
) -> HttpResponse {
    let asked = Asked { chinese: prefers_chinese(&req), format };
    match export {
        Export::List(list) => list_export(req, params.into_inner(), served, list, asked).await,
        Export::Figures => figures::serve(req, params.into_inner(), served, asked).await,
        Export::CaseHistory => case_history::serve(req, params.into_inner(), served, asked).await,
    }
}

/// What the request asked for besides its parameters.
#[derive(Clone, Copy)]
struct Asked {
    chinese: bool,
    format: Format,
}

async fn list_export(
    req: HttpRequest,
    params: Params,
    served: Served,
    list: &'static List,
    asked: Asked,
) -> HttpResponse {
    let Served { state, schema, .. } = served;
    let variables = match list_variables(&params, list, state.settings.limits.max_page_size) {
        Ok(variables) => variables,
        Err((field, why)) => return bad_parameter(asked, field, why),
    };
    let reading = Reading { chinese: asked.chinese, tz: state.settings.time_zone };
    let state = state.into_inner();
    let schema = schema.into_inner();
    let query = list.query();
    let first = match page(&req, &state, &schema, &query, variables.clone(), asked.chinese).await {
        Ok(data) => data,
        Err(refused) => return refused,
    };
    let connection = &first[list.field];
    let rows = connection["totalCount"].as_u64().unwrap_or_default();
    if asked.format == Format::Xlsx && rows >= xlsx::MAX_ROWS {
        let message = Message::TooManyRowsForSheet(rows.to_string(), (xlsx::MAX_ROWS - 1).to_string());
        return bad_parameter(asked, "filter", message);
    }
    let today = state.clock.now().with_timezone(&reading.tz);
    let place = variables["filter"]["jurisdictionCode"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| req.extensions().get::<CallerJurisdiction>().and_then(|c| c.0.clone()));
    let name = FileName {
        what: list.name,
        place: place.as_deref().map(file_safe).unwrap_or_else(|| "own".into()),
        place_name: None,
        period: today.format("%Y-%m-%d").to_string(),
    };
    let (mut writer, mut head) = Writer::start(
        asked.format,
        list.name,
        asked.chinese,
        &list.columns.header(asked.chinese),
        &list.columns.widths(),
        today.naive_local(),
    );
    match writer.rows(list.rows(&first, reading)) {
        Ok(bytes) => head.extend(bytes),
        Err(xlsx::Full) => return bad_parameter(asked, "filter", Message::SheetFull),
    }
    let later = Later { req, state, schema, query, variables, list, reading };
    let rest = later.pages(next_cursor(&first[list.field]), writer);
    let body = futures_util::stream::once(async move { Ok::<_, actix_web::Error>(web::Bytes::from(head)) }).chain(rest);
    file_response(asked, &name).streaming(body)
}

/// The variables of a list's query from the request's `filter` and `order`, or which of them is refused and why.
fn list_variables(params: &Params, list: &List, page_size: usize) -> Result<Value, (&'static str, Message)> {
    let mut variables = json!({ "first": page_size });
    if let Some(filter) = params.filter.as_deref().filter(|f| !f.is_empty()) {
        match serde_json::from_str::<Value>(filter) {
            Ok(filter @ Value::Object(_)) => variables["filter"] = filter,
            _ => return Err(("filter", Message::NotAJsonObject(list.filter.to_owned()))),
        }
    }
    if let Some(order) = params.order.as_deref().filter(|o| !o.is_empty()) {
        let Some((_, values)) = list.order else {
            return Err(("order", Message::ExportTakesNoOrder));
        };
        let values = values();
        if !values.contains(&order) {
            return Err(("order", Message::OneOf(values.join(", "))));
        }
        variables["order"] = json!(order);
    }
    Ok(variables)
}

/// What fetching a list's later pages needs.
struct Later {
    req: HttpRequest,
    state: std::sync::Arc<AppState>,
    schema: std::sync::Arc<AppSchema>,
    query: String,
    variables: Value,
    list: &'static List,
    reading: Reading,
}

impl Later {
    /// The rest of the file: each page after `next`, fetched when the client has taken the previous one, then the
    /// file's end. Should a page fail, the stream ends with an error instead of the end, so the download fails.
    fn pages(
        self,
        next: Option<String>,
        writer: Writer,
    ) -> impl futures_util::Stream<Item = Result<web::Bytes, actix_web::Error>> {
        let later = std::rc::Rc::new(self);
        futures_util::stream::unfold((next, Some(writer)), move |(next, writer)| {
            let later = later.clone();
            async move {
                let mut writer = writer?;
                let Some(after) = next else { return Some((Ok(web::Bytes::from(writer.finish())), (None, None))) };
                let failed = |why: &str| {
                    let what = later.list.name.0;
                    tracing::warn!("a {what} export failed after its first page ({why}); its body ends unfinished");
                    let error = actix_web::error::ErrorServiceUnavailable("the export could not be finished");
                    Some((Err(error), (None, None)))
                };
                let mut variables = later.variables.clone();
                variables["after"] = json!(after);
                let Ok(data) = page(&later.req, &later.state, &later.schema, &later.query, variables, false).await
                else {
                    return failed("a page failed");
                };
                let Ok(bytes) = writer.rows(later.list.rows(&data, later.reading)) else {
                    return failed("the sheet is full");
                };
                Some((Ok(web::Bytes::from(bytes)), (next_cursor(&data[later.list.field]), Some(writer))))
            }
        })
    }
}

/// One format's writer.
enum Writer {
    Csv,
    Xlsx(Box<xlsx::Workbook>),
}

impl Writer {
    /// The writer and the file's first bytes.
    fn start(
        format: Format,
        what: (&str, &str),
        chinese: bool,
        header: &[String],
        widths: &[f32],
        now: chrono::NaiveDateTime,
    ) -> (Writer, Vec<u8>) {
        match format {
            Format::Csv => (Writer::Csv, csv::head(header).into_bytes()),
            Format::Xlsx => {
                let (book, bytes) = xlsx::Workbook::start(if chinese { what.1 } else { what.0 }, header, widths, now);
                (Writer::Xlsx(Box::new(book)), bytes)
            }
        }
    }

    fn rows(&mut self, rows: Vec<Vec<Cell>>) -> Result<Vec<u8>, xlsx::Full> {
        match self {
            Writer::Csv => {
                let mut out = String::new();
                for row in rows {
                    csv::push_row(&mut out, row);
                }
                Ok(out.into_bytes())
            }
            Writer::Xlsx(book) => book.rows(&rows),
        }
    }

    fn finish(self) -> Vec<u8> {
        match self {
            Writer::Csv => Vec::new(),
            Writer::Xlsx(book) => book.finish(),
        }
    }
}

/// What a file is named after: what it holds, where, and when.
struct FileName {
    what: (&'static str, &'static str),
    /// The jurisdiction's code.
    place: String,
    /// Its name, when known.
    place_name: Option<String>,
    /// The day of a list, the period of figures.
    period: String,
}

/// A file written in one piece (a few rows, from one query): its header, its rows and its end in one body.
fn whole_file(
    asked: Asked,
    name: &FileName,
    (header, widths): (&[String], &[f32]),
    rows: Vec<Vec<Cell>>,
    now: chrono::NaiveDateTime,
) -> HttpResponse {
    let (mut writer, mut body) = Writer::start(asked.format, name.what, asked.chinese, header, widths, now);
    body.extend(writer.rows(rows).unwrap_or_default());
    body.extend(writer.finish());
    file_response(asked, name).body(body)
}

fn file_response(asked: Asked, name: &FileName) -> actix_web::HttpResponseBuilder {
    let extension = match asked.format {
        Format::Csv => "csv",
        Format::Xlsx => "xlsx",
    };
    let ascii = format!("{}-{}-{}.{extension}", name.what.0, name.place, name.period);
    let shown = if asked.chinese {
        let place = match &name.place_name {
            Some(place_name) => format!("{place_name}（{}）", name.place),
            None => name.place.clone(),
        };
        format!("{}-{place}-{}.{extension}", name.what.1, name.period.replace("-to-", "至"))
    } else {
        ascii.clone()
    };
    let content_type = match asked.format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Xlsx => xlsx::CONTENT_TYPE,
    };
    let mut response = HttpResponse::Ok();
    response.content_type(content_type).insert_header(("Content-Disposition", named_attachment(&ascii, &shown)));
    if asked.format == Format::Xlsx {
        // A workbook is compressed already: not again on the way.
        response.insert_header(("Content-Encoding", "identity"));
    }
    response
}

/// A value from the request as part of a file name: letters, digits and `-` only, not too long.
fn file_safe(value: &str) -> String {
    let safe: String = value.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(24).collect();
    if safe.is_empty() {
        "all".into()
    } else {
        safe
    }
}

/// The caller's jurisdiction code, kept by the first page for naming a list when the filter names none.
#[derive(Clone)]
struct CallerJurisdiction(Option<String>);

/// Runs one query of an export as the caller; its data, or the refusal to answer with.
async fn page(
    req: &HttpRequest,
    state: &AppState,
    schema: &AppSchema,
    query: &str,
    variables: Value,
    chinese: bool,
) -> Result<Value, HttpResponse> {
    let (info, loaders) = request_data(req, state).await;
    let jurisdiction = info.auth.caller().and_then(|c| c.jurisdiction.as_ref().map(|(code, _)| code.clone()));
    req.extensions_mut().insert(CallerJurisdiction(jurisdiction));
    let request = Request::new(query).variables(Variables::from_json(variables)).data(info).data(loaders);
    let mut response = schema.execute(request).await;
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    if let Some(code) = code_errors(&mut response.errors, chinese, &request_id) {
        return Err(HttpResponse::build(status_of(&code)).json(json!({ "errors": response.errors })));
    }
    Ok(response.data.into_json().unwrap_or_default())
}

fn next_cursor(connection: &Value) -> Option<String> {
    let info = &connection["pageInfo"];
    (info["hasNextPage"] == true).then(|| info["endCursor"].as_str().map(str::to_owned)).flatten()
}

/// `NOT_FOUND`, in the request's language: what an export is about (`what`, the thing's English noun) is not there
/// for the caller.
fn not_found(asked: Asked, what: &str) -> HttpResponse {
    let message = render(&Message::NotFound(what.to_owned()), asked.chinese);
    coded_refusal(StatusCode::NOT_FOUND, ErrorCode::NotFound, &message)
}

/// A refused parameter: `BAD_USER_INPUT` naming it, in the request's language.
fn bad_parameter(asked: Asked, field: &str, message: Message) -> HttpResponse {
    let message = render(&message, asked.chinese);
    HttpResponse::BadRequest().json(json!({
        "errors": [{ "message": message, "extensions": { "code": "BAD_USER_INPUT", "field": field } }]
    }))
}
