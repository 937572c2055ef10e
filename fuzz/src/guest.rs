//! The fuzz guest: a module importing every bound function with its core signature and
//! exporting one trampoline per import, the guest memory it is given, and the arguments of
//! each call.
//!
//! Arguments are chosen by core type and position only, so a spec added to
//! [`crate::SPECS`] is fuzzed without edits here: the first `i32` is most often a descriptor,
//! two `i32`s in a row are often a pointer and the length of a region laid out in memory
//! (a path, an iovec array, subscriptions, a buffer), and every value leans towards the
//! boundaries (the end of memory, one past it, `2^32 - 1`, unknown flag bits).

use std::fmt::Write as _;

use wasi_host::link::{CoreType, ImportSpec};
use wasmtime::Val;

use crate::canary::LINKS;
use crate::rng::Rng;
use crate::shape::Shape;

/// The export that calls import `i`.
pub fn trampoline(i: usize) -> String {
    format!("call{i}")
}

/// The module text: imports `specs` (each with its index in the run's list) in order, a
/// memory of `pages` pages (`shared`: a shared memory of exactly that size) and one
/// trampoline per import, named by that index.
pub fn wat(specs: &[(usize, &ImportSpec)], pages: u32, shared: bool) -> String {
    let mut out = String::from("(module\n");
    let types = |types: &[CoreType]| types.iter().map(|t| format!(" {t}")).collect::<String>();
    for &(i, spec) in specs {
        let _ = writeln!(
            out,
            "  (import \"{}\" \"{}\" (func $f{i} (param{}) (result{})))",
            spec.module,
            spec.name,
            types(spec.params),
            types(spec.results)
        );
    }
    let limits = if shared {
        format!("{pages} {pages} shared")
    } else {
        pages.to_string()
    };
    let _ = writeln!(out, "  (memory (export \"memory\") {limits})");
    for &(i, spec) in specs {
        let gets: String = (0..spec.params.len())
            .map(|p| format!(" local.get {p}"))
            .collect();
        let _ = writeln!(
            out,
            "  (func (export \"{}\") (param{}) (result{}){gets} call $f{i})",
            trampoline(i),
            types(spec.params),
            types(spec.results)
        );
    }
    out.push(')');
    out
}

/// What a region of guest memory was filled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A path (or link target), `len` bytes.
    Str,
    /// `len` iovecs (8 bytes each).
    Iovecs,
    /// `len` subscriptions (48 bytes each).
    Subs,
    /// `len` bytes of anything, also where results go.
    Buf,
    /// A WasmEdge `address` record (its buffer elsewhere).
    Address,
    /// A WASIX `addr_port`.
    AddrPort,
}

#[derive(Debug, Clone, Copy)]
struct Region {
    ptr: u32,
    /// The natural length argument: bytes for strings and buffers, elements otherwise.
    len: u32,
    kind: Kind,
}

/// Size of one preview1 subscription, and where its clock timeout sits.
const SUB_SIZE: u32 = 48;

/// Guest memory as laid out for one instance.
pub struct Layout {
    /// The memory's initial contents (taken once written to the instance).
    pub bytes: Vec<u8>,
    /// The memory's size.
    size: u32,
    regions: Vec<Region>,
    /// Records written again before every call (`ptr`, bytes): a call such as `random_get`
    /// may have scribbled a huge clock timeout into them, and `poll_oneoff` (subscriptions)
    /// or `futex_wait` (its timeout) would then wait for it.
    pub fixed: Vec<(u32, Vec<u8>)>,
    /// Where `futex_wait`'s timeout record is (one of `fixed`).
    timeout: u32,
}

