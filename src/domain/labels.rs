//! What a Chinese office calls the values of the closed sets it reads in exports: the words of the regulation and
//! of petition offices, one per value. Each match is exhaustive, so a new value does not compile without its words.

use super::case::{CaseStatus, Category, Channel, EventKind, Outcome};
use super::escalation::{EscalationDecision, EscalationKind, EscalationStatus};
use super::role::ActorRole;
use super::supervision::{NoticeStatus, NoticeTrigger, NoticeType};

/// A value's name in Chinese.
pub trait InChinese: Copy {
    fn in_chinese(self) -> &'static str;
}

/// 是 or 否.
pub const fn yes_no(value: bool) -> &'static str {
    if value {
        "是"
    } else {
        "否"
    }
}

macro_rules! in_chinese {
    ($type:ident { $($variant:ident => $words:literal,)+ }) => {
        impl InChinese for $type {
            fn in_chinese(self) -> &'static str {
                match self { $($type::$variant => $words,)+ }
            }
        }
    };
}

in_chinese!(CaseStatus {
    Submitted => "已登记",
    Forwarded => "已转送",
    Assigned => "已交办",
    RoutedOut => "已告知其他途径",
    NotAccepted => "不予受理",
    Objected => "单位有异议",
    Accepted => "已受理",
    InProgress => "办理中",
    Answered => "已答复",
    ReviewRequested => "已申请复查",
    Reviewed => "已复查",
    ReReviewRequested => "已申请复核",
    Final => "复核终结",
    Closed => "已办结",
});

in_chinese!(Channel {
    Online => "网上信访",
    Mobile => "手机客户端",
    Letter => "来信",
    Visit => "来访",
    Phone => "来电",
    Fax => "传真",
});

in_chinese!(Category {
    Suggestion => "建议意见",
    Accusation => "检举控告",
    AppealDemand => "申诉求决",
});

in_chinese!(Outcome {
    Supported => "予以支持",
    Explained => "解释说明",
    NotSupported => "不予支持",
});

in_chinese!(EscalationKind {
    Review => "复查",
    ReReview => "复核",
    JointConference => "联席会议协调",
    UrgentReport => "重大紧急事项报告",
});

in_chinese!(EscalationStatus {
    Pending => "待决定",
    Decided => "已决定",
    Withdrawn => "已撤回",
});

in_chinese!(EscalationDecision {
    Upheld => "维持",
    Changed => "变更",
    Revoked => "撤销",
    Coordinated => "已协调",
    Instructed => "已作指示",
});

in_chinese!(NoticeType {
    Supervision => "督办",
    PolicyProposal => "完善政策建议",
    Accountability => "追责建议",
    Listed => "挂牌督办",
    Summons => "约谈",
    Circular => "通报",
});

in_chinese!(NoticeTrigger {
    OverdueAcceptance => "受理超期",
    OverdueHandling => "办理超期",
    ImproperHandling => "办理不当",
    BuckPassing => "推诿敷衍拖延",
    Falsification => "弄虚作假",
    RefusedOpinion => "拒不执行处理意见",
    Other => "其他",
});

in_chinese!(NoticeStatus {
    Issued => "已下发",
    Acknowledged => "已签收",
    Responded => "已书面反馈",
    Closed => "已办结",
    Reopened => "重新督办",
});

in_chinese!(EventKind {
    Submitted => "网上提交",
    Recorded => "登记",
    Forwarded => "转送",
    Assigned => "交办",
    RoutedOut => "告知其他途径",
    NotAccepted => "不予受理",
    Objected => "单位提出异议",
    ObjectionUpheld => "异议成立",
    ObjectionRejected => "异议不成立",
    Accepted => "受理",
    Classified => "分类办理",
    Extended => "延长办理期限",
    Answered => "出具处理意见",
    Evaluated => "满意度评价",
    ReviewRequested => "申请复查",
    Reviewed => "出具复查意见",
    ReReviewRequested => "申请复核",
    ReReviewed => "出具复核意见",
    Closed => "办结",
    Withdrawn => "撤回信访事项",
    CaseLeadDesignated => "确定包案领导",
    PlanSet => "制定化解方案",
    Reception => "接访",
    HomeVisit => "下访",
    Appointment => "约访",
    ReturnVisit => "回访",
    Consultation => "会商",
    Hearing => "听证",
    Note => "备注",
    ContactRevealed => "查看联系方式",
    RepeatLinked => "关联重复信访",
    DeadlineMissed => "期限届满未办",
    Escalated => "提请协调或报告",
    EscalationDecided => "提请事项已决定",
    EscalationWithdrawn => "撤回提请",
    Supervised => "督办",
    FileAttached => "上传材料",
    FileWithdrawn => "撤回材料",
});

in_chinese!(ActorRole {
    Petitioner => "信访人",
    Clerk => "信访工作人员",
    CaseLead => "包案领导",
    CommitteeMember => "联席会议成员",
    Admin => "管理员",
    System => "系统",
});

#[cfg(test)]
mod tests {
    use super::*;

    /// Two values of one set never read the same, or a column could not be read back.
    fn distinct<T: InChinese>(all: &[T]) {
        let words: std::collections::BTreeSet<_> = all.iter().map(|v| v.in_chinese()).collect();
        assert_eq!(words.len(), all.len());
    }

    #[test]
    fn every_value_has_its_own_words() {
        distinct(CaseStatus::ALL);
        distinct(Channel::ALL);
        distinct(Category::ALL);
        distinct(Outcome::ALL);
        distinct(EscalationKind::ALL);
        distinct(EscalationStatus::ALL);
        distinct(EscalationDecision::ALL);
        distinct(NoticeType::ALL);
        distinct(NoticeTrigger::ALL);
        distinct(NoticeStatus::ALL);
        distinct(EventKind::ALL);
        distinct(ActorRole::ALL);
        assert_eq!((yes_no(true), yes_no(false)), ("是", "否"));
    }
}
