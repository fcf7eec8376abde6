use clap::Parser;
use perfopt::cli::{Cli, Command};
use perfopt::commands;

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Check(args) => commands::check(args),
        Command::Fix(args) => commands::fix(args),
        Command::Rules { format } => commands::rules(*format),
        Command::Explain { code } => commands::explain(code),
        Command::Clean => commands::clean(),
        Command::Batch(args) => commands::batch(args),
        Command::Report { selection, format } => commands::report(selection, *format),
        Command::Apply { plan } => commands::apply(plan),
    };
    let code = match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            2
        }
    };
    std::process::exit(code);
}
