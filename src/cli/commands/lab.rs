//! `lab`: run the scenario servers in the foreground and print, per scenario, the exact command
//! that checks it; or `lab gen-certs DIR` to write the test PKI.

use std::io::Write;
use std::time::Duration;

use tlsinspect::chain::encode_pem;
use tlsinspect::lab::{Lab, LabPki, Scenario, write_testcerts};

use crate::cli::args::{LabAction, LabArgs};
use crate::cli::{CliError, Exit};

pub(crate) fn run(args: &LabArgs) -> Result<Exit, CliError> {
    if let Some(LabAction::GenCerts { dir }) = &args.action {
        let pki = LabPki::generate().map_err(tlsinspect::Error::from)?;
        write_testcerts(&pki, dir).map_err(tlsinspect::Error::from)?;
        eprintln!("tlsinspect: wrote the lab PKI to {}", dir.display());
        return Ok(Exit::Clean);
    }
    let lab = Lab::start().map_err(tlsinspect::Error::from)?;
    let dir = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("tlsinspect-lab-{}", std::process::id()))
    });
    let root = dir.join("lab-root.pem");
    let write_error = |source| tlsinspect::Error::Write {
        path: root.clone(),
        source,
    };
    std::fs::create_dir_all(&dir).map_err(write_error)?;
    std::fs::write(&root, encode_pem(&lab.pki.root.der)).map_err(write_error)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "tlsinspect lab: {} scenarios on 127.0.0.1; lab root in {}",
        Scenario::ALL.len(),
        root.display()
    )?;
    writeln!(stdout, "AIA server on {}", lab.aia_addr())?;
    for scenario in Scenario::ALL {
        let addr = lab
            .addr(scenario)
            .map(|addr| addr.to_string())
            .unwrap_or_default();
        let expected = scenario
            .expected()
            .map(|code| code.as_str())
            .unwrap_or("no finding");
        writeln!(
            stdout,
            "\n{} on {addr} (expected: {expected})",
            scenario.name()
        )?;
        writeln!(stdout, "  {}", lab.check_command(scenario, &root))?;
    }
    writeln!(stdout, "\nPress Ctrl-C to stop.")?;
    stdout.flush()?;
    drop(stdout);
    match args.duration {
        Some(secs) => std::thread::sleep(Duration::from_secs(secs)),
        None => loop {
            std::thread::sleep(Duration::from_secs(3600));
        },
    }
    drop(lab);
    Ok(Exit::Clean)
}
