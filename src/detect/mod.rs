//! Detection rules shared by live checks and trace-log analysis: identification of interception
//! products by certificate names, and the interception verdict on a chain (a hint, never a verdict on its own: the article
//! warns that the "Certificate details" text is easy to forge).

mod mitm;
mod products;

pub use mitm::interception;
pub use products::{ProductMatch, identify_product};
