//! Known interception products and the certificate-name keywords that identify them
//! (data/interception-products.csv, embedded).

use serde::Serialize;

use crate::csv::load;

const PRODUCTS: &str = include_str!("../../data/interception-products.csv");

/// A product identified by a keyword in a certificate name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ProductMatch {
    /// The product.
    pub product: String,
    /// The keyword found.
    pub keyword: String,
}

/// A product's keyword, with its lower-case form for matching.
struct Keyword {
    product: String,
    keyword: String,
    lower: String,
}

/// The table, read once: products in file order, each keyword in its row's order.
fn keywords() -> &'static [Keyword] {
    static TABLE: std::sync::OnceLock<Vec<Keyword>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        load("interception-products.csv", PRODUCTS, |fields| {
            let [product, keywords] = fields else {
                return None;
            };
            let keywords: Vec<Keyword> = keywords
                .split(';')
                .map(str::trim)
                .filter(|keyword| !keyword.is_empty())
                .map(|keyword| Keyword {
                    product: product.clone(),
                    keyword: keyword.to_owned(),
                    lower: keyword.to_ascii_lowercase(),
                })
                .collect();
            (!keywords.is_empty()).then_some(keywords)
        })
        .into_iter()
        .flatten()
        .collect()
    })
}

/// The first product whose keyword appears (case-insensitively) in any of `names`.
pub fn identify_product<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<ProductMatch> {
    let names: Vec<String> = names.into_iter().map(str::to_ascii_lowercase).collect();
    keywords()
        .iter()
        .find(|entry| names.iter().any(|name| name.contains(&entry.lower)))
        .map(|entry| ProductMatch {
            product: entry.product.clone(),
            keyword: entry.keyword.clone(),
        })
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
