//! The option groups `-S`, `-W`, `-C` and `-O`: each takes `KEY[=VALUE]` items, several to an
//! argument when separated by commas, as `wasmtime run` accepts them.

use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

/// What the option groups and their long aliases set. Defaults are the values without any
/// option given.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// `-S inherit-env`: pass every host environment variable to the guest.
    pub inherit_env: bool,
    /// `-S tcplisten=ADDR`, repeatable: TCP listeners to preopen.
    pub tcplisten: Vec<String>,
    /// `-S inherit-network`: the WasmEdge socket calls may use the network freely.
    pub inherit_network: bool,
    /// `-S allow-ip-name-lookup`: `sock_getaddrinfo` may resolve names.
    pub allow_ip_name_lookup: bool,
    /// `-C cache=y|n`: use the compile cache (on by default).
    pub cache: bool,
    /// `-C cache-dir=DIR`: where the compile cache lives.
    pub cache_dir: Option<PathBuf>,
    /// `-C compiler=cranelift|winch`.
    pub compiler: Compiler,
    /// `-O opt-level=0|1|2|s`; `None` leaves wasmtime's default (speed).
    pub opt_level: Option<OptLevel>,
    /// `-W max-memory-size=BYTES`: the most bytes one linear memory may grow to.
    pub max_memory_size: Option<u64>,
    /// `-W max-wasm-stack=BYTES`: the native stack wasm code may use.
    pub max_wasm_stack: Option<usize>,
    /// `-W fuel=N`: the fuel the guest starts with; each instruction costs about one.
    pub fuel: Option<u64>,
    /// `-W timeout=DURATION`: the wall-clock time the guest may run.
    pub timeout: Option<Duration>,
    /// `-S threads` / `-W threads`: `Some(false)` refuses wasi-threads modules, `Some(true)`
    /// enables the threads proposal in the engine whatever the module.
    pub threads: Option<bool>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            inherit_env: false,
            tcplisten: Vec::new(),
            inherit_network: false,
            allow_ip_name_lookup: false,
            cache: true,
            cache_dir: None,
            compiler: Compiler::Cranelift,
            opt_level: None,
            max_memory_size: None,
            max_wasm_stack: None,
            threads: None,
            fuel: None,
            timeout: None,
        }
    }
}

/// The code generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compiler {
    /// Cranelift, the optimising compiler (the default).
    Cranelift,
    /// Winch, the baseline compiler: compiles faster, runs slower.
    Winch,
}

/// Cranelift's optimisation level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptLevel {
    /// `0`: no optimisation.
    None,
    /// `1` or `2`: optimise for speed (Cranelift has no separate level 1).
    Speed,
    /// `s`: optimise for speed and size.
    SpeedAndSize,
}

/// A wrong option-group item.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum OptionError {
    /// The key is not one of the group's.
    #[error("unknown option `-{group} {key}` (known: {known})")]
    UnknownKey {
        /// `S`, `W`, `C` or `O`.
        group: char,
        /// The key as given.
        key: String,
        /// The group's keys.
        known: &'static str,
    },
    /// The key needs a value and has none.
    #[error("`-{group} {key}` needs a value: `-{group} {key}={what}`")]
    MissingValue {
        /// The group.
        group: char,
        /// The key.
        key: &'static str,
        /// What the value looks like.
        what: &'static str,
    },
    /// The value does not parse.
    #[error("bad value `{value}` for `-{group} {key}`: expected {expected}")]
    BadValue {
        /// The group.
        group: char,
        /// The key.
        key: &'static str,
        /// The value as given.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
}

const S_KEYS: &str = "inherit-env, tcplisten, inherit-network, allow-ip-name-lookup, threads";
const W_KEYS: &str = "max-memory-size, max-wasm-stack, fuel, timeout, threads";
const C_KEYS: &str = "cache, cache-dir, compiler";
const O_KEYS: &str = "opt-level";

impl Settings {
    /// Applies one `-GROUP ARG` (ARG holding one or more comma-separated items).
    pub fn apply(&mut self, group: char, arg: &str) -> Result<(), OptionError> {
        let mut rest = arg;
        while !rest.is_empty() {
            let (key, value, after) = next_item(rest);
            rest = after;
            if key.is_empty() {
                continue;
            }
            self.apply_one(group, key, value)?;
        }
        Ok(())
    }

