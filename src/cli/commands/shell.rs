//! `completions` and `man`: shell completion scripts (clap_complete) and the manual page
//! (clap_mangen), both generated from the same clap definitions as `--help`.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::args::Cli;
use crate::cli::config::write_stdout;
use crate::cli::{CliError, Exit};

/// Writes the completion script for `shell` on stdout.
pub(crate) fn completions(shell: clap_complete::Shell) -> Result<Exit, CliError> {
    let mut command = Cli::command();
    // Generated into memory: clap_complete panics when its writer fails (a full disk).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "tlsinspect", &mut script);
    write_stdout(&script).map_err(CliError::Output)?;
    Ok(Exit::Clean)
}

/// Writes the manual page, with a section per subcommand, on stdout.
pub(crate) fn man() -> Result<Exit, CliError> {
    let command = Cli::command();
    let mut page = Vec::new();
    let man = clap_mangen::Man::new(command.clone());
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        let name = sub.get_name();
        writeln!(
            page,
            ".SH \"{}\"",
            format!("TLSINSPECT {name}").to_uppercase()
        )?;
        let sub = sub.clone().bin_name(format!("tlsinspect {name}"));
        let sub_man = clap_mangen::Man::new(sub);
        sub_man.render_synopsis_section(&mut page)?;
        sub_man.render_description_section(&mut page)?;
        sub_man.render_options_section(&mut page)?;
    }
    man.render_extra_section(&mut page)?;
    man.render_version_section(&mut page)?;
    write_stdout(&page).map_err(CliError::Output)?;
    Ok(Exit::Clean)
}
