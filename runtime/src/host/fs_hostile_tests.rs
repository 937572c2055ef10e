//! Filesystem tests for hostile guests (issue 15) and issue 10's conformance answers; run
//! under both resolvers by `fs_tests.rs`.

use std::fs;
use std::os::unix::fs::MetadataExt;

use super::*;

/// A symbolic link to a directory inside the sandbox works as a parent for every call,
/// whichever resolver runs (issue 15: cap-std's answered ENOTDIR).
pub(super) fn symlinked_directories_work_as_parents() {
    let mut s = Sandbox::new();
    s.mkdir("a/b");
    s.write("a/b/f", "x");
    s.write("a/b/g", "y");
    s.link("a/b", "l");
    s.link("../a/b", "a/up");
    s.open("l/f", Oflags::empty(), READ).unwrap();
    s.open("a/b/new", Oflags::CREAT, RW).unwrap();
    assert!(s.path("a/b/new").is_file());
    assert_eq!(s.stat("a/../l/f", FOLLOW).unwrap().size, 1);
    assert_eq!(s.stat("l/f", NOFOLLOW).unwrap().size, 1);
    create_directory(&mut s.ctx, PRE, "l/x").unwrap();
    assert!(s.path("a/b/x").is_dir());
    create_directory(&mut s.ctx, PRE, "a/up/y").unwrap();
    assert!(s.path("a/b/y").is_dir());
    let d = s.open("l", Oflags::DIRECTORY, READ).unwrap();
    assert!(matches!(*s.entry(d).kind, Kind::Dir(_)));
    let d = s.open("l/x", Oflags::DIRECTORY, READ).unwrap();
    assert!(matches!(*s.entry(d).kind, Kind::Dir(_)));
    unlink_file(&mut s.ctx, PRE, "l/f").unwrap();
    assert!(!s.path("a/b/f").exists());
    rename(&mut s.ctx, PRE, "l/g", PRE, "l/h").unwrap();
    assert!(s.path("a/b/h").is_file());
    rename(&mut s.ctx, PRE, "a/up/h", PRE, "l/x/h").unwrap();
    assert!(s.path("a/b/x/h").is_file());
    link(&mut s.ctx, PRE, NOFOLLOW, "l/x/h", PRE, "a/up/h2").unwrap();
    assert!(s.path("a/b/h2").is_file());
    symlink(&mut s.ctx, "h2", PRE, "l/s").unwrap();
    assert_eq!(s.readlink("l/s", 16).unwrap(), b"h2");
    let fst = Fstflags::MTIM;
    filestat_set_times(&mut s.ctx, PRE, NOFOLLOW, "l/h2", 0, 7_000_000_000, fst).unwrap();
    assert_eq!(fs::metadata(s.path("a/b/h2")).unwrap().mtime(), 7);
    filestat_set_times(&mut s.ctx, PRE, FOLLOW, "l/s", 0, 9_000_000_000, fst).unwrap();
    assert_eq!(fs::metadata(s.path("a/b/h2")).unwrap().mtime(), 9);
    remove_directory(&mut s.ctx, PRE, "l/y").unwrap();
    assert!(!s.path("a/b/y").exists());
}

/// Escapes through a symbolic link used as a parent are ENOTCAPABLE for every call that
/// takes a name in that parent, whichever resolver runs.
pub(super) fn escapes_through_linked_parents() {
    let mut s = Sandbox::new();
    let outside = s.root.join("outside");
    s.link(&outside, "abs_dir");
    s.link("../outside", "rel_dir");
    s.mkdir("sub");
    s.link("../../outside", "sub/rel_deep");
    let before = s.outside();
    for dir in ["abs_dir", "rel_dir", "sub/rel_deep", "sub/../rel_dir", ".."] {
        let p = |name: &str| format!("{dir}/{name}");
        let want = Errno::Notcapable;
        assert_eq!(
            err(create_directory(&mut s.ctx, PRE, &p("x"))),
            want,
            "{dir}"
        );
        assert_eq!(
            err(unlink_file(&mut s.ctx, PRE, &p("secret"))),
            want,
            "{dir}"
        );
        assert_eq!(
            err(remove_directory(&mut s.ctx, PRE, &p("x"))),
            want,
            "{dir}"
        );
        assert_eq!(
            err(rename(&mut s.ctx, PRE, &p("secret"), PRE, "got")),
            want,
            "{dir}"
        );
        assert_eq!(
            err(symlink(&mut s.ctx, "x", PRE, &p("planted"))),
            want,
            "{dir}"
        );
        assert_eq!(
            err(link(&mut s.ctx, PRE, NOFOLLOW, &p("secret"), PRE, "got")),
            want,
            "{dir}"
        );
        let fst = Fstflags::MTIM;
        assert_eq!(
            err(filestat_set_times(
                &mut s.ctx,
                PRE,
                NOFOLLOW,
                &p("secret"),
                0,
                0,
                fst
            )),
            want,
            "{dir}"
        );
        assert_eq!(s.stat(&p("secret"), NOFOLLOW), Err(want), "{dir}");
        assert_eq!(s.readlink(&p("secret"), 16), Err(want), "{dir}");
        assert_eq!(
            s.open(&p("secret"), Oflags::empty(), READ),
            Err(want),
            "{dir}"
        );
        assert_eq!(s.open(dir, Oflags::DIRECTORY, READ), Err(want), "{dir}");
    }
    assert_eq!(s.outside(), before);
    assert!(!s.path("got").exists());
}

