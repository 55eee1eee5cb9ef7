//! Every message the service gives a client, as a value: one variant per sentence, with the values it is formed
//! with, and its English and Chinese side by side in the one catalogue below. An error carries its message as
//! such a value; the edge renders it in the language the request asked for (`http::language`), so a message
//! without either language cannot be written (the macro takes both), and a client's handling never depends on the
//! language: codes and fields stay as they are.
//!
//! `{}` stands for the message's values, in order, in both languages; a value that names a thing (`case`,
//! `account`) reads in Chinese as its noun below.

/// The catalogue: `Variant(values) => English, Chinese;`.
macro_rules! messages {
    ($($name:ident $(($($value:ident),+))? => $en:literal, $zh:literal;)+) => {
        /// A message for a client (see the module's documentation).
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub enum Message {
            $($name $(($(messages!(@text $value)),+))?,)+
        }

        impl Message {
            /// Its English and Chinese templates and its values.
            fn parts(&self) -> (&'static str, &'static str, Vec<&str>) {
                match self {
                    $(Message::$name $(($($value),+))? => ($en, $zh, vec![$($($value.as_str()),+)?]),)+
                }
            }
        }

        /// Every template, English beside Chinese: for reading a text that lost its value back (an error a library
        /// formed from a message's English).
        pub const TEMPLATES: &[(&str, &str)] = &[$(($en, $zh),)+];
    };
    (@text $value:ident) => { String };
}

