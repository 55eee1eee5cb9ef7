//! Error messages in Chinese for clients that ask for it (`Accept-Language: zh-CN`, or any `zh` first); English
//! otherwise. Only the message changes: codes, fields and every other extension stay as they are, so a client's
//! handling does not depend on the language.
//!
//! The catalogue (`catalogue.rs`) holds the service's own messages, matched whole, with `{}` standing for the parts the
//! message was formatted with (a number, a status, a date), which reappear in the Chinese text in the same order.
//! A message the catalogue does not know (async-graphql's own validation messages, a new message nobody translated
//! yet) gets the Chinese sentence of its code, followed by the English text, so that nothing of it is lost. A unit
//! test checks every message of the source against the catalogue's patterns.

use actix_web::HttpRequest;

use crate::error::ErrorCode;

mod catalogue;

use catalogue::{noun, of_code, CATALOGUE};

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
            let own = path.ends_with("error.rs") || path.ends_with("language/mod.rs");
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
            // The exports' refusals.
            "bad_parameter(asked, ",
            "not_found(asked, ",
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
