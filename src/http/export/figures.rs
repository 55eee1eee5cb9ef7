//! `/export/figures`: a jurisdiction's figures for a period, and each of its children's, in one query.

use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::table::{Cell, Kind, Reading};
use super::{bad_parameter, file_safe, not_found, page, whole_file, Asked, FileName, Params};
use crate::error::Message;
use crate::http::graphql::Served;

pub(super) async fn serve(req: HttpRequest, params: Params, served: Served, asked: Asked) -> HttpResponse {
    let Served { state, schema, .. } = served;
    let (Some(code), Some(from), Some(to)) = (params.jurisdiction_code, params.from, params.to) else {
        return bad_parameter(asked, "jurisdictionCode", Message::FiguresParameters);
    };
    let variables = json!({ "code": code, "from": from, "to": to });
    let data = match page(&req, &state, &schema, FIGURES, variables, asked.chinese).await {
        Ok(data) => data,
        Err(refused) => return refused,
    };
    let place = &data["jurisdiction"];
    if place.is_null() {
        return not_found(asked, "jurisdiction");
    }
    let reading = Reading { chinese: asked.chinese, tz: state.settings.time_zone };
    let (header, widths) = figures_columns(asked.chinese);
    let children = place["children"].as_array().cloned().unwrap_or_default();
    let rows: Vec<Vec<Cell>> =
        std::iter::once(place).chain(children.iter()).map(|row| figures_row(row, reading)).collect();
    let now = state.clock.now().with_timezone(&reading.tz).naive_local();
    let name = FileName {
        what: ("figures", "信访工作统计"),
        place: file_safe(&code),
        place_name: place["name"].as_str().map(str::to_owned),
        period: format!("{from}-to-{to}"),
    };
    whole_file(asked, &name, (&header, &widths), rows, now)
}

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

/// The figures' header and widths: place, received, each rate's numerator, denominator and rate (in percent),
/// and the supervision notices.
fn figures_columns(chinese: bool) -> (Vec<String>, Vec<f32>) {
    let mut header: Vec<String> = if chinese {
        vec!["区划代码".into(), "名称".into(), "登记数".into()]
    } else {
        vec!["code".into(), "name".into(), "received".into()]
    };
    for (field, zh) in RATES {
        if chinese {
            header.extend(["分子", "分母", "（%）"].map(|p| format!("{zh}{p}")));
        } else {
            header.extend(["numerator", "denominator", "rate"].map(|p| format!("{field} {p}")));
        }
    }
    header.extend(if chinese {
        ["督办件数", "督办未结", "督办超期"].map(String::from)
    } else {
        ["noticesIssued", "noticesOpen", "noticesOverdue"].map(String::from)
    });
    let mut widths = vec![Kind::Text.width(); 2];
    widths.extend(std::iter::repeat_n(Kind::Integer.width() + 4.0, header.len() - 2));
    (header, widths)
}

fn figures_row(row: &Value, reading: Reading) -> Vec<Cell> {
    let stats = &row["stats"];
    let mut cells = vec![
        Kind::Text.cell(&row["code"], reading),
        Kind::Text.cell(&row["name"], reading),
        Kind::Integer.cell(&stats["received"], reading),
    ];
    for (field, _) in RATES {
        let ratio = &stats[field];
        cells.extend([
            Kind::Integer.cell(&ratio["numerator"], reading),
            Kind::Integer.cell(&ratio["denominator"], reading),
            Kind::Number.cell(&ratio["rate"], reading),
        ]);
    }
    let notices = &stats["supervisionNotices"];
    cells.extend(["issued", "open", "overdue"].map(|k| Kind::Integer.cell(&notices[k], reading)));
    cells
}
