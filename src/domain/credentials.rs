//! Usernames and passwords as parsed types: a `Username` or `Password` value is known to be acceptable.
//!
//! Both are normalised to Unicode NFKC first, so that the same name or password typed on a phone keyboard
//! (full-width letters, composed or decomposed accents) is the same string.

use unicode_normalization::UnicodeNormalization;

use crate::error::{AppError, Message};

pub const USERNAME_MIN_CHARS: usize = 3;
pub const USERNAME_MAX_CHARS: usize = 64;
pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const DISPLAY_NAME_MAX_CHARS: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Letters of any script, digits, `.`, `_` and `-`; compared case-insensitively (stored lower-case).
    pub fn parse(raw: &str, field: &str) -> Result<Username, AppError> {
        let name: String = raw.nfkc().collect::<String>().trim().to_lowercase();
        let chars = name.chars().count();
        if !(USERNAME_MIN_CHARS..=USERNAME_MAX_CHARS).contains(&chars) {
            return Err(AppError::bad_input(
                field,
                Message::UsernameLength(USERNAME_MIN_CHARS.to_string(), USERNAME_MAX_CHARS.to_string()),
            ));
        }
        if !name.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-')) {
            return Err(AppError::bad_input(field, Message::UsernameCharacters));
        }
        Ok(Username(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

impl Password {
    /// A new password must have between 10 and 128 characters.
    pub fn parse_new(raw: &str, field: &str) -> Result<Password, AppError> {
        let pw = Password::normalise(raw);
        let chars = pw.0.chars().count();
        if chars < PASSWORD_MIN_CHARS {
            return Err(AppError::bad_input(field, Message::PasswordAtLeast(PASSWORD_MIN_CHARS.to_string())));
        }
        if chars > PASSWORD_MAX_CHARS {
            return Err(AppError::bad_input(field, Message::PasswordAtMost(PASSWORD_MAX_CHARS.to_string())));
        }
        Ok(pw)
    }

    /// A password offered at login is only normalised and bounded: its strength was checked when it was set,
    /// and telling a guesser about the rules would only help them.
    pub fn parse_attempt(raw: &str, field: &str) -> Result<Password, AppError> {
        if raw.chars().count() > PASSWORD_MAX_CHARS * 4 {
            return Err(AppError::bad_input(field, Message::PasswordTooLong));
        }
        Ok(Password::normalise(raw))
    }

    fn normalise(raw: &str) -> Password {
        Password(raw.nfkc().collect())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A person's or unit's name as shown to others: trimmed, normalised, 1 to 100 characters, no control characters.
pub fn parse_display_name(raw: &str, field: &str) -> Result<String, AppError> {
    let name: String = raw.nfkc().collect::<String>().trim().to_owned();
    let chars = name.chars().count();
    if chars == 0 || chars > DISPLAY_NAME_MAX_CHARS {
        return Err(AppError::bad_input(field, Message::NameLength(DISPLAY_NAME_MAX_CHARS.to_string())));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::bad_input(field, Message::NameControlCharacters));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn usernames_are_normalised_and_lower_case() {
        // Full-width letters from a phone keyboard are the same name.
        assert_eq!(Username::parse(" Ｄｅｍｏ.Clerk ", "u").unwrap().as_str(), "demo.clerk");
        assert_eq!(Username::parse("张三丰", "u").unwrap().as_str(), "张三丰");
    }

    #[test]
    fn usernames_are_bounded_and_plain() {
        for bad in ["ab", &"x".repeat(65), "a b c", "root;--", "a\u{0}bc"] {
            let err = Username::parse(bad, "input.username").unwrap_err();
            assert_eq!(err.code, ErrorCode::BadUserInput, "{bad:?}");
            assert_eq!(err.field.as_deref(), Some("input.username"));
        }
    }

    #[test]
    fn new_passwords_have_a_minimum_and_maximum_length() {
        assert!(Password::parse_new("short", "p").is_err());
        assert!(Password::parse_new(&"x".repeat(129), "p").is_err());
        assert!(Password::parse_new("demo-password", "p").is_ok());
        // Ten characters, counted as characters, not bytes.
        assert!(Password::parse_new("密码密码密码密码密码", "p").is_ok());
    }

    #[test]
    fn password_normalisation_makes_equal_inputs_equal() {
        let composed = Password::parse_new("caf\u{e9}-password", "p").unwrap();
        let decomposed = Password::parse_new("cafe\u{301}-password", "p").unwrap();
        assert_eq!(composed, decomposed);
        assert_eq!(format!("{composed:?}"), "Password(..)");
    }

    #[test]
    fn display_names() {
        assert_eq!(parse_display_name("  黄某梅 ", "n").unwrap(), "黄某梅");
        assert!(parse_display_name("   ", "n").is_err());
        assert!(parse_display_name("a\u{7}b", "n").is_err());
    }
}
