//! The `wasi-host` command; everything it does lives in [`wasi_host::cli`].

fn main() -> std::process::ExitCode {
    wasi_host::cli::main()
}
