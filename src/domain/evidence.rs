//! Files attached to cases (证据材料、书面答复意见书、送达回证、息诉罢访承诺书): what may be attached, how a file is
//! recognised, how its name is cleaned, and who sees it. Pure: the HTTP and storage layers move the bytes.

use super::case::Category;
use super::organisation::UnitKind;
use super::scope::Caller;
use super::visibility::CaseFacts;

text_enum! {
    /// What a file is to the case.
    AttachmentKind {
        /// Evidence the petitioner brings: wage slips, photos, certificates.
        Evidence => "EVIDENCE",
        /// An identity document (身份证件): never shown to the handling unit.
        IdentityDocument => "IDENTITY_DOCUMENT",
        /// The scanned written answer (书面答复意见书).
        WrittenAnswer => "WRITTEN_ANSWER",
        /// The scanned service record (送达回证).
        ServiceRecord => "SERVICE_RECORD",
        /// The signed closure commitment (息诉罢访承诺书).
        ClosureCommitment => "CLOSURE_COMMITMENT",
        /// Anything else.
        Other => "OTHER",
    }
}

/// The largest file accepted, in bytes (20 MiB: a phone photo or a scanned multi-page answer).
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

/// The most files one case holds (withdrawn ones included: they stay).
pub const MAX_FILES_PER_CASE: i64 = 30;

/// The longest file name kept, in characters.
pub const MAX_NAME_CHARS: usize = 120;

/// The media type of content by its first bytes, for the kinds of file accepted: JPEG, PNG, WebP and HEIC photos,
/// and PDF scans. Anything else (including what only claims to be one of these by its name or declared type) is
/// none.
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some("image/jpeg");
    }
    if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Some("image/png");
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some("image/webp");
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" && matches!(&head[8..12], b"heic" | b"heix" | b"mif1" | b"heif") {
        return Some("image/heic");
    }
    if head.starts_with(b"%PDF-") {
        return Some("application/pdf");
    }
    None
}

/// A file name as kept and offered back: the last path segment, without control characters or the characters file
/// systems and headers trip over, at most [`MAX_NAME_CHARS`]; `file` if nothing is left.
pub fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_format(*c))
        .map(|c| if matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|' | ';') { '_' } else { c })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        return "file".to_owned();
    }
    shortened(cleaned)
}

/// Invisible characters that change how a name reads without showing: the bidirectional controls (U+202E turns
/// `invoice_gpj.exe` into what reads as `invoice_exe.jpg`), zero-width characters, and the other format characters
/// a file name has no use for.
fn is_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E007F}')
}

/// `name` cut to [`MAX_NAME_CHARS`], keeping its extension (a short one: up to 10 characters after the last dot).
fn shortened(name: &str) -> String {
    if name.chars().count() <= MAX_NAME_CHARS {
        return name.to_owned();
    }
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| !ext.is_empty() && ext.chars().count() <= 10 && !ext.contains(' '));
    match extension {
        Some(ext) => {
            let stem: String = name.chars().take(MAX_NAME_CHARS - ext.chars().count() - 1).collect();
            format!("{}.{ext}", stem.trim_end())
        }
        None => name.chars().take(MAX_NAME_CHARS).collect(),
    }
}

/// Whether `caller`, who may read the case, sees a file of `kind` on it; `by_petitioner` says the petitioner
/// uploaded it. DOMAIN.md §7 (Art 30 ¶3): the handling unit never sees identity documents, nor what the petitioner
/// of an accusation (or of an anonymous petition) brought; nobody but its author sees an anonymous petitioner's
/// identity document.
pub fn shows_attachment(caller: &Caller, case: &CaseFacts, kind: AttachmentKind, by_petitioner: bool) -> bool {
    if case.petitioner_account_id == Some(caller.account_id) {
        return true;
    }
    if kind == AttachmentKind::IdentityDocument && case.is_anonymous {
        return false;
    }
    if caller.unit_kind() == Some(UnitKind::HandlingUnit) {
        let withheld = case.is_anonymous || case.category == Some(Category::Accusation);
        return kind != AttachmentKind::IdentityDocument && !(by_petitioner && withheld);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::AccountId;
    use crate::domain::role::Role;

    #[test]
    fn files_are_recognised_by_their_first_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0"), Some("image/heic"));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(b"<html><script>"), None);
        assert_eq!(sniff(b"MZ\x90\0"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn names_lose_paths_and_troublesome_characters() {
        assert_eq!(clean_name("C:\\Users\\张三\\工资条.jpg"), "工资条.jpg");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\u{0}b\r\n\"c\".pdf"), "ab_c_.pdf");
        assert_eq!(clean_name("...hidden"), "hidden");
        assert_eq!(clean_name("   "), "file");
        assert_eq!(clean_name(&"长".repeat(300)).chars().count(), MAX_NAME_CHARS);
        // Invisible characters that make a name read otherwise are gone.
        assert_eq!(clean_name("invoice_\u{202E}gpj.exe"), "invoice_gpj.exe");
        assert_eq!(clean_name("\u{2066}照片\u{2069}\u{200E}\u{200F}\u{200B}.jpg\u{FEFF}"), "照片.jpg");
        // A long name keeps its extension.
        let long = clean_name(&format!("{}.pdf", "很长的文件名".repeat(40)));
        assert_eq!(long.chars().count(), MAX_NAME_CHARS);
        assert!(long.ends_with(".pdf"));
        assert_eq!(clean_name(&format!("{}.x", "a".repeat(200))), format!("{}.x", "a".repeat(MAX_NAME_CHARS - 2)));
    }

    fn staff(kind: UnitKind) -> Caller {
        Caller {
            account_id: AccountId::new_v4(),
            username: "s".into(),
            display_name: "s".into(),
            roles: vec![Role::Clerk],
            unit: Some((crate::domain::ids::UnitId::new_v4(), kind)),
            jurisdiction: Some(("510502".into(), "510000/510500/510502/".into())),
        }
    }

    #[test]
    fn the_handling_unit_never_sees_identity_documents_nor_an_accusers_files() {
        let petitioner = AccountId::new_v4();
        let plain = CaseFacts { petitioner_account_id: Some(petitioner), category: None, is_anonymous: false };
        let accusation = CaseFacts { category: Some(Category::Accusation), ..plain };
        let (unit, bureau) = (staff(UnitKind::HandlingUnit), staff(UnitKind::Bureau));
        use AttachmentKind::*;
        assert!(shows_attachment(&unit, &plain, Evidence, true));
        assert!(!shows_attachment(&unit, &plain, IdentityDocument, true));
        assert!(!shows_attachment(&unit, &accusation, Evidence, true));
        assert!(shows_attachment(&unit, &accusation, WrittenAnswer, false));
        assert!(shows_attachment(&bureau, &accusation, IdentityDocument, true));
        let anonymous = CaseFacts { is_anonymous: true, ..plain };
        assert!(!shows_attachment(&bureau, &anonymous, IdentityDocument, true));
        let mut own = staff(UnitKind::HandlingUnit);
        own.account_id = petitioner;
        assert!(shows_attachment(&own, &anonymous, IdentityDocument, true));
    }
}
