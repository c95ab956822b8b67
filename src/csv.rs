//! Reads the small CSV tables embedded from `data/`: a header row, then rows of fields that may
//! be quoted (`"a, b"`, with `""` for a quote). Nothing else of CSV is needed.

/// The rows of an embedded table, without its header, as fields.
pub(crate) fn rows(table: &'static str) -> impl Iterator<Item = Vec<String>> {
    table
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(fields)
}

/// Splits one line into its fields.
pub(crate) fn fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_their_commas_and_quotes() {
        assert_eq!(
            fields("a,\"b, c\",\"say \"\"hi\"\"\","),
            ["a", "b, c", "say \"hi\"", ""]
        );
        assert_eq!(fields("one"), ["one"]);
    }
}