impl Layout {
    /// Random bytes over `size` bytes, with paths, iovecs, subscriptions and buffers placed
    /// in them, one path ending exactly at the end of memory (and any region's length
    /// is sometimes given with a pointer that ends it there).
    pub fn new(rng: &mut Rng, size: u32) -> Layout {
        let mut bytes = vec![0u8; size as usize];
        rng.fill(&mut bytes);
        let mut layout = Layout {
            bytes,
            size,
            regions: Vec::new(),
            fixed: Vec::new(),
            timeout: 0,
        };
        for _ in 0..4 {
            let len = *rng.pick(&[8, 64, 256, 4096]);
            let ptr = layout.place(rng, len, 8, false);
            layout.regions.push(Region {
                ptr,
                len,
                kind: Kind::Buf,
            });
        }
        for i in 0..16 {
            let mut path = path(rng);
            let len = path.len() as u32;
            // A NUL after each string, as C would leave it: a length one too long then reaches
            // the host's NUL check rather than the bindings' UTF-8 check.
            path.push(0);
            // The first ends exactly at the end of memory (`put` drops its NUL).
            let ptr = layout.place(rng, len + u32::from(i != 0), 1, i == 0);
            layout.put(ptr, &path);
            layout.regions.push(Region {
                ptr,
                len,
                kind: Kind::Str,
            });
        }
        for i in 0..4 {
            let count = *rng.pick(&[1u32, 2, 3, 16, 100]);
            let ptr = layout.place(rng, count * 8, 4, false);
            // The last array mixes in hostile buffers; the others reach the host's I/O.
            let hostile = i == 3;
            for k in 0..count {
                let (buf, len) = layout.iovec_target(rng, hostile);
                layout.put(ptr + 8 * k, &buf.to_le_bytes());
                layout.put(ptr + 8 * k + 4, &len.to_le_bytes());
            }
            layout.regions.push(Region {
                ptr,
                len: count,
                kind: Kind::Iovecs,
            });
        }
        layout.addresses(rng);
        let count = 1 + rng.below(8) as u32;
        let ptr = layout.place(rng, count * SUB_SIZE, 8, false);
        let mut subs = Vec::new();
        for i in 0..count {
            subs.extend_from_slice(&subscription(rng, i == 0));
        }
        layout.put(ptr, &subs);
        layout.fixed.push((ptr, subs));
        // An `option_timestamp` (tag at 0, nanoseconds at 8): none, under a millisecond, or
        // an unknown tag.
        let mut timeout = vec![0u8; 16];
        timeout[0] = *rng.pick(&[0, 1, 1, 1, 2, 0xff]);
        timeout[8..].copy_from_slice(&rng.below(1_000_000).to_le_bytes());
        layout.timeout = layout.place(rng, 16, 8, false);
        layout.put(layout.timeout, &timeout);
        layout.fixed.push((layout.timeout, timeout));
        layout.regions.push(Region {
            ptr,
            len: count,
            kind: Kind::Subs,
        });
        layout
    }

    /// Socket addresses, mostly well formed so that calls get past decoding to the network
    /// policy and the socket: loopback or unspecified IPv4 and IPv6, in WasmEdge's forms (4 or
    /// 16 raw bytes, or 128 bytes with a 16-bit family) and WASIX's `addr_port`, now and then
    /// a Unix or unknown family or a length no form has.
    fn addresses(&mut self, rng: &mut Rng) {
        let ip = |rng: &mut Rng, v6: bool| -> Vec<u8> {
            match (v6, rng.below(2)) {
                (false, 0) => vec![127, 0, 0, 1],
                (false, _) => vec![0; 4],
                (true, 0) => [[0; 15].as_slice(), &[1]].concat(),
                (true, _) => vec![0; 16],
            }
        };
        for _ in 0..3 {
            let family = *rng.pick(&[1u16, 1, 2, 2, 3, 9]);
            let mut bytes = family.to_le_bytes().to_vec();
            bytes.extend(ip(rng, family == 2));
            let len = *rng.pick(&[4u32, 16, 128, 128, 8, 129]);
            // The raw forms are the address alone, so they skip the family.
            let skip = if len == 128 { 0 } else { 2 };
            let buf = self.place(rng, 128, 4, false);
            self.put(buf, &bytes[skip..]);
            let ptr = self.place(rng, 8, 4, false);
            self.put(ptr, &[buf.to_le_bytes(), len.to_le_bytes()].concat());
            self.regions.push(Region {
                ptr,
                len: 1,
                kind: Kind::Address,
            });
        }
        for _ in 0..3 {
            let family = *rng.pick(&[1u8, 1, 2, 2, 3, 0, 7]);
            let port = *rng.pick(&[0u16, 80, 8080]);
            let mut bytes = vec![family, 0];
            bytes.extend(port.to_le_bytes());
            bytes.extend(ip(rng, family == 2));
            let ptr = self.place(rng, 110, 4, false);
            self.put(ptr, &bytes);
            self.regions.push(Region {
                ptr,
                len: 1,
                kind: Kind::AddrPort,
            });
        }
    }

    /// A `len`-byte place aligned to `align`; at the very end of memory when `at_end`.
    fn place(&self, rng: &mut Rng, len: u32, align: u32, at_end: bool) -> u32 {
        let size = self.bytes.len() as u32;
        let len = len.min(size);
        let ptr = if at_end {
            size - len
        } else {
            rng.below(u64::from(size - len) + 1) as u32
        };
        ptr & !(align - 1)
    }

