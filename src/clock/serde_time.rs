//! Serialises instants as RFC 3339 UTC strings (`2030-01-01T00:00:00Z`).

use serde::Serializer;
use time::OffsetDateTime;

use crate::clock::rfc3339;

/// `#[serde(with = "serde_time")]` for `OffsetDateTime` (serialise only).
pub(crate) fn serialize<S: Serializer>(
    at: &OffsetDateTime,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&rfc3339(*at))
}

/// `#[serde(with = "serde_time::option")]` for `Option<OffsetDateTime>`.
pub(crate) mod option {
    use super::*;

    /// Serialises `None` as `null`.
    pub(crate) fn serialize<S: Serializer>(
        at: &Option<OffsetDateTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => super::serialize(at, serializer),
            None => serializer.serialize_none(),
        }
    }
}

/// `#[serde(with = "serde_time::list")]` for `Vec<OffsetDateTime>`.
pub(crate) mod list {
    use serde::ser::SerializeSeq;

    use super::*;

    /// Serialises each instant as an RFC 3339 string.
    pub(crate) fn serialize<S: Serializer>(
        instants: &[OffsetDateTime],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(instants.len()))?;
        for at in instants {
            seq.serialize_element(&rfc3339(*at))?;
        }
        seq.end()
    }
}
