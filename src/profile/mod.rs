//! Built-in endpoint profiles. `workspace` is the default job: every URL of Step 2 of Google's
//! "Network traffic issues — Google Workspace Sync for Microsoft Outlook" article.

mod workspace;

pub use workspace::{WORKSPACE_ENDPOINTS, workspace};

use crate::target::{Host, Target};

/// A named list of endpoints whose chains must end at expected roots.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The profile's name.
    pub name: &'static str,
    /// Its endpoints, in the article's order.
    pub targets: Vec<Target>,
}

impl Profile {
    /// Whether `host` is one of the profile's hosts (pins apply to it, whoever asked for it).
    pub(crate) fn covers(&self, host: &Host) -> bool {
        self.targets.iter().any(|target| &target.host == host)
    }
}
