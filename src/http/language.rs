//! Error messages in Chinese for clients that ask for it (`Accept-Language: zh-CN`, or any `zh` first); English
//! otherwise. Only the message changes: codes, fields and every other extension stay as they are, so a client's
//! handling does not depend on the language.
//!
//! The catalogue below holds the service's own messages, matched whole, with `{}` standing for the parts the
//! message was formatted with (a number, a status, a date), which reappear in the Chinese text in the same order.
//! A message the catalogue does not know (async-graphql's own validation messages, a new message nobody translated
//! yet) gets the Chinese sentence of its code, followed by the English text, so that nothing of it is lost. A unit
//! test checks every message of the source against the catalogue's patterns.

use actix_web::HttpRequest;

use crate::error::ErrorCode;

/// Whether the client's `Accept-Language` puts Chinese first.
pub fn prefers_chinese(req: &HttpRequest) -> bool {
    req.headers().get(actix_web::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).is_some_and(chinese_first)
}

fn chinese_first(accept_language: &str) -> bool {
    // The first language with the highest weight (a missing weight is 1).
    let mut best: Option<(&str, f32)> = None;
    for part in accept_language.split(',') {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or("").trim();
        let weight =
            pieces.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.trim().parse::<f32>().ok()).unwrap_or(1.0);
        if !tag.is_empty() && best.is_none_or(|(_, w)| weight > w) {
            best = Some((tag, weight));
        }
    }
    best.is_some_and(|(tag, _)| tag.to_ascii_lowercase().starts_with("zh"))
}

/// `message`, of an error with `code`, in Chinese.
pub fn in_chinese(code: &str, message: &str) -> String {
    // Apollo's clients recognise this exact message: it stays as the protocol spells it.
    if code == ErrorCode::PersistedQueryNotFound.as_str() {
        return message.to_owned();
    }
    if let Some(translated) = translate(message) {
        return translated;
    }
    format!("{}：{message}", of_code(code))
}

/// The Chinese sentence of an error code.
fn of_code(code: &str) -> &'static str {
    match code {
        "UNAUTHENTICATED" => "未登录或登录已失效",
        "FORBIDDEN" => "无权进行此操作",
        "NOT_FOUND" => "未找到",
        "INVALID_TRANSITION" => "当前状态下不能进行此操作",
        "DEADLINE_PASSED" => "已超过期限",
        "CONFLICT" => "数据已被他人修改，请刷新后重试",
        "RATE_LIMITED" => "请求过于频繁，请稍后再试",
        "UNAVAILABLE" => "服务暂时无法访问数据库，请稍后重试",
        "PERSISTED_QUERY_NOT_ALLOWED" => "此服务只执行预先登记的操作",
        "INTERNAL" => "服务器内部错误",
        _ => "请求有误",
    }
}

/// The things a message may name, in Chinese.
fn noun(english: &str) -> Option<&'static str> {
    Some(match english {
        "case" => "信访事项",
        "account" => "账户",
        "escalation" => "复查、复核或报请事项",
        "jurisdiction" => "行政区划",
        "object" => "对象",
        "supervision notice" => "督办通知",
        "file" => "文件",
        "reception session" => "接访场次",
        "booking" => "预约",
        "unit" => "单位",
        "case with this reference and query code" => "与此编号和查询码对应的信访事项",
        _ => return None,
    })
}

