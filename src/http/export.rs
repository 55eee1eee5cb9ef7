//! CSV exports for portals: `GET /export/cases.csv` (a case list, with the filters and order of `cases`) and
//! `GET /export/figures.csv` (a jurisdiction's figures for a period and each of its children's), with the bearer
//! token as for `/graphql`.
//!
//! An export runs the GraphQL queries a portal would run itself, as the caller, page after page, so what it holds
//! is scope-checked and filtered exactly as the API's lists and figures are, by the same resolvers; a refusal
//! (a bad filter, no token, no right to the figures) is the same error with the same code, before any row is sent.
//! Rows are streamed as each page arrives: UTF-8 with a byte order mark, so that spreadsheet software shows the
//! Chinese text correctly, RFC 4180 quoting, and text that a spreadsheet would take for a formula (`=`, `+`, `-`,
//! `@` first) prefixed with `'`. Should a later page fail, the body ends there without its final chunk, so the
//! download fails instead of looking complete.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use async_graphql::{Request, Value, Variables};
use serde_json::json;

use super::graphql::{coded_refusal, request_data, status_of};
use super::language::{in_chinese, prefers_chinese};
use crate::error::ErrorCode;
use crate::graphql::context::AppState;
use crate::graphql::AppSchema;

/// The parameters of `/export/cases.csv`: `filter` is `cases`' `CaseFilterInput` as JSON, `order` a `CaseOrder`.
#[derive(serde::Deserialize)]
pub struct CasesParams {
    filter: Option<String>,
    order: Option<String>,
}

/// The parameters of `/export/figures.csv`.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FiguresParams {
    jurisdiction_code: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

const CASES: &str = "query ExportCases($filter: CaseFilterInput, $order: CaseOrder, $after: String, $first: Int) {
  cases(filter: $filter, order: $order, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      reference status channel category title receivedAt
      jurisdiction { code name } township { name } currentUnit { name }
      petitionerName groupSize isBacklog overdue nextDueAt outcome
    }
  }
}";

/// The columns of a case list: header (English, Chinese) and where the value is in a node.
const CASE_COLUMNS: [(&str, &str, &[&str]); 16] = [
    ("reference", "编号", &["reference"]),
    ("status", "状态", &["status"]),
    ("channel", "渠道", &["channel"]),
    ("category", "类别", &["category"]),
    ("title", "标题", &["title"]),
    ("receivedAt", "登记时间", &["receivedAt"]),
    ("jurisdictionCode", "区划代码", &["jurisdiction", "code"]),
    ("jurisdiction", "属地", &["jurisdiction", "name"]),
    ("township", "乡镇（街道）", &["township", "name"]),
    ("currentUnit", "责任单位", &["currentUnit", "name"]),
    ("petitionerName", "信访人", &["petitionerName"]),
    ("groupSize", "人数", &["groupSize"]),
    ("isBacklog", "积案", &["isBacklog"]),
    ("overdue", "超期", &["overdue"]),
    ("nextDueAt", "下一期限", &["nextDueAt"]),
    ("outcome", "办理结果", &["outcome"]),
];

const FIGURES: &str = "query ExportFigures($code: String!, $from: NaiveDate!, $to: NaiveDate!) {
  jurisdiction(code: $code) {
    code name stats(from: $from, to: $to) { ...Figures }
    children { code name stats(from: $from, to: $to) { ...Figures } }
  }
}
fragment Figures on JurisdictionStats {
  received
  timelyAcceptance { numerator denominator rate }
  onTimeAnswer { numerator denominator rate }
  participation { numerator denominator rate }
  bureauSatisfaction { numerator denominator rate }
  unitSatisfaction { numerator denominator rate }
  repeatRate { numerator denominator rate }
  backlog { numerator denominator rate }
  caseLeadResolution { numerator denominator rate }
  supervisionNotices { issued open overdue }
}";

