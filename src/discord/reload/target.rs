//! Where the FAQ file really is: the symbolic links its configured path goes through, the file
//! they lead to, and the folders a watch must cover to see any of them change.
//!
//! A symlinked `faq.toml` whose target lives elsewhere, a Kubernetes `ConfigMap` (`faq.toml ->
//! ..data/faq.toml`, `..data -> ..2026_12_01_...`, updated by renaming a new `..data` over the
//! old one) and a folder replaced as a whole all change the FAQ without touching the configured
//! path's folder entry for `faq.toml`; each link and the target are therefore watched through
//! their folders, and each folder through its own parent (which sees it being replaced).

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// More links than this on the way is a loop (Linux's own limit is 40).
const MAX_LINKS: usize = 40;

/// The configured FAQ path, resolved link by link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Target {
    /// The configured path, absolute.
    pub(super) path: PathBuf,
    /// Every symbolic link passed on the way (a file or a folder), in order.
    pub(super) links: Vec<PathBuf>,
    /// The file the path leads to (which may not exist right now).
    pub(super) file: PathBuf,
}

impl Target {
    /// Follows `path` component by component, as the kernel does, noting every link. A link
    /// that cannot be read, or a loop, ends the walk where it stands.
    pub(super) fn resolve(path: &Path) -> Self {
        let path = crate::config::absolute(path);
        let mut pending: Vec<OsString> = components(&path);
        let mut links = Vec::new();
        let mut current = PathBuf::new();
        while let Some(part) = pending.pop() {
            if part == "." {
                continue;
            }
            if part == ".." {
                current.pop();
                continue;
            }
            current.push(&part);
            let is_link = std::fs::symlink_metadata(&current).is_ok_and(|m| m.is_symlink());
            if !is_link || links.len() >= MAX_LINKS {
                continue;
            }
            let Ok(points_to) = std::fs::read_link(&current) else {
                continue;
            };
            links.push(current.clone());
            current.pop();
            pending.extend(components(&points_to));
        }
        Self {
            path,
            links,
            file: current,
        }
    }

    /// The folders to watch: the folder of each link and of the file, and the parent of each of
    /// those (so that a folder deleted, recreated or renamed into place is seen).
    pub(super) fn folders(&self) -> BTreeSet<PathBuf> {
        let holders: BTreeSet<PathBuf> = self
            .links
            .iter()
            .chain([&self.file])
            .filter_map(|path| path.parent().map(Path::to_path_buf))
            .collect();
        let parents: Vec<PathBuf> = holders
            .iter()
            .filter_map(|folder| folder.parent().map(Path::to_path_buf))
            .collect();
        holders.into_iter().chain(parents).collect()
    }

    /// The paths whose change may change the FAQ: the configured path, every link, the file,
    /// and the watched folders themselves (one of them deleted or renamed).
    pub(super) fn relevant(&self) -> BTreeSet<PathBuf> {
        let mut relevant = self.folders();
        relevant.insert(self.path.clone());
        relevant.extend(self.links.iter().cloned());
        relevant.insert(self.file.clone());
        relevant
    }
}

/// `path`'s components as names, last first (a stack to pop), the root as `/`.
fn components(path: &Path) -> Vec<OsString> {
    path.components()
        .rev()
        .map(|part| part.as_os_str().to_owned())
        .collect()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn a_plain_file_has_no_links_and_is_watched_through_its_folder_and_its_parent() {
        let dir = tempfile::tempdir().unwrap();
        let faq = dir.path().join("faq.toml");
        std::fs::write(&faq, "").unwrap();
        let target = Target::resolve(&faq);
        assert!(target.links.is_empty());
        assert_eq!(target.file, std::path::absolute(&faq).unwrap());
        let parent = target.file.parent().unwrap();
        assert_eq!(
            target.folders(),
            BTreeSet::from([parent.to_owned(), parent.parent().unwrap().to_owned()])
        );
    }

    #[test]
    fn a_configmap_mount_is_followed_through_both_links() {
        let dir = tempfile::tempdir().unwrap();
        let mount = std::path::absolute(dir.path()).unwrap();
        std::fs::create_dir(mount.join("..2026_12_01_00_00_00.123")).unwrap();
        std::fs::write(mount.join("..2026_12_01_00_00_00.123/faq.toml"), "").unwrap();
        symlink("..2026_12_01_00_00_00.123", mount.join("..data")).unwrap();
        symlink("..data/faq.toml", mount.join("faq.toml")).unwrap();

        let target = Target::resolve(&mount.join("faq.toml"));
        assert_eq!(target.links, [mount.join("faq.toml"), mount.join("..data")]);
        assert_eq!(
            target.file,
            mount.join("..2026_12_01_00_00_00.123/faq.toml")
        );
        let folders = target.folders();
        assert!(folders.contains(&mount));
        assert!(folders.contains(&mount.join("..2026_12_01_00_00_00.123")));
        let relevant = target.relevant();
        assert!(relevant.contains(&mount.join("..data")));
        assert!(!relevant.contains(&mount.join("..data_tmp")));
    }

    #[test]
    fn a_link_loop_ends_the_walk() {
        let dir = tempfile::tempdir().unwrap();
        let faq = dir.path().join("faq.toml");
        symlink("faq.toml", &faq).unwrap();
        let target = Target::resolve(&faq);
        assert_eq!(target.links.len(), MAX_LINKS);
    }
}
