//! An error and its causes in one line, `: `-separated: what the CLI prints for a run that could
//! not be carried out, and what a report says of a store it could not read.

/// `error`, then each of its sources in turn.
pub fn with_sources(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_is_said_in_order() {
        let error =
            crate::input::Error::read(std::path::Path::new("/x"), std::io::Error::other("denied"));
        assert_eq!(with_sources(&error), "cannot read /x: denied");
    }
}
