//! What an export holds: its columns, what kind of value each is, and the cell each value becomes. The lists'
//! GraphQL selections are derived from their columns, so a column cannot name a field the query does not ask for.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::Value;

use crate::domain::case::{CaseStatus, Category, Channel, EventKind, Outcome};
use crate::domain::escalation::{EscalationDecision, EscalationKind, EscalationStatus};
use crate::domain::labels::{yes_no, InChinese};
use crate::domain::role::ActorRole;
use crate::domain::supervision::{NoticeStatus, NoticeTrigger, NoticeType};

/// What kind of value a column holds, and so how each format writes it.
#[derive(Clone, Copy)]
pub enum Kind {
    /// Short text.
    Text,
    /// Text a person writes (titles, reasons, opinions): a wider column.
    Prose,
    /// A whole number.
    Integer,
    /// A number with a fraction (rates in percent).
    Number,
    /// A day (`NaiveDate`).
    Day,
    /// An instant (`DateTime`), shown in the configured time zone.
    Moment,
    /// Yes or no.
    YesNo,
    /// A value of a closed set, with its Chinese words.
    Label(fn(&str) -> Option<&'static str>),
    /// A list of objects, by one field of each (the references of a notice's cases).
    Joined(&'static str),
    /// A SHA-256 in hex: a column wide enough to read it whole.
    Digest,
}

impl Kind {
    /// How wide its column is, in characters.
    pub fn width(self) -> f32 {
        match self {
            Kind::Digest => 66.0,
            Kind::Prose => 40.0,
            Kind::Moment => 20.0,
            Kind::Joined(_) => 30.0,
            Kind::Text => 18.0,
            Kind::Label(_) | Kind::Day => 13.0,
            Kind::Integer | Kind::Number | Kind::YesNo => 10.0,
        }
    }
}

/// One column of a list: its header in English and Chinese, where its value is in a node, and what it holds.
pub struct Column {
    pub en: &'static str,
    pub zh: &'static str,
    pub path: &'static [&'static str],
    pub kind: Kind,
}

const fn column(en: &'static str, zh: &'static str, path: &'static [&'static str], kind: Kind) -> Column {
    Column { en, zh, path, kind }
}

/// A value as one cell: what both formats write.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Integer(i64),
    Number(f64),
    Day(NaiveDate),
    Moment(NaiveDateTime),
    YesNo(bool),
}

/// The plain text of a cell, as CSV holds it.
impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Empty => Ok(()),
            Cell::Text(text) => f.write_str(text),
            Cell::Integer(n) => write!(f, "{n}"),
            Cell::Number(x) => write!(f, "{x}"),
            Cell::Day(day) => write!(f, "{}", day.format("%Y-%m-%d")),
            Cell::Moment(at) => write!(f, "{}", at.format("%Y-%m-%d %H:%M:%S")),
            Cell::YesNo(yes) => write!(f, "{yes}"),
        }
    }
}

/// How values read: in which language, and in which time zone.
#[derive(Clone, Copy)]
pub struct Reading {
    pub chinese: bool,
    pub tz: chrono_tz::Tz,
}

impl Kind {
    /// The cell of `value` (as GraphQL answered it) for a reader.
    pub fn cell(self, value: &Value, reading: Reading) -> Cell {
        match (self, value) {
            (_, Value::Null) => Cell::Empty,
            (Kind::Integer, Value::Number(n)) if n.is_i64() => Cell::Integer(n.as_i64().unwrap_or_default()),
            (Kind::Integer | Kind::Number, Value::Number(n)) => Cell::Number(n.as_f64().unwrap_or_default()),
            (Kind::YesNo, Value::Bool(yes)) if reading.chinese => Cell::Text(yes_no(*yes).to_owned()),
            (Kind::YesNo, Value::Bool(yes)) => Cell::YesNo(*yes),
            (Kind::Day, Value::String(s)) => s.parse().map_or_else(|_| Cell::Text(s.clone()), Cell::Day),
            (Kind::Moment, Value::String(s)) => DateTime::parse_from_rfc3339(s)
                .map_or_else(|_| Cell::Text(s.clone()), |at| Cell::Moment(at.with_timezone(&reading.tz).naive_local())),
            (Kind::Label(words), Value::String(s)) if reading.chinese => {
                Cell::Text(words(s).map_or_else(|| s.clone(), str::to_owned))
            }
            (Kind::Joined(key), Value::Array(items)) => {
                let parts: Vec<String> = items.iter().map(|item| text(&item[key])).collect();
                Cell::Text(parts.join(if reading.chinese { "、" } else { ", " }))
            }
            (_, other) => Cell::Text(text(other)),
        }
    }
}

