//! Known interception products and the certificate-name keywords that identify them
//! (data/interception-products.csv, embedded).

use serde::Serialize;

const PRODUCTS: &str = include_str!("../../data/interception-products.csv");

/// A product identified by a keyword in a certificate name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductMatch {
    /// The product.
    pub product: String,
    /// The keyword found.
    pub keyword: String,
}

/// The first product whose keyword appears (case-insensitively) in any of `names`.
pub fn identify_product<'a>(
    names: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<ProductMatch> {
    for line in PRODUCTS.lines().skip(1) {
        let Some((product, keywords)) = line.split_once(',') else {
            continue;
        };
        for keyword in keywords.split(';').map(str::trim).filter(|k| !k.is_empty()) {
            let needle = keyword.to_ascii_lowercase();
            if names
                .clone()
                .into_iter()
                .any(|name| name.to_ascii_lowercase().contains(&needle))
            {
                return Some(ProductMatch {
                    product: product.to_owned(),
                    keyword: keyword.to_owned(),
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_are_identified_by_their_names() {
        let cases: &[(&[&str], Option<&str>)] = &[
            (
                &[
                    "Created by http://www.fiddler2.com",
                    "DO_NOT_TRUST",
                    "DO_NOT_TRUST_FiddlerRoot",
                ],
                Some("Fiddler Classic"),
            ),
            (&["CN=mitmproxy, O=mitmproxy"], Some("mitmproxy")),
            (
                &["CN=Zscaler Intermediate Root CA (zscaler.net)"],
                Some("Zscaler"),
            ),
            (&["US", "Google Inc", "Google Internet Authority G2"], None),
            (&["CN=WR2, O=Google Trust Services"], None),
        ];
        for (names, want) in cases {
            let found = identify_product(names.iter().copied()).map(|m| m.product);
            assert_eq!(found.as_deref(), *want, "{names:?}");
        }
    }
}
