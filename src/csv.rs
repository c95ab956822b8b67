//! Reads the small CSV tables embedded from `data/`: a header row, then rows of fields that may
//! be quoted (`"a, b"`, with `""` for a quote). Nothing else of CSV is needed.

/// The tables loaded so far with at least one row (tests: `lib.rs` checks every table is).
#[cfg(test)]
pub(crate) static LOADED: std::sync::Mutex<std::collections::BTreeSet<String>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

/// The rows of the embedded table `name` (its header skipped, blank lines ignored), each read
/// by `row`. The tables are part of the program: a row `row` cannot read is a bug, never
/// skipped, so this panics naming the table, the line and the row.
pub(crate) fn load<T>(
    name: &str,
    table: &'static str,
    row: impl Fn(&[String]) -> Option<T>,
) -> Vec<T> {
    table
        .lines()
        .enumerate()
        .skip(1)
        .filter(|(_, line)| !line.trim().is_empty())
        .inspect(|_| {
            #[cfg(test)]
            LOADED
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(name.to_owned());
        })
        .map(|(index, line)| {
            row(&fields(line)).unwrap_or_else(|| {
                panic!(
                    "invariant: data/{name} line {}: a row the program cannot read: {line}",
                    index + 1
                )
            })
        })
        .collect()
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

    #[test]
    fn every_row_of_a_table_is_read_or_the_load_panics_naming_it() {
        let numbers = |f: &[String]| f.first()?.parse::<u8>().ok();
        assert_eq!(load("t.csv", "n\n1\n\n2\n", numbers), [1, 2]);
        let bad = std::panic::catch_unwind(|| load("t.csv", "n\n1\nx\n", numbers));
        let payload = bad.expect_err("a bad row panics");
        let message = payload
            .downcast_ref::<String>()
            .expect("a formatted message");
        assert!(message.contains("data/t.csv line 3"), "{message}");
    }
}