/// `..` of the sandbox's root is masked in listings of any descriptor of that directory, not
/// only the preopen's own (issue 15).
pub(super) fn dotdot_of_the_sandbox_root_is_masked() {
    let mut s = Sandbox::new();
    s.mkdir("sub");
    let root_ino = fs::metadata(s.path("")).unwrap().ino();
    let parent_ino = fs::metadata(&s.root).unwrap().ino();
    assert_ne!(root_ino, parent_ino);
    let via_pre = s.list(PRE, 4096);
    let dot = s.open(".", Oflags::DIRECTORY, READ).unwrap();
    let via_dot = s.list(dot, 4096);
    let back = s.open("sub/..", Oflags::DIRECTORY, READ).unwrap();
    let via_back = s.list(back, 4096);
    for list in [&via_pre, &via_dot, &via_back] {
        assert_eq!(&names(list)[..2], [".", ".."]);
        assert_eq!(list[0].1, root_ino);
        assert_eq!(list[1].1, root_ino, "the parent's inode leaked");
    }
    // A directory below the root reports its real parent, which is inside.
    let sub = s.open("sub", Oflags::DIRECTORY, READ).unwrap();
    let list = s.list(sub, 4096);
    assert_eq!(list[1].1, root_ino);
    assert_eq!(list[0].1, fs::metadata(s.path("sub")).unwrap().ino());
}

/// Paths of `PATH_MAX` bytes or more are refused before the host copies or converts them;
/// one byte less is an ordinary path.
pub(super) fn long_paths_are_refused() {
    let mut s = Sandbox::new();
    let max = crate::limits::PATH_MAX;
    let long = "a/".repeat(max / 2);
    assert_eq!(long.len(), max);
    let fine = &long[..max - 1];
    let nt = Errno::Nametoolong;
    assert_eq!(s.open(&long, Oflags::CREAT, RW), Err(nt));
    assert_eq!(s.open(fine, Oflags::CREAT, RW), Err(Errno::Noent));
    assert_eq!(s.stat(&long, NOFOLLOW), Err(nt));
    assert_eq!(s.stat(&long, FOLLOW), Err(nt));
    assert_eq!(s.stat(fine, NOFOLLOW), Err(Errno::Noent));
    assert_eq!(s.readlink(&long, 16), Err(nt));
    assert_eq!(err(create_directory(&mut s.ctx, PRE, &long)), nt);
    assert_eq!(err(remove_directory(&mut s.ctx, PRE, &long)), nt);
    assert_eq!(err(unlink_file(&mut s.ctx, PRE, &long)), nt);
    assert_eq!(err(rename(&mut s.ctx, PRE, &long, PRE, "x")), nt);
    assert_eq!(err(rename(&mut s.ctx, PRE, "x", PRE, &long)), nt);
    assert_eq!(err(link(&mut s.ctx, PRE, FOLLOW, &long, PRE, "x")), nt);
    assert_eq!(err(symlink(&mut s.ctx, "x", PRE, &long)), nt);
    assert_eq!(err(symlink(&mut s.ctx, &long, PRE, "x")), nt);
    let fst = Fstflags::MTIM_NOW;
    assert_eq!(
        err(filestat_set_times(
            &mut s.ctx, PRE, FOLLOW, &long, 0, 0, fst
        )),
        nt
    );
    // A single component of that length too (no '/' in it).
    let name = "n".repeat(max);
    assert_eq!(s.open(&name, Oflags::CREAT, RW), Err(nt));
    assert_eq!(s.stat(&name, NOFOLLOW), Err(nt));
    assert!(fs::read_dir(s.path("")).unwrap().next().is_none());
}

/// `path_open` asking for a directory with the write right: EISDIR on a directory, as Linux's
/// `open(dir, O_DIRECTORY | O_WRONLY)` (issue 10); other errors come first.
pub(super) fn open_directory_for_writing_is_eisdir() {
    let mut s = Sandbox::new();
    s.mkdir("d");
    s.write("f", "x");
    assert_eq!(s.open("d", Oflags::DIRECTORY, RW), Err(Errno::Isdir));
    assert_eq!(s.open(".", Oflags::DIRECTORY, RW), Err(Errno::Isdir));
    assert_eq!(
        s.open("d", Oflags::DIRECTORY, Rights::FD_WRITE),
        Err(Errno::Isdir)
    );
    assert_eq!(s.open("f", Oflags::DIRECTORY, RW), Err(Errno::Notdir));
    assert_eq!(s.open("nope", Oflags::DIRECTORY, RW), Err(Errno::Noent));
    // Without the write right, a directory opens.
    s.open("d", Oflags::DIRECTORY, READ).unwrap();
    // Nothing leaked into the table: only stdio, two preopens and that one.
    assert!(s.ctx.table.get(Fd(5), Rights::empty()).is_ok());
    assert!(s.ctx.table.get(Fd(6), Rights::empty()).is_err());
}