/// The rates of the figures, by field, with their Chinese names.
const RATES: [(&str, &str); 8] = [
    ("timelyAcceptance", "及时受理率"),
    ("onTimeAnswer", "按期办结率"),
    ("participation", "参评率"),
    ("bureauSatisfaction", "信访部门满意率"),
    ("unitSatisfaction", "责任单位满意率"),
    ("repeatRate", "重复信访率"),
    ("backlog", "积案率"),
    ("caseLeadResolution", "包案化解率"),
];

pub async fn cases(
    req: HttpRequest,
    params: web::Query<CasesParams>,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
) -> HttpResponse {
    let params = params.into_inner();
    let mut variables = json!({ "first": state.settings.limits.max_page_size });
    if let Some(filter) = params.filter.filter(|f| !f.is_empty()) {
        match serde_json::from_str::<serde_json::Value>(&filter) {
            Ok(filter @ serde_json::Value::Object(_)) => variables["filter"] = filter,
            _ => return bad_parameter("filter", "must be a CaseFilterInput as a JSON object"),
        }
    }
    if let Some(order) = params.order.filter(|o| !o.is_empty()) {
        variables["order"] = json!(order);
    }
    let chinese = prefers_chinese(&req);
    let tz = state.settings.time_zone;
    let state = state.into_inner();
    let schema = schema.into_inner();
    let first = match page(&req, &state, &schema, CASES, variables.clone()).await {
        Ok(data) => data,
        Err(refused) => return refused,
    };
    let header: Vec<&str> = CASE_COLUMNS.iter().map(|(en, zh, _)| if chinese { *zh } else { *en }).collect();
    let mut head = String::from("\u{feff}");
    push_row(&mut head, header.iter().map(|h| h.to_string()));
    let rows_of = move |data: &serde_json::Value| {
        let mut chunk = String::new();
        for node in data["cases"]["nodes"].as_array().into_iter().flatten() {
            push_row(&mut chunk, CASE_COLUMNS.iter().map(|(_, _, path)| cell(node, path, tz)));
        }
        chunk
    };
    let mut body = head;
    body.push_str(&rows_of(&first));
    let next = next_cursor(&first);
    // Each later page is fetched when the client has taken the previous one.
    let rest = futures_util::stream::unfold(next, move |after| {
        let (req, state, schema, variables) = (req.clone(), state.clone(), schema.clone(), variables.clone());
        async move {
            let after = after?;
            let mut variables = variables;
            variables["after"] = json!(after);
            match page(&req, &state, &schema, CASES, variables).await {
                Ok(data) => Some((Ok(web::Bytes::from(rows_of(&data))), next_cursor(&data))),
                Err(_) => {
                    tracing::warn!("a case export failed after its first page; its body ends unfinished");
                    Some((Err(actix_web::error::ErrorServiceUnavailable("the export could not be finished")), None))
                }
            }
        }
    });
    use futures_util::StreamExt;
    let body = futures_util::stream::once(async move { Ok::<_, actix_web::Error>(web::Bytes::from(body)) }).chain(rest);
    csv_response("cases.csv").streaming(body)
}

pub async fn figures(
    req: HttpRequest,
    params: web::Query<FiguresParams>,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
) -> HttpResponse {
    let params = params.into_inner();
    let (Some(code), Some(from), Some(to)) = (params.jurisdiction_code, params.from, params.to) else {
        return bad_parameter("jurisdictionCode", "jurisdictionCode, from and to (ISO dates) are all needed");
    };
    let variables = json!({ "code": code, "from": from, "to": to });
    let data = match page(&req, &state, &schema, FIGURES, variables).await {
        Ok(data) => data,
        Err(refused) => return refused,
    };
    let place = &data["jurisdiction"];
    if place.is_null() {
        return coded_refusal(StatusCode::NOT_FOUND, ErrorCode::NotFound, "jurisdiction not found");
    }
    let chinese = prefers_chinese(&req);
    let mut header: Vec<String> = if chinese {
        vec!["区划代码".into(), "名称".into(), "登记数".into()]
    } else {
        vec!["code".into(), "name".into(), "received".into()]
    };
    for (field, zh) in RATES {
        let name = if chinese { zh } else { field };
        let parts = if chinese { ["分子", "分母", ""] } else { ["numerator", "denominator", "rate"] };
        header.extend(parts.iter().map(|p| format!("{name}{}{p}", if chinese || p.is_empty() { "" } else { " " })));
    }
    header.extend(if chinese {
        ["督办件数", "督办未结", "督办超期"].map(String::from)
    } else {
        ["noticesIssued", "noticesOpen", "noticesOverdue"].map(String::from)
    });
    let mut body = String::from("\u{feff}");
    push_row(&mut body, header);
    let children = place["children"].as_array().cloned().unwrap_or_default();
    for row in std::iter::once(place).chain(children.iter()) {
        let stats = &row["stats"];
        let mut cells = vec![text(&row["code"]), text(&row["name"]), text(&stats["received"])];
        for (field, _) in RATES {
            let ratio = &stats[field];
            cells.extend([text(&ratio["numerator"]), text(&ratio["denominator"]), text(&ratio["rate"])]);
        }
        let notices = &stats["supervisionNotices"];
        cells.extend(["issued", "open", "overdue"].map(|k| text(&notices[k])));
        push_row(&mut body, cells);
    }
    csv_response("figures.csv").body(body)
}

