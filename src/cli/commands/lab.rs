//! `lab`: run the scenario servers in the foreground and print, per scenario, the exact command
//! that checks it; or `lab gen-certs DIR` to write the test PKI.

use std::io::Write;

use tlsinspect::clock::{Clock, SystemClock};
use tlsinspect::lab::{Lab, LabPki, Scenario, write_testcerts};

use crate::cli::args::{LabAction, LabArgs};
use crate::cli::{CliError, Exit};

pub(crate) fn run(args: &LabArgs) -> Result<Exit, CliError> {
    if let Some(LabAction::GenCerts { dir }) = &args.action {
        let pki = LabPki::generate().map_err(tlsinspect::Error::from)?;
        write_testcerts(&pki, dir).map_err(tlsinspect::Error::from)?;
        crate::cli::say(&format!(
            "tlsinspect: wrote the lab PKI to {}",
            dir.display()
        ));
        return Ok(Exit::Clean);
    }
    let lab = Lab::start().map_err(tlsinspect::Error::from)?;
    let dir = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("tlsinspect-lab-{}", std::process::id()))
    });
    lab.write_anchors(&dir).map_err(tlsinspect::Error::from)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "tlsinspect lab: {} scenarios on 127.0.0.1; anchors in {}",
        Scenario::ALL.len(),
        dir.display()
    )?;
    writeln!(stdout, "AIA and CRL server on {}", lab.aia_addr())?;
    writeln!(stdout, "OCSP responder on {}", lab.ocsp_addr())?;
    writeln!(
        stdout,
        "Fiddler-like proxy forging even for invalid upstreams on {}",
        lab.fiddler_always_addr()
    )?;
    for scenario in Scenario::ALL {
        let addr = lab
            .addr(scenario)
            .map(|addr| addr.to_string())
            .unwrap_or_default();
        let via = lab
            .proxy(scenario)
            .map(|proxy| format!(" via proxy {proxy}"))
            .unwrap_or_default();
        let expected = scenario
            .expected()
            .map(|code| code.as_str())
            .unwrap_or("no finding");
        writeln!(
            stdout,
            "\n{} on {addr}{via} (expected: {expected})",
            scenario.name()
        )?;
        writeln!(
            stdout,
            "  {}",
            lab.check_command(scenario, &dir, SystemClock.now())
        )?;
    }
    writeln!(stdout, "\nPress Ctrl-C to stop.")?;
    stdout.flush()?;
    drop(stdout);
    super::run_for(args.duration);
    drop(lab);
    Ok(Exit::Clean)
}
