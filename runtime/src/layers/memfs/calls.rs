//! The preview1 calls: served from memory on descriptors inside the mount, passed to the
//! inner host otherwise.

use super::tree::{Entries, MAX_LINK_TARGET, now, room_for_node};
use super::{MAX_FILE_SIZE, MAX_TREE_BYTES, MemFs, Node, Open, Out, rights};
use crate::guest::{GuestBufMut, Iovecs, IovecsMut};
use crate::preview1::{
    Advice, Dircookie, Errno, Fd, Fdflags, Fdstat, Filedelta, Filesize, Filestat, Filetype,
    Fstflags, Lookupflags, Oflags, Rights, Size, Timestamp, WasiSnapshotPreview1,
    WasiSnapshotPreview1Delegate, Whence,
};

impl<H: WasiSnapshotPreview1> WasiSnapshotPreview1Delegate for MemFs<H> {
    fn fd_close(&mut self, fd: Fd) -> Out<()> {
        self.forget(fd);
        self.inner.fd_close(fd)
    }

    fn fd_renumber(&mut self, fd: Fd, to: Fd) -> Out<()> {
        // The inner host moves the number (each descriptor in memory holds an inner one) and
        // checks both ends; only then does the memory side follow it.
        self.inner.fd_renumber(fd, to)?;
        if fd == to {
            return Ok(());
        }
        // What `to` held is closed; then `fd`'s descriptor, if in memory, takes its number.
        self.forget(to);
        if let Some(open) = self.open.remove(&fd.0) {
            if fd.0 == self.root {
                self.root = to.0;
            }
            self.open.insert(to.0, open);
        }
        Ok(())
    }

    fn fd_fdstat_get(&mut self, fd: Fd) -> Out<Fdstat> {
        let Some(open) = self.open.get(&fd.0) else {
            return self.inner.fd_fdstat_get(fd);
        };
        let filetype = self.tree.filestat(open.node).filetype;
        Ok(Fdstat {
            fs_filetype: filetype,
            fs_flags: open.flags,
            fs_rights_base: rights(filetype),
            fs_rights_inheriting: rights(Filetype::Directory) | rights(Filetype::RegularFile),
        })
    }

    fn fd_fdstat_set_flags(&mut self, fd: Fd, flags: Fdflags) -> Out<()> {
        match self.get(fd) {
            Some(open) => {
                open.flags = flags;
                Ok(())
            }
            None => self.inner.fd_fdstat_set_flags(fd, flags),
        }
    }

    fn fd_filestat_get(&mut self, fd: Fd) -> Out<Filestat> {
        match self.open.get(&fd.0) {
            Some(open) => Ok(self.tree.filestat(open.node)),
            None => self.inner.fd_filestat_get(fd),
        }
    }

    fn fd_filestat_set_size(&mut self, fd: Fd, size: Filesize) -> Out<()> {
        let Some(open) = self.open.get(&fd.0) else {
            return self.inner.fd_filestat_set_size(fd, size);
        };
        if !open.write {
            return Err(Errno::Badf.into());
        }
        if size > MAX_FILE_SIZE {
            return Err(Errno::Fbig.into());
        }
        let node = open.node;
        let old = self.file_data(node)?.len() as u64;
        let bytes = self.tree.bytes - old + size;
        if size > old && bytes > MAX_TREE_BYTES {
            return Err(Errno::Nospc.into());
        }
        self.tree.bytes = bytes;
        self.file_data(node)?.resize(size as usize, 0);
        self.tree.modified(node);
        Ok(())
    }

    fn fd_advise(&mut self, fd: Fd, offset: Filesize, len: Filesize, advice: Advice) -> Out<()> {
        match self.open.get(&fd.0) {
            Some(open) => self.file_data(open.node).map(drop).map_err(Into::into),
            None => self.inner.fd_advise(fd, offset, len, advice),
        }
    }

