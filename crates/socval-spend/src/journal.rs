//! Changes to a spend area that stay whole when the process is killed.
//!
//! A change (payments files imported, a supplier register or location
//! overrides put in place) is made in three steps, any of which a crash may
//! interrupt:
//!
//! 1. **Prepare** ([`crate::SpendStore::prepare_import`],
//!    [`crate::SpendStore::stage_register`], ...): the new files are written
//!    beside the area's under temporary names, and an *intent* file
//!    (`.intent-*.json`) lists what will be put where and what removed.
//!    Readers see nothing new.
//! 2. **Record**: the caller writes the change to the audit log, with the
//!    time the change was prepared at.
//! 3. **Commit** ([`Change::commit`]): the files are renamed into place,
//!    replaced ones removed, and the intent deleted.
//!
//! [`crate::SpendStore::recover`], run when the portal starts and when a
//! command opens an organisation's area, finishes what a crash interrupted:
//! a change whose audit rows exist is committed; one without is rolled back
//! (its temporary files deleted), and so are temporary files that no intent
//! names. A file is never live without its audit row, and an audit row never
//! stays without its file.
//!
//! An exclusive lock on the area's `.lock` file is held from prepare to
//! commit and during recovery, so one process never rolls back another's
//! change in flight.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What a change does to the area once recorded, in order.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) enum Step {
    /// Rename `tmp` to `dest` (both relative to the area's root).
    Put { tmp: PathBuf, dest: PathBuf },
    /// Remove `path` (relative to the root) if it is still there.
    Remove { path: PathBuf },
}

/// The intent file's contents.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Intent {
    /// The audit log's entity type ([`ChangeKind::entity_type`]).
    kind: String,
    /// The SHA-256 of each source file: the audit rows' entity ids.
    sha256: Vec<String>,
    /// When the change was prepared, Unix seconds: its audit rows carry the
    /// same time.
    at_unix: i64,
    steps: Vec<Step>,
}

/// The kind of a change, as the audit log names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// Payments files imported.
    Import,
    /// A supplier register put in place.
    Register,
    /// Location overrides put in place.
    Overrides,
}

impl ChangeKind {
    /// The audit log's entity type for it: `spend_import`, `spend_register`
    /// or `spend_overrides`.
    pub fn entity_type(self) -> &'static str {
        match self {
            ChangeKind::Import => "spend_import",
            ChangeKind::Register => "spend_register",
            ChangeKind::Overrides => "spend_overrides",
        }
    }
}

/// A change found in the audit log, for [`crate::SpendStore::recover`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// Its kind.
    pub kind: ChangeKind,
    /// The SHA-256 of its source file (the audit row's entity id).
    pub sha256: String,
    /// When it was recorded, Unix seconds.
    pub at_unix: i64,
}

/// What [`crate::SpendStore::recover`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Recovery {
    /// Interrupted changes that were in the audit log, now put in place.
    pub completed: Vec<String>,
    /// Interrupted changes that were not, now undone.
    pub rolled_back: Vec<String>,
    /// Temporary files no change named, removed.
    pub removed: Vec<PathBuf>,
}

impl Recovery {
    /// True when there was nothing to do.
    pub fn is_empty(&self) -> bool {
        self.completed.is_empty() && self.rolled_back.is_empty() && self.removed.is_empty()
    }
}

/// A prepared change: its files are written and its intent is on disk, but
/// nothing a reader sees has changed until [`Change::commit`]. Dropped
/// without committing, it is rolled back.
#[must_use = "a change is rolled back unless committed"]
pub struct Change<T> {
    /// What the change holds.
    pub info: T,
    inner: Open,
}

/// The part of a change that undoes it when dropped.
struct Open {
    root: PathBuf,
    intent: PathBuf,
    steps: Vec<Step>,
    // Held until the change is committed or rolled back.
    _lock: File,
    done: bool,
}

impl Drop for Open {
    fn drop(&mut self) {
        if !self.done {
            roll_back(&self.root, &self.steps);
            let _ = fs::remove_file(&self.intent);
        }
    }
}

impl<T> Change<T> {
    /// Writes the intent of a change of `kind` to the area at `root` (whose
    /// lock `lock` the caller holds): `steps` once `sha256` are recorded
    /// with time `at_unix`.
    pub(crate) fn prepare(
        root: &Path,
        lock: File,
        kind: ChangeKind,
        sha256: Vec<String>,
        at_unix: i64,
        steps: Vec<Step>,
        info: T,
    ) -> Result<Change<T>> {
        let intent = root.join(format!(
            ".intent-{}-{}.json",
            std::process::id(),
            crate::store::next_seq()
        ));
        let inner = Open {
            root: root.to_owned(),
            intent: intent.clone(),
            steps: steps.clone(),
            _lock: lock,
            done: false,
        };
        let text = serde_json::to_vec_pretty(&Intent {
            kind: kind.entity_type().to_owned(),
            sha256,
            at_unix,
            steps,
        })
        .map_err(|e| Error::io(&intent, std::io::Error::other(e)))?;
        write_synced(&intent, &text)?;
        Ok(Change { info, inner })
    }

