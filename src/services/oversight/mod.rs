//! Oversight (DOMAIN.md §5, §6, §8): supervision notices, the deadline sweep, and the portal figures. Escalations
//! of cases live with the case work (`crate::services::case_work::escalations`), since they act on one case.

pub mod figures;
pub mod notices;
pub mod sweep;