/// A value's plain text.
pub fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The words of a closed set's value: a `Kind::Label` for its type.
fn label<T: InChinese>(parse: fn(&str) -> Option<T>) -> impl Fn(&str) -> Option<&'static str> {
    move |s| parse(s).map(InChinese::in_chinese)
}

// One function per closed set, as `Kind::Label` holds a plain function.
fn case_status(s: &str) -> Option<&'static str> {
    label(CaseStatus::parse)(s)
}
fn channel(s: &str) -> Option<&'static str> {
    label(Channel::parse)(s)
}
fn category(s: &str) -> Option<&'static str> {
    label(Category::parse)(s)
}
fn outcome(s: &str) -> Option<&'static str> {
    label(Outcome::parse)(s)
}
fn escalation_kind(s: &str) -> Option<&'static str> {
    label(EscalationKind::parse)(s)
}
fn escalation_status(s: &str) -> Option<&'static str> {
    label(EscalationStatus::parse)(s)
}
fn decision(s: &str) -> Option<&'static str> {
    label(EscalationDecision::parse)(s)
}
fn notice_type(s: &str) -> Option<&'static str> {
    label(NoticeType::parse)(s)
}
fn trigger(s: &str) -> Option<&'static str> {
    label(NoticeTrigger::parse)(s)
}
fn notice_status(s: &str) -> Option<&'static str> {
    label(NoticeStatus::parse)(s)
}
fn event_kind(s: &str) -> Option<&'static str> {
    label(EventKind::parse)(s)
}
fn actor_role(s: &str) -> Option<&'static str> {
    label(ActorRole::parse)(s)
}

/// The values of `CaseOrder`, as the schema spells them.
fn case_orders() -> Vec<&'static str> {
    use async_graphql::resolver_utils::EnumType;
    crate::graphql::case::CaseOrder::items().iter().map(|item| item.name).collect()
}

/// A list's `order` argument: its type, and that type's values.
pub type Order = (&'static str, fn() -> Vec<&'static str>);

/// A list a portal exports: which connection of the API, with which filter and order, and its columns.
pub struct List {
    /// The file's name before the place and day, and its sheet's name, in English and Chinese.
    pub name: (&'static str, &'static str),
    /// The query's name (as the access log and metrics show it).
    pub operation: &'static str,
    /// The root field, the connection.
    pub field: &'static str,
    /// The type of its `filter` argument.
    pub filter: &'static str,
    /// The type of its `order` argument and that type's values, when it takes one.
    pub order: Option<Order>,
    pub columns: Columns,
}