    fn put(&mut self, ptr: u32, data: &[u8]) {
        let start = ptr as usize;
        let end = (start + data.len()).min(self.bytes.len());
        self.bytes[start..end].copy_from_slice(&data[..end - start]);
    }

    /// A buffer for an iovec: mostly inside memory, sometimes ending exactly at its end,
    /// sometimes one past it or wrapping past 2^32.
    fn iovec_target(&self, rng: &mut Rng, hostile: bool) -> (u32, u32) {
        let size = self.bytes.len() as u32;
        match rng.below(if hostile { 8 } else { 1 }) + if hostile { 0 } else { 5 } {
            0 => (size - 16, 16),
            1 => (size - 16, 17),
            2 => (u32::MAX - 3, 8),
            3 => (0, size),
            4 => (rng.next_u32() % size, u32::MAX),
            _ => {
                let len = rng.below(512) as u32;
                (rng.below(u64::from(size - len)) as u32, len)
            }
        }
    }

    fn size(&self) -> u32 {
        self.size
    }

    /// Where `futex_wait`'s bounded timeout record is.
    pub fn timeout(&self) -> u32 {
        self.timeout
    }

    /// A pointer to a 16-byte record that runs past the end of memory (`EFAULT`), or one
    /// past the end that is also misaligned (a trap in the glue).
    pub fn past_end(&self) -> u32 {
        // The record is 8-aligned, so bit 3 of its place is the random choice.
        self.size - 8 + 9 * ((self.timeout >> 3) & 1)
    }

    /// Arguments for a call with core parameter types `params`.
    pub fn args(&self, rng: &mut Rng, params: &[CoreType]) -> Vec<Val> {
        let mut out = Vec::with_capacity(params.len());
        let mut i = 0;
        while i < params.len() {
            let pair = i + 1 < params.len()
                && params[i] == CoreType::I32
                && params[i + 1] == CoreType::I32
                && i > 0
                && rng.one_in(2);
            if pair {
                let (ptr, len) = self.pointer_and_length(rng);
                out.push(Val::I32(ptr as i32));
                out.push(Val::I32(len as i32));
                i += 2;
                continue;
            }
            out.push(match params[i] {
                CoreType::I32 if i == 0 && !rng.one_in(4) => Val::I32(fd(rng) as i32),
                CoreType::I32 => Val::I32(self.word(rng) as i32),
                CoreType::I64 => Val::I64(wide(rng) as i64),
                CoreType::F32 => Val::F32(rng.next_u32()),
                CoreType::F64 => Val::F64(rng.next_u64()),
            });
            i += 1;
        }
        out
    }

    /// Arguments for a call whose parameters have WITX `shapes`: mostly plausible values
    /// (an existing region and its length, a defined flag, an enum case), each now and then
    /// replaced by a hostile one.
    /// `open` holds descriptors earlier calls returned.
    pub fn shaped(
        &self,
        rng: &mut Rng,
        shapes: &[Shape],
        params: &[CoreType],
        open: &[u32],
    ) -> Vec<Val> {
        let mut out = Vec::with_capacity(params.len());
        // The length of the region chosen last, for the `Len` that follows it (poll_oneoff's
        // count comes after the output pointer, so `Out` leaves it alone).
        let mut pending = None;
        for (shape, ty) in shapes.iter().zip(params) {
            let region_kind = match shape {
                Shape::Str => Some(Kind::Str),
                Shape::Bytes => Some(Kind::Buf),
                Shape::Iovecs => Some(Kind::Iovecs),
                Shape::Subs => Some(Kind::Subs),
                Shape::Address => Some(Kind::Address),
                Shape::AddrPort => Some(Kind::AddrPort),
                _ => None,
            };
            // About one call in four has one hostile argument.
            let value: u64 = if rng.one_in(4 * params.len() as u64) {
                match ty {
                    CoreType::I64 => wide(rng),
                    _ => u64::from(self.word(rng)),
                }
            } else if let Some(kind) = region_kind {
                let region = self.region(rng, kind);
                pending = Some(region.len);
                u64::from(region.ptr)
            } else {
                match *shape {
                    Shape::Fd if !open.is_empty() && rng.one_in(2) => u64::from(*rng.pick(open)),
                    Shape::Fd => u64::from(fd(rng)),
                    Shape::Len => match pending.take() {
                        Some(len) if !rng.one_in(16) => u64::from(len),
                        Some(len) => u64::from(len.wrapping_add(1)),
                        None if rng.one_in(2) => rng.below(9),
                        None => u64::from(self.word(rng)),
                    },
                    Shape::Out | Shape::OutFd => {
                        let region = self.region(rng, Kind::Buf);
                        u64::from(region.ptr)
                    }
                    Shape::Flags(_) if rng.one_in(10) => 1 << rng.below(64),
                    Shape::Flags(bits) => {
                        let mask = if bits >= 64 {
                            u64::MAX
                        } else {
                            (1 << bits) - 1
                        };
                        rng.next_u64() & rng.next_u64() & mask
                    }
                    Shape::Enum(cases) if rng.one_in(10) => {
                        let noise = rng.next_u64();
                        *rng.pick(&[u64::from(cases), u64::from(cases) + 1, 0xff, noise])
                    }
                    Shape::Enum(cases) => rng.below(u64::from(cases.max(1))),
                    Shape::Int if rng.one_in(2) => rng.below(9),
                    Shape::Int => u64::from(self.word(rng)),
                    _ => wide(rng),
                }
            };
            out.push(match ty {
                CoreType::I64 => Val::I64(value as i64),
                CoreType::F32 => Val::F32(value as u32),
                CoreType::F64 => Val::F64(value),
                CoreType::I32 => Val::I32(value as u32 as i32),
            });
        }
        out
    }