/// English pattern → Chinese text; `{}` in both stand for the same values, in order.
const CATALOGUE: &[(&str, &str)] = &[
    // Signing in and sessions.
    ("sign in first: this needs an access token", "请先登录：此操作需要访问令牌"),
    ("invalid or expired access token", "访问令牌无效或已过期"),
    ("invalid or expired refresh token", "刷新令牌无效或已过期"),
    ("wrong username or password", "用户名或密码错误"),
    ("too many attempts; try again in {} s", "尝试次数过多，请 {} 秒后再试"),
    ("you signed in with a temporary password: change it first", "您使用临时密码登录，请先修改密码"),
    (
        "you signed in with a temporary password: change it first (changePassword)",
        "您使用临时密码登录，请先修改密码（changePassword）",
    ),
    ("send a valid access token in the connection_init payload", "请在 connection_init 中提供有效的访问令牌"),
    ("this account is deactivated; ask an admin of your jurisdiction", "此账户已停用，请联系本辖区管理员"),
    ("account gone", "账户已不存在"),
    ("the current password is wrong", "当前密码错误"),
    ("the new password must differ from the current one", "新密码不能与当前密码相同"),
    ("a password has at most {} characters", "密码最多 {} 个字符"),
    ("password too long", "密码过长"),
    ("too short", "过短"),
    ("this username is taken", "此用户名已被使用"),
    ("taken by another account", "已被其他账户使用"),
    ("a username may hold only letters, digits, `.`, `_` and `-`", "用户名只能包含字母、数字、`.`、`_` 和 `-`"),
    ("a name has 1 to {} characters", "姓名应为 1 至 {} 个字符"),
    ("a name may not hold control characters", "姓名不能包含控制字符"),
    ("a username has {} to {} characters", "用户名应为 {} 至 {} 个字符"),
    ("a password needs at least {} characters", "密码至少需要 {} 个字符"),
    ("the account behind the token could not be loaded", "暂时无法读取令牌对应的账户，请稍后重试"),
    (
        "you are the last active admin of your jurisdiction: make another admin first, then step down",
        "您是本辖区最后一位在职管理员：请先指定另一位管理员",
    ),
    // Input in general.
    ("must not be empty", "不能为空"),
    ("must not be negative", "不能为负数"),
    ("must not hold control characters", "不能包含控制字符"),
    ("must not contain control characters", "不能包含控制字符"),
    ("must be a day in the years {} to {}", "应为 {} 年至 {} 年之间的日期"),
    (
        "at most {} subscriptions per connection: complete one to open another",
        "每个连接最多 {} 个订阅：结束一个后才能再开新的",
    ),
    (
        "a multipart request needs a header a web page cannot send without asking first (Apollo-Require-Preflight: \
         true, X-Apollo-Operation-Name or X-Requested-With), so that no other site can send it from a visitor's \
         browser",
        "multipart 请求须带有网页不经预检便无法发送的请求头（Apollo-Require-Preflight: true、X-Apollo-Operation-Name \
         或 X-Requested-With），以免其他网站借访问者的浏览器发送此请求",
    ),
    ("Query is too complex: it costs {}, at most {}", "查询过于复杂：开销为 {}，最多允许 {}"),
    // Exports.
    ("must be a {} as a JSON object", "应为 JSON 对象形式的 {}"),
    ("must be one of {}", "应为以下之一：{}"),
    ("this export takes no order", "此导出不接受 order 参数"),
    ("jurisdictionCode, from and to (ISO dates) are all needed", "须同时提供 jurisdictionCode、from 和 to（ISO 日期）"),
    (
        "the list has {} rows, more than a worksheet holds ({}): narrow the filter, or export CSV",
        "列表共 {} 行，超过一张工作表的容量（{} 行）：请缩小筛选范围，或导出 CSV",
    ),
    ("the list has more rows than a worksheet holds", "列表行数超过一张工作表的容量"),
    ("taken by a petitioner's account", "已被信访人账户使用"),
    (
        "an account {} exists and differs from this line ({}); run with --update to apply it",
        "账户 {} 已存在且与此行不同（{}）；如需按此行更新，请加 --update 重新运行",
    ),
    (
        "introspection is turned off on this server (INTROSPECTION=off): the schema is in schema.graphql",
        "此服务已关闭内省查询（INTROSPECTION=off）：接口定义见 schema.graphql",
    ),
    ("must lie after today", "必须晚于今天"),
    ("must not lie in the future", "不能晚于现在"),
    ("must not lie in the past", "不能早于现在"),
    ("must not lie before `from`", "不能早于 `from`"),
    ("must not lie before receivedFrom", "不能早于 receivedFrom"),
    ("must not lie before {}", "不能早于 {}"),
    ("at most {} characters (got {})", "最多 {} 个字符（实际 {} 个）"),
    ("at most 100 characters", "最多 100 个字符"),
    ("at most 20", "最多 20 个"),
    ("1 to 100 characters", "应为 1 至 100 个字符"),
    ("1 to 100000", "应为 1 至 100000"),
    ("1 to 30 members", "应为 1 至 30 人"),
    ("1 to 60 days", "应为 1 至 60 天"),
    ("1 to {} days", "应为 1 至 {} 天"),
    ("1 to {}", "应为 1 至 {}"),
    ("1 to 1000", "应为 1 至 1000"),
    ("at most {} days ahead", "最多 {} 天之后"),
    ("at most {} cases", "最多 {} 件"),
    ("at most {} items per page", "每页最多 {} 项"),
    ("give either `first` or `last`, not both", "`first` 与 `last` 只能给出其一"),
    ("not a cursor this list gave out", "不是此列表给出的游标"),
    ("not an id", "不是有效的 ID"),
    ("not an activity", "不是活动记录"),
    ("only `true` is supported; leave it out for all", "只支持 `true`；要列出全部请省略此项"),
    ("a period covers at most {} days", "统计期间最长 {} 天"),
    ("{} is not known", "{} 不存在"),
    ("no such jurisdiction", "没有此行政区划"),
    (
        "not a mainland mobile or landline number (e.g. 13812345678, 0830-1234567)",
        "不是有效的大陆手机或固定电话号码（例如 13812345678、0830-1234567）",
    ),
    ("an ID number has 17 digits and a check digit or X", "身份证号码应为 17 位数字加一位校验码（数字或 X）"),
    ("the ID number's check digit does not match", "身份证号码校验码不符"),
    ("the query text is {} bytes; at most {} are accepted", "查询文本 {} 字节，最多接受 {} 字节"),
    ("a list in the variables holds {} items; at most {} are accepted", "变量中的列表有 {} 项，最多接受 {} 项"),
    ("the request body exceeds {} bytes", "请求体超过 {} 字节"),
    ("Query is nested too deep: {} levels, at most {}", "查询嵌套过深：{} 层，最多 {} 层"),
    ("too many aliases: {}, at most {} allowed", "别名过多：{} 个，最多 {} 个"),
    ("batched requests are not supported; send one operation per request", "不支持批量请求，每个请求只能包含一个操作"),
    // Finding things.
    ("{} not found", "未找到{}"),
    ("no case lead with this id", "没有此 ID 的包案领导"),
    ("no petitioner account with this id", "没有此 ID 的信访人账户"),
    ("no county of this province has a handling unit", "本省没有设有责任单位的县（市、区）"),
    // Who may do what.
    ("only {} may do this", "只有{}可以进行此操作"),
    ("only an admin creates or changes accounts and units", "只有管理员可以创建或修改账户和单位"),
    (
        "only bureau clerks of this jurisdiction or above record petitions here",
        "只有本级或上级信访部门工作人员可以在此登记信访事项",
    ),
    (
        "only bureau clerks or committee members over the case, or its case lead, escalate it",
        "只有对此事项有管辖权的信访部门工作人员、联席会议成员或包案领导可以报请",
    ),
    (
        "only committee members or bureau clerks issue supervision notices",
        "只有联席会议成员或信访部门工作人员可以发出督办通知",
    ),
    (
        "only petitioners submit petitions; staff record them with recordPetition",
        "只有信访人可以提交信访事项；工作人员请用 recordPetition 登记",
    ),
    (
        "only the unit's staff, or bureau and committee staff over it",
        "只有本单位或其上级信访部门、联席会议的工作人员可以进行此操作",
    ),
    ("only whoever asked for the escalation withdraws it", "只有提出者可以撤回"),
    (
        "figures are for bureau and committee staff whose jurisdiction covers this one",
        "统计数据只对辖区覆盖此地的信访部门和联席会议工作人员开放",
    ),
    ("live case events are for staff", "事项实时动态只对工作人员开放"),
    ("supervision notices are for staff", "督办通知只对工作人员开放"),
    ("the administration log is for admins", "管理日志只对管理员开放"),
    ("staff without a unit cannot act on notices", "未归属单位的工作人员不能处理督办通知"),
    ("you may not know who petitioned in this case", "您无权知悉此事项的信访人"),
    ("that jurisdiction lies outside your own", "该行政区划不在您的辖区内"),
    ("the unit lies outside your jurisdiction", "该单位不在您的辖区内"),
    ("PETITIONER is no staff role: petitioners register themselves", "PETITIONER 不是工作人员角色：信访人自行注册"),
    ("`{}` is no role", "`{}` 不是角色"),
    ("`{}` is none of BUREAU, HANDLING_UNIT, COMMITTEE", "`{}` 不是 BUREAU、HANDLING_UNIT、COMMITTEE 之一"),
    ("a role is given twice", "角色重复"),
    ("give at least one role", "请至少给出一个角色"),
    ("give a display name, a unit or roles to change", "请给出要修改的姓名、单位或角色"),
    ("give a name or a kind to change", "请给出要修改的名称或类别"),
    ("clerks record LETTER, VISIT, PHONE or FAX", "工作人员登记的渠道为 LETTER、VISIT、PHONE 或 FAX"),
    ("petitioners submit ONLINE or MOBILE", "信访人提交的渠道为 ONLINE 或 MOBILE"),
    // The lifecycle.
    ("a case in status {} cannot be reviewed", "处于 {} 状态的事项不能复查"),
    ("a case in status {} cannot be {}", "处于 {} 状态的事项不能执行 {}"),
    ("a notice in status {} cannot be {}", "处于 {} 状态的督办通知不能执行 {}"),
    ("a review is given up by withdrawing the case (withdrawCase)", "放弃复查请撤回事项（withdrawCase）"),
    ("a {} escalation of this case is already pending", "此事项已有待处理的 {} 请求"),
    (
        "an extension must be decided before the deadline (Art 34)",
        "延期须在期限届满前决定（《信访工作条例》第三十四条）",
    ),
    ("the handling period was already extended once (Art 34)", "办理期限已延长过一次（《信访工作条例》第三十四条）"),
    ("only a case being handled can be extended", "只有办理中的事项可以延期"),
    ("hearings are held during a review", "听证在复查期间举行"),
    ("a hearing needs its length in days", "请给出听证的天数"),
    (
        "the case changed since you loaded it (version {}, now {}); reload it",
        "事项在您读取后已被修改（版本 {}，现为 {}），请重新读取",
    ),
    (
        "the case is being changed by someone else right now; reload it and try again",
        "此事项正被他人修改，请重新读取后再试",
    ),
    ("the object was changed concurrently; reload and retry", "数据已被同时修改，请重新读取后再试"),
    ("the case has ended", "此事项已终结"),
    ("the case is {}; nothing to escalate", "此事项状态为 {}，无可报请"),
    ("the evaluation window has closed", "评价期限已过"),
    ("the petitioner may still request a review", "信访人仍可申请复查"),
    ("the time for this ran out at {} ({})", "此操作的期限已于 {} 届满（{}）"),
    ("there is no answer to evaluate yet", "尚无可评价的答复"),
    ("there is no level above to report to", "没有可报请的上级"),
    ("there is no level above to review this", "没有可复查的上级"),
    ("there is no open time window for this", "当前不在可进行此操作的期限内"),
    ("this case was already evaluated", "此事项已评价"),
    ("this escalation is no longer pending", "此请求已不再待处理"),
    ("this escalation was already decided", "此请求已有决定"),
    ("reviews are asked for by the petitioner with requestReview", "复查由信访人通过 requestReview 申请"),
    ("say whether it was adopted", "请说明是否采纳"),
    ("say why you are dissatisfied", "请说明不满意的理由"),
    ("required to assign", "交办时必填"),
    ("required to forward or assign", "转送或交办时必填"),
    ("required to not accept", "不予受理时必填"),
    ("required to route out", "转出时必填"),
    ("jurisdiction disputes go to a joint conference", "管辖争议报联席会议"),
    ("name the other jurisdiction in the dispute", "请给出争议的另一方行政区划"),
    ("the two jurisdictions have no common superior here", "两地在此没有共同上级"),
    ("name at least one case", "请至少给出一件事项"),
    ("case {} is not with {}", "事项 {} 不在 {} 办理"),
    ("not a handling unit of the case's jurisdiction, above or below it", "不是此事项所在地或其上下级的责任单位"),
    ("must be the case's jurisdiction (joint conferences) or one above it", "必须是事项所在地（联席会议）或其上级"),
    ("must be the matter's jurisdiction or one above it", "必须是事项所在地或其上级"),
    (
        "only a provincial bureau records petitions passed on from national channels",
        "只有省级信访部门可以登记国家信访渠道转来的信访事项",
    ),
    ("a {} is decided with {}", "{} 的决定应为 {}"),
    ("at most {} representatives", "代表最多 {} 人"),
    ("after the target date", "晚于目标日期"),
    ("notices go to handling units", "督办通知发往责任单位"),
    // Files.
    ("the file is empty", "文件为空"),
    ("a file has at most {} MiB", "文件最大 {} MiB"),
    (
        "only JPEG, PNG, WebP or HEIC photos and PDF documents are accepted",
        "只接受 JPEG、PNG、WebP、HEIC 照片和 PDF 文件",
    ),
    ("a case holds at most {} files", "每件事项最多 {} 个文件"),
    ("a petitioner withdraws only the files they attached", "信访人只能撤回自己上传的文件"),
    ("this file was already withdrawn", "此文件已撤回"),
    ("the upload could not be read", "无法读取上传的文件"),
    ("one file per request", "每个请求只能上传一个文件"),
    // Reception days.
    (
        "only bureau clerks of this jurisdiction or above keep its reception days",
        "只有本级或上级信访部门工作人员可以安排本地接访",
    ),
    ("after the start, on the same day or night", "应晚于开始时间，且在一天之内"),
    ("not an active case lead whose jurisdiction covers this one", "不是辖区覆盖此地的在职包案领导"),
    ("only a scheduled session is published", "只有已安排的接访场次可以发布"),
    ("the session is cancelled already", "该接访场次已取消"),
    ("petitioners book reception days; staff schedule them", "接访由信访人预约、工作人员安排"),
    ("no places are left in this session", "该接访场次已约满"),
    ("the session has begun", "该接访场次已开始"),
    ("the session has not begun", "该接访场次尚未开始"),
    ("not a reception session of this leader that has begun", "不是该领导已开始的接访场次"),
    ("this case was recorded at the session already", "该事项已在本场次登记"),
    ("give either caseId or petition", "请给出 caseId 或 petition 其中之一"),
    ("you hold a place in this session already", "您已预约该接访场次"),
    ("the booking is cancelled already", "该预约已取消"),
    ("from 0 to {} days after `from`", "应在 `from` 之后 0 至 {} 天内"),
    // Administration.
    ("the account is already {}", "账户已是{}状态"),
    ("the unit is already deactivated", "该单位已停用"),
    ("this unit is deactivated", "该单位已停用"),
    ("this unit is deactivated and takes no new cases", "该单位已停用，不再接收新事项"),
    ("this unit is deactivated and takes no new staff", "该单位已停用，不再接收新工作人员"),
    ("the jurisdiction already has a unit of this name", "该行政区划已有同名单位"),
    ("{} open case(s) are with this unit: route them elsewhere first", "该单位尚有 {} 件未结事项，请先转办"),
    ("{} exists as a {}", "{} 已作为 {} 存在"),
    ("{} exists already", "{} 已存在"),
    ("unit created meanwhile", "单位已在此期间被创建"),
    (
        "jurisdiction {} is not known: import the regions first (import-regions)",
        "行政区划 {} 不存在：请先导入区划（import-regions）",
    ),
    ("expected 6 columns ({}), found {}", "应有 6 列（{}），实际 {} 列"),
    // Persisted documents.
    (
        "this server runs only the operations registered with it (trusted documents); send a registered one's hash",
        "此服务只执行预先登记的操作（可信文档），请发送已登记操作的哈希",
    ),
    (
        "the persisted query's sha256Hash is not the SHA-256 of the query sent with it",
        "持久化查询的 sha256Hash 与所附查询的 SHA-256 不符",
    ),
    ("internal error", "服务器内部错误"),
    ("the service cannot reach its database right now; try again shortly", "服务暂时无法访问数据库，请稍后重试"),
];

