//! Standard streams for embedders and tests: stdin from bytes, stdout and stderr into a
//! buffer or any `Write`.
//!
//! - [`Stdio::from_bytes`]: the guest reads these bytes, then end of file.
//! - [`Stdio::capture`]: the guest's output is kept in memory; [`Captured::contents`] reads it.
//! - [`Stdio::pipe_to`]: the guest's output goes to a `Write` as it is written, through a pipe
//!   that a helper thread empties; [`Pumped::finish`] returns the writer with every byte.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::thread::JoinHandle;

use crate::Stdio;

/// An anonymous in-memory file (no name anywhere in the filesystem).
fn memory_file(name: &str) -> io::Result<File> {
    let fd = rustix::fs::memfd_create(name, rustix::fs::MemfdFlags::CLOEXEC)?;
    Ok(File::from(fd))
}

impl Stdio {
    /// A stdin that reads `bytes`, then end of file. The bytes live in an anonymous in-memory
    /// file, so no thread feeds them and nothing blocks however many there are.
    pub fn from_bytes(bytes: impl AsRef<[u8]>) -> io::Result<Stdio> {
        let mut file = memory_file("wasi-host-stdin")?;
        file.write_all(bytes.as_ref())?;
        file.seek(SeekFrom::Start(0))?;
        Ok(Stdio::File(file))
    }

    /// An output stream kept in memory (an anonymous in-memory file), and the handle that
    /// reads what the guest wrote. Nothing is lost and nothing blocks: the bytes are there as
    /// soon as the guest's write returns.
    pub fn capture() -> io::Result<(Stdio, Captured)> {
        let file = memory_file("wasi-host-output")?;
        let reader = file.try_clone()?;
        Ok((Stdio::File(file), Captured { file: reader }))
    }

    /// An output stream that a helper thread copies into `out` as the guest writes (a pipe
    /// between them). [`Pumped::finish`] waits until every copy of the pipe's write end is
    /// closed, so drop the [`WasiCtx`](crate::WasiCtx) (or the store holding it) first.
    pub fn pipe_to<W: Write + Send + 'static>(mut out: W) -> io::Result<(Stdio, Pumped<W>)> {
        let (read, write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
        let mut read = File::from(read);
        let thread = std::thread::Builder::new()
            .name("wasi-host-stdio".into())
            .spawn(move || -> io::Result<W> {
                io::copy(&mut read, &mut out)?;
                out.flush()?;
                Ok(out)
            })?;
        Ok((Stdio::File(File::from(write)), Pumped { thread }))
    }
}

/// What the guest wrote to a [`Stdio::capture`] stream.
#[derive(Debug)]
pub struct Captured {
    file: File,
}

impl Captured {
    /// Everything written so far.
    pub fn contents(&self) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        // Through a duplicate positioned at the start: the guest's offset is not touched
        // (the duplicate shares it, so it is read with positioned reads).
        let mut offset = 0u64;
        let mut chunk = vec![0u8; 64 << 10];
        loop {
            let n = rustix::io::pread(&self.file, &mut chunk[..], offset)?;
            if n == 0 {
                return Ok(out);
            }
            out.extend_from_slice(&chunk[..n]);
            offset += n as u64;
        }
    }

    /// Everything written so far, as text (invalid UTF-8 replaced).
    pub fn contents_string(&self) -> io::Result<String> {
        Ok(String::from_utf8_lossy(&self.contents()?).into_owned())
    }

    /// Copies everything written so far to `out`.
    pub fn copy_to(&self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(&self.contents()?)
    }
}

/// The helper thread of a [`Stdio::pipe_to`] stream.
#[derive(Debug)]
pub struct Pumped<W> {
    thread: JoinHandle<io::Result<W>>,
}

impl<W> Pumped<W> {
    /// Waits for the end of the stream (every copy of its write end closed: drop the context
    /// first) and returns the writer, which has received every byte.
    pub fn finish(self) -> io::Result<W> {
        self.thread
            .join()
            .map_err(|_| io::Error::other("the stdio pump thread panicked"))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn from_bytes_reads_back_then_eof() {
        let Stdio::File(mut f) = Stdio::from_bytes(b"abc").unwrap() else {
            panic!("a file")
        };
        let mut s = String::new();
        f.read_to_string(&mut s).unwrap();
        assert_eq!(s, "abc");
    }

    #[test]
    fn capture_sees_every_write() {
        let (stdio, captured) = Stdio::capture().unwrap();
        let Stdio::File(mut f) = stdio else {
            panic!("a file")
        };
        f.write_all(b"one ").unwrap();
        assert_eq!(captured.contents().unwrap(), b"one ");
        f.write_all(&[b'x'; 100_000]).unwrap();
        assert_eq!(captured.contents().unwrap().len(), 100_004);
    }

    #[test]
    fn pipe_to_delivers_everything_after_close() {
        let (stdio, pumped) = Stdio::pipe_to(Vec::new()).unwrap();
        let Stdio::File(mut f) = stdio else {
            panic!("a file")
        };
        // More than a pipe holds, so the thread must drain while we write.
        let data: Vec<u8> = (0..300_000u32).map(|i| i as u8).collect();
        f.write_all(&data).unwrap();
        drop(f);
        assert_eq!(pumped.finish().unwrap(), data);
    }
}