/// The columns of a file, in order.
pub struct Columns(pub &'static [Column]);

pub const CASES: List = List {
    name: ("cases", "信访事项"),
    operation: "ExportCases",
    field: "cases",
    filter: "CaseFilterInput",
    order: Some(("CaseOrder", case_orders)),
    columns: Columns(&[
        column("reference", "编号", &["reference"], Kind::Text),
        column("status", "状态", &["status"], Kind::Label(case_status)),
        column("channel", "渠道", &["channel"], Kind::Label(channel)),
        column("category", "类别", &["category"], Kind::Label(category)),
        column("title", "标题", &["title"], Kind::Prose),
        column("receivedAt", "登记时间", &["receivedAt"], Kind::Moment),
        column("jurisdictionCode", "区划代码", &["jurisdiction", "code"], Kind::Text),
        column("jurisdiction", "属地", &["jurisdiction", "name"], Kind::Text),
        column("township", "乡镇（街道）", &["township", "name"], Kind::Text),
        column("currentUnit", "责任单位", &["currentUnit", "name"], Kind::Text),
        column("petitionerName", "信访人", &["petitionerName"], Kind::Text),
        column("groupSize", "人数", &["groupSize"], Kind::Integer),
        column("isBacklog", "积案", &["isBacklog"], Kind::YesNo),
        column("overdue", "超期", &["overdue"], Kind::YesNo),
        column("nextDueOn", "下一期限（截止日）", &["nextDueOn"], Kind::Day),
        column("outcome", "办理结果", &["outcome"], Kind::Label(outcome)),
        column("historyDigest", "履历摘要（SHA-256）", &["historyDigest"], Kind::Digest),
    ]),
};

pub const ESCALATIONS: List = List {
    name: ("escalations", "复查复核及报请事项"),
    operation: "ExportEscalations",
    field: "escalations",
    filter: "EscalationFilterInput",
    order: None,
    columns: Columns(&[
        column("caseReference", "信访事项编号", &["case", "reference"], Kind::Text),
        column("kind", "类型", &["kind"], Kind::Label(escalation_kind)),
        column("status", "状态", &["status"], Kind::Label(escalation_status)),
        column("fromJurisdiction", "提出地区划代码", &["fromJurisdiction"], Kind::Text),
        column("toJurisdiction", "决定机关区划代码", &["toJurisdiction"], Kind::Text),
        column("addressedTo", "决定机关所在地", &["addressedTo", "name"], Kind::Text),
        column("reason", "理由", &["reason"], Kind::Prose),
        column("requestedAt", "提出时间", &["requestedAt"], Kind::Moment),
        column("dueOn", "决定期限（截止日）", &["dueOn"], Kind::Day),
        column("overdue", "超期", &["overdue"], Kind::YesNo),
        column("decision", "决定", &["decision"], Kind::Label(decision)),
        column("opinion", "意见", &["opinion"], Kind::Prose),
        column("decidedAt", "决定时间", &["decidedAt"], Kind::Moment),
    ]),
};

pub const SUPERVISION_NOTICES: List = List {
    name: ("supervision-notices", "督办通知"),
    operation: "ExportSupervisionNotices",
    field: "supervisionNotices",
    filter: "SupervisionNoticeFilterInput",
    order: None,
    columns: Columns(&[
        column("noticeType", "督办类型", &["noticeType"], Kind::Label(notice_type)),
        column("trigger", "督办事由", &["trigger"], Kind::Label(trigger)),
        column("status", "状态", &["status"], Kind::Label(notice_status)),
        column("targetUnit", "被督办单位", &["targetUnit", "name"], Kind::Text),
        column("issuerUnit", "督办单位", &["issuerUnit", "name"], Kind::Text),
        column("cases", "涉及信访事项", &["cases"], Kind::Joined("reference")),
        column("issuedAt", "下发时间", &["issuedAt"], Kind::Moment),
        column("responseDueOn", "反馈期限（截止日）", &["responseDueOn"], Kind::Day),
        column("overdue", "超期", &["overdue"], Kind::YesNo),
        column("acknowledgedAt", "签收时间", &["acknowledgedAt"], Kind::Moment),
        column("respondedAt", "反馈时间", &["respondedAt"], Kind::Moment),
        column("adopted", "是否采纳", &["adopted"], Kind::YesNo),
        column("closedAt", "办结时间", &["closedAt"], Kind::Moment),
        column("requirements", "督办要求", &["requirements"], Kind::Prose),
    ]),
};

impl List {
    /// The query of one page: the connection with its filter (and order), and the columns' fields.
    pub fn query(&self) -> String {
        let (order_variable, order_argument) = match self.order {
            Some((order_type, _)) => (format!(", $order: {order_type}"), ", order: $order"),
            None => (String::new(), ""),
        };
        format!(
            "query {}($filter: {}{order_variable}, $after: String, $first: Int) {{\n  {}(filter: $filter{order_argument}, \
             first: $first, after: $after) {{\n    totalCount pageInfo {{ hasNextPage endCursor }}\n    nodes {}\n  }}\n}}",
            self.operation,
            self.filter,
            self.field,
            self.columns.selection()
        )
    }

    /// The rows of a page of the list (GraphQL's data of one query).
    pub fn rows(&self, data: &Value, reading: Reading) -> Vec<Vec<Cell>> {
        self.columns.rows(&data[self.field]["nodes"], reading)
    }
}

/// One case's history (`/export/case-history`): every entry `Case.events` shows the caller, oldest first, with its
/// place in the hash chain, the digest before it and its own, so that a reader can follow the chain from entry to
/// entry and compare its last digest with a receipt of `Case.historyDigest`.
pub const CASE_HISTORY: Columns = Columns(&[
    column("chainPosition", "序号", &["chainPosition"], Kind::Integer),
    column("kind", "类型", &["kind"], Kind::Label(event_kind)),
    column("fromStatus", "原状态", &["fromStatus"], Kind::Label(case_status)),
    column("toStatus", "新状态", &["toStatus"], Kind::Label(case_status)),
    column("occurredAt", "发生时间", &["occurredAt"], Kind::Moment),
    column("recordedAt", "记录时间", &["recordedAt"], Kind::Moment),
    column("actorRole", "经办角色", &["actorRole"], Kind::Label(actor_role)),
    column("actorId", "经办人账号", &["actorId"], Kind::Text),
    column("notice", "告知内容", &["notice"], Kind::Prose),
    column("note", "内部备注", &["note"], Kind::Prose),
    column("staffOnly", "仅工作人员可见", &["staffOnly"], Kind::YesNo),
    column("previousDigest", "前一条摘要（SHA-256）", &["previousDigest"], Kind::Digest),
    column("digest", "摘要（SHA-256）", &["digest"], Kind::Digest),
]);

impl Columns {
    pub fn header(&self, chinese: bool) -> Vec<String> {
        self.0.iter().map(|c| if chinese { c.zh } else { c.en }.to_owned()).collect()
    }

    pub fn widths(&self) -> Vec<f32> {
        self.0.iter().map(|c| c.kind.width()).collect()
    }

    /// The rows of a list of nodes (as GraphQL answered them).
    pub fn rows(&self, nodes: &Value, reading: Reading) -> Vec<Vec<Cell>> {
        let nodes = nodes.as_array().map(Vec::as_slice).unwrap_or_default();
        nodes.iter().map(|node| self.row(node, reading)).collect()
    }

    /// The cells of one node.
    pub fn row(&self, node: &Value, reading: Reading) -> Vec<Cell> {
        self.0.iter().map(|c| c.kind.cell(c.path.iter().fold(node, |v, key| &v[*key]), reading)).collect()
    }

    /// The selection set that fetches every column's path, nested fields merged (`jurisdiction { code name }`).
    pub fn selection(&self) -> String {
        selection(self.0)
    }
}

/// The selection set that fetches every column's path, nested fields merged (`jurisdiction { code name }`).
fn selection(columns: &[Column]) -> String {
    // (field, its own sub-fields), in the columns' order.
    struct Field {
        name: &'static str,
        fields: Vec<Field>,
    }
    fn add(fields: &mut Vec<Field>, path: &[&'static str]) {
        let Some((first, rest)) = path.split_first() else { return };
        let at = match fields.iter().position(|f| f.name == *first) {
            Some(at) => at,
            None => {
                fields.push(Field { name: first, fields: Vec::new() });
                fields.len() - 1
            }
        };
        add(&mut fields[at].fields, rest);
    }
    fn write(fields: &[Field]) -> String {
        let inner: Vec<String> = fields
            .iter()
            .map(|f| if f.fields.is_empty() { f.name.to_owned() } else { format!("{} {}", f.name, write(&f.fields)) })
            .collect();
        format!("{{ {} }}", inner.join(" "))
    }
    let mut fields = Vec::new();
    for c in columns {
        add(&mut fields, c.path);
        if let Kind::Joined(key) = c.kind {
            add(&mut fields, &[c.path, &[key]].concat());
        }
    }
    write(&fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SHANGHAI: Reading = Reading { chinese: false, tz: chrono_tz::Asia::Shanghai };
    const CHINESE: Reading = Reading { chinese: true, tz: chrono_tz::Asia::Shanghai };

    #[test]
    fn a_lists_query_asks_for_every_column_once() {
        let query = CASES.query();
        assert!(query.contains("nodes { reference status channel category title receivedAt jurisdiction { code name } township { name }"), "{query}");
        assert!(query.contains("cases(filter: $filter, order: $order, first: $first, after: $after)"), "{query}");
        let notices = SUPERVISION_NOTICES.query();
        assert!(notices.contains("cases { reference }"), "{notices}");
        assert!(!notices.contains("$order"), "{notices}");
    }

    #[test]
    fn values_become_typed_cells_and_chinese_words() {
        assert_eq!(Kind::Moment.cell(&json!("2027-01-03T16:00:00Z"), SHANGHAI).to_string(), "2027-01-04 00:00:00");
        assert_eq!(
            Kind::Day.cell(&json!("2027-01-03"), SHANGHAI),
            Cell::Day(NaiveDate::from_ymd_opt(2027, 1, 3).unwrap())
        );
        assert_eq!(Kind::Integer.cell(&json!(3), SHANGHAI), Cell::Integer(3));
        assert_eq!(Kind::Number.cell(&json!(84.6), SHANGHAI), Cell::Number(84.6));
        assert_eq!(Kind::YesNo.cell(&json!(true), SHANGHAI), Cell::YesNo(true));
        assert_eq!(Kind::YesNo.cell(&json!(false), CHINESE), Cell::Text("否".into()));
        assert_eq!(Kind::Label(case_status).cell(&json!("ACCEPTED"), CHINESE), Cell::Text("已受理".into()));
        assert_eq!(Kind::Label(case_status).cell(&json!("ACCEPTED"), SHANGHAI), Cell::Text("ACCEPTED".into()));
        let cases = json!([{ "reference": "A" }, { "reference": "B" }]);
        assert_eq!(Kind::Joined("reference").cell(&cases, CHINESE), Cell::Text("A、B".into()));
        assert_eq!(Kind::Text.cell(&Value::Null, CHINESE), Cell::Empty);
    }
}