/// The catalogue's Chinese for `message`, if one of its patterns matches it whole.
fn translate(message: &str) -> Option<String> {
    CATALOGUE.iter().find_map(|(english, chinese)| {
        let values = matches(english, message)?;
        let mut out = String::new();
        let mut values = values.into_iter();
        let mut rest = *chinese;
        while let Some(at) = rest.find("{}") {
            out.push_str(&rest[..at]);
            let value = values.next().unwrap_or_default();
            out.push_str(noun(&value).unwrap_or(&value));
            rest = &rest[at + 2..];
        }
        out.push_str(rest);
        Some(out)
    })
}

/// The values `{}` stands for when `message` is `pattern` filled in, if it is. A placeholder takes the shortest
/// text that lets the rest match (patterns here put a literal between any two placeholders).
fn matches(pattern: &str, message: &str) -> Option<Vec<String>> {
    let parts: Vec<&str> = pattern.split("{}").collect();
    let mut rest = message.strip_prefix(parts[0])?;
    let mut values = Vec::new();
    for (i, literal) in parts.iter().enumerate().skip(1) {
        let last = i == parts.len() - 1;
        let end = if last {
            if !rest.ends_with(literal) || rest.len() < literal.len() {
                return None;
            }
            rest.len() - literal.len()
        } else if literal.is_empty() {
            return None;
        } else {
            rest.find(literal)?
        };
        if end == 0 {
            return None;
        }
        values.push(rest[..end].to_owned());
        rest = &rest[end + literal.len()..];
    }
    (parts.len() > 1 || rest.is_empty()).then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_translated_with_their_values() {
        assert_eq!(in_chinese("NOT_FOUND", "case not found"), "未找到信访事项");
        assert_eq!(in_chinese("BAD_USER_INPUT", "at most 200 characters (got 214)"), "最多 200 个字符（实际 214 个）");
        assert_eq!(in_chinese("RATE_LIMITED", "too many attempts; try again in 60 s"), "尝试次数过多，请 60 秒后再试");
        assert_eq!(in_chinese("BAD_USER_INPUT", "must not be empty"), "不能为空");
        // What the catalogue does not know keeps its English after the code's sentence.
        let unknown = in_chinese("BAD_USER_INPUT", r#"Unknown field "x" on type "Case"."#);
        assert_eq!(unknown, r#"请求有误：Unknown field "x" on type "Case"."#);
        assert_eq!(in_chinese("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound"), "PersistedQueryNotFound");
    }

    #[test]
    fn patterns_match_whole_messages_only() {
        assert_eq!(matches("{} not found", "case not found"), Some(vec!["case".to_owned()]));
        assert_eq!(matches("must not be empty", "must not be empty!"), None);
        assert_eq!(matches("1 to {} days", "1 to 15 days"), Some(vec!["15".to_owned()]));
        assert_eq!(matches("at most {} characters (got {})", "at most 5 characters (got 7)").unwrap(), ["5", "7"]);
        assert_eq!(matches("{} not found", " not found"), None);
    }

    #[test]
    fn chinese_is_chosen_by_the_first_preference() {
        assert!(chinese_first("zh-CN"));
        assert!(chinese_first("zh-CN,zh;q=0.9,en;q=0.8"));
        assert!(chinese_first("en;q=0.5, zh-Hans"));
        assert!(!chinese_first("en-US,en;q=0.9,zh-CN;q=0.8"));
        assert!(!chinese_first(""));
    }

    /// Every message the source formats for a client has its Chinese: the string literals given to `AppError`'s
    /// constructors, read from the source files themselves.
    #[test]
    fn every_message_of_the_source_is_in_the_catalogue() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut missing = Vec::new();
        let mut files = vec![root];
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            // The constructors themselves, and this catalogue, hold no messages for clients.
            let own = path.ends_with("error.rs") || path.ends_with("language.rs");
            if own || path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            for message in client_messages(&source) {
                if translate(&message).is_none() {
                    missing.push(format!("{}: {message}", path.display()));
                }
            }
        }
        assert!(missing.is_empty(), "messages without Chinese:\n{}", missing.join("\n"));
    }

    /// The messages given as literals (or `format!` templates, with their placeholders as `{}`) to the error
    /// constructors in `source`.
    fn client_messages(source: &str) -> Vec<String> {
        let constructors = [
            "AppError::bad_input(",
            "AppError::forbidden(",
            "AppError::unauthenticated(",
            "AppError::new(",
            "AppError::not_found(",
        ];
        let mut found = Vec::new();
        for constructor in constructors {
            for (at, _) in source.match_indices(constructor) {
                let call = &source[at + constructor.len()..];
                let Some(end) = call.find(";\n").or_else(|| call.find(")\n")) else { continue };
                let call = &call[..end];
                // The message is the template of a `format!` in the call, else its last string literal
                // (`bad_input` and `new` take another argument first).
                let (start, end) = match call.find("format!(\"") {
                    Some(at) => {
                        let start = at + "format!(".len();
                        let Some(len) = call[start + 1..].find('"') else { continue };
                        (start, start + 1 + len)
                    }
                    None => {
                        let Some(end) = call.rfind('"') else { continue };
                        let Some(start) = call[..end].rfind('"') else { continue };
                        (start, end)
                    }
                };
                if constructor == "AppError::not_found(" {
                    continue;
                }
                let literal = &call[start + 1..end];
                // Not a message: a field path (`input.reason`) given as the field, the message being a variable.
                let field_path = !literal.contains(' ');
                if literal.is_empty() || literal.contains('\\') || field_path {
                    continue;
                }
                let mut template = String::new();
                let mut depth = 0;
                for ch in literal.chars() {
                    match ch {
                        '{' => {
                            if depth == 0 {
                                template.push_str("{}");
                            }
                            depth += 1;
                        }
                        '}' => depth -= 1,
                        _ if depth == 0 => template.push(ch),
                        _ => {}
                    }
                }
                found.push(template);
            }
        }
        found
    }
}
