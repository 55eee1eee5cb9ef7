//! Petitioners' personal data as parsed types, and how staff see it masked (DOMAIN.md §7).

use crate::error::{AppError, Message};

pub const TITLE_MAX_CHARS: usize = 200;
pub const CONTENT_MAX_CHARS: usize = 10_000;
pub const NOTE_MAX_CHARS: usize = 4_000;
pub const MAX_REPRESENTATIVES: usize = 5;

/// A mainland mobile (`13812345678`) or landline (`0830-1234567`) number, stored without spaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str, field: &str) -> Result<PhoneNumber, AppError> {
        let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        let digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
        let mobile = s.len() == 11 && s.starts_with('1') && digits(&s) && matches!(s.as_bytes()[1], b'3'..=b'9');
        let landline = match s.split_once('-') {
            Some((area, local)) => {
                area.starts_with('0')
                    && (3..=4).contains(&area.len())
                    && digits(area)
                    && (7..=8).contains(&local.len())
                    && digits(local)
            }
            None => s.starts_with('0') && (10..=12).contains(&s.len()) && digits(&s),
        };
        if mobile || landline {
            Ok(PhoneNumber(s))
        } else {
            Err(AppError::bad_input(field, Message::NotAPhoneNumber))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A resident identity card number (GB 11643: 17 digits and a check character).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdNumber(String);

impl IdNumber {
    pub fn parse(raw: &str, field: &str) -> Result<IdNumber, AppError> {
        let s = raw.trim().to_ascii_uppercase();
        let bytes = s.as_bytes();
        let well_formed = bytes.len() == 18
            && bytes[..17].iter().all(u8::is_ascii_digit)
            && (bytes[17].is_ascii_digit() || bytes[17] == b'X');
        if !well_formed {
            return Err(AppError::bad_input(field, Message::IdNumberForm));
        }
        const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        const CHECK: &[u8; 11] = b"10X98765432";
        let sum: u32 = bytes[..17].iter().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
        if CHECK[(sum % 11) as usize] != bytes[17] {
            return Err(AppError::bad_input(field, Message::IdNumberCheckDigit));
        }
        Ok(IdNumber(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Shows the first `keep_start` and last `keep_end` characters, the rest as `*`.
pub fn mask(value: &str, keep_start: usize, keep_end: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= keep_start + keep_end {
        return "*".repeat(chars.len());
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < keep_start || i >= chars.len() - keep_end { *c } else { '*' })
        .collect()
}

/// Trims a free text and checks it is present and within `max` characters.
pub fn parse_text(raw: &str, field: &str, max: usize) -> Result<String, AppError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(AppError::bad_input(field, Message::Empty));
    }
    let n = text.chars().count();
    if n > max {
        return Err(AppError::bad_input(field, Message::TooManyCharacters(max.to_string(), n.to_string())));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(AppError::bad_input(field, Message::ControlCharacters));
    }
    Ok(text.to_owned())
}

/// As [`parse_text`], for optional texts.
pub fn parse_optional_text(raw: Option<&str>, field: &str, max: usize) -> Result<Option<String>, AppError> {
    raw.filter(|t| !t.trim().is_empty()).map(|t| parse_text(t, field, max)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers() {
        assert_eq!(PhoneNumber::parse("138 1234 5678", "p").unwrap().as_str(), "13812345678");
        assert!(PhoneNumber::parse("0830-1234567", "p").is_ok());
        for bad in ["12812345678", "1381234567", "phone", "+8613812345678x"] {
            let err = PhoneNumber::parse(bad, "input.phone").unwrap_err();
            assert_eq!(err.field.as_deref(), Some("input.phone"), "{bad}");
        }
    }

    #[test]
    fn id_numbers_check_their_check_digit() {
        // The standard's own example number.
        assert!(IdNumber::parse("11010519491231002X", "i").is_ok());
        assert!(IdNumber::parse("110105194912310021", "i").is_err());
        assert!(IdNumber::parse("1101051949", "i").is_err());
    }

    #[test]
    fn masking() {
        assert_eq!(mask("13812345678", 3, 4), "138****5678");
        assert_eq!(mask("11010519491231002X", 4, 4), "1101**********002X");
        assert_eq!(mask("123", 3, 4), "***");
    }

    #[test]
    fn texts() {
        assert_eq!(parse_text("  标题 ", "t", 10).unwrap(), "标题");
        assert!(parse_text("   ", "t", 10).is_err());
        assert!(parse_text(&"字".repeat(11), "t", 10).is_err());
        assert!(parse_text("a\u{0}b", "t", 10).is_err());
    }
}
