//! From a path to a [`Module`]: reading the file safely, the checks that need no compiler, and
//! compiling through the cache or loading a precompiled file.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use wasmparser::{CompositeInnerType, Encoding, ExternalKind, Parser, Payload, TypeRef};
use wasmtime::{Cache, CacheConfig, Config, Engine, Module};

use super::{SetupError, chain};

/// The largest program file read. A bound is needed because the file is read whole before
/// anything else happens; 1 GiB is far above any module wasmtime compiles in reasonable time.
pub const MAX_PROGRAM_BYTES: u64 = 1 << 30;

/// What a program file holds.
pub enum Program {
    /// A core wasm module in the binary format (text is converted on reading).
    Wasm(Vec<u8>),
    /// A module compiled ahead of time by `wasi-host compile` (or `wasmtime compile`).
    Precompiled(Vec<u8>),
}

/// Reads `path` (a regular file of at most [`MAX_PROGRAM_BYTES`]) and tells what it holds.
pub fn read_program(path: &str) -> Result<Program, SetupError> {
    let cannot = |why: String| SetupError::Read {
        path: path.to_string(),
        why,
    };
    // Non-blocking so that a FIFO put in the file's place cannot hang the open; a regular
    // file ignores the flag.
    let mut file = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| cannot(e.to_string()))?;
    let meta = file.metadata().map_err(|e| cannot(e.to_string()))?;
    if !meta.is_file() {
        return Err(cannot(format!("not a regular file ({})", kind(&meta))));
    }
    if meta.len() > MAX_PROGRAM_BYTES {
        return Err(cannot(format!(
            "{} bytes is above the limit of {MAX_PROGRAM_BYTES} bytes",
            meta.len()
        )));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow while it is read; never read more than the bound.
    (&mut file)
        .take(MAX_PROGRAM_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| cannot(e.to_string()))?;
    if bytes.len() as u64 > MAX_PROGRAM_BYTES {
        return Err(cannot(format!(
            "it is above the limit of {MAX_PROGRAM_BYTES} bytes"
        )));
    }
    classify(path, bytes)
}

fn kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a plain file"
    }
}

fn classify(path: &str, bytes: Vec<u8>) -> Result<Program, SetupError> {
    let invalid = |why: String| SetupError::Invalid {
        path: path.to_string(),
        why,
    };
    if bytes.is_empty() {
        return Err(invalid("the file is empty".into()));
    }
    if bytes.starts_with(b"\0asm") {
        return Ok(Program::Wasm(bytes));
    }
    if bytes.starts_with(b"\x7fELF") {
        return Ok(Program::Precompiled(bytes));
    }
    match std::str::from_utf8(&bytes) {
        Ok(text) => wat::parse_str(text)
            .map(Program::Wasm)
            .map_err(|e| invalid(e.to_string())),
        Err(_) => Err(invalid(
            "not WebAssembly (bad magic: neither the binary format, which starts with `\\0asm`, \
             nor text)"
                .into(),
        )),
    }
}

/// What the cheap checks need from the module.
pub struct Shape {
    /// Every import, as (module, name).
    pub imports: Vec<(String, String)>,
    /// Whether a function export named `_start` exists, and if so whether it takes and returns
    /// nothing.
    pub start: Option<bool>,
}

