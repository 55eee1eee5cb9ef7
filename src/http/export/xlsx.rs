//! Office Open XML workbooks (`.xlsx`, what Excel and WPS open), written as a stream: one sheet whose rows are
//! deflated as each page of the export arrives, so memory stays bounded however long the list. The zip entries
//! carry their sizes and checksums after their data (general purpose bit 3), which every zip reader follows
//! through the central directory at the end; a download cut short has no central directory and does not open.
//!
//! Numbers are numbers, days and instants are dates (serial numbers with a date format), yes/no are booleans, text
//! is inline (no shared-strings table to hold in memory); the header row is bold and frozen.

use std::io::Write;

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use flate2::write::DeflateEncoder;
use flate2::Compression;

use super::table::Cell;

/// The most rows a sheet holds (Excel's limit, header included).
pub const MAX_ROWS: u64 = 1_048_576;

pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Why a workbook could not take more rows.
#[derive(Debug, PartialEq, Eq)]
pub struct Full;

/// A workbook being written.
pub struct Workbook {
    /// Bytes written so far (where the next entry starts).
    offset: u64,
    entries: Vec<Entry>,
    sheet: Sheet,
    /// The DOS time and date of the entries.
    modified: (u16, u16),
}

/// A finished zip entry, for the central directory.
struct Entry {
    name: &'static str,
    crc: u32,
    compressed: u32,
    size: u32,
    offset: u32,
}

/// The sheet's entry while rows are written to it.
struct Sheet {
    encoder: DeflateEncoder<Vec<u8>>,
    crc: crc32fast::Hasher,
    size: u64,
    compressed: u64,
    offset: u64,
    rows: u64,
}

const SHEET: &str = "xl/worksheets/sheet1.xml";
const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const RELATIONSHIPS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PACKAGE_RELATIONSHIPS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

/// Styles by index: 0 plain, 1 day, 2 instant, 3 header.
const STYLES: &str = r#"<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#;

const XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