    fn apply_one(
        &mut self,
        group: char,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), OptionError> {
        match (group, key) {
            ('S', "inherit-env") => self.inherit_env = boolean(group, "inherit-env", value)?,
            ('S', "inherit-network") => {
                self.inherit_network = boolean(group, "inherit-network", value)?
            }
            ('S', "allow-ip-name-lookup") => {
                self.allow_ip_name_lookup = boolean(group, "allow-ip-name-lookup", value)?
            }
            ('S', "tcplisten") => self
                .tcplisten
                .push(required(group, "tcplisten", value, "ADDR")?.to_string()),
            // As `wasmtime run -S threads -W threads`: a wasi-threads module runs threaded
            // without them; `n` refuses one.
            ('S' | 'W', "threads") => self.threads = Some(boolean(group, "threads", value)?),
            ('C', "cache") => self.cache = boolean(group, "cache", value)?,
            ('C', "cache-dir") => {
                self.cache_dir = Some(PathBuf::from(required(group, "cache-dir", value, "DIR")?))
            }
            ('C', "compiler") => {
                self.compiler = match required(group, "compiler", value, "cranelift|winch")? {
                    "cranelift" => Compiler::Cranelift,
                    "winch" => Compiler::Winch,
                    other => return Err(bad(group, "compiler", other, "`cranelift` or `winch`")),
                }
            }
            ('O', "opt-level") => {
                self.opt_level = Some(match required(group, "opt-level", value, "0|1|2|s")? {
                    "0" => OptLevel::None,
                    "1" | "2" => OptLevel::Speed,
                    "s" => OptLevel::SpeedAndSize,
                    other => return Err(bad(group, "opt-level", other, "0, 1, 2 or s")),
                })
            }
            ('W', "max-memory-size") => {
                let v = required(group, "max-memory-size", value, "BYTES")?;
                self.max_memory_size = Some(bytes(v).ok_or_else(|| {
                    bad(
                        group,
                        "max-memory-size",
                        v,
                        "a size in bytes (suffix K, M or G allowed)",
                    )
                })?);
            }
            ('W', "max-wasm-stack") => {
                let v = required(group, "max-wasm-stack", value, "BYTES")?;
                let n = bytes(v)
                    .and_then(|n| usize::try_from(n).ok())
                    .filter(|&n| n > 0)
                    .ok_or_else(|| {
                        bad(
                            group,
                            "max-wasm-stack",
                            v,
                            "a size in bytes above 0 (suffix K, M or G allowed)",
                        )
                    })?;
                self.max_wasm_stack = Some(n);
            }
            ('W', "fuel") => {
                let v = required(group, "fuel", value, "N")?;
                self.fuel = Some(
                    v.parse()
                        .map_err(|_| bad(group, "fuel", v, "a whole number"))?,
                );
            }
            ('W', "timeout") => {
                let v = required(group, "timeout", value, "DURATION")?;
                self.timeout = Some(duration(v).ok_or_else(|| {
                    bad(group, "timeout", v, "a duration above 0 such as `500ms`, `2s`, `1m` or `1h` (a bare number is seconds)")
                })?);
            }
            _ => {
                let known = match group {
                    'S' => S_KEYS,
                    'W' => W_KEYS,
                    'C' => C_KEYS,
                    _ => O_KEYS,
                };
                return Err(OptionError::UnknownKey {
                    group,
                    key: key.to_string(),
                    known,
                });
            }
        }
        Ok(())
    }
}

/// Splits the first item off `s`: its key, its value, and what follows the comma after it.
/// A `cache-dir` value runs to the end of the argument, so that a path may hold commas.
fn next_item(s: &str) -> (&str, Option<&str>, &str) {
    let end = s.find([',', '=']).unwrap_or(s.len());
    let key = &s[..end];
    match s[end..].chars().next() {
        None => (key, None, ""),
        Some(',') => (key, None, &s[end + 1..]),
        Some(_) => {
            let value = &s[end + 1..];
            if key == "cache-dir" {
                return (key, Some(value), "");
            }
            match value.find(',') {
                Some(comma) => (key, Some(&value[..comma]), &value[comma + 1..]),
                None => (key, Some(value), ""),
            }
        }
    }
}

fn bad(group: char, key: &'static str, value: &str, expected: &'static str) -> OptionError {
    OptionError::BadValue {
        group,
        key,
        value: value.to_string(),
        expected,
    }
}

fn required<'a>(
    group: char,
    key: &'static str,
    value: Option<&'a str>,
    what: &'static str,
) -> Result<&'a str, OptionError> {
    value
        .filter(|v| !v.is_empty())
        .ok_or(OptionError::MissingValue { group, key, what })
}

/// A boolean as wasmtime spells them; the key alone means yes.
fn boolean(group: char, key: &'static str, value: Option<&str>) -> Result<bool, OptionError> {
    match value {
        None | Some("y" | "yes" | "true") => Ok(true),
        Some("n" | "no" | "false") => Ok(false),
        Some(other) => Err(bad(group, key, other, "y, n, yes, no, true or false")),
    }
}

