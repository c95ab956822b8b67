//! Serialises instants as RFC 3339 UTC strings (`2030-01-01T00:00:00Z`).

use serde::Serializer;
use time::OffsetDateTime;

use crate::clock::rfc3339;

/// `#[serde(with = "serde_time")]` for `OffsetDateTime` (serialise only).
pub fn serialize<S: Serializer>(at: &OffsetDateTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&rfc3339(*at))
}

/// `#[serde(with = "serde_time::option")]` for `Option<OffsetDateTime>`.
pub mod option {
    use super::*;

    /// Serialises `None` as `null`.
    pub fn serialize<S: Serializer>(
        at: &Option<OffsetDateTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => super::serialize(at, serializer),
            None => serializer.serialize_none(),
        }
    }
}