messages! {
    // Signing in and sessions.
    SignInFirst => "sign in first: this needs an access token", "请先登录：此操作需要访问令牌";
    InvalidAccessToken => "invalid or expired access token", "访问令牌无效或已过期";
    InvalidRefreshToken => "invalid or expired refresh token", "刷新令牌无效或已过期";
    WrongCredentials => "wrong username or password", "用户名或密码错误";
    TooManyAttempts(a) => "too many attempts; try again in {} s", "尝试次数过多，请 {} 秒后再试";
    TemporaryPassword => "you signed in with a temporary password: change it first", "您使用临时密码登录，请先修改密码";
    TemporaryPasswordChangeFirst =>
        "you signed in with a temporary password: change it first (changePassword)",
        "您使用临时密码登录，请先修改密码（changePassword）";
    ConnectionInitToken => "send a valid access token in the connection_init payload", "请在 connection_init 中提供有效的访问令牌";
    AccountDeactivated => "this account is deactivated; ask an admin of your jurisdiction", "此账户已停用，请联系本辖区管理员";
    AccountGone => "account gone", "账户已不存在";
    CurrentPasswordWrong => "the current password is wrong", "当前密码错误";
    NewPasswordSame => "the new password must differ from the current one", "新密码不能与当前密码相同";
    PasswordAtMost(a) => "a password has at most {} characters", "密码最多 {} 个字符";
    PasswordTooLong => "password too long", "密码过长";
    TooShort => "too short", "过短";
    UsernameTaken => "this username is taken", "此用户名已被使用";
    TakenByAnotherAccount => "taken by another account", "已被其他账户使用";
    UsernameCharacters => "a username may hold only letters, digits, `.`, `_` and `-`", "用户名只能包含字母、数字、`.`、`_` 和 `-`";
    NameLength(a) => "a name has 1 to {} characters", "姓名应为 1 至 {} 个字符";
    NameControlCharacters => "a name may not hold control characters", "姓名不能包含控制字符";
    UsernameLength(a, b) => "a username has {} to {} characters", "用户名应为 {} 至 {} 个字符";
    PasswordAtLeast(a) => "a password needs at least {} characters", "密码至少需要 {} 个字符";
    AccountUnavailable => "the account behind the token could not be loaded", "暂时无法读取令牌对应的账户，请稍后重试";
    LastActiveAdmin =>
        "you are the last active admin of your jurisdiction: make another admin first, then step down",
        "您是本辖区最后一位在职管理员：请先指定另一位管理员";
    // Input in general.
    Empty => "must not be empty", "不能为空";
    Negative => "must not be negative", "不能为负数";
    ControlCharacters => "must not hold control characters", "不能包含控制字符";
    ContainsControlCharacters => "must not contain control characters", "不能包含控制字符";
    DayOutOfYears(a, b) => "must be a day in the years {} to {}", "应为 {} 年至 {} 年之间的日期";
    TooManySubscriptions(a) =>
        "at most {} subscriptions per connection: complete one to open another",
        "每个连接最多 {} 个订阅：结束一个后才能再开新的";
    MultipartPreflight =>
        "a multipart request needs a header a web page cannot send without asking first \
         (Apollo-Require-Preflight: true, X-Apollo-Operation-Name or X-Requested-With), so that no other site \
         can send it from a visitor's browser",
        "multipart 请求须带有网页不经预检便无法发送的请求头（Apollo-Require-Preflight: true、X-Apollo-Operation-Name 或 \
         X-Requested-With），以免其他网站借访问者的浏览器发送此请求";
    QueryTooComplex(a, b) => "Query is too complex: it costs {}, at most {}", "查询过于复杂：开销为 {}，最多允许 {}";
    IntrospectionTooDeep(a, b) =>
        "introspection nests type parts (fields, inputFields, interfaces, possibleTypes) {} deep, at most {}",
        "内省查询的类型部分（fields、inputFields、interfaces、possibleTypes）嵌套 {} 层，最多 {} 层";
    // Exports.
    NotAJsonObject(a) => "must be a {} as a JSON object", "应为 JSON 对象形式的 {}";
    OneOf(a) => "must be one of {}", "应为以下之一：{}";
    ExportTakesNoOrder => "this export takes no order", "此导出不接受 order 参数";
    FiguresParameters =>
        "jurisdictionCode, from and to (ISO dates) are all needed",
        "须同时提供 jurisdictionCode、from 和 to（ISO 日期）";
    CaseIdOrReference => "caseId or reference is needed", "须提供 caseId 或 reference";
    NotACaseId => "must be a case's id (a UUID)", "应为信访事项的 id（UUID）";
    TooManyRowsForSheet(a, b) =>
        "the list has {} rows, more than a worksheet holds ({}): narrow the filter, or export CSV",
        "列表共 {} 行，超过一张工作表的容量（{} 行）：请缩小筛选范围，或导出 CSV";
    SheetFull => "the list has more rows than a worksheet holds", "列表行数超过一张工作表的容量";
    TakenByPetitioner => "taken by a petitioner's account", "已被信访人账户使用";
    StaffLineDiffers(a, b) =>
        "an account {} exists and differs from this line ({}); run with --update to apply it",
        "账户 {} 已存在且与此行不同（{}）；如需按此行更新，请加 --update 重新运行";
    IntrospectionOff =>
        "introspection is turned off on this server (INTROSPECTION=off): the schema is in schema.graphql",
        "此服务已关闭内省查询（INTROSPECTION=off）：接口定义见 schema.graphql";
    AfterToday => "must lie after today", "必须晚于今天";
    InTheFuture => "must not lie in the future", "不能晚于现在";
    InThePast => "must not lie in the past", "不能早于现在";
    BeforeFrom => "must not lie before `from`", "不能早于 `from`";
    BeforeReceivedFrom => "must not lie before receivedFrom", "不能早于 receivedFrom";
    Before(a) => "must not lie before {}", "不能早于 {}";
    TooManyCharacters(a, b) => "at most {} characters (got {})", "最多 {} 个字符（实际 {} 个）";
    AtMost100Characters => "at most 100 characters", "最多 100 个字符";
    AtMost20 => "at most 20", "最多 20 个";
    OneTo100Characters => "1 to 100 characters", "应为 1 至 100 个字符";
    OneTo100000 => "1 to 100000", "应为 1 至 100000";
    OneTo30Members => "1 to 30 members", "应为 1 至 30 人";
    OneTo60Days => "1 to 60 days", "应为 1 至 60 天";
    OneToDays(a) => "1 to {} days", "应为 1 至 {} 天";
    OneTo(a) => "1 to {}", "应为 1 至 {}";
    OneTo1000 => "1 to 1000", "应为 1 至 1000";
    OneTo100 => "1 to 100", "应为 1 至 100";
    AtMostDaysAhead(a) => "at most {} days ahead", "最多 {} 天之后";
    AtMostCases(a) => "at most {} cases", "最多 {} 件";
    PageTooLarge(a) => "at most {} items per page", "每页最多 {} 项";
    FirstOrLast => "give either `first` or `last`, not both", "`first` 与 `last` 只能给出其一";
    NotACursor => "not a cursor this list gave out", "不是此列表给出的游标";
    NotAFeedPosition => "not a feed position", "不是事件流中的位置";
    NoKinds => "leave it out for every kind, or name at least one", "要全部种类请省略此项，否则至少列出一种";
    AtMost2000Characters => "at most 2,000 characters", "最多 2000 个字符";
    NotHttp => "an http:// or https:// address", "应为 http:// 或 https:// 地址";
    BadAddress => "an address with a host, without spaces or credentials", "应为含主机名的地址，不得含空格或账号密码";
    AddressNotReachable =>
        "an address webhooks may not be posted to: a public one, or one of the server's WEBHOOK_ALLOWED_NETWORKS",
        "不允许推送到此地址：须为公网地址，或服务器 WEBHOOK_ALLOWED_NETWORKS 所列网络中的地址";
    NotAnId => "not an id", "不是有效的 ID";
    NotAnActivity => "not an activity", "不是活动记录";
    OnlyTrue => "only `true` is supported; leave it out for all", "只支持 `true`；要列出全部请省略此项";
    PeriodTooLong(a) => "a period covers at most {} days", "统计期间最长 {} 天";
    NotKnown(a) => "{} is not known", "{} 不存在";
    NoKindOfEntry(a) => "{} is no kind of entry", "{} 不是任何履历记录的种类";
    NoSuchJurisdiction => "no such jurisdiction", "没有此行政区划";
    NotAPhoneNumber =>
        "not a mainland mobile or landline number (e.g. 13812345678, 0830-1234567)",
        "不是有效的大陆手机或固定电话号码（例如 13812345678、0830-1234567）";
    IdNumberForm => "an ID number has 17 digits and a check digit or X", "身份证号码应为 17 位数字加一位校验码（数字或 X）";
    IdNumberCheckDigit => "the ID number's check digit does not match", "身份证号码校验码不符";
    QueryTooLong(a, b) => "the query text is {} bytes; at most {} are accepted", "查询文本 {} 字节，最多接受 {} 字节";
    ListTooLong(a, b) => "a list in the variables holds {} items; at most {} are accepted", "变量中的列表有 {} 项，最多接受 {} 项";
    BodyTooLarge(a) => "the request body exceeds {} bytes", "请求体超过 {} 字节";
    QueryTooDeep(a, b) => "Query is nested too deep: {} levels, at most {}", "查询嵌套过深：{} 层，最多 {} 层";
    TooManyAliases(a, b) => "too many aliases: {}, at most {} allowed", "别名过多：{} 个，最多 {} 个";
    NoBatches => "batched requests are not supported; send one operation per request", "不支持批量请求，每个请求只能包含一个操作";
    // How a request reaches the API (GraphQL over HTTP).
    GetNeedsQuery => "GET needs a `query` parameter (or send operations as POST)", "GET 请求需要 `query` 参数（或以 POST 发送操作）";
    SendJsonPost => "send operations as POST with Content-Type: application/json", "请以 POST 发送操作，Content-Type 为 application/json";
    MutationsOnlyPost => "mutations are accepted only as POST", "变更操作只接受 POST 请求";
    OneUploadPerRequest => "one file per request: attach each file with its own attachFile", "每个请求只能上传一个文件：请用 attachFile 逐个上传";
    NotMultipart(a) => "not a GraphQL multipart request: {}", "不是 GraphQL multipart 请求：{}";
    CannotReadBody(a) => "cannot read the body: {}", "无法读取请求体：{}";
    BodyNotJson(a) => "the body is not valid JSON: {}", "请求体不是有效的 JSON：{}";
    NotAGraphqlRequest(a) => "not a GraphQL request: {}", "不是 GraphQL 请求：{}";
    DocumentIdNotString => "documentId must be a string", "documentId 必须是字符串";
    DocumentIdForm => "documentId must be `sha256:` followed by 64 hex digits", "documentId 必须是 `sha256:` 加 64 位十六进制数字";
    VariablesNotObject => "`variables` must be a JSON object", "`variables` 必须是 JSON 对象";
    ExtensionsNotObject => "`extensions` must be a JSON object", "`extensions` 必须是 JSON 对象";
    PersistedQueryNotObject => "extensions.persistedQuery: must be an object", "extensions.persistedQuery：必须是对象";
    PersistedQueryVersion => "extensions.persistedQuery: only version 1 is supported", "extensions.persistedQuery：只支持版本 1";
    PersistedQueryHashForm =>
        "extensions.persistedQuery: sha256Hash must be 64 hex digits",
        "extensions.persistedQuery：sha256Hash 必须是 64 位十六进制数字";
    PersistedQueryHashMissing => "extensions.persistedQuery: sha256Hash is missing", "extensions.persistedQuery：缺少 sha256Hash";
    AskForSubprotocol =>
        "ask for the WebSocket subprotocol graphql-transport-ws (or graphql-ws)",
        "请使用 WebSocket 子协议 graphql-transport-ws（或 graphql-ws）";
    // Finding things.
    NotFound(a) => "{} not found", "未找到{}";
    NoSuchCaseLead => "no case lead with this id", "没有此 ID 的包案领导";
    NoSuchPetitioner => "no petitioner account with this id", "没有此 ID 的信访人账户";
    NoCountyWithHandlingUnit => "no county of this province has a handling unit", "本省没有设有责任单位的县（市、区）";
    // Who may do what.
    OnlyMay(a) => "only {} may do this", "只有{}可以进行此操作";
    OnlyAdmins => "only an admin creates or changes accounts and units", "只有管理员可以创建或修改账户和单位";
    OnlyBureauRecords =>
        "only bureau clerks of this jurisdiction or above record petitions here",
        "只有本级或上级信访部门工作人员可以在此登记信访事项";
    OnlyCoveringStaffEscalate =>
        "only bureau clerks or committee members over the case, or its case lead, escalate it",
        "只有对此事项有管辖权的信访部门工作人员、联席会议成员或包案领导可以报请";
    OnlyStaffIssueNotices =>
        "only committee members or bureau clerks issue supervision notices",
        "只有联席会议成员或信访部门工作人员可以发出督办通知";
    OnlyPetitionersSubmit =>
        "only petitioners submit petitions; staff record them with recordPetition",
        "只有信访人可以提交信访事项；工作人员请用 recordPetition 登记";
    OnlyUnitStaff => "only the unit's staff, or bureau and committee staff over it", "只有本单位或其上级信访部门、联席会议的工作人员可以进行此操作";
    OnlyRequesterWithdraws => "only whoever asked for the escalation withdraws it", "只有提出者可以撤回";
    OnlyJointConferenceDecides =>
        "only committee members of the addressed joint conference decide this",
        "只有受理此请求的联席会议成员可以作出决定";
    OnlyAddressedLevelDecides =>
        "only bureau or committee staff of the addressed level decide this",
        "只有被报请一级的信访部门或联席会议工作人员可以作出决定";
    OnlyReviewingLevelDecides =>
        "only bureau clerks or case leads of the reviewing level decide this",
        "只有复查（复核）机关的信访部门工作人员或包案领导可以作出决定";
    FiguresForStaff =>
        "figures are for bureau and committee staff whose jurisdiction covers this one",
        "统计数据只对辖区覆盖此地的信访部门和联席会议工作人员开放";
    LiveEventsForStaff => "live case events are for staff", "事项实时动态只对工作人员开放";
    NoticesForStaff => "supervision notices are for staff", "督办通知只对工作人员开放";
    LogForAdmins => "the administration log is for admins", "管理日志只对管理员开放";
    StaffWithoutUnit => "staff without a unit cannot act on notices", "未归属单位的工作人员不能处理督办通知";
    PetitionerHidden => "you may not know who petitioned in this case", "您无权知悉此事项的信访人";
    JurisdictionOutside => "that jurisdiction lies outside your own", "该行政区划不在您的辖区内";
    UnitOutside => "the unit lies outside your jurisdiction", "该单位不在您的辖区内";
    PetitionerNotStaff => "PETITIONER is no staff role: petitioners register themselves", "PETITIONER 不是工作人员角色：信访人自行注册";
    NoRole(a) => "`{}` is no role", "`{}` 不是角色";
    NoUnitKind(a) => "`{}` is none of BUREAU, HANDLING_UNIT, COMMITTEE", "`{}` 不是 BUREAU、HANDLING_UNIT、COMMITTEE 之一";
    RoleTwice => "a role is given twice", "角色重复";
    NoRoles => "give at least one role", "请至少给出一个角色";
    NothingToChangeOnAccount => "give a display name, a unit or roles to change", "请给出要修改的姓名、单位或角色";
    NothingToChangeOnUnit => "give a name or a kind to change", "请给出要修改的名称或类别";
    ClerkChannels => "clerks record LETTER, VISIT, PHONE or FAX", "工作人员登记的渠道为 LETTER、VISIT、PHONE 或 FAX";
    PetitionerChannels => "petitioners submit ONLINE or MOBILE", "信访人提交的渠道为 ONLINE 或 MOBILE";
    // The lifecycle.
    CannotReview(a) => "a case in status {} cannot be reviewed", "处于 {} 状态的事项不能复查";
    CaseCannot(a, b) => "a case in status {} cannot be {}", "处于 {} 状态的事项不能执行 {}";
    NoticeCannot(a, b) => "a notice in status {} cannot be {}", "处于 {} 状态的督办通知不能执行 {}";
    ReviewWithdrawnWithCase => "a review is given up by withdrawing the case (withdrawCase)", "放弃复查请撤回事项（withdrawCase）";
    EscalationPending(a) => "a {} escalation of this case is already pending", "此事项已有待处理的 {} 请求";
    ExtendBeforeDeadline => "an extension must be decided before the deadline (Art 34)", "延期须在期限届满前决定（《信访工作条例》第三十四条）";
    ExtendedOnce => "the handling period was already extended once (Art 34)", "办理期限已延长过一次（《信访工作条例》第三十四条）";
    ExtendOnlyHandled => "only a case being handled can be extended", "只有办理中的事项可以延期";
    HearingsInReview => "hearings are held during a review", "听证在复查期间举行";
    HearingDays => "a hearing needs its length in days", "请给出听证的天数";
    StaleVersion(a, b) =>
        "the case changed since you loaded it (version {}, now {}); reload it",
        "事项在您读取后已被修改（版本 {}，现为 {}），请重新读取";
    CaseBusy => "the case is being changed by someone else right now; reload it and try again", "此事项正被他人修改，请重新读取后再试";
    ChangedConcurrently => "the object was changed concurrently; reload and retry", "数据已被同时修改，请重新读取后再试";
    CaseEnded => "the case has ended", "此事项已终结";
    NothingToEscalate(a) => "the case is {}; nothing to escalate", "此事项状态为 {}，无可报请";
    EvaluationClosed => "the evaluation window has closed", "评价期限已过";
    ReviewStillPossible => "the petitioner may still request a review", "信访人仍可申请复查";
    TimeRanOut(a, b) => "the time for this ran out at {} ({})", "此操作的期限已于 {} 届满（{}）";
    NothingToEvaluate => "there is no answer to evaluate yet", "尚无可评价的答复";
    NoLevelToReport => "there is no level above to report to", "没有可报请的上级";
    NoLevelToReview => "there is no level above to review this", "没有可复查的上级";
    NoOpenWindow => "there is no open time window for this", "当前不在可进行此操作的期限内";
    AlreadyEvaluated => "this case was already evaluated", "此事项已评价";
    EscalationNotPending => "this escalation is no longer pending", "此请求已不再待处理";
    EscalationDecided => "this escalation was already decided", "此请求已有决定";
    ReviewsByPetitioner => "reviews are asked for by the petitioner with requestReview", "复查由信访人通过 requestReview 申请";
    SayIfAdopted => "say whether it was adopted", "请说明是否采纳";
    SayWhyDissatisfied => "say why you are dissatisfied", "请说明不满意的理由";
    RequiredToAssign => "required to assign", "交办时必填";
    RequiredToForward => "required to forward or assign", "转送或交办时必填";
    RequiredToNotAccept => "required to not accept", "不予受理时必填";
    RequiredToRouteOut => "required to route out", "转出时必填";
    DisputesToJointConference => "jurisdiction disputes go to a joint conference", "管辖争议报联席会议";
    NameDisputedJurisdiction => "name the other jurisdiction in the dispute", "请给出争议的另一方行政区划";
    DisputeGoesToCommonSuperior => "a dispute goes to the common superior; leave this out", "争议由共同上级处理：请省略此项";
    NoCommonSuperior => "the two jurisdictions have no common superior here", "两地在此没有共同上级";
    NoCases => "name at least one case", "请至少给出一件事项";
    CaseNotWithUnit(a, b) => "case {} is not with {}", "事项 {} 不在 {} 办理";
    NotAHandlingUnitOfCase => "not a handling unit of the case's jurisdiction, above or below it", "不是此事项所在地或其上下级的责任单位";
    EscalationAddress => "must be the case's jurisdiction (joint conferences) or one above it", "必须是事项所在地（联席会议）或其上级";
    AddressedBelow => "must be the matter's jurisdiction or one above it", "必须是事项所在地或其上级";
    NationalChannelProvinceOnly =>
        "only a provincial bureau records petitions passed on from national channels",
        "只有省级信访部门可以登记国家信访渠道转来的信访事项";
    DecidedWith(a, b) => "a {} is decided with {}", "{} 的决定应为 {}";
    TooManyRepresentatives(a) => "at most {} representatives", "代表最多 {} 人";
    AfterTargetDate => "after the target date", "晚于目标日期";
    NoticesToHandlingUnits => "notices go to handling units", "督办通知发往责任单位";
    // Files.
    FileEmpty => "the file is empty", "文件为空";
    FileTooLarge(a) => "a file has at most {} MiB", "文件最大 {} MiB";
    FileType =>
        "only JPEG, PNG, WebP or HEIC photos and PDF documents are accepted",
        "只接受 JPEG、PNG、WebP、HEIC 照片和 PDF 文件";
    TooManyFiles(a) => "a case holds at most {} files", "每件事项最多 {} 个文件";
    OwnFilesOnly => "a petitioner withdraws only the files they attached", "信访人只能撤回自己上传的文件";
    FileWithdrawn => "this file was already withdrawn", "此文件已撤回";
    UploadUnreadable => "the upload could not be read", "无法读取上传的文件";
    OneFilePerRequest => "one file per request", "每个请求只能上传一个文件";
    // Reception days.
    OnlyBureauKeepsReceptionDays =>
        "only bureau clerks of this jurisdiction or above keep its reception days",
        "只有本级或上级信访部门工作人员可以安排本地接访";
    SessionEnd => "after the start, on the same day or night", "应晚于开始时间，且在一天之内";
    NotACoveringLead => "not an active case lead whose jurisdiction covers this one", "不是辖区覆盖此地的在职包案领导";
    PublishOnlyScheduled => "only a scheduled session is published", "只有已安排的接访场次可以发布";
    SessionCancelled => "the session is cancelled already", "该接访场次已取消";
    PetitionersBook => "petitioners book reception days; staff schedule them", "接访由信访人预约、工作人员安排";
    SessionFull => "no places are left in this session", "该接访场次已约满";
    SessionBegun => "the session has begun", "该接访场次已开始";
    SessionNotBegun => "the session has not begun", "该接访场次尚未开始";
    NotALeadersSession => "not a reception session of this leader that has begun", "不是该领导已开始的接访场次";
    VisitRecorded => "this case was recorded at the session already", "该事项已在本场次登记";
    CaseOrPetition => "give either caseId or petition", "请给出 caseId 或 petition 其中之一";
    AlreadyBooked => "you hold a place in this session already", "您已预约该接访场次";
    BookingCancelled => "the booking is cancelled already", "该预约已取消";
    ScheduleSpan(a) => "from 0 to {} days after `from`", "应在 `from` 之后 0 至 {} 天内";
    // Administration.
    AccountAlready(a) => "the account is already {}", "账户已是{}状态";
    UnitAlreadyDeactivated => "the unit is already deactivated", "该单位已停用";
    UnitDeactivated => "this unit is deactivated", "该单位已停用";
    UnitTakesNoCases => "this unit is deactivated and takes no new cases", "该单位已停用，不再接收新事项";
    UnitTakesNoStaff => "this unit is deactivated and takes no new staff", "该单位已停用，不再接收新工作人员";
    UnitNameTaken => "the jurisdiction already has a unit of this name", "该行政区划已有同名单位";
    OpenCasesWithUnit(a) => "{} open case(s) are with this unit: route them elsewhere first", "该单位尚有 {} 件未结事项，请先转办";
    ExistsAs(a, b) => "{} exists as a {}", "{} 已作为 {} 存在";
    ExistsAlready(a) => "{} exists already", "{} 已存在";
    UnitCreatedMeanwhile => "unit created meanwhile", "单位已在此期间被创建";
    ImportRegionsFirst(a) =>
        "jurisdiction {} is not known: import the regions first (import-regions)",
        "行政区划 {} 不存在：请先导入区划（import-regions）";
    StaffLineColumns(a, b) => "expected 6 columns ({}), found {}", "应有 6 列（{}），实际 {} 列";
    // Persisted documents.
    TrustedDocumentsOnly =>
        "this server runs only the operations registered with it (trusted documents); send a registered one's hash",
        "此服务只执行预先登记的操作（可信文档），请发送已登记操作的哈希";
    PersistedHashMismatch =>
        "the persisted query's sha256Hash is not the SHA-256 of the query sent with it",
        "持久化查询的 sha256Hash 与所附查询的 SHA-256 不符";
    Internal => "internal error", "服务器内部错误";
    DatabaseUnavailable => "the service cannot reach its database right now; try again shortly", "服务暂时无法访问数据库，请稍后重试";
}

