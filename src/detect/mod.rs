//! Detection rules shared by live checks and trace-log analysis: identification of interception
//! products by certificate names, the interception verdict on a chain, and the clock-skew
//! verdict across endpoints (a hint, never a verdict on its own: the article
//! warns that the "Certificate details" text is easy to forge).

mod across;
mod clock;
mod ipranges;
mod mitm;
mod peer;
mod products;

pub use across::{Amendment, RunFacts, assess_across, in_run_order};
pub use clock::{SKEW_THRESHOLD_SECONDS, TimeSample};
pub use ipranges::{AddressClass, IpRanges};
pub use mitm::{interception, judge_chain, strengthen};
pub use peer::{GOOGLE_REVERSE_DOMAIN, address_signal, fresh_leaf_signal};
pub use products::{ProductMatch, identify_product};
