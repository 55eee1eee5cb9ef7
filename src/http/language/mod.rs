//! Error messages in Chinese for clients that ask for it (`Accept-Language: zh-CN`, or any `zh` first); English
//! otherwise. Only the message changes: codes, fields and every other extension stay as they are, so a client's
//! handling does not depend on the language.
//!
//! An error of the service carries its message as a value (`crate::error::Message`, whose catalogue holds each
//! sentence in both languages), rendered here. A text that comes without one (async-graphql's own validation
//! messages, a refusal a library formed from a message's English) is read back against the catalogue's English
//! templates; one it does not know gets the Chinese sentence of its code, followed by the English text, so that
//! nothing of it is lost.

use actix_web::HttpRequest;

use crate::error::message::{code_in_chinese, fill, noun, Message, TEMPLATES};
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

/// `message` in the language asked for.
pub fn render(message: &Message, chinese: bool) -> String {
    if chinese {
        message.chinese()
    } else {
        message.english()
    }
}

/// A text without its message value, of an error with `code`, in Chinese.
pub fn in_chinese(code: &str, message: &str) -> String {
    // Apollo's clients recognise this exact message: it stays as the protocol spells it.
    if code == ErrorCode::PersistedQueryNotFound.as_str() {
        return message.to_owned();
    }
    if let Some(translated) = translate(message) {
        return translated;
    }
    format!("{}：{message}", code_in_chinese(code))
}

/// The catalogue's Chinese for `message`, if one of its English templates matches it whole.
fn translate(message: &str) -> Option<String> {
    TEMPLATES.iter().find_map(|(english, chinese)| {
        let values = matches(english, message)?;
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        Some(fill(chinese, &values, |v| noun(v).unwrap_or(v).to_owned()))
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
}