/// A byte count: digits, optionally followed by K, M or G (binary multiples).
fn bytes(s: &str) -> Option<u64> {
    let (digits, shift) = match s.as_bytes().last()? {
        b'K' | b'k' => (&s[..s.len() - 1], 10),
        b'M' | b'm' => (&s[..s.len() - 1], 20),
        b'G' | b'g' => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    let n: u64 = digits.parse().ok()?;
    n.checked_mul(1u64 << shift)
}

/// A duration above zero: digits with a unit `ms`, `s`, `m` or `h`; bare digits are seconds.
fn duration(s: &str) -> Option<Duration> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n: u64 = s[..split].parse().ok()?;
    let d = match &s[split..] {
        "ms" => Duration::from_millis(n),
        "" | "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.checked_mul(60)?),
        "h" => Duration::from_secs(n.checked_mul(3600)?),
        _ => return None,
    };
    (!d.is_zero()).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(items: &[(char, &str)]) -> Result<Settings, OptionError> {
        let mut s = Settings::default();
        for (group, arg) in items {
            s.apply(*group, arg)?;
        }
        Ok(s)
    }

    #[test]
    fn network_keys() {
        let s = settings(&[('S', "inherit-network,allow-ip-name-lookup=y")]).unwrap();
        assert!(s.inherit_network && s.allow_ip_name_lookup);
        let s = settings(&[('S', "inherit-network=n")]).unwrap();
        assert!(!s.inherit_network && !s.allow_ip_name_lookup);
        assert!(settings(&[('S', "inherit-network=maybe")]).is_err());
        assert!(settings(&[('W', "inherit-network")]).is_err());
    }

    #[test]
    fn booleans_and_comma_lists() {
        let s = settings(&[('S', "inherit-env"), ('C', "cache=n")]).unwrap();
        assert!(s.inherit_env && !s.cache);
        for yes in ["y", "yes", "true"] {
            assert!(
                settings(&[('S', &format!("inherit-env={yes}"))])
                    .unwrap()
                    .inherit_env
            );
        }
        for no in ["n", "no", "false"] {
            assert!(!settings(&[('C', &format!("cache={no}"))]).unwrap().cache);
        }
        let s = settings(&[('W', "fuel=10,timeout=2s,max-memory-size=64K,threads=y")]).unwrap();
        assert_eq!(s.fuel, Some(10));
        assert_eq!(s.timeout, Some(Duration::from_secs(2)));
        assert_eq!(s.max_memory_size, Some(65536));
        let s = settings(&[('S', "tcplisten=127.0.0.1:0,tcplisten=[::1]:0")]).unwrap();
        assert_eq!(s.tcplisten, ["127.0.0.1:0", "[::1]:0"]);
        // A cache directory may hold commas: its value runs to the end of the argument.
        let s = settings(&[('C', "cache=y,cache-dir=/tmp/a,b")]).unwrap();
        assert_eq!(s.cache_dir, Some(PathBuf::from("/tmp/a,b")));
    }

    #[test]
    fn values_parse() {
        let s = settings(&[('O', "opt-level=s"), ('C', "compiler=winch")]).unwrap();
        assert_eq!(
            (s.opt_level, s.compiler),
            (Some(OptLevel::SpeedAndSize), Compiler::Winch)
        );
        assert_eq!(
            settings(&[('O', "opt-level=0")]).unwrap().opt_level,
            Some(OptLevel::None)
        );
        assert_eq!(duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(duration("3"), Some(Duration::from_secs(3)));
        assert_eq!(duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(duration("0s"), None);
        assert_eq!(duration("2 s"), None);
        assert_eq!(bytes("2M"), Some(2 << 20));
        assert_eq!(bytes("99999999999G"), None);
        assert_eq!(bytes("-1"), None);
    }

    #[test]
    fn mistakes_are_named() {
        let e = settings(&[('W', "bogus=1")]).unwrap_err();
        assert!(matches!(e, OptionError::UnknownKey { group: 'W', ref key, .. } if key == "bogus"));
        assert!(e.to_string().contains("-W bogus"), "{e}");
        // A key of another group is unknown in this one.
        assert!(settings(&[('S', "fuel=1")]).is_err());
        let e = settings(&[('C', "cache=maybe")]).unwrap_err();
        assert!(e.to_string().contains("`maybe`"), "{e}");
        assert!(settings(&[('W', "fuel")]).is_err());
        assert!(settings(&[('W', "fuel=-3")]).is_err());
        assert!(settings(&[('W', "max-wasm-stack=0")]).is_err());
        assert!(settings(&[('O', "opt-level=3")]).is_err());
        assert!(settings(&[('C', "compiler=llvm")]).is_err());
        assert!(settings(&[('C', "cache-dir=")]).is_err());
    }
}
