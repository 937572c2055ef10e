//! The host state for one guest instance, and the builder embedders configure it with.
//!
//! Layering: `table` depends on nothing of this crate but `preview1` (and the process
//! descriptor count in `limits`); `ctx` and its submodules (the state a context holds)
//! depend on `table`; `host::*` (the calls) depend on both, never the reverse. The unit test
//! `layering` keeps it so.

pub use self::descriptors::{Descriptor, DescriptorRights, Descriptors};

use std::fs::File;
use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use cap_std::ambient_authority;

mod descriptors;
pub(crate) mod flags;
pub(crate) mod net_policy;
pub(crate) mod os;
pub(crate) mod strings;
pub(crate) mod threads;
pub(crate) mod wasix;

use self::net_policy::{NetPolicy, NetRule};
use self::strings::GuestStrings;
use crate::preview1::{Clockid, Errno, Fdflags, Timestamp};
use crate::table::{
    DirEntry, FILE_RIGHTS, FdEntry, FileEntry, Kind, LISTENER_RIGHTS, STDIO_RIGHTS, Table,
};

/// Where the guest's clocks come from.
pub trait Clock: Send {
    /// The resolution of clock `id`, in nanoseconds.
    fn resolution(&self, id: Clockid) -> Result<Timestamp, Errno>;
    /// The time of clock `id`, in nanoseconds.
    fn now(&self, id: Clockid, precision: Timestamp) -> Result<Timestamp, Errno>;
    /// A clock for another thread of the same threaded program that needs no coordination
    /// with this one (the operating system's clocks): each thread then reads its own, with no
    /// lock. `None` (the default) makes every thread share this one behind a lock, as a clock
    /// with state (a virtual clock that advances per read) must be.
    fn for_another_thread(&self) -> Option<Box<dyn Clock>> {
        None
    }
}

/// Where the guest's random bytes come from.
pub trait RandomSource: Send {
    /// Fills `buf` completely.
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Errno>;
    /// As [`Clock::for_another_thread`]: an independent source for another thread of the
    /// same program (the operating system's), or `None` (the default) to share this one
    /// behind a lock (a seeded source, whose sequence must stay one sequence).
    fn for_another_thread(&self) -> Option<Box<dyn RandomSource>> {
        None
    }
}

/// The operating system's clocks (`clock_gettime`).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

/// The operating system's random source (`getrandom`).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

/// What a standard stream (fd 0, 1 or 2) is connected to.
#[derive(Debug)]
pub enum Stdio {
    /// The host process's own stream.
    Inherit,
    /// `/dev/null`.
    Null,
    /// An open file or pipe end. The guest gets a stream: read, write, poll and flags, never
    /// seek, truncate or set times (it may be the user's redirected log), and the open file
    /// description's flags are never changed (the embedder or the shell may share it).
    File(File),
    /// A file handed to the guest as its own, as if it had opened it: every file right (seek
    /// and tell if it can seek, truncate, set times, allocate) and `fd_fdstat_set_flags`
    /// applied to the host description. Only for a file nothing else relies on.
    GuestFile(File),
}

/// A host directory the guest sees under `guest` (a preopen).
#[derive(Debug, Clone)]
struct Preopen {
    host: PathBuf,
    guest: String,
    read_only: bool,
}

/// Configures a [`WasiCtx`].
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<String>,
    preopens: Vec<Preopen>,
    stdio: [Stdio; 3],
    listeners: Vec<TcpListener>,
    net: NetPolicy,
    fd_limit: u32,
    poll_limit: Option<usize>,
    clock: Box<dyn Clock>,
    random: Box<dyn RandomSource>,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        WasiCtxBuilder {
            args: Vec::new(),
            env: Vec::new(),
            preopens: Vec::new(),
            stdio: [Stdio::Inherit, Stdio::Inherit, Stdio::Inherit],
            listeners: Vec::new(),
            net: NetPolicy::default(),
            fd_limit: crate::limits::FD_LIMIT,
            poll_limit: None,
            clock: Box::new(SystemClock),
            random: Box::new(OsRandom),
        }
    }
}

