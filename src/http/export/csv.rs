//! CSV as spreadsheet software reads it: UTF-8 with a byte order mark (so that the Chinese text shows), RFC 4180
//! quoting, CRLF, and text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) prefixed with `'`.

use super::table::Cell;

/// What the file starts with: the byte order mark and the header row.
pub fn head(header: &[String]) -> String {
    let mut out = String::from("\u{feff}");
    push_row(&mut out, header.iter().map(|h| Cell::Text(h.clone())));
    out
}

/// Appends one row.
pub fn push_row(out: &mut String, cells: impl IntoIterator<Item = Cell>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let written = cell.to_string();
        let looks_like_formula = matches!(cell, Cell::Text(_))
            && written.starts_with(['=', '+', '-', '@', '\t', '\r'])
            && written.parse::<f64>().is_err();
        let written = if looks_like_formula { format!("'{written}") } else { written };
        if written.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&written.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&written);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> String {
        let mut out = String::new();
        push_row(&mut out, cells.iter().map(|c| Cell::Text(c.to_string())));
        out
    }

    #[test]
    fn cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(row(&["a", "b,c", "say \"hi\"", "两行\n文本"]), "a,\"b,c\",\"say \"\"hi\"\"\",\"两行\n文本\"\r\n");
        let formulas = row(&["=HYPERLINK(\"x\")", "@SUM(A1)", "-12.5", "+86 138"]);
        assert_eq!(formulas, "\"'=HYPERLINK(\"\"x\"\")\",'@SUM(A1),-12.5,'+86 138\r\n");
        let mut numbers = String::new();
        push_row(&mut numbers, [Cell::Integer(-3), Cell::Number(84.6), Cell::YesNo(true), Cell::Empty]);
        assert_eq!(numbers, "-3,84.6,true,\r\n");
    }
}