impl Workbook {
    /// Starts a workbook of one sheet named `name` with a header row and the columns' widths; the bytes to send
    /// first. `now` (local time) dates the entries.
    pub fn start(name: &str, header: &[String], widths: &[f32], now: NaiveDateTime) -> (Workbook, Vec<u8>) {
        let mut out = Vec::new();
        let modified = dos_time(now);
        let mut book = Workbook {
            offset: 0,
            entries: Vec::new(),
            sheet: Sheet {
                encoder: DeflateEncoder::new(Vec::new(), Compression::fast()),
                crc: crc32fast::Hasher::new(),
                size: 0,
                compressed: 0,
                offset: 0,
                rows: 0,
            },
            modified,
        };
        let sheet_name = escape(&sheet_name(name));
        let parts: [(&'static str, String); 5] = [
            (
                "[Content_Types].xml",
                format!(
                    "{XML}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
                     <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
                     <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
                     <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
                     <Override PartName=\"/{SHEET}\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>\
                     <Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>\
                     </Types>"
                ),
            ),
            (
                "_rels/.rels",
                format!(
                    "{XML}<Relationships xmlns=\"{PACKAGE_RELATIONSHIPS}\"><Relationship Id=\"rId1\" \
                     Type=\"{RELATIONSHIPS}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
                ),
            ),
            (
                "xl/workbook.xml",
                format!(
                    "{XML}<workbook xmlns=\"{MAIN}\" xmlns:r=\"{RELATIONSHIPS}\"><bookViews><workbookView/></bookViews>\
                     <sheets><sheet name=\"{sheet_name}\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
                ),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                format!(
                    "{XML}<Relationships xmlns=\"{PACKAGE_RELATIONSHIPS}\">\
                     <Relationship Id=\"rId1\" Type=\"{RELATIONSHIPS}/worksheet\" Target=\"worksheets/sheet1.xml\"/>\
                     <Relationship Id=\"rId2\" Type=\"{RELATIONSHIPS}/styles\" Target=\"styles.xml\"/></Relationships>"
                ),
            ),
            ("xl/styles.xml", format!("{XML}<styleSheet xmlns=\"{MAIN}\">{STYLES}</styleSheet>")),
        ];
        for (name, content) in parts {
            book.whole_entry(&mut out, name, content.as_bytes());
        }
        book.sheet.offset = book.offset;
        book.local_header(&mut out, SHEET);
        let cols: String = widths
            .iter()
            .enumerate()
            .map(|(i, w)| format!("<col min=\"{n}\" max=\"{n}\" width=\"{w}\" customWidth=\"1\"/>", n = i + 1))
            .collect();
        let prologue = format!(
            "{XML}<worksheet xmlns=\"{MAIN}\" xmlns:r=\"{RELATIONSHIPS}\"><sheetViews><sheetView workbookViewId=\"0\">\
             <pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>\
             <selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/></sheetView></sheetViews>\
             <sheetFormatPr defaultRowHeight=\"15\"/><cols>{cols}</cols><sheetData>"
        );
        book.sheet_write(prologue.as_bytes());
        let header: Vec<Cell> = header.iter().map(|h| Cell::Text(h.clone())).collect();
        book.write_row(&header, Some(3));
        out.extend(book.sheet_drain());
        (book, out)
    }

    /// Appends rows; the bytes they became so far (deflate may hold some back until later).
    pub fn rows(&mut self, rows: &[Vec<Cell>]) -> Result<Vec<u8>, Full> {
        if self.sheet.rows + rows.len() as u64 > MAX_ROWS {
            return Err(Full);
        }
        for row in rows {
            self.write_row(row, None);
        }
        // Sizes in the entry's records are 32 bits: stop well before a sheet could need zip64.
        if self.sheet.size > u64::from(u32::MAX) / 2 {
            return Err(Full);
        }
        Ok(self.sheet_drain())
    }

    /// The rest of the file: the sheet's end, its sizes, and the central directory.
    pub fn finish(mut self) -> Vec<u8> {
        self.sheet_write(b"</sheetData></worksheet>");
        let mut out = self.sheet_drain();
        let rest = std::mem::replace(&mut self.sheet.encoder, DeflateEncoder::new(Vec::new(), Compression::fast()))
            .finish()
            .unwrap_or_default();
        self.sheet.compressed += rest.len() as u64;
        out.extend(&rest);
        let crc = std::mem::take(&mut self.sheet.crc).finalize();
        let entry = Entry {
            name: SHEET,
            crc,
            compressed: self.sheet.compressed as u32,
            size: self.sheet.size as u32,
            offset: self.sheet.offset as u32,
        };
        self.offset += rest.len() as u64;
        self.data_descriptor(&mut out, entry);
        let directory_start = self.offset;
        let mut directory = Vec::new();
        for e in &self.entries {
            directory.extend(0x0201_4b50u32.to_le_bytes());
            directory.extend(20u16.to_le_bytes()); // made by: MS-DOS, zip 2.0
            directory.extend(20u16.to_le_bytes()); // needed to extract: 2.0 (deflate)
            directory.extend(FLAGS.to_le_bytes());
            directory.extend(8u16.to_le_bytes()); // deflate
            directory.extend(self.modified.0.to_le_bytes());
            directory.extend(self.modified.1.to_le_bytes());
            directory.extend(e.crc.to_le_bytes());
            directory.extend(e.compressed.to_le_bytes());
            directory.extend(e.size.to_le_bytes());
            directory.extend((e.name.len() as u16).to_le_bytes());
            directory.extend([0u8; 12]); // extra, comment, disk, internal and external attributes
            directory.extend(e.offset.to_le_bytes());
            directory.extend(e.name.as_bytes());
        }
        let count = self.entries.len() as u16;
        out.extend(&directory);
        out.extend(0x0605_4b50u32.to_le_bytes());
        out.extend([0u8; 4]); // this disk, the directory's disk
        out.extend(count.to_le_bytes());
        out.extend(count.to_le_bytes());
        out.extend((directory.len() as u32).to_le_bytes());
        out.extend((directory_start as u32).to_le_bytes());
        out.extend(0u16.to_le_bytes()); // no comment
        out
    }

    /// A whole entry at once (the small parts of the package).
    fn whole_entry(&mut self, out: &mut Vec<u8>, name: &'static str, content: &[u8]) {
        let offset = self.offset;
        self.local_header(out, name);
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::fast());
        let compressed = encoder.write_all(content).and_then(|()| encoder.finish()).unwrap_or_default();
        out.extend(&compressed);
        self.offset += compressed.len() as u64;
        let entry = Entry {
            name,
            crc: crc32fast::hash(content),
            compressed: compressed.len() as u32,
            size: content.len() as u32,
            offset: offset as u32,
        };
        self.data_descriptor(out, entry);
    }