impl WasiCtxBuilder {
    /// A context with no arguments, no environment, no preopens and inherited stdio.
    pub fn new() -> Self {
        Self::default()
    }

    /// Allows every network operation of the WasmEdge socket calls: creating sockets,
    /// binding and connecting to any address, and resolving names (`-S inherit-network`).
    /// Without this or the `allow_*` methods, each is refused with `EACCES`.
    pub fn inherit_network(&mut self, yes: bool) -> &mut Self {
        self.net.inherit = yes;
        self
    }

    /// Allows `sock_getaddrinfo` (`-S allow-ip-name-lookup`).
    pub fn allow_ip_name_lookup(&mut self, yes: bool) -> &mut Self {
        self.net.lookup = yes;
        self
    }

    /// Allows binding (and listening on) the addresses and ports of `rule` (`--allow-bind`);
    /// allowing any bind or connect also allows creating sockets.
    pub fn allow_bind(&mut self, rule: NetRule) -> &mut Self {
        self.net.bind.push(rule);
        self
    }

    /// Allows connecting and sending datagrams to the addresses and ports of `rule`
    /// (`--allow-connect`).
    pub fn allow_connect(&mut self, rule: NetRule) -> &mut Self {
        self.net.connect.push(rule);
        self
    }

    /// Whether the first refused network operation prints a one-line hint on the host's
    /// stderr naming the option that would allow it (default: yes, for people running a
    /// program). An embedder that expects refusals, or owns its stderr, turns it off.
    pub fn network_hint(&mut self, yes: bool) -> &mut Self {
        self.net.hinted = !yes;
        self
    }

    /// Appends one argument (the first is the program name, by convention).
    pub fn arg(&mut self, arg: impl Into<String>) -> &mut Self {
        self.args.push(arg.into());
        self
    }

    /// Appends arguments.
    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(&mut self, args: I) -> &mut Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable for the guest.
    pub fn env(&mut self, key: &str, value: &str) -> &mut Self {
        let prefix = format!("{key}=");
        self.env.retain(|e| !e.starts_with(&prefix));
        self.env.push(format!("{key}={value}"));
        self
    }

    /// Passes the host's value of `key`, if it has one (and it is UTF-8).
    pub fn inherit_env_var(&mut self, key: &str) -> &mut Self {
        if let Ok(value) = std::env::var(key) {
            self.env(key, &value);
        }
        self
    }

    /// Passes every host environment variable whose name and value are UTF-8.
    pub fn inherit_env(&mut self) -> &mut Self {
        for (k, v) in std::env::vars_os() {
            if let (Some(k), Some(v)) = (k.to_str(), v.to_str()) {
                self.env(k, v);
            }
        }
        self
    }

    /// Makes host directory `host` visible to the guest as `guest`, read-write.
    pub fn preopen_dir(&mut self, host: impl AsRef<Path>, guest: impl Into<String>) -> &mut Self {
        self.preopens.push(Preopen {
            host: host.as_ref().to_path_buf(),
            guest: guest.into(),
            read_only: false,
        });
        self
    }

    /// Makes host directory `host` visible to the guest as `guest`, read-only.
    pub fn preopen_dir_read_only(
        &mut self,
        host: impl AsRef<Path>,
        guest: impl Into<String>,
    ) -> &mut Self {
        self.preopens.push(Preopen {
            host: host.as_ref().to_path_buf(),
            guest: guest.into(),
            read_only: true,
        });
        self
    }

    /// Connects the guest's stdin.
    pub fn stdin(&mut self, stdio: Stdio) -> &mut Self {
        self.stdio[0] = stdio;
        self
    }

    /// Connects the guest's stdout.
    pub fn stdout(&mut self, stdio: Stdio) -> &mut Self {
        self.stdio[1] = stdio;
        self
    }

    /// Connects the guest's stderr.
    pub fn stderr(&mut self, stdio: Stdio) -> &mut Self {
        self.stdio[2] = stdio;
        self
    }

