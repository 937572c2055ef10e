//! The network rows: bench/http's hyper server under `wasi-host run` (the WasmEdge socket
//! extension) and the same source built natively, each loaded by Debian's `wrk` on loopback
//! with 50 keep-alive connections. For each: requests per second, errors, the server's CPU
//! time per request (utime + stime from /proc/PID/stat around the load) and its CPU use
//! while idle for 2 s afterwards. The runs of the two alternate, so a busy moment of the
//! shared machine hits both.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

/// wrk's arguments besides the URL: 50 connections on 2 threads for 5 s.
const WRK_ARGS: &[&str] = &["-c50", "-t2", "-d5s", "--timeout", "2s"];
/// How long the server is left alone to measure its idle CPU use.
const IDLE: Duration = Duration::from_secs(2);

/// What one load run measured.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Load {
    /// Completed requests.
    pub requests: u64,
    /// wrk's "Requests/sec".
    pub per_second: f64,
    /// Socket errors (connect, read, write, timeout) plus responses that were not 2xx/3xx.
    pub errors: u64,
}

/// Reads wrk's report.
pub fn parse_wrk(out: &str) -> Result<Load> {
    let mut load = Load::default();
    let mut seen = (false, false);
    for line in out.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("Requests/sec:") {
            load.per_second = rest.trim().parse().context("Requests/sec")?;
            seen.1 = true;
        } else if let Some(rest) = line.strip_prefix("Socket errors:") {
            // "connect 0, read 0, write 0, timeout 0"
            for part in rest.split(',') {
                let n = part.split_whitespace().nth(1).context("socket errors")?;
                load.errors += n.parse::<u64>().context("socket errors")?;
            }
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            load.errors += rest.trim().parse::<u64>().context("non-2xx")?;
        } else if let Some((n, _)) = line.split_once(" requests in ") {
            load.requests = n.trim().parse().context("requests")?;
            seen.0 = true;
        }
    }
    ensure!(seen == (true, true), "not a wrk report:\n{out}");
    Ok(load)
}

/// The `wrk` on PATH, if any.
fn wrk() -> bool {
    Command::new("wrk")
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("wrk"))
}

/// CPU time (user + system) of process `pid` so far, in microseconds.
fn cpu_us(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name may hold spaces: fields are counted after its closing parenthesis,
    // where field 3 (state) comes first, so utime (14) and stime (15) are the 12th and 13th.
    let rest = stat.rsplit_once(')').context("/proc/PID/stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Ok(ticks as f64 * 1e6 / per_second)
}

/// A server process, killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `cmd` (a server given port 0) and waits for its `listening on 127.0.0.1:PORT` line
/// (at most 60 s: the wasm peer compiles first), then until the port accepts.
fn start(mut cmd: Command) -> Result<Server> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .spawn()
        .with_context(|| format!("starting {cmd:?}"))?;
    let stdout = child.stdout.take().context("server stdout")?;
    let mut server = Server { child, port: 0 };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .context("the server did not say where it listens within 60 s")?;
    server.port = line
        .trim()
        .strip_prefix("listening on 127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .with_context(|| format!("unexpected first line from the server: {line:?}"))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", server.port)).is_err() {
        if Instant::now() > deadline {
            bail!("the server does not accept on port {}", server.port);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(server)
}

/// One run against a started server: the load, CPU µs per request, idle CPU in % of a core.
fn measure(server: &Server) -> Result<(Load, f64, f64)> {
    let pid = server.child.id();
    let before = cpu_us(pid)?;
    let out = Command::new("wrk")
        .args(WRK_ARGS)
        .arg(format!("http://127.0.0.1:{}/", server.port))
        .stdin(Stdio::null())
        .output()
        .context("running wrk")?;
    ensure!(out.status.success(), "wrk failed: {}", out.status);
    let after = cpu_us(pid)?;
    let load = parse_wrk(&String::from_utf8_lossy(&out.stdout))?;
    std::thread::sleep(IDLE);
    let idle = cpu_us(pid)? - after;
    let per_request = (after - before) / load.requests.max(1) as f64;
    Ok((load, per_request, idle / IDLE.as_secs_f64() / 1e4))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Prints the network rows: `runs` runs of each peer, alternating. `cli` is the release
/// `wasi-host`, `http` the two builds of bench/http (wasm32-wasip1, native); without them
/// the rows are skipped with a note.
pub fn run(cli: Option<&Path>, http: Option<&(PathBuf, PathBuf)>, runs: usize) -> Result<()> {
    let (Some(cli), Some((wasm, native))) = (cli, http) else {
        println!("network: not run (needs --cli, --http-wasm and --http-native)");
        return Ok(());
    };
    if !wrk() {
        println!("network: wrk is not on PATH (Debian: apt-get install wrk), not run");
        return Ok(());
    }
    println!(
        "network: bench/http (hyper 0.14, current-thread tokio) on 127.0.0.1, `wrk {}`, median of {runs} runs; CPU = server utime+stime",
        WRK_ARGS.join(" ")
    );
    let mut results: [Vec<(Load, f64, f64)>; 2] = [Vec::new(), Vec::new()];
    for run in 0..runs {
        for i in 0..2 {
            let peer = (i + run) % 2;
            let cmd = if peer == 0 {
                let mut cmd = Command::new(cli);
                cmd.args(["run", "--allow-bind", "127.0.0.1:0"])
                    .arg(wasm)
                    .arg("0");
                cmd
            } else {
                let mut cmd = Command::new(native);
                cmd.arg("0");
                cmd
            };
            let server = start(cmd)?;
            results[peer].push(measure(&server)?);
        }
    }
    println!(
        "{:<12} {:>12} {:>10} {:>8} {:>12} {:>10}",
        "server", "requests/s", "requests", "errors", "CPU µs/req", "idle CPU"
    );
    let mut rows = Vec::new();
    for (name, r) in ["wasi-host", "native"].iter().zip(&results) {
        let per_second = median(r.iter().map(|x| x.0.per_second).collect());
        let requests = median(r.iter().map(|x| x.0.requests as f64).collect());
        let errors: u64 = r.iter().map(|x| x.0.errors).sum();
        let cpu = median(r.iter().map(|x| x.1).collect());
        let idle = r.iter().map(|x| x.2).fold(0.0, f64::max);
        println!(
            "{name:<12} {per_second:>12.0} {requests:>10.0} {errors:>8} {cpu:>12.2} {idle:>9.2}%"
        );
        rows.push((per_second, cpu, idle));
    }
    println!(
        "network ratios wasi-host/native: throughput {:.2} (goal >= 0.5), CPU per request {:.2} (goal <= 2); idle wasi-host {:.2}% of a core at most (goal < 1%); errors are summed over all runs, idle is the highest run",
        rows[0].0 / rows[1].0,
        rows[0].1 / rows[1].1,
        rows[0].2
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_wrk_report() {
        let out = "Running 5s test @ http://127.0.0.1:1/\n  2 threads and 50 connections\n  343099 requests in 5.10s, 30.43MB read\n  Socket errors: connect 1, read 2, write 0, timeout 3\n  Non-2xx or 3xx responses: 4\nRequests/sec:  67285.57\nTransfer/sec:      5.97MB\n";
        assert_eq!(
            parse_wrk(out).unwrap(),
            Load {
                requests: 343_099,
                per_second: 67285.57,
                errors: 10
            }
        );
        assert!(parse_wrk("Requests/sec: 1\n").is_err());
    }
}