/// Runs one query of an export as the caller; its data, or the refusal to answer with.
async fn page(
    req: &HttpRequest,
    state: &AppState,
    schema: &AppSchema,
    query: &str,
    variables: serde_json::Value,
) -> Result<serde_json::Value, HttpResponse> {
    let (info, loaders) = request_data(req, state).await;
    let request = Request::new(query).variables(Variables::from_json(variables)).data(info).data(loaders);
    let response = schema.execute(request).await;
    if let Some(error) = response.errors.first() {
        let code = match error.extensions.as_ref().and_then(|e| e.get("code")) {
            Some(Value::String(code)) => code.clone(),
            _ => "BAD_USER_INPUT".to_owned(),
        };
        let status = status_of(&code);
        let chinese = prefers_chinese(req);
        let errors: Vec<_> = response
            .errors
            .into_iter()
            .map(|mut e| {
                if chinese {
                    e.message = in_chinese(&code, &e.message);
                }
                serde_json::to_value(e).unwrap_or_default()
            })
            .collect();
        return Err(HttpResponse::build(status).json(json!({ "errors": errors })));
    }
    Ok(response.data.into_json().unwrap_or_default())
}

fn next_cursor(data: &serde_json::Value) -> Option<String> {
    let info = &data["cases"]["pageInfo"];
    (info["hasNextPage"] == true).then(|| info["endCursor"].as_str().map(str::to_owned)).flatten()
}

fn bad_parameter(field: &str, message: &str) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({
        "errors": [{ "message": message, "extensions": { "code": "BAD_USER_INPUT", "field": field } }]
    }))
}

fn csv_response(file: &str) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{file}\"")));
    response
}

/// The value at `path` in `node` as a cell: times in the configured zone without the offset (as spreadsheets
/// read them), everything else as its text.
fn cell(node: &serde_json::Value, path: &[&str], tz: chrono_tz::Tz) -> String {
    let value = path.iter().fold(node, |v, key| &v[*key]);
    if let Some(at) = value.as_str().and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok()) {
        return at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string();
    }
    text(value)
}

fn text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Appends one CSV row (RFC 4180, CRLF), neutralising text a spreadsheet would run as a formula.
fn push_row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let looks_like_formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && cell.parse::<f64>().is_err();
        let cell = if looks_like_formula { format!("'{cell}") } else { cell };
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&cell);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::push_row;

    fn row(cells: &[&str]) -> String {
        let mut out = String::new();
        push_row(&mut out, cells.iter().map(|c| c.to_string()));
        out
    }

    #[test]
    fn cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(row(&["a", "b,c", "say \"hi\"", "两行\n文本"]), "a,\"b,c\",\"say \"\"hi\"\"\",\"两行\n文本\"\r\n");
        let formulas = row(&["=HYPERLINK(\"x\")", "@SUM(A1)", "-12.5", "+86 138"]);
        assert_eq!(formulas, "\"'=HYPERLINK(\"\"x\"\")\",'@SUM(A1),-12.5,'+86 138\r\n");
    }
}