/// Reads the type, import, function and export sections of a binary module, stopping before
/// the code: a component, or a section that does not parse, is found without compiling.
pub fn shape(path: &str, bytes: &[u8]) -> Result<Shape, SetupError> {
    let invalid = |why: String| SetupError::Invalid {
        path: path.to_string(),
        why,
    };
    let mut types: Vec<Option<bool>> = Vec::new();
    let mut funcs: Vec<u32> = Vec::new();
    let mut shape = Shape {
        imports: Vec::new(),
        start: None,
    };
    let mut start_index = None;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| invalid(e.to_string()))? {
            Payload::Version {
                encoding: Encoding::Component,
                ..
            } => return Err(SetupError::Component(path.to_string())),
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group.map_err(|e| invalid(e.to_string()))?.into_types() {
                        types.push(match &sub.composite_type.inner {
                            CompositeInnerType::Func(f) => {
                                Some(f.params().is_empty() && f.results().is_empty())
                            }
                            _ => None,
                        });
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(|e| invalid(e.to_string()))?;
                    if let TypeRef::Func(ty) = import.ty {
                        funcs.push(ty);
                    }
                    shape
                        .imports
                        .push((import.module.to_string(), import.name.to_string()));
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    funcs.push(ty.map_err(|e| invalid(e.to_string()))?);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(|e| invalid(e.to_string()))?;
                    if export.name == "_start" {
                        start_index = Some((export.kind, export.index));
                    }
                }
            }
            // Everything a check needs comes before the code.
            Payload::CodeSectionStart { .. } | Payload::End(_) => break,
            _ => {}
        }
    }
    shape.start = start_index.map(|(kind, index)| {
        kind == ExternalKind::Func
            && funcs
                .get(index as usize)
                .and_then(|&ty| types.get(ty as usize).copied().flatten())
                .unwrap_or(false)
    });
    Ok(shape)
}

/// Where the compile cache lives, and whether it was asked for by name.
pub struct CacheDir {
    /// The directory (absolute).
    pub path: PathBuf,
    /// Given with `-C cache-dir`: failing to use it is an error rather than a silent
    /// compile without the cache.
    pub explicit: bool,
}

/// `-C cache-dir`, else `$XDG_CACHE_HOME/wasi-host`, else `$HOME/.cache/wasi-host`; `None`
/// when none of them is known.
pub fn cache_dir(given: Option<&Path>) -> Option<CacheDir> {
    if let Some(dir) = given {
        let path = if dir.is_absolute() {
            dir.to_path_buf()
        } else {
            std::env::current_dir().ok()?.join(dir)
        };
        return Some(CacheDir {
            path,
            explicit: true,
        });
    }
    let from_env = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    let path = from_env("XDG_CACHE_HOME")
        .map(|d| d.join("wasi-host"))
        .or_else(|| from_env("HOME").map(|h| h.join(".cache").join("wasi-host")))?;
    Some(CacheDir {
        path,
        explicit: false,
    })
}

/// The soft bound on the cache's total size: past it, the oldest entries are evicted.
pub const CACHE_SIZE_LIMIT: u64 = 512 << 20;
/// The soft bound on the number of files (two per entry).
pub const CACHE_FILE_LIMIT: u64 = 4096;
/// How often at most (per cache directory) an eviction pass runs.
pub const CACHE_CLEANUP_INTERVAL: Duration = Duration::from_secs(60);

/// Compiles `wasm` for `config` through the compile cache in `dir`, returning a module of
/// `engine` (which must have been built from `config`).
///
/// wasmtime keeps its cache's worker thread alive for as long as the engine that owns the
/// cache. The guest must run on the process's only thread (see
/// [`crate::compile_module`]), so the cache gets an engine of its own: the module is
/// compiled or loaded there, serialised, and loaded again into `engine` once the cache engine
/// and its worker are gone.
pub fn compile_cached(
    config: &Config,
    engine: &Engine,
    wasm: &[u8],
    dir: &CacheDir,
    path: &str,
) -> Result<Module, SetupError> {
    let cache = match open_cache(&dir.path) {
        Ok(cache) => cache,
        Err(why) if dir.explicit => {
            return Err(SetupError::Cache {
                dir: dir.path.display().to_string(),
                why,
            });
        }
        // The default cache is an optimisation: without it, compile as before.
        Err(_) => return compile_uncached(engine, wasm, path),
    };
    let serialized = {
        let mut config = config.clone();
        config.cache(Some(cache));
        // Profilers register code as it is loaded: only the engine the guest runs in should.
        config.profiler(wasmtime::ProfilingStrategy::None);
        let cache_engine = Engine::new(&config).map_err(|e| SetupError::Engine(chain(&e)))?;
        let module = compile_uncached(&cache_engine, wasm, path)?;
        module
            .serialize()
            .map_err(|e| SetupError::Engine(chain(&e)))?
    };
    wait_for_other_threads();
    // SAFETY: the bytes were produced by `Module::serialize` in this process, from an engine
    // with the same compilation settings, and have not left memory since.
    unsafe { Module::deserialize(engine, &serialized) }.map_err(|e| SetupError::Engine(chain(&e)))
}

