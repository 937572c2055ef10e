//! Checks the arguments and environment the test passes (see tests/tests/args_env.rs); exits
//! with the line number of the first failed check, 0 when all pass. Prints nothing, so it
//! depends on no call but args/environ and proc_exit.

macro_rules! check {
    ($cond:expr) => {
        if !$cond {
            std::process::exit(line!() as i32);
        }
    };
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    check!(args.len() == 4);
    // The program as named: a file name in-process, the path given on the command line.
    check!(args[0].ends_with("args_env.wasm"));
    check!(args[1] == "one");
    check!(args[2] == "two words");
    check!(args[3] == "ünïcödé");
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    check!(vars.len() == 3);
    check!(vars[0] == ("EMPTY".to_string(), String::new()));
    check!(vars[1] == ("FOO".to_string(), "bar=baz".to_string()));
    check!(vars[2] == ("LONG".to_string(), "x".repeat(10_000)));
    check!(std::env::var("MISSING").is_err());
    std::process::exit(0);
}
