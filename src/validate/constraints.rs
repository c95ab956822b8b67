//! E-mail and URI name constraints (RFC 5280 §4.2.1.10), which rustls-webpki refuses to process,
//! for the RFC 5280 path ([`super::rfc5280`]). Constraints of any other form (DNS names and IP
//! addresses, which webpki processes itself, directory names, others) are not judged here: a CA
//! that carries one makes the RFC 5280 path give up, so webpki's verdict stands.

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, GeneralSubtree};

/// id-emailAddress (1.2.840.113549.1.9.1), the subject attribute e-mail constraints also bind
/// when a certificate has no subject alternative names.
const EMAIL_ADDRESS: &str = "1.2.840.113549.1.9.1";

/// One subtree this module judges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Base {
    /// An rfc822Name: a mailbox, a host, or `.domain`.
    Email(String),
    /// A uniformResourceIdentifier: a host or `.domain`.
    Uri(String),
}

impl Base {
    /// An e-mail address or URI name; `None` for a name of another form.
    fn of(name: &GeneralName<'_>) -> Option<Self> {
        match name {
            GeneralName::RFC822Name(name) => Some(Self::Email((*name).to_owned())),
            GeneralName::URI(name) => Some(Self::Uri((*name).to_owned())),
            _ => None,
        }
    }
}

/// A CA's name constraints, as far as this module judges them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Constraints {
    /// It has none.
    None,
    /// E-mail and URI subtrees only.
    Judged {
        permitted: Vec<Base>,
        excluded: Vec<Base>,
    },
    /// A form this module does not judge, or an extension that does not decode.
    NotJudged,
}

impl Constraints {
    /// The constraints `cert` carries.
    pub(super) fn of(cert: &X509Certificate<'_>) -> Self {
        let constraints = match cert.name_constraints() {
            Ok(None) => return Self::None,
            Ok(Some(extension)) => extension.value,
            Err(_) => return Self::NotJudged,
        };
        let read = |subtrees: &Option<Vec<GeneralSubtree<'_>>>| -> Option<Vec<Base>> {
            subtrees
                .iter()
                .flatten()
                .map(|subtree| Base::of(&subtree.base))
                .collect()
        };
        match (
            read(&constraints.permitted_subtrees),
            read(&constraints.excluded_subtrees),
        ) {
            // Empty subtrees constrain nothing (and are no feature webpki lacks).
            (Some(permitted), Some(excluded)) if permitted.is_empty() && excluded.is_empty() => {
                Self::None
            }
            (Some(permitted), Some(excluded)) => Self::Judged {
                permitted,
                excluded,
            },
            _ => Self::NotJudged,
        }
    }

    /// Whether a URI subtree is among them (Chrome's verifier refuses those too).
    pub(super) fn bind_uris(&self) -> bool {
        matches!(self, Self::Judged { permitted, excluded }
            if permitted.iter().chain(excluded).any(|base| matches!(base, Base::Uri(_))))
    }

    /// Whether the names of `cert` are inside these constraints: each e-mail address and URI is
    /// within a permitted subtree of its form (when there is one) and in no excluded one.
    pub(super) fn allow(&self, cert: &X509Certificate<'_>) -> bool {
        let Self::Judged {
            permitted,
            excluded,
        } = self
        else {
            return matches!(self, Self::None);
        };
        let Some(names) = names(cert) else {
            return false;
        };
        names.iter().all(|name| {
            let same_form: Vec<&Base> = permitted
                .iter()
                .filter(|base| std::mem::discriminant(*base) == std::mem::discriminant(name))
                .collect();
            (same_form.is_empty() || same_form.iter().any(|base| within(name, base)))
                && !excluded.iter().any(|base| within(name, base))
        })
    }
}

/// The e-mail addresses and URIs of `cert` (its SAN's, or its subject's emailAddress attributes
/// when it has no SAN); `None` when they cannot be read.
fn names(cert: &X509Certificate<'_>) -> Option<Vec<Base>> {
    match cert.subject_alternative_name() {
        Ok(Some(san)) => Some(
            san.value
                .general_names
                .iter()
                .filter_map(Base::of)
                .collect(),
        ),
        Ok(None) => cert
            .subject()
            .iter_attributes()
            .filter(|attribute| attribute.attr_type().to_id_string() == EMAIL_ADDRESS)
            .map(|attribute| {
                attribute
                    .as_str()
                    .ok()
                    .map(|name| Base::Email(name.to_owned()))
            })
            .collect(),
        Err(_) => None,
    }
}

/// Whether `name` lies within the subtree `base` of the same form.
fn within(name: &Base, base: &Base) -> bool {
    match (name, base) {
        (Base::Email(mailbox), Base::Email(base)) => email_within(mailbox, base),
        (Base::Uri(uri), Base::Uri(base)) => {
            uri_host(uri).is_some_and(|host| host_within(host, base))
        }
        _ => false,
    }
}

/// RFC 5280: `user@host` names one mailbox, `host` every mailbox at that host, `.domain` every
/// mailbox at a host under the domain. Host parts compare without case, local parts exactly.
fn email_within(mailbox: &str, base: &str) -> bool {
    let Some((local, host)) = mailbox.rsplit_once('@') else {
        return false;
    };
    match base.rsplit_once('@') {
        Some((base_local, base_host)) => {
            local == base_local && host.eq_ignore_ascii_case(base_host)
        }
        None => host_within(host, base),
    }
}

/// `host` is the host `base`, or lies under `.domain`.
fn host_within(host: &str, base: &str) -> bool {
    if base.starts_with('.') {
        host.len() > base.len()
            && host
                .get(host.len() - base.len()..)
                .is_some_and(|tail| tail.eq_ignore_ascii_case(base))
    } else {
        host.eq_ignore_ascii_case(base)
    }
}

/// The host of a URI's authority (`scheme://[userinfo@]host[:port]/…`); `None` when it has none,
/// which a URI constraint refuses (RFC 5280 §4.2.1.10).
fn uri_host(uri: &str) -> Option<&str> {
    let (_, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = host_port
        .rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map_or(host_port, |(host, _)| host);
    (!host.is_empty() && !host.starts_with('[')).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailboxes_hosts_and_domains_match_as_rfc_5280_says() {
        assert!(email_within("a@mail.example.gov", ".example.gov"));
        assert!(!email_within("a@example.gov", ".example.gov"));
        assert!(email_within("a@Example.gov", "example.gov"));
        assert!(!email_within("a@mail.example.gov", "example.gov"));
        assert!(email_within("a@example.gov", "a@EXAMPLE.gov"));
        assert!(!email_within("A@example.gov", "a@example.gov"));
        assert!(!email_within("no-at-sign", "example.gov"));
    }

    #[test]
    fn uris_are_judged_by_their_host() {
        assert_eq!(
            uri_host("http://u@host.example:8080/x"),
            Some("host.example")
        );
        assert_eq!(uri_host("urn:isbn:123"), None);
        assert!(within(
            &Base::Uri("http://www.example.gov/i.html".into()),
            &Base::Uri(".example.gov".into())
        ));
        assert!(!within(
            &Base::Uri("http://example.gov/".into()),
            &Base::Uri(".example.gov".into())
        ));
        assert!(!within(
            &Base::Uri("http://evilexample.gov/".into()),
            &Base::Uri(".example.gov".into())
        ));
    }
}