/// Compiles without the cache.
pub fn compile_uncached(engine: &Engine, wasm: &[u8], path: &str) -> Result<Module, SetupError> {
    crate::compile_module(engine, wasm).map_err(|e| SetupError::Invalid {
        path: path.to_string(),
        why: chain(&e),
    })
}

fn open_cache(dir: &Path) -> Result<Cache, String> {
    refuse_foreign_directory(dir)?;
    let mut config = CacheConfig::new();
    config
        .with_directory(dir)
        .with_files_total_size_soft_limit(CACHE_SIZE_LIMIT)
        .with_file_count_soft_limit(CACHE_FILE_LIMIT)
        .with_cleanup_interval(CACHE_CLEANUP_INTERVAL)
        // Never recompress an entry at a higher zstd level in the background: that can take
        // seconds for a large module, and the guest waits for the worker to finish.
        .with_optimized_compression_usage_counter_threshold(u64::MAX);
    Cache::new(config).map_err(|e| chain(&e))
}

/// wasmtime's eviction pass deletes whatever in the cache directory it does not recognise,
/// recursively. A directory that already holds other things (`-C cache-dir=$HOME` by mistake)
/// is refused rather than emptied.
fn refuse_foreign_directory(dir: &Path) -> Result<(), String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.to_string()),
    };
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name != "modules" && !name.starts_with(".cleanup") {
            return Err(format!(
                "it holds `{name}`, which is not part of a wasi-host cache; the cache's eviction \
                 would delete it (choose an empty or new directory)"
            ));
        }
    }
    Ok(())
}

/// Waits (briefly) until this is the process's only thread again: the cache worker leaves once
/// its engine is dropped, after finishing the bookkeeping it was sent.
fn wait_for_other_threads() {
    let deadline = Instant::now() + Duration::from_secs(2);
    while thread_count().is_some_and(|n| n > 1) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// The number of threads of this process (Linux), from `/proc/self/stat`.
fn thread_count() -> Option<usize> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces); the
    // thread count is field 20 of the whole line, the 18th after the name.
    let after = &stat[stat.rfind(')')? + 2..];
    after.split(' ').nth(17)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_decides_the_kind() {
        let p = |b: &[u8]| classify("p", b.to_vec());
        assert!(matches!(p(b"\0asm\x01\0\0\0"), Ok(Program::Wasm(_))));
        assert!(matches!(p(b"\x7fELF\x02"), Ok(Program::Precompiled(_))));
        assert!(matches!(p(b"(module)"), Ok(Program::Wasm(_))));
        let e = p(b"\x89PNG\r\n\x1a\n\xff").err().unwrap().to_string();
        assert!(e.contains("bad magic"), "{e}");
        let e = p(b"").err().unwrap().to_string();
        assert!(e.contains("empty"), "{e}");
    }

    #[test]
    fn shape_finds_start_imports_and_components() {
        let wasm = wat::parse_str(
            r#"(module (import "m" "f" (func)) (func $s) (func $t (param i32))
                (export "_start" (func $s)) (export "t" (func $t)))"#,
        )
        .unwrap();
        let s = shape("p", &wasm).unwrap();
        assert_eq!(s.start, Some(true));
        assert_eq!(s.imports, [("m".to_string(), "f".to_string())]);
        let wasm = wat::parse_str(r#"(module (func $t (param i32)) (export "_start" (func $t)))"#)
            .unwrap();
        assert_eq!(shape("p", &wasm).unwrap().start, Some(false));
        let wasm = wat::parse_str("(module)").unwrap();
        assert_eq!(shape("p", &wasm).unwrap().start, None);
        let wasm = wat::parse_str("(component)").unwrap();
        assert!(matches!(shape("p", &wasm), Err(SetupError::Component(_))));
    }

    #[test]
    fn this_process_counts_its_threads() {
        // Other tests come and go on threads of this process: only a lower bound is stable.
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || rx.recv());
        assert!(thread_count().unwrap() >= 2);
        drop(tx);
        let _ = t.join();
    }
}
