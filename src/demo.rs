//! `demo`: start the lab in-process, check every scenario with the real inspector, and compare
//! each headline with what the scenario expects. Nothing leaves 127.0.0.1: names resolve through
//! an empty static resolver and every connection goes through `--connect-to` rules.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::error::Error;
use crate::finding::FindingCode;
use crate::inspector::{Inspector, InspectorConfig, PinPolicy};
use crate::lab::{Lab, Scenario};
use crate::net::{NetOptions, StaticResolver};
use crate::pins::Pins;
use crate::profile::workspace;
use crate::report::EndpointReport;
use crate::validate::{AnchorSet, Anchors};

/// One demo line.
#[derive(Debug, Clone)]
pub struct DemoRow {
    /// The scenario.
    pub scenario: Scenario,
    /// What it should be diagnosed as.
    pub expected: Option<FindingCode>,
    /// What the check said.
    pub got: Option<FindingCode>,
    /// The full endpoint report.
    pub endpoint: EndpointReport,
}

impl DemoRow {
    /// Whether the diagnosis is the expected one.
    pub fn matched(&self) -> bool {
        self.expected == self.got
    }
}

/// Runs every lab scenario through the inspector.
pub async fn run_demo(clock: Arc<dyn Clock>) -> Result<Vec<DemoRow>, Error> {
    let lab = Lab::start()?;
    let lab_error = |source| Error::Certificates {
        path: "lab anchors".into(),
        source,
    };
    let pins = Pins::from_pem(lab.anchors_pem(Scenario::Good).as_bytes()).map_err(lab_error)?;
    let mut rows = Vec::new();
    for scenario in Scenario::ALL {
        let connect_to = lab
            .connect_to(scenario)
            .iter()
            .map(|rule| rule.parse())
            .collect::<Result<Vec<_>, _>>()?;
        let https_proxy = lab
            .proxy(scenario)
            .map(|addr| format!("http://{addr}").parse())
            .transpose()?;
        let anchors =
            AnchorSet::from_pem(lab.anchors_pem(scenario).as_bytes()).map_err(lab_error)?;
        let config = InspectorConfig {
            net: NetOptions {
                connect_to,
                https_proxy,
                timeout: Duration::from_secs(5),
                ..NetOptions::default()
            },
            anchors: Anchors::only(anchors),
            pins: PinPolicy::Pins(pins.clone()),
            profile: workspace(),
            at: scenario.clock_offset().map(|offset| clock.now() + offset),
            concurrency: 2,
            ip_ranges: crate::detect::IpRanges::builtin(),
            revocation: crate::revocation::RevocationOptions::default(),
        };
        let targets = lab
            .targets(scenario)
            .iter()
            .map(|target| target.parse::<crate::Target>())
            .collect::<Result<Vec<_>, _>>()?;
        let inspector = Inspector::new(
            config,
            Arc::new(StaticResolver::empty()),
            Arc::clone(&clock),
        );
        let report = inspector.check(targets, None).await;
        // The first target is the lab host; the others only supply evidence.
        let Some(endpoint) = report.endpoints.into_iter().next() else {
            continue;
        };
        rows.push(DemoRow {
            scenario,
            expected: scenario.expected(),
            got: endpoint.headline,
            endpoint,
        });
    }
    Ok(rows)
}
