//! The files the workloads use, generated in a temporary directory.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::Result;

/// Sizes of the generated data.
pub struct Sizes {
    /// Bytes of `big`, read sequentially and at random offsets.
    pub big: u64,
    /// Entries in `many/`.
    pub entries: usize,
}

/// Creates `f`, `a/b/c/d/f` (depth 5), `big`, `many/` with `entries` files, and `out`.
pub fn generate(root: &Path, sizes: &Sizes) -> Result<()> {
    fs::write(root.join("f"), b"hello\n")?;
    fs::create_dir_all(root.join("a/b/c/d"))?;
    fs::write(root.join("a/b/c/d/f"), b"deep\n")?;
    fs::write(root.join("out"), b"")?;
    let mut big = fs::File::create(root.join("big"))?;
    // Not all zeroes, so no filesystem can store it sparsely.
    let chunk: Vec<u8> = (0..1 << 20)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mut left = sizes.big;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        big.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    let many = root.join("many");
    fs::create_dir(&many)?;
    for i in 0..sizes.entries {
        fs::File::create(many.join(format!("entry-{i:05}")))?;
    }
    Ok(())
}

/// A source-like tree for ripgrep: `dirs` directories of `files` files each, a few lines per
/// file, some of them matching `needle`.
pub fn generate_tree(root: &Path, dirs: usize, files: usize) -> Result<()> {
    let words = [
        "alpha", "beta", "gamma", "delta", "needle", "epsilon", "zeta", "theta",
    ];
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for d in 0..dirs {
        let dir = root.join(format!("dir{d:03}/sub"));
        fs::create_dir_all(&dir)?;
        for f in 0..files {
            let mut text = String::new();
            for line in 0..(20 + f % 40) {
                for _ in 0..8 {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    // "needle" is rare: one word in 64 picks from the full list.
                    let word = if state.is_multiple_of(64) {
                        words[(state >> 8) as usize % 8]
                    } else {
                        words[(state >> 8) as usize % 4]
                    };
                    text.push_str(word);
                    text.push(' ');
                }
                text.push_str(&format!("{line}\n"));
            }
            fs::write(dir.join(format!("file{f:04}.txt")), text)?;
        }
    }
    Ok(())
}