    fn fd_allocate(&mut self, fd: Fd, offset: Filesize, len: Filesize) -> Out<()> {
        let Some(open) = self.open.get(&fd.0) else {
            return self.inner.fd_allocate(fd, offset, len);
        };
        if !open.write {
            return Err(Errno::Badf.into());
        }
        let node = open.node;
        let end = offset.checked_add(len).ok_or(Errno::Fbig)?;
        let size = self.file_data(node)?.len() as u64;
        if end <= size {
            return Ok(());
        }
        WasiSnapshotPreview1Delegate::fd_filestat_set_size(self, fd, end)
    }

    fn fd_filestat_set_times(
        &mut self,
        fd: Fd,
        atim: Timestamp,
        mtim: Timestamp,
        fst_flags: Fstflags,
    ) -> Out<()> {
        match self.open.get(&fd.0) {
            Some(open) => self.set_times(open.node, atim, mtim, fst_flags),
            None => self.inner.fd_filestat_set_times(fd, atim, mtim, fst_flags),
        }
    }

    fn fd_read(&mut self, fd: Fd, iovs: IovecsMut<'_>) -> Out<Size> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.fd_read(fd, iovs);
        }
        self.read_at(fd, iovs, None)
    }

    fn fd_pread(&mut self, fd: Fd, iovs: IovecsMut<'_>, offset: Filesize) -> Out<Size> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.fd_pread(fd, iovs, offset);
        }
        self.read_at(fd, iovs, Some(offset))
    }

    fn fd_write(&mut self, fd: Fd, iovs: Iovecs<'_>) -> Out<Size> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.fd_write(fd, iovs);
        }
        self.write_at(fd, iovs, None)
    }

    fn fd_pwrite(&mut self, fd: Fd, iovs: Iovecs<'_>, offset: Filesize) -> Out<Size> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.fd_pwrite(fd, iovs, offset);
        }
        self.write_at(fd, iovs, Some(offset))
    }

    fn fd_seek(&mut self, fd: Fd, offset: Filedelta, whence: Whence) -> Out<Filesize> {
        let Some(open) = self.open.get(&fd.0) else {
            return self.inner.fd_seek(fd, offset, whence);
        };
        let (node, pos) = (open.node, open.pos);
        let len = self.file_data(node)?.len() as i128;
        let base = match whence {
            Whence::Set => 0,
            Whence::Cur => pos as i128,
            Whence::End => len,
        };
        let new = base + offset as i128;
        if new < 0 || new > i64::MAX as i128 {
            return Err(Errno::Inval.into());
        }
        if let Some(open) = self.get(fd) {
            open.pos = new as u64;
        }
        Ok(new as u64)
    }

    fn fd_tell(&mut self, fd: Fd) -> Out<Filesize> {
        match self.open.get(&fd.0) {
            Some(open) => Ok(open.pos),
            None => self.inner.fd_tell(fd),
        }
    }

    fn fd_sync(&mut self, fd: Fd) -> Out<()> {
        if self.open.contains_key(&fd.0) {
            return Ok(());
        }
        self.inner.fd_sync(fd)
    }

    fn fd_datasync(&mut self, fd: Fd) -> Out<()> {
        if self.open.contains_key(&fd.0) {
            return Ok(());
        }
        self.inner.fd_datasync(fd)
    }

    fn fd_readdir(&mut self, fd: Fd, mut buf: GuestBufMut<'_>, cookie: Dircookie) -> Out<Size> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.fd_readdir(fd, buf, cookie);
        }
        let dir = self.dir_of(fd)?;
        let Node::Dir(entries) = &self.tree.nodes[dir] else {
            return Err(Errno::Notdir.into());
        };
        let parent = self
            .ancestry(dir)
            .iter()
            .rev()
            .nth(1)
            .copied()
            .unwrap_or(dir);
        // Cookies: 0 starts at `.`, 1 at `..`, and 2 + p at the entry added at position p
        // (`Entries`), so that removing an entry never moves the others.
        let mut list: Vec<(u64, &str, usize)> = Vec::new();
        if cookie == 0 {
            list.push((1, ".", dir));
        }
        if cookie <= 1 {
            list.push((2, "..", parent));
        }
        let mut bytes = Vec::new();
        let rest = entries
            .listing(cookie.saturating_sub(2))
            .map(|(position, name, n)| (position.saturating_add(3), name, n));
        for (next, name, n) in list.into_iter().chain(rest) {
            if bytes.len() >= buf.len() {
                break;
            }
            bytes.extend_from_slice(&next.to_le_bytes());
            bytes.extend_from_slice(&(n as u64).to_le_bytes());
            bytes.extend_from_slice(&(name.len() as u32).to_le_bytes());
            bytes.push(self.tree.filetype(n) as u8);
            bytes.extend_from_slice(&[0; 3]);
            bytes.extend_from_slice(name.as_bytes());
        }
        let n = bytes.len().min(buf.len());
        Ok(buf.write_at(0, &bytes[..n]) as Size)
    }

    fn path_open(
        &mut self,
        fd: Fd,
        dirflags: Lookupflags,
        path: &str,
        oflags: Oflags,
        fs_rights_base: Rights,
        fs_rights_inheriting: Rights,
        fdflags: Fdflags,
    ) -> Out<Fd> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.path_open(
                fd,
                dirflags,
                path,
                oflags,
                fs_rights_base,
                fs_rights_inheriting,
                fdflags,
            );
        }
        let dir = self.dir_of(fd)?;
        let follow = dirflags.contains(Lookupflags::SYMLINK_FOLLOW);
        let node = match self.resolve(dir, path, follow)? {
            Some(_) if oflags.contains(Oflags::CREAT | Oflags::EXCL) => {
                return Err(Errno::Exist.into());
            }
            Some(n) => n,
            None if oflags.contains(Oflags::CREAT) => {
                let (parent, name) = self.parent(dir, path)?;
                let (parent, name) = match self.tree.child(parent, name) {
                    None => (parent, name.to_string()),
                    // A dangling symbolic link: with `EXCL` the name is taken, as POSIX has
                    // it; otherwise the file is made where the link points.
                    Some(_) if oflags.contains(Oflags::EXCL) => return Err(Errno::Exist.into()),
                    Some(_) => self.link_creation_point(dir, path)?,
                };
                room_for_node(&self.tree)?;
                self.tree.insert(parent, &name, Node::File(Vec::new()))
            }
            None => return Err(Errno::Noent.into()),
        };
        if matches!(self.tree.nodes[node], Node::Symlink(_)) {
            // Not followed (no SYMLINK_FOLLOW): O_NOFOLLOW's answer.
            return Err(Errno::Loop.into());
        }
        let is_dir = matches!(self.tree.nodes[node], Node::Dir(_));
        if oflags.contains(Oflags::DIRECTORY) && !is_dir {
            return Err(Errno::Notdir.into());
        }
        let write = fs_rights_base
            .intersects(Rights::FD_WRITE | Rights::FD_FILESTAT_SET_SIZE | Rights::FD_ALLOCATE);
        // As open(O_DIRECTORY | O_WRONLY): only the write right makes a directory EISDIR.
        if is_dir && (fs_rights_base.contains(Rights::FD_WRITE) || oflags.contains(Oflags::TRUNC)) {
            return Err(Errno::Isdir.into());
        }
        if oflags.contains(Oflags::TRUNC) {
            let data = self.file_data(node)?;
            let freed = data.len() as u64;
            data.clear();
            self.tree.bytes -= freed;
            self.tree.modified(node);
        }
        // The descriptor's number: an inner re-open of the placeholder, held until closed.
        let number = self.inner.path_open(
            Fd(self.root),
            Lookupflags::empty(),
            ".",
            Oflags::DIRECTORY,
            Rights::empty(),
            Rights::empty(),
            Fdflags::empty(),
        )?;
        self.open.insert(
            number.0,
            Open {
                node,
                pos: 0,
                flags: fdflags,
                read: is_dir || fs_rights_base.contains(Rights::FD_READ),
                write,
            },
        );
        Ok(number)
    }

    fn path_filestat_get(&mut self, fd: Fd, flags: Lookupflags, path: &str) -> Out<Filestat> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.path_filestat_get(fd, flags, path);
        }
        let dir = self.dir_of(fd)?;
        let follow = flags.contains(Lookupflags::SYMLINK_FOLLOW);
        let node = self.resolve(dir, path, follow)?.ok_or(Errno::Noent)?;
        Ok(self.tree.filestat(node))
    }

    fn path_filestat_set_times(
        &mut self,
        fd: Fd,
        flags: Lookupflags,
        path: &str,
        atim: Timestamp,
        mtim: Timestamp,
        fst_flags: Fstflags,
    ) -> Out<()> {
        if !self.open.contains_key(&fd.0) {
            return self
                .inner
                .path_filestat_set_times(fd, flags, path, atim, mtim, fst_flags);
        }
        let dir = self.dir_of(fd)?;
        let follow = flags.contains(Lookupflags::SYMLINK_FOLLOW);
        let node = self.resolve(dir, path, follow)?.ok_or(Errno::Noent)?;
        self.set_times(node, atim, mtim, fst_flags)
    }

    fn path_create_directory(&mut self, fd: Fd, path: &str) -> Out<()> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.path_create_directory(fd, path);
        }
        let dir = self.dir_of(fd)?;
        let (parent, name) = self.parent(dir, path)?;
        if self.tree.child(parent, name).is_some() {
            return Err(Errno::Exist.into());
        }
        room_for_node(&self.tree)?;
        self.tree
            .insert(parent, name, Node::Dir(Entries::default()));
        Ok(())
    }

    fn path_remove_directory(&mut self, fd: Fd, path: &str) -> Out<()> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.path_remove_directory(fd, path);
        }
        let dir = self.dir_of(fd)?;
        let (parent, name) = self.parent(dir, path)?;
        let node = self.tree.child(parent, name).ok_or(Errno::Noent)?;
        match &self.tree.nodes[node] {
            Node::Dir(entries) if entries.is_empty() => {}
            Node::Dir(_) => return Err(Errno::Notempty.into()),
            _ => return Err(Errno::Notdir.into()),
        }
        if let Node::Dir(entries) = &mut self.tree.nodes[parent] {
            entries.remove(name);
        }
        self.tree.modified(parent);
        Ok(())
    }

    fn path_unlink_file(&mut self, fd: Fd, path: &str) -> Out<()> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.path_unlink_file(fd, path);
        }
        let dir = self.dir_of(fd)?;
        let (parent, name) = self.parent(dir, path)?;
        let node = self.tree.child(parent, name).ok_or(Errno::Noent)?;
        if matches!(self.tree.nodes[node], Node::Dir(_)) {
            return Err(Errno::Isdir.into());
        }
        if path.ends_with('/') {
            // "file/" would have to be a directory.
            return Err(Errno::Notdir.into());
        }
        let open = &self.open;
        self.tree
            .unlink(parent, name, |n| open.values().any(|o| o.node == n));
        Ok(())
    }

    fn path_rename(&mut self, fd: Fd, old_path: &str, new_fd: Fd, new_path: &str) -> Out<()> {
        match (
            self.open.contains_key(&fd.0),
            self.open.contains_key(&new_fd.0),
        ) {
            (false, false) => return self.inner.path_rename(fd, old_path, new_fd, new_path),
            (true, true) => {}
            (true, false) => return self.across(new_fd, Rights::PATH_RENAME_TARGET),
            (false, true) => return self.across(fd, Rights::PATH_RENAME_SOURCE),
        }
        let (from_dir, to_dir) = (self.dir_of(fd)?, self.dir_of(new_fd)?);
        let (old_parent, old_name) = self.parent(from_dir, old_path)?;
        let (new_parent, new_name) = self.parent(to_dir, new_path)?;
        let node = self.tree.child(old_parent, old_name).ok_or(Errno::Noent)?;
        let existing = self.tree.child(new_parent, new_name);
        if let Some(existing) = existing {
            if existing == node {
                // Two names of one file: nothing to do (POSIX).
                return Ok(());
            }
            match (&self.tree.nodes[node], &self.tree.nodes[existing]) {
                (Node::Dir(_), Node::Dir(e)) if !e.is_empty() => {
                    return Err(Errno::Notempty.into());
                }
                (Node::Dir(_), Node::Dir(_)) => {}
                (_, Node::Dir(_)) => return Err(Errno::Isdir.into()),
                (Node::Dir(_), _) => return Err(Errno::Notdir.into()),
                _ => {}
            }
        }
        // A directory may not move into itself or below.
        if self.ancestry(new_parent).contains(&node) {
            return Err(Errno::Inval.into());
        }
        if existing.is_some() {
            let open = &self.open;
            self.tree
                .unlink(new_parent, new_name, |n| open.values().any(|o| o.node == n));
        }
        if let Node::Dir(entries) = &mut self.tree.nodes[old_parent] {
            entries.remove(old_name);
        }
        if let Node::Dir(entries) = &mut self.tree.nodes[new_parent] {
            entries.insert(new_name.to_string(), node);
        }
        if matches!(self.tree.nodes[node], Node::Dir(_)) {
            self.tree.parents[node] = new_parent;
        }
        self.tree.changed(node);
        self.tree.modified(old_parent);
        self.tree.modified(new_parent);
        Ok(())
    }

    fn path_link(
        &mut self,
        old_fd: Fd,
        old_flags: Lookupflags,
        old_path: &str,
        new_fd: Fd,
        new_path: &str,
    ) -> Out<()> {
        match (
            self.open.contains_key(&old_fd.0),
            self.open.contains_key(&new_fd.0),
        ) {
            (false, false) => {
                return self
                    .inner
                    .path_link(old_fd, old_flags, old_path, new_fd, new_path);
            }
            (true, true) => {}
            (true, false) => return self.across(new_fd, Rights::PATH_LINK_TARGET),
            (false, true) => return self.across(old_fd, Rights::PATH_LINK_SOURCE),
        }
        let (from_dir, to_dir) = (self.dir_of(old_fd)?, self.dir_of(new_fd)?);
        let follow = old_flags.contains(Lookupflags::SYMLINK_FOLLOW);
        let node = self
            .resolve(from_dir, old_path, follow)?
            .ok_or(Errno::Noent)?;
        if matches!(self.tree.nodes[node], Node::Dir(_)) {
            return Err(Errno::Perm.into());
        }
        let (parent, name) = self.parent(to_dir, new_path)?;
        if self.tree.child(parent, name).is_some() {
            return Err(Errno::Exist.into());
        }
        if let Node::Dir(entries) = &mut self.tree.nodes[parent] {
            entries.insert(name.to_string(), node);
        }
        self.tree.meta[node].nlink += 1;
        self.tree.changed(node);
        self.tree.modified(parent);
        Ok(())
    }

    fn path_symlink(&mut self, old_path: &str, fd: Fd, new_path: &str) -> Out<()> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.path_symlink(old_path, fd, new_path);
        }
        if old_path.is_empty() {
            return Err(Errno::Noent.into());
        }
        if old_path.len() > MAX_LINK_TARGET {
            return Err(Errno::Nametoolong.into());
        }
        let dir = self.dir_of(fd)?;
        let (parent, name) = self.parent(dir, new_path)?;
        if old_path.starts_with('/') {
            // As on the OS-backed host: such a link could never be followed.
            return Err(Errno::Perm.into());
        }
        if self.tree.child(parent, name).is_some() {
            return Err(Errno::Exist.into());
        }
        if new_path.ends_with('/') {
            return Err(Errno::Notdir.into());
        }
        room_for_node(&self.tree)?;
        if self.tree.bytes + old_path.len() as u64 > MAX_TREE_BYTES {
            return Err(Errno::Nospc.into());
        }
        self.tree.bytes += old_path.len() as u64;
        self.tree
            .insert(parent, name, Node::Symlink(old_path.to_string()));
        Ok(())
    }

    fn path_readlink(&mut self, fd: Fd, path: &str, mut buf: GuestBufMut<'_>) -> Out<Size> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.path_readlink(fd, path, buf);
        }
        let dir = self.dir_of(fd)?;
        let node = self.resolve(dir, path, false)?.ok_or(Errno::Noent)?;
        match &self.tree.nodes[node] {
            // Truncated to the buffer, as readlink(2) does.
            Node::Symlink(target) => Ok(buf.write_at(0, target.as_bytes()) as Size),
            _ => Err(Errno::Inval.into()),
        }
    }
}

