//! The `wasi-host` command, built inside the tests crate so integration tests can run it
//! through `env!("CARGO_BIN_EXE_wasi-host-under-test")`.

fn main() -> std::process::ExitCode {
    wasi_host::cli::main()
}
