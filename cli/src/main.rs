//! The `wasi-host` command. It lives in its own crate so that embedders of the `wasi-host`
//! library never build the command line (clap and the rest of the `cli` feature); everything
//! it does is in `wasi_host::cli`.

fn main() -> std::process::ExitCode {
    wasi_host::cli::main()
}