impl<H: WasiSnapshotPreview1> MemFs<H> {
    /// A rename or link between the mount and the inner descriptor `outer`: `ENOTCAPABLE` if
    /// `outer` lacks `right` (as the OS-backed host checks first), else `EXDEV`.
    fn across(&mut self, outer: Fd, right: Rights) -> Out<()> {
        let st = self.inner.fd_fdstat_get(outer)?;
        if !st.fs_rights_base.contains(right) {
            return Err(Errno::Notcapable.into());
        }
        Err(Errno::Xdev.into())
    }

    /// `*_filestat_set_times` on node `n`.
    fn set_times(&mut self, n: usize, atim: Timestamp, mtim: Timestamp, f: Fstflags) -> Out<()> {
        if f.contains(Fstflags::ATIM | Fstflags::ATIM_NOW)
            || f.contains(Fstflags::MTIM | Fstflags::MTIM_NOW)
        {
            return Err(Errno::Inval.into());
        }
        let t = now();
        let meta = &mut self.tree.meta[n];
        if f.contains(Fstflags::ATIM) {
            meta.atim = atim;
        } else if f.contains(Fstflags::ATIM_NOW) {
            meta.atim = t;
        }
        if f.contains(Fstflags::MTIM) {
            meta.mtim = mtim;
        } else if f.contains(Fstflags::MTIM_NOW) {
            meta.mtim = t;
        }
        if !f.is_empty() {
            meta.ctim = t;
        }
        Ok(())
    }
}

