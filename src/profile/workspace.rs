//! The `workspace` profile: the article's URLs, their purpose, and the revocation hosts that
//! current Google certificates name (c.pki.goog, o.pki.goog) besides the article's three.

use super::Profile;
use crate::target::Target;

/// `(URL, purpose)` in the article's order; `http://` entries are port-80 reachability checks.
pub const WORKSPACE_ENDPOINTS: [(&str, &str); 15] = [
    ("https://oauth2.googleapis.com/token", "Authentication"),
    (
        "https://www.googleapis.com/oauth2/v4/token",
        "Authentication",
    ),
    ("https://www.googleapis.com/calendar/", "Calendar"),
    ("http://crl.pki.goog/", "Certificate Revocation Lists"),
    ("http://crls.pki.goog/", "Certificate Revocation Lists"),
    ("http://ocsp.pki.goog/", "Certificate Revocation Lists"),
    (
        "http://c.pki.goog/",
        "Certificate Revocation Lists (current certificates)",
    ),
    ("http://o.pki.goog/", "OCSP (current certificates)"),
    ("https://www.google.com/m8/feeds/contacts/", "Contacts"),
    ("https://www.google.com/m8/feeds/gal", "Global Address Book"),
    ("https://mail.google.com/mail/r/", "Mail"),
    ("https://www.googleapis.com/gmail/", "Mail"),
    ("https://www.googleapis.com/drive/", "Notes"),
    ("https://www.googleapis.com/tasks/", "Tasks"),
    ("http://i.pki.goog/", "Intermediate certificates (AIA)"),
];

/// The workspace profile.
pub fn workspace() -> Profile {
    let targets = WORKSPACE_ENDPOINTS
        .iter()
        .filter_map(|(url, purpose)| url.parse::<Target>().ok().map(|t| t.with_purpose(purpose)))
        .collect();
    Profile {
        name: "workspace",
        targets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Scheme;

    #[test]
    fn every_article_url_parses_and_keeps_its_scheme() {
        let profile = workspace();
        assert_eq!(profile.targets.len(), WORKSPACE_ENDPOINTS.len());
        let https = profile
            .targets
            .iter()
            .filter(|t| t.scheme == Scheme::Https)
            .count();
        assert_eq!(https, 9);
        assert!(
            profile
                .targets
                .iter()
                .all(|t| t.port == t.scheme.default_port())
        );
        assert!(profile.covers(&"mail.google.com".parse().unwrap()));
        assert!(!profile.covers(&"example.com".parse().unwrap()));
    }
}