    fn local_header(&mut self, out: &mut Vec<u8>, name: &str) {
        let start = out.len();
        out.extend(0x0403_4b50u32.to_le_bytes());
        out.extend(20u16.to_le_bytes());
        out.extend(FLAGS.to_le_bytes());
        out.extend(8u16.to_le_bytes());
        out.extend(self.modified.0.to_le_bytes());
        out.extend(self.modified.1.to_le_bytes());
        out.extend([0u8; 12]); // checksum and sizes follow the data
        out.extend((name.len() as u16).to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend(name.as_bytes());
        self.offset += (out.len() - start) as u64;
    }

    fn data_descriptor(&mut self, out: &mut Vec<u8>, entry: Entry) {
        out.extend(0x0807_4b50u32.to_le_bytes());
        out.extend(entry.crc.to_le_bytes());
        out.extend(entry.compressed.to_le_bytes());
        out.extend(entry.size.to_le_bytes());
        self.offset += 16;
        self.entries.push(entry);
    }

    fn sheet_write(&mut self, bytes: &[u8]) {
        self.sheet.crc.update(bytes);
        self.sheet.size += bytes.len() as u64;
        // Writing into a Vec cannot fail.
        let _ = self.sheet.encoder.write_all(bytes);
    }

    /// What the encoder has produced so far.
    fn sheet_drain(&mut self) -> Vec<u8> {
        let out = std::mem::take(self.sheet.encoder.get_mut());
        self.sheet.compressed += out.len() as u64;
        self.offset += out.len() as u64;
        out
    }

    fn write_row(&mut self, cells: &[Cell], style: Option<u8>) {
        self.sheet.rows += 1;
        let r = self.sheet.rows;
        let mut xml = format!("<row r=\"{r}\">");
        for (i, cell) in cells.iter().enumerate() {
            let at = format!("{}{r}", column_name(i));
            let s = style.map(|s| format!(" s=\"{s}\"")).unwrap_or_default();
            match cell {
                Cell::Empty => continue,
                Cell::Text(text) => xml.push_str(&format!(
                    "<c r=\"{at}\"{s} t=\"inlineStr\"><is><t xml:space=\"preserve\">{}</t></is></c>",
                    escape(text)
                )),
                Cell::Integer(n) => xml.push_str(&format!("<c r=\"{at}\"{s}><v>{n}</v></c>")),
                Cell::Number(x) => xml.push_str(&format!("<c r=\"{at}\"{s}><v>{x}</v></c>")),
                Cell::Day(day) => xml.push_str(&format!("<c r=\"{at}\" s=\"1\"><v>{}</v></c>", serial_day(*day))),
                Cell::Moment(at_time) => {
                    xml.push_str(&format!("<c r=\"{at}\" s=\"2\"><v>{}</v></c>", serial_moment(*at_time)))
                }
                Cell::YesNo(yes) => xml.push_str(&format!("<c r=\"{at}\"{s} t=\"b\"><v>{}</v></c>", u8::from(*yes))),
            }
        }
        xml.push_str("</row>");
        self.sheet_write(xml.as_bytes());
    }
}

/// Sizes and checksum after the data; names are ASCII.
const FLAGS: u16 = 0x0008;

/// A spreadsheet's column letters: A … Z, AA, AB …
fn column_name(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// Days since 1899-12-30, as spreadsheets count dates.
fn serial_day(day: NaiveDate) -> i64 {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).expect("a valid day");
    (day - epoch).num_days()
}

fn serial_moment(at: NaiveDateTime) -> f64 {
    serial_day(at.date()) as f64 + f64::from(at.num_seconds_from_midnight()) / 86_400.0
}

/// The DOS time and date of an instant (zip's format; two-second resolution, from 1980).
fn dos_time(at: NaiveDateTime) -> (u16, u16) {
    use chrono::Datelike;
    let time = ((at.hour() << 11) | (at.minute() << 5) | (at.second() / 2)) as u16;
    let year = at.year().clamp(1980, 2107) - 1980;
    let date = (((year as u32) << 9) | (at.month() << 5) | at.day()) as u16;
    (time, date)
}

/// Text as XML character data: markup escaped, characters XML 1.0 cannot hold dropped, and no longer than a cell
/// holds (32,767 characters).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().take(32_767) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A sheet name as spreadsheets accept it: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_days_and_times_are_spelled_as_spreadsheets_do() {
        assert_eq!([0, 25, 26, 27, 701, 702].map(column_name), ["A", "Z", "AA", "AB", "ZZ", "AAA"]);
        assert_eq!(serial_day(NaiveDate::from_ymd_opt(2027, 1, 3).unwrap()), 46390);
        let noon = NaiveDate::from_ymd_opt(1900, 3, 1).unwrap().and_hms_opt(12, 0, 0).unwrap();
        assert_eq!(serial_moment(noon), 61.5);
        assert_eq!(escape("a<b & \"c\"\u{1}\u{7}\tz"), "a&lt;b &amp; &quot;c&quot;\tz");
        assert_eq!(sheet_name("cases [2026/12]"), "cases 202612");
    }

    #[test]
    fn a_sheet_takes_no_more_rows_than_spreadsheets_hold() {
        let now = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap().and_hms_opt(9, 0, 0).unwrap();
        let (mut book, _) = Workbook::start("t", &["a".into()], &[10.0], now);
        book.sheet.rows = MAX_ROWS - 1;
        assert!(book.rows(&[vec![Cell::Integer(1)]]).is_ok());
        assert_eq!(book.rows(&[vec![Cell::Integer(1)]]), Err(Full));
    }
}