    /// Preopens a listening TCP socket (after the preopened directories).
    pub fn tcp_listener(&mut self, listener: TcpListener) -> &mut Self {
        self.listeners.push(listener);
        self
    }

    /// The most descriptors the guest may hold open at once (stdio included); past it, opens
    /// fail with `EMFILE`.
    pub fn fd_limit(&mut self, limit: u32) -> &mut Self {
        self.fd_limit = limit;
        self
    }

    /// The most subscriptions one `poll_oneoff` accepts (more is `EINVAL`); by default 4096
    /// or twice the descriptor limit, whichever is more (`docs/limits.md`). At least 1.
    pub fn max_poll_subscriptions(&mut self, limit: usize) -> &mut Self {
        self.poll_limit = Some(limit.max(1));
        self
    }

    /// Replaces the clocks (for example with a deterministic one).
    pub fn clock(&mut self, clock: impl Clock + 'static) -> &mut Self {
        self.clock = Box::new(clock);
        self
    }

    /// Replaces the random source (for example with a seeded one).
    pub fn random(&mut self, random: impl RandomSource + 'static) -> &mut Self {
        self.random = Box::new(random);
        self
    }

    /// Opens the preopened directories and stdio and builds the context. The builder is left
    /// empty.
    pub fn build(&mut self) -> io::Result<WasiCtx> {
        let mut table = Table::new(self.fd_limit.max(3));
        let stdio = std::mem::replace(
            &mut self.stdio,
            [Stdio::Inherit, Stdio::Inherit, Stdio::Inherit],
        );
        for (n, stdio) in stdio.into_iter().enumerate() {
            let file = match stdio {
                Stdio::Inherit => {
                    // A duplicate, so that closing the guest's fd never closes ours.
                    let fd = match n {
                        0 => rustix::io::fcntl_dupfd_cloexec(rustix::stdio::stdin(), 0),
                        1 => rustix::io::fcntl_dupfd_cloexec(rustix::stdio::stdout(), 0),
                        _ => rustix::io::fcntl_dupfd_cloexec(rustix::stdio::stderr(), 0),
                    };
                    match fd {
                        Ok(fd) => File::from(fd),
                        // A host started with that stream closed gives the guest /dev/null.
                        Err(_) => File::options().read(true).write(true).open("/dev/null")?,
                    }
                }
                Stdio::Null => File::options().read(true).write(true).open("/dev/null")?,
                Stdio::File(file) => file,
                Stdio::GuestFile(file) => {
                    table
                        .insert(guest_file(file))
                        .map_err(|_| io::Error::other("fd limit below 3"))?;
                    continue;
                }
            };
            let filetype = os::filetype_of(&file);
            // Stream rights only: the file behind a redirected stdout is the user's, not the
            // guest's to truncate, seek over or backdate.
            let mut rights = STDIO_RIGHTS;
            // Seekability, not filetype: `/dev/null` seeks, a tty does not, and wasi-libc's
            // `isatty` tells them apart by the tell right.
            if os::is_seekable(&file) {
                rights |= crate::preview1::Rights::FD_TELL;
            }
            let flags = os::fdflags_of(&file);
            // The open file description is shared with the host (and, when inherited, with
            // the shell): its flags stay as they are, whatever the guest sets.
            let shared_nonblock = Some(flags.contains(Fdflags::NONBLOCK));
            table
                .insert(FdEntry {
                    kind: Kind::File(FileEntry {
                        file,
                        filetype,
                        shared_nonblock,
                    })
                    .into(),
                    rights,
                    inheriting: crate::preview1::Rights::empty(),
                    flags,
                    preopen: None,
                })
                .map_err(|_| io::Error::other("fd limit below 3"))?;
        }
        for p in std::mem::take(&mut self.preopens) {
            let dir =
                cap_std::fs::Dir::open_ambient_dir(&p.host, ambient_authority()).map_err(|e| {
                    io::Error::new(
                        e.kind(),
                        format!("cannot open directory {}: {e}", p.host.display()),
                    )
                })?;
            let DescriptorRights {
                base: rights,
                inheriting,
            } = if p.read_only {
                DescriptorRights::DIR_READ_ONLY
            } else {
                DescriptorRights::DIR
            };
            table
                .insert(FdEntry {
                    kind: root_dir(dir)?.into(),
                    rights,
                    inheriting,
                    flags: Fdflags::empty(),
                    preopen: Some(p.guest.into()),
                })
                .map_err(|_| io::Error::other("more preopens than the fd limit allows"))?;
        }
        for listener in std::mem::take(&mut self.listeners) {
            table
                .insert(FdEntry {
                    kind: Kind::Listener(listener).into(),
                    rights: LISTENER_RIGHTS,
                    inheriting: crate::table::SOCKET_RIGHTS,
                    flags: Fdflags::empty(),
                    preopen: None,
                })
                .map_err(|_| io::Error::other("more listeners than the fd limit allows"))?;
        }
        Ok(WasiCtx {
            args: std::sync::Arc::new(GuestStrings::new(std::mem::take(&mut self.args))),
            env: std::sync::Arc::new(GuestStrings::new(std::mem::take(&mut self.env))),
            poll_limit: self
                .poll_limit
                .unwrap_or_else(|| crate::limits::poll_subscriptions(table.limit())),
            table,
            clock: std::mem::replace(&mut self.clock, Box::new(SystemClock)),
            random: std::mem::replace(&mut self.random, Box::new(OsRandom)),
            net: self.net.clone(),
            wasix: Default::default(),
            threads: None,
        })
    }
}

