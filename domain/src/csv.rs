//! CSV for organizers' spreadsheets, one way for every export: UTF-8 with a byte order mark (so
//! spreadsheet apps read Cyrillic names), CRLF line ends, cells quoted when needed and defused
//! when a spreadsheet would run them as a formula.

/// One CSV cell: quoted when it holds a comma, quote or line break, and prefixed with `'` when
/// it starts like a formula (`=`, `+`, `-`, `@`, tab, CR).
pub fn cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// A whole document: the BOM, then each row's [`cell`]s joined by commas and ended by CRLF.
pub fn document<R, C>(rows: R) -> String
where
    R: IntoIterator<Item = C>,
    C: IntoIterator,
    C::Item: AsRef<str>,
{
    let mut out = String::from("\u{feff}");
    for row in rows {
        let cells: Vec<String> = row.into_iter().map(|c| cell(c.as_ref())).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_have_a_bom_crlf_and_safe_cells() {
        assert_eq!(document(Vec::<Vec<String>>::new()), "\u{feff}");
        assert_eq!(
            document([vec!["id", "name"], vec!["1", "=SUM(A1), \"x\""]]),
            "\u{feff}id,name\r\n1,\"'=SUM(A1), \"\"x\"\"\"\r\n"
        );
        assert_eq!(cell("+7 999"), "'+7 999");
        assert_eq!(cell("line\nbreak"), "\"line\nbreak\"");
    }
}