    /// Leaves the change as a process killed at this point would: its
    /// files and intent on disk, its lock released. For tests of
    /// [`crate::SpendStore::recover`].
    #[doc(hidden)]
    pub fn abandon(self) {
        let Change { mut inner, .. } = self;
        inner.done = true;
    }

    /// Puts the change in place: its files renamed over the area's, the
    /// files it replaces removed, its intent deleted.
    ///
    /// Returns an error if a rename fails; the intent then stays, and the
    /// next [`crate::SpendStore::recover`] finishes or undoes the change.
    pub fn commit(self) -> Result<T> {
        let Change { info, mut inner } = self;
        // From here a failure leaves the intent for recovery to finish.
        inner.done = true;
        apply(&inner.root, &inner.steps)?;
        sync_dir(&inner.root);
        remove_if_there(&inner.intent)?;
        Ok(info)
    }
}

/// Takes the exclusive lock of the area at `root`, creating it if need be.
pub(crate) fn lock(root: &Path) -> Result<File> {
    fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
    let path = root.join(".lock");
    let f = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    f.lock().map_err(|e| Error::io(&path, e))?;
    Ok(f)
}

/// Finishes or undoes the interrupted changes of the area at `root` (whose
/// lock the caller holds), and removes temporary files no change names.
/// Temporary files are found in `root` and in each of `dirs` (relative).
pub(crate) fn recover(root: &Path, dirs: &[&str], recorded: &[Recorded]) -> Result<Recovery> {
    let mut out = Recovery::default();
    let mut named: Vec<PathBuf> = Vec::new();
    for path in listing(root)? {
        let name = file_name(&path);
        if !(name.starts_with(".intent-") && name.ends_with(".json")) {
            continue;
        }
        let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let Ok(intent) = serde_json::from_slice::<Intent>(&bytes) else {
            // Cut short while being written: its change was never recorded.
            remove_if_there(&path)?;
            continue;
        };
        let in_log = |sha: &String| {
            recorded.iter().any(|r| {
                r.kind.entity_type() == intent.kind
                    && r.sha256 == *sha
                    && r.at_unix >= intent.at_unix - 1
            })
        };
        let what = format!("{} {}", intent.kind, intent.sha256.join(", "));
        if !intent.sha256.is_empty() && intent.sha256.iter().all(in_log) {
            apply(root, &intent.steps)?;
            sync_dir(root);
            out.completed.push(what);
        } else {
            roll_back(root, &intent.steps);
            out.rolled_back.push(what);
        }
        named.extend(intent.steps.iter().filter_map(|s| match s {
            Step::Put { tmp, .. } => Some(root.join(tmp)),
            Step::Remove { .. } => None,
        }));
        remove_if_there(&path)?;
    }
    for dir in std::iter::once(root.to_owned()).chain(dirs.iter().map(|d| root.join(d))) {
        for path in listing(&dir)? {
            if file_name(&path).ends_with(".tmp") && !named.contains(&path) && path.is_file() {
                remove_if_there(&path)?;
                out.removed.push(path);
            }
        }
    }
    Ok(out)
}

fn file_name(p: &Path) -> &str {
    p.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// The entries of `dir`; none if it does not exist.
fn listing(dir: &Path) -> Result<Vec<PathBuf>> {
    match fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.map(|e| e.path()).map_err(|e| Error::io(dir, e)))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(Error::io(dir, e)),
    }
}

/// Does `steps`; each may already have been done.
fn apply(root: &Path, steps: &[Step]) -> Result<()> {
    for s in steps {
        match s {
            Step::Put { tmp, dest } => {
                let (tmp, dest) = (root.join(tmp), root.join(dest));
                if tmp.exists() {
                    fs::rename(&tmp, &dest).map_err(|e| Error::io(&dest, e))?;
                }
            }
            Step::Remove { path } => remove_if_there(&root.join(path))?,
        }
    }
    Ok(())
}

/// Removes the temporary files of `steps`, if there.
fn roll_back(root: &Path, steps: &[Step]) {
    for s in steps {
        if let Step::Put { tmp, .. } = s {
            let _ = fs::remove_file(root.join(tmp));
        }
    }
}

fn remove_if_there(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let mut f = File::create(path).map_err(|e| Error::io(path, e))?;
    f.write_all(bytes).map_err(|e| Error::io(path, e))?;
    f.sync_all().map_err(|e| Error::io(path, e))?;
    if let Some(dir) = path.parent() {
        sync_dir(dir);
    }
    Ok(())
}

/// Makes the renames in `dir` durable where the platform allows it.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