    /// A region of `kind` (there is always one of each).
    fn region(&self, rng: &mut Rng, kind: Kind) -> Region {
        let count = self.regions.iter().filter(|r| r.kind == kind).count();
        let nth = rng.below(count.max(1) as u64) as usize;
        self.regions
            .iter()
            .filter(|r| r.kind == kind)
            .nth(nth)
            .copied()
            .unwrap_or(self.regions[0])
    }

    /// Changes one argument of a call that succeeded, to explore around it.
    pub fn mutate(&self, rng: &mut Rng, args: &mut [Val]) {
        if args.is_empty() {
            return;
        }
        let i = rng.below(args.len() as u64) as usize;
        args[i] = match args[i] {
            Val::I32(_) if i == 0 && rng.one_in(2) => Val::I32(fd(rng) as i32),
            Val::I32(v) if rng.one_in(3) => Val::I32(v.wrapping_add(rng.below(17) as i32 - 8)),
            Val::I32(_) => Val::I32(self.word(rng) as i32),
            Val::I64(v) if rng.one_in(3) => Val::I64(v ^ (1 << rng.below(64))),
            Val::I64(_) => Val::I64(wide(rng) as i64),
            other => other,
        };
    }

    /// A region's pointer and natural length, or a boundary of either.
    fn pointer_and_length(&self, rng: &mut Rng) -> (u32, u32) {
        let region = rng.pick(&self.regions);
        let size = self.size();
        match rng.below(10) {
            0 => (region.ptr, region.len.wrapping_add(1)),
            1 => (
                region.ptr,
                *rng.pick(&[u32::MAX, 0x8000_0000, size, size + 1, 0]),
            ),
            2 => (size - region.len.min(size), region.len),
            3 => (*rng.pick(&[0, size, size - 1, u32::MAX]), region.len),
            _ => (region.ptr, region.len),
        }
    }

    /// An `i32` that is not a descriptor: a pointer, a length, flags or noise.
    fn word(&self, rng: &mut Rng) -> u32 {
        let size = self.size();
        match rng.below(20) {
            0..=4 => {
                let region = rng.pick(&self.regions);
                // Results are aligned to 8 at most; a nudge of 1 tests misalignment.
                let nudge = match region.kind {
                    Kind::Buf if rng.one_in(4) => 1,
                    Kind::Buf => 8 * rng.below(4) as u32,
                    _ => 0,
                };
                region.ptr.wrapping_add(nudge)
            }
            5..=7 => *rng.pick(&[
                0,
                size,
                size - 1,
                size - 2,
                size - 4,
                size - 8,
                size + 1,
                u32::MAX,
                u32::MAX - 7,
                0x8000_0000,
            ]),
            8..=11 => rng.below(9) as u32,
            12..=13 => *rng.pick(&[u32::MAX, 0x8000_0000, 0x7fff_f000, 1024, 1025, 4095, 4096]),
            14..=16 => match rng.below(3) {
                0 => 1 << rng.below(32),
                1 => rng.next_u32() & 0xffff,
                _ => 0xffff,
            },
            17 => fd(rng),
            _ => rng.next_u32(),
        }
    }
}

/// A descriptor: standard streams, the preopens (3, and 4 read-only), the ones a guest opens
/// next, closed and out-of-range ones.
fn fd(rng: &mut Rng) -> u32 {
    match rng.below(20) {
        0..=2 => rng.below(3) as u32,
        3..=10 => 3,
        11..=16 => 4 + rng.below(6) as u32,
        17 => *rng.pick(&[1023, 1024, 64, 0x7fff_ffff, u32::MAX]),
        _ => rng.next_u32(),
    }
}

