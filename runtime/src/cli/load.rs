//! From a path to a [`Module`]: reading the file safely, the checks that need no compiler, and
//! compiling through the cache or loading a precompiled file.

use std::fs::File;
use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use wasmparser::{CompositeInnerType, Encoding, ExternalKind, Parser, Payload, TypeRef};
use wasmtime::{Engine, Module, Precompiled};

use super::cache::Cache;

use super::{SetupError, chain};

/// The largest program file read. A bound is needed because the file is read whole before
/// anything else happens; 1 GiB is far above any module wasmtime compiles in reasonable time.
pub const MAX_PROGRAM_BYTES: u64 = 1 << 30;

/// What a program file holds.
pub enum Program {
    /// A core wasm module in the binary format (text is converted on reading).
    Wasm(Vec<u8>),
    /// A module compiled ahead of time by `wasi-host compile` (or `wasmtime compile`): the
    /// open file, which is mapped into memory rather than read (a large module's code is then
    /// neither read nor copied before it runs: ripgrep's 10 MB load in a third of the time).
    Precompiled(File),
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
    let mut magic = [0u8; 4];
    let head = read_head(&mut file, &mut magic).map_err(|e| cannot(e.to_string()))?;
    if magic[..head] == *b"\x7fELF" {
        return precompiled(path, file);
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    bytes.extend_from_slice(&magic[..head]);
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

/// Reads up to `buf.len()` bytes from the start of `file` (fewer only at its end).
fn read_head(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// An ELF file: a module precompiled by wasmtime, or an error saying what else it is.
fn precompiled(path: &str, file: File) -> Result<Program, SetupError> {
    // Read through the descriptor already open (`/dev/fd/N` is the same file), not through
    // `path` again: what was checked to be a regular file is what is read. An ELF file wasmtime
    // cannot parse is not one it made.
    let same_file = format!("/dev/fd/{}", file.as_raw_fd());
    let detected = Engine::detect_precompiled_file(&same_file).unwrap_or(None);
    match detected {
        Some(Precompiled::Module) => Ok(Program::Precompiled(file)),
        Some(_) => Err(SetupError::Component(path.to_string())),
        None => Err(SetupError::Invalid {
            path: path.to_string(),
            why: "not WebAssembly (bad magic: an ELF file, and not one precompiled by wasmtime)"
                .into(),
        }),
    }
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
    /// The imports that are memories (a threaded module imports its shared memory).
    pub memory_imports: Vec<(String, String)>,
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
        memory_imports: Vec::new(),
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
                    match import.ty {
                        TypeRef::Func(ty) => funcs.push(ty),
                        TypeRef::Memory(_) => shape
                            .memory_imports
                            .push((import.module.to_string(), import.name.to_string())),
                        _ => {}
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

/// Compiles `wasm` for `engine`, through the compile cache in `dir` when there is one.
pub fn compile(
    engine: &Engine,
    wasm: &[u8],
    path: &str,
    dir: Option<&CacheDir>,
) -> Result<Module, SetupError> {
    let Some(dir) = dir else {
        return compile_uncached(engine, wasm, path);
    };
    let cache = match Cache::open(&dir.path) {
        Ok(cache) => cache,
        Err(e) if dir.explicit => {
            return Err(SetupError::Cache {
                dir: dir.path.display().to_string(),
                why: e.to_string(),
            });
        }
        // The default cache only saves time: without it, compile as before.
        Err(_) => return compile_uncached(engine, wasm, path),
    };
    let entry = cache.entry_path(engine, wasm);
    if let Some(module) = cache.load(engine, &entry) {
        return Ok(module);
    }
    let module = compile_uncached(engine, wasm, path)?;
    cache.store(&module, &entry);
    Ok(module)
}

/// Compiles without the cache, leaving no compiler thread behind.
pub fn compile_uncached(engine: &Engine, wasm: &[u8], path: &str) -> Result<Module, SetupError> {
    crate::compile_module(engine, wasm).map_err(|e| SetupError::Invalid {
        path: path.to_string(),
        why: chain(&e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_decides_the_kind() {
        let p = |b: &[u8]| classify("p", b.to_vec());
        assert!(matches!(p(b"\0asm\x01\0\0\0"), Ok(Program::Wasm(_))));
        // ELF files are told apart by wasmtime's own section, read from the open file.
        let file = tempfile::NamedTempFile::new().unwrap();
        let path = file.path().to_str().unwrap();
        std::fs::write(file.path(), b"\x7fELF\x02\x01\x01").unwrap();
        let e = read_program(path).err().unwrap().to_string();
        assert!(e.contains("not one precompiled by wasmtime"), "{e}");
        let cwasm = Engine::default().precompile_module(b"(module)").unwrap();
        std::fs::write(file.path(), &cwasm).unwrap();
        assert!(matches!(read_program(path), Ok(Program::Precompiled(_))));
        let component = Engine::default()
            .precompile_component(b"(component)")
            .unwrap();
        std::fs::write(file.path(), &component).unwrap();
        assert!(matches!(read_program(path), Err(SetupError::Component(_))));
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
}
