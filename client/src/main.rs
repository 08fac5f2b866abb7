//! `kizuna`: the command-line client. Everything is in [`kizuna_client::cli`].

fn main() -> std::process::ExitCode {
    kizuna_client::cli::main()
}