/// An `i64`: rights and flags, offsets and timestamps, with their extremes.
fn wide(rng: &mut Rng) -> u64 {
    match rng.below(12) {
        0..=2 => rng.below(9),
        3 => u64::MAX,
        4 => 0x1fff_ffff,
        5 => rng.next_u64() & 0x1fff_ffff,
        6 => *rng.pick(&[
            i64::MAX as u64,
            1 << 63,
            1 << 32,
            (1 << 32) - 1,
            0x7fff_f000,
        ]),
        7 => 1 << rng.below(64),
        8 => rng.below(1 << 20),
        _ => rng.next_u64(),
    }
}

/// A path or link target: the names the sandbox holds, ways out, and malformed text.
fn path(rng: &mut Rng) -> Vec<u8> {
    const WORDS: &[&str] = &[
        ".",
        "..",
        "/",
        "a",
        "b",
        "c",
        "d",
        "d/a",
        "d/e",
        "d/e/../a",
        "d/..",
        "d/../..",
        "d/./e/",
        "a/",
        "./a",
        "new",
        "d/new",
        "../canary",
        "../canary/secret",
        "../canary.txt",
        "../sandbox/a",
        "/etc/passwd",
        "/tmp",
        "out/secret",
        "outfile",
        "up/canary.txt",
        "up/canary/secret",
        "abs/etc/passwd",
        "dlink/a",
        "dlink/../../canary.txt",
        "loop/x",
        "deep_out",
        // Guest paths through the preopens' names, for WASIX's `chdir` (relative paths fold
        // onto its working directory, `/` at first); elsewhere just absolute paths.
        "/sandbox",
        "/sandbox/d",
        "/sandbox/d/e/..",
        "/ro/d",
        "/sandbox/dlink",
        "/sandbox/../ro",
        "/sandbox/a",
        "/sandbox/loop",
        "/sandbox/up",
        "/sandbox/out",
        "/sandbox/abs/etc",
    ];
    match rng.below(16) {
        0 => vec![b'x'; *rng.pick(&[255, 256, 4095, 4096, 4097, 9000])],
        1 => "d/".repeat(*rng.pick(&[2047, 2048, 100])).into_bytes(),
        2 => "../".repeat(1 + rng.below(40) as usize).into_bytes(),
        3 => rng
            .pick(&[&b"a\0b"[..], b"\xff\xfe", b"d/\xc3", b"", b"\0"])
            .to_vec(),
        4 => {
            // Two words joined: links used as parents, `..` after a link.
            let (a, b) = (rng.pick(WORDS), rng.pick(WORDS));
            format!("{a}/{b}").into_bytes()
        }
        5 => rng.pick(LINKS).0.as_bytes().to_vec(),
        _ => rng.pick(WORDS).as_bytes().to_vec(),
    }
}

/// One preview1 subscription: a clock (timeout under 1 ms, sometimes absolute, sometimes an
/// unknown clock), a descriptor read or write, or an unknown tag. Every 8-byte word is small,
/// so a pointer moved by a multiple of the alignment still reads no long timeout.
///
/// The `first` of an array is always a valid clock: a socket that never becomes ready (the
/// listener once its one connection was accepted) would otherwise make `poll_oneoff` wait
/// forever, as the guest asked.
fn subscription(rng: &mut Rng, first: bool) -> [u8; SUB_SIZE as usize] {
    let mut s = [0u8; SUB_SIZE as usize];
    s[0..8].copy_from_slice(&rng.below(1000).to_le_bytes()); // userdata
    let tag = if first {
        0
    } else {
        *rng.pick(&[0u8, 0, 1, 2, 3, 0xff])
    };
    s[8] = tag;
    if tag == 0 {
        let clocks: &[u32] = if first {
            &[0, 1]
        } else {
            &[0, 1, 2, 3, 4, 1000]
        };
        let clock = *rng.pick(clocks);
        s[16..20].copy_from_slice(&clock.to_le_bytes());
        s[24..32].copy_from_slice(&rng.below(1_000_000).to_le_bytes()); // timeout, ns
        s[32..40].copy_from_slice(&rng.below(1000).to_le_bytes()); // precision
        let all_flags: &[u16] = if first { &[0, 1] } else { &[0, 1, 2, 0xffff] };
        let flags: u16 = *rng.pick(all_flags);
        s[40..42].copy_from_slice(&flags.to_le_bytes());
    } else {
        s[16..20].copy_from_slice(&fd(rng).min(16).to_le_bytes());
    }
    s
}
