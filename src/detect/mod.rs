//! Detection rules shared by live checks and trace-log analysis. For now: identification of
//! interception products by certificate names (a hint, never a verdict on its own: the article
//! warns that the "Certificate details" text is easy to forge).

mod products;

pub use products::{ProductMatch, identify_product};
