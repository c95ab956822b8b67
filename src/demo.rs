//! `demo`: start the lab in-process, check every scenario with the real inspector, and compare
//! each headline with what the scenario expects; then audit the lab's own proxies with
//! `audit-proxy` and compare each verdict with the one expected. Nothing leaves 127.0.0.1: names
//! resolve through an empty static resolver and every connection goes through `--connect-to`
//! rules.

use std::sync::Arc;
use std::time::Duration;

use crate::audit::inline::OriginsAt;
use crate::audit::{AuditReport, AuditRequest, ViaProxy, audit_proxy, audit_transparent};
use crate::chain::encode_pem;
use crate::check::{Inspector, InspectorConfig, PinPolicy};
use crate::clock::Clock;
use crate::error::Error;
use crate::finding::FindingCode;
use crate::lab::audit::{AuditLab, AuditRoot};
use crate::lab::{
    FiddlerCa, ForgeMode, Lab, Scenario, inline_box, intercepting_proxy, tunnel_proxy,
};
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

/// How a demo line names a headline: its code, or `no finding`.
pub fn headline_name(code: Option<FindingCode>) -> &'static str {
    code.map_or("no finding", FindingCode::as_str)
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

/// One `audit-proxy` demo line.
#[derive(Debug, Clone)]
pub struct AuditDemoRow {
    /// The proxy audited.
    pub name: &'static str,
    /// The verdict it should get ([`crate::audit::Verdict::word`]).
    pub expected: &'static str,
    /// The audit.
    pub report: AuditReport,
}

impl AuditDemoRow {
    /// The verdict it got.
    pub fn got(&self) -> &'static str {
        self.report.verdict.word()
    }

    /// Whether the verdict is the expected one.
    pub fn matched(&self) -> bool {
        self.got() == self.expected
    }
}

/// Audits the lab's proxies: the Fiddler-like proxy checking upstreams against the audit root
/// (B: it does not check revocation), the same proxy forging for any upstream (F), and a plain
/// tunnel (not intercepting). The Fiddler-like root is what "this machine" trusts.
pub async fn run_audit_demo(clock: Arc<dyn Clock>) -> Result<Vec<AuditDemoRow>, Error> {
    let now = clock.now();
    let root = AuditRoot::ephemeral(now)?;
    let fiddler_ca = Arc::new(FiddlerCa::generate()?);
    let anchors =
        AnchorSet::from_pem(encode_pem(&fiddler_ca.der).as_bytes()).map_err(|source| {
            Error::Certificates {
                path: "lab anchors".into(),
                source,
            }
        })?;
    let proxies = [
        (
            "audit-fiddler-strict",
            intercepting_proxy(Arc::clone(&fiddler_ca), root.der.clone(), ForgeMode::Strict)?,
            "B",
        ),
        (
            "audit-fiddler-always",
            intercepting_proxy(Arc::clone(&fiddler_ca), root.der.clone(), ForgeMode::Always)?,
            "F",
        ),
        ("audit-tunnel", tunnel_proxy()?, "not intercepting"),
    ];
    let mut rows = Vec::new();
    for (name, proxy, expected) in proxies {
        let request = AuditRequest {
            anchors: Anchors::only(anchors.clone()),
            timeout: Duration::from_secs(5),
            concurrency: 4,
            resolver: Arc::new(StaticResolver::empty()),
            clock: Arc::clone(&clock),
        };
        let via = ViaProxy {
            proxy: format!("http://{}", proxy.addr()).parse()?,
            listen: std::net::IpAddr::from([127, 0, 0, 1]),
            connect_by_name: false,
        };
        let report = audit_proxy(&request, &via, &root, now).await?;
        rows.push(AuditDemoRow {
            name,
            expected,
            report,
        });
    }
    // An inline box: the same strict interception with no CONNECT, in front of the origins an
    // `audit-proxy serve` would run; this machine connects straight to it.
    let lab = AuditLab::start(&root, std::net::IpAddr::from([127, 0, 0, 1]), now)?;
    let origins_addr = lab.addr();
    let inline = inline_box(
        Arc::clone(&fiddler_ca),
        root.der.clone(),
        ForgeMode::Strict,
        origins_addr,
    )?;
    let origins = OriginsAt {
        host: crate::target::Host::Ip(inline.addr().ip()),
        port: inline.addr().port(),
        http_port: lab.http_addr().port(),
        connect_to: Vec::new(),
    };
    let request = AuditRequest {
        anchors: Anchors::only(anchors),
        timeout: Duration::from_secs(5),
        concurrency: 4,
        resolver: Arc::new(StaticResolver::empty()),
        clock: Arc::clone(&clock),
    };
    rows.push(AuditDemoRow {
        name: "audit-inline-strict",
        expected: "B",
        report: audit_transparent(&request, &origins, &root.domain, now).await?,
    });
    Ok(rows)
}