impl<H: WasiSnapshotPreview1> MemFs<H> {
    /// Where `O_CREAT` through the dangling symbolic link at `path` makes its file: the
    /// link's target, read where the link is, a chain of dangling links followed (at most
    /// [`MAX_LINKS`](super::MAX_LINKS), then `ELOOP`). The target path is resolved from `dir`
    /// like any other, so it cannot leave it; an absolute target is `ENOTCAPABLE`.
    fn link_creation_point(&self, dir: usize, path: &str) -> Result<(usize, String), Errno> {
        let mut path = path.trim_end_matches('/').to_string();
        for _ in 0..=super::MAX_LINKS {
            let (parent, name) = self.parent(dir, &path)?;
            let Some(node) = self.tree.child(parent, name) else {
                return Ok((parent, name.to_string()));
            };
            let Node::Symlink(target) = &self.tree.nodes[node] else {
                // Made meanwhile by nothing else (one call at a time): not a dangling link.
                return Err(Errno::Exist);
            };
            if target.starts_with('/') {
                return Err(Errno::Notcapable);
            }
            path = match path.rsplit_once('/') {
                Some((head, _)) => format!("{head}/{target}"),
                None => target.clone(),
            };
            path.truncate(path.trim_end_matches('/').len());
        }
        Err(Errno::Loop)
    }
}