/// A directory the guest's path calls are confined beneath, its listings included: a
/// preopen, or a directory an extension inserts (`Descriptors::insert_dir`).
pub(crate) fn root_dir(dir: cap_std::fs::Dir) -> io::Result<Kind> {
    Ok(Kind::Dir(DirEntry {
        root: os::dev_ino(&dir)?,
        dir,
        listing: Default::default(),
    }))
}

/// The entry of a [`Stdio::GuestFile`]: what `path_open` would have made of it.
fn guest_file(file: File) -> FdEntry {
    let filetype = os::filetype_of(&file);
    let mut rights = FILE_RIGHTS;
    if !os::is_seekable(&file) {
        rights.remove(crate::preview1::Rights::FD_SEEK | crate::preview1::Rights::FD_TELL);
    }
    let flags = os::fdflags_of(&file);
    FdEntry {
        kind: Kind::File(FileEntry::owned(file, filetype)).into(),
        rights,
        inheriting: crate::preview1::Rights::empty(),
        flags,
        preopen: None,
    }
}

/// The host state of one guest instance: arguments, environment, descriptors, clocks and
/// randomness. It implements [`WasiSnapshotPreview1`](crate::preview1::WasiSnapshotPreview1)
/// on the host OS; register it with [`crate::add_to_linker`]. It also implements the WasmEdge
/// socket extension ([`WasmedgeSockets`](crate::wasmedge::WasmedgeSockets)), behind its
/// network policy; [`crate::instantiate`] links both.
pub struct WasiCtx {
    pub(crate) args: std::sync::Arc<GuestStrings>,
    /// `KEY=value` strings.
    pub(crate) env: std::sync::Arc<GuestStrings>,
    /// The descriptors; shared by every thread of a threaded program (`docs/threads.md`).
    pub(crate) table: Table,
    /// The most subscriptions one `poll_oneoff` accepts.
    pub(crate) poll_limit: usize,
    pub(crate) clock: Box<dyn Clock>,
    pub(crate) random: Box<dyn RandomSource>,
    /// What the WasmEdge socket calls may do on the network.
    pub(crate) net: NetPolicy,
    /// WASIX's per-program state (working directory, terminal settings).
    pub(crate) wasix: wasix::WasixState,
    /// The threads of the program this context serves, when it runs threaded
    /// ([`crate::program`]); `None` makes `thread-spawn` fail.
    pub(crate) threads: Option<threads::Threads>,
}

impl WasiCtx {
    /// Starts configuring a context.
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::new()
    }
}
