//! What a run is asked to do and what it reports.

use std::fmt;
use std::time::Duration;

use wasmtime::Val;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Every choice follows from it.
    pub seed: u64,
    /// Stop after this many calls.
    pub calls: Option<u64>,
    /// Stop after this much time.
    pub duration: Option<Duration>,
    /// Run only instance number `n` of the seed, printing each of its calls: every instance
    /// starts from a fresh sandbox and a generator seeded by the run's seed and its number,
    /// so this replays a finding without the calls before it.
    pub instance: Option<u64>,
    /// A call running longer than this is a hang.
    pub hang: Duration,
}

impl Options {
    /// `calls` calls from `seed`, every instance, a 10-second hang limit.
    pub fn calls(seed: u64, calls: u64) -> Options {
        Options {
            seed,
            calls: Some(calls),
            duration: None,
            instance: None,
            hang: Duration::from_secs(10),
        }
    }
}

/// Something that must never happen.
#[derive(Debug, Clone)]
pub struct Finding {
    /// `panic`, `canary`, `allocation`, `fd-leak`, `cross-instance` or `hang`.
    pub kind: &'static str,
    /// The index of the call (0-based, in the run) after which it was seen.
    pub call: u64,
    /// The instance it happened in, and the call's index in that instance.
    pub instance: (u64, u64),
    /// That call, as `name(args)`.
    pub what: String,
    /// What was seen.
    pub detail: String,
}

/// The figures of one list of `SPECS` (a document's `IMPORTS`).
#[derive(Debug, Default, Clone)]
pub struct SpecFigures {
    /// Its WITX module (the import name for a list of one).
    pub name: &'static str,
    /// Functions fuzzed (every variant counted).
    pub functions: usize,
    /// Of them, called at least once.
    pub called: usize,
    /// Of them, succeeded at least once.
    pub succeeded: usize,
    /// Calls made.
    pub calls: u64,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Report {
    /// The seed it ran with.
    pub seed: u64,
    /// Calls made.
    pub calls: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Instances made, and how many of them through `add_to_linker` (by name).
    pub instances: (u64, u64),
    /// Functions that can be called, and how many were called at least once.
    pub functions: (usize, usize),
    /// Functions whose parameters' meaning was read from their WITX.
    pub shaped: usize,
    /// Functions that succeeded (errno 0) at least once.
    pub succeeded: usize,
    /// The functions that never did.
    pub never_succeeded: Vec<&'static str>,
    /// The same figures for each list of `SPECS` that has fuzzed functions.
    pub per_spec: Vec<SpecFigures>,
    /// Outcomes (errno names, trap messages, exits) with their counts, most frequent first.
    pub outcomes: Vec<(String, u64)>,
    /// The largest single host allocation during a call, if the counting allocator is on,
    /// and the function that made it.
    pub largest_allocation: Option<(usize, &'static str)>,
    /// Empty when all went well.
    pub findings: Vec<Finding>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        writeln!(f, "seed:          {:#x}", self.seed)?;
        writeln!(
            f,
            "calls:         {} in {secs:.1} s ({:.0} calls/s)",
            self.calls,
            self.calls as f64 / secs.max(1e-9)
        )?;
        writeln!(
            f,
            "instances:     {} ({} by name, the rest bound)",
            self.instances.0, self.instances.1
        )?;
        writeln!(
            f,
            "functions:     {} of {} called ({} with WITX shapes), {} succeeded at least once",
            self.functions.1, self.functions.0, self.shaped, self.succeeded
        )?;
        for s in &self.per_spec {
            writeln!(
                f,
                "  {:<24} {:>3} functions, {:>3} called, {:>3} succeeded, {:>9} calls",
                s.name, s.functions, s.called, s.succeeded, s.calls
            )?;
        }
        if !self.never_succeeded.is_empty() {
            writeln!(f, "  never succeeded: {}", self.never_succeeded.join(" "))?;
        }
        writeln!(f, "outcomes (top 10):")?;
        for (name, count) in self.outcomes.iter().take(10) {
            let share = 100.0 * *count as f64 / self.calls.max(1) as f64;
            writeln!(f, "  {count:>10}  {share:5.1}%  {name}")?;
        }
        match self.largest_allocation {
            Some((n, function)) => writeln!(
                f,
                "largest host allocation in a call: {n} bytes ({function})"
            )?,
            None => writeln!(
                f,
                "largest host allocation: not tracked (no counting allocator)"
            )?,
        }
        writeln!(f, "findings:      {}", self.findings.len())?;
        for finding in &self.findings {
            writeln!(
                f,
                "  {} after call #{} (call #{} of instance {}): {}\n    {}\n    replay: cargo xtask fuzz --seed {:#x} --instance {}",
                finding.kind,
                finding.call,
                finding.instance.1,
                finding.instance.0,
                finding.what,
                finding.detail,
                self.seed,
                finding.instance.0,
            )?;
        }
        Ok(())
    }
}

/// A call as `name(args)`, small numbers in decimal, others in hex.
pub(crate) fn show(name: &str, args: &[Val]) -> String {
    let args: Vec<String> = args
        .iter()
        .map(|v| match v {
            Val::I32(x) if (-16..4096).contains(x) => x.to_string(),
            Val::I32(x) => format!("{:#x}", *x as u32),
            Val::I64(x) if (-16..4096).contains(x) => x.to_string(),
            Val::I64(x) => format!("{:#x}", *x as u64),
            other => format!("{other:?}"),
        })
        .collect();
    format!("{name}({})", args.join(", "))
}

/// A trap's message with numbers blanked, so pointers do not make every trap distinct.
pub(crate) fn trap_label(e: &wasmtime::Error) -> String {
    let text: String = e.root_cause().to_string().chars().take(70).collect();
    let text: String = text
        .chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect();
    format!("trap: {text}")
}
