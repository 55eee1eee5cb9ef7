//! Jurisdictions and units (DOMAIN.md §2).

use super::case::ReceivedLevel;

text_enum! {
    /// The level of a jurisdiction in the administrative tree.
    JurisdictionLevel {
        /// 省: province or autonomous region.
        Province => "PROVINCE",
        /// 市: city or prefecture.
        City => "CITY",
        /// 县: county or district.
        County => "COUNTY",
        /// 乡镇: township, town or sub-district.
        Township => "TOWNSHIP",
    }
}

text_enum! {
    /// What a unit does in petition work.
    UnitKind {
        /// 信访部门: the letters-and-visits bureau of a jurisdiction.
        Bureau => "BUREAU",
        /// 责任单位: a department or township government with authority over matters.
        HandlingUnit => "HANDLING_UNIT",
        /// 联席会议: the joint conference of a jurisdiction.
        Committee => "COMMITTEE",
    }
}

/// The materialised path of a jurisdiction: the codes from the root down, each followed by `/`
/// (`510000/510500/510502/`). A jurisdiction lies in the subtree of another exactly when its path starts with the
/// other's path.
pub fn child_path(parent_path: Option<&str>, code: &str) -> String {
    format!("{}{code}/", parent_path.unwrap_or(""))
}

pub fn is_within(path: &str, ancestor_path: &str) -> bool {
    path.starts_with(ancestor_path)
}

/// The level at which a bureau of the jurisdiction at `receiver_path` (a `receiver_level`) receives a petition about
/// a matter of the jurisdiction at `matter_path`: above it, a skip-level petition (越级) by the level reached; at it,
/// below it or beside it, local.
pub fn received_level(matter_path: &str, receiver_path: &str, receiver_level: JurisdictionLevel) -> ReceivedLevel {
    if receiver_path == matter_path || !is_within(matter_path, receiver_path) {
        return ReceivedLevel::Local;
    }
    match receiver_level {
        JurisdictionLevel::Province => ReceivedLevel::Province,
        JurisdictionLevel::City => ReceivedLevel::City,
        JurisdictionLevel::County | JurisdictionLevel::Township => ReceivedLevel::Local,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_petition_received_above_the_matters_county_is_skip_level() {
        let province = child_path(None, "510000");
        let city = child_path(Some(&province), "510500");
        let county = child_path(Some(&city), "510502");
        let other_city = child_path(Some(&province), "510600");
        assert_eq!(received_level(&county, &county, JurisdictionLevel::County), ReceivedLevel::Local);
        assert_eq!(received_level(&county, &city, JurisdictionLevel::City), ReceivedLevel::City);
        assert_eq!(received_level(&county, &province, JurisdictionLevel::Province), ReceivedLevel::Province);
        assert_eq!(received_level(&county, &other_city, JurisdictionLevel::City), ReceivedLevel::Local);
        assert_eq!(received_level(&city, &city, JurisdictionLevel::City), ReceivedLevel::Local);
    }

    #[test]
    fn subtree_by_path_prefix() {
        let province = child_path(None, "510000");
        let city = child_path(Some(&province), "510500");
        let county = child_path(Some(&city), "510502");
        assert_eq!(county, "510000/510500/510502/");
        assert!(is_within(&county, &province));
        assert!(is_within(&county, &county));
        assert!(!is_within(&province, &county));
        // A code that merely starts with the same digits is not inside.
        assert!(!is_within("5100001/", "510000/"));
    }
}