impl Message {
    /// The message in English.
    pub fn english(&self) -> String {
        let (en, _, values) = self.parts();
        fill(en, &values, |v| v.to_owned())
    }

    /// The message in Chinese, the things it names by their Chinese nouns.
    pub fn chinese(&self) -> String {
        let (_, zh, values) = self.parts();
        fill(zh, &values, |v| noun(v).unwrap_or(v).to_owned())
    }
}

/// English, as logs and the command line print it.
impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.english())
    }
}

/// `template` with each `{}` replaced by the next value, as `word` gives it.
pub fn fill(template: &str, values: &[&str], word: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut values = values.iter();
    let mut rest = template;
    while let Some(at) = rest.find("{}") {
        out.push_str(&rest[..at]);
        out.push_str(&values.next().map(|v| word(v)).unwrap_or_default());
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

/// The things a message may name, in Chinese.
pub fn noun(english: &str) -> Option<&'static str> {
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
        "webhook" => "推送地址（Webhook）",
        "case with this reference and query code" => "与此编号和查询码对应的信访事项",
        _ => return None,
    })
}

/// The Chinese sentence of an error code.
pub fn code_in_chinese(code: &str) -> &'static str {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_take_the_same_values() {
        for (en, zh) in TEMPLATES {
            assert_eq!(en.matches("{}").count(), zh.matches("{}").count(), "{en} / {zh}");
            assert!(!en.is_empty() && !zh.is_empty());
            assert!(!zh.is_ascii(), "not Chinese: {zh}");
        }
        let english: std::collections::BTreeSet<_> = TEMPLATES.iter().map(|(en, _)| en).collect();
        assert_eq!(english.len(), TEMPLATES.len(), "an English sentence twice");
    }

    #[test]
    fn a_message_reads_in_either_language_with_its_values() {
        let m = Message::TooManyAttempts("30".into());
        assert_eq!(m.english(), "too many attempts; try again in 30 s");
        assert_eq!(m.chinese(), "尝试次数过多，请 30 秒后再试");
        assert_eq!(Message::NotFound("case".into()).chinese(), "未找到信访事项");
        assert_eq!(Message::NotFound("case".into()).english(), "case not found");
    }
}
