//! The one writer: a thread that owns the database's write connection and takes its work from a
//! bounded queue, so that nothing answering a user ever waits for `SQLite`, for a lock another
//! process holds, or for a slow disk.
//!
//! - Work is queued with [`Writer::submit`], which never blocks: when the queue is full the job
//!   is dropped, counted, and logged (one WARN a minute at most, with the count).
//! - Question ids are reserved from a counter ([`Writer::reserve_id`]) started at the
//!   database's next unused id, so a reply's vote buttons carry the id before the row is
//!   written. If another process wrote a row under a reserved id meanwhile (two bots on one
//!   database, which is not supported), the row is stored under a fresh id, the counter jumps
//!   past the table's ids, and later votes on the reserved id go to the fresh row.
//! - Jobs are written in batches, one transaction each. While another connection holds the
//!   write lock the batch is retried (WARN once, INFO when it goes through); other errors lose
//!   the batch, with an ERROR.
//! - Before each batch, and every minute when idle, the writer checks that the file at the
//!   database's path is the one it has open. If it was deleted or replaced, it logs an ERROR
//!   once and opens (creating) the database at the path again, so later rows are kept.
//! - Dropping the [`Writer`] closes the queue and waits a bounded time for the jobs still in
//!   it to be written.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::{ErrorCode, TransactionBehavior};

use super::{Outcome, QuestionRecord, Store, StoreError};

/// Most jobs waiting for the writer. Each is one question (its normalised text, at most the
/// 4,000 characters of a Discord message, usually a few dozen) or one vote, so a full queue
/// holds a few megabytes at worst. At the bot's busiest (a burst of thousands of
/// questions) the writer keeps up with batches; the queue fills only when the database stops
/// taking writes (another process holds its lock, or the disk stalls) for a while.
pub const QUEUE_CAPACITY: usize = 1_024;
/// Most jobs written in one transaction.
const MAX_BATCH: usize = 256;
/// How long dropping the writer waits for the queued jobs to be written.
const FLUSH_GRACE: Duration = Duration::from_secs(2);
/// At most one log line about a full queue, or about failed writes, this often.
const REPEAT_LOG_EVERY: Duration = Duration::from_mins(1);
/// How often an idle writer checks that its file is still there.
const IDLE_CHECK_EVERY: Duration = Duration::from_mins(1);
/// Reserved ids remembered after a conflict moved their row to a fresh id.
const REDIRECTS_KEPT: usize = 1_024;

/// A handled question, owned so it can wait in the queue (see [`QuestionRecord`]).
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionRow {
    /// Unix time in seconds.
    pub at: i64,
    /// Discord guild id; `None` in direct messages.
    pub guild_id: Option<u64>,
    /// Discord channel id (not stored for direct messages).
    pub channel_id: u64,
    /// The normalised question (not stored for emergencies).
    pub question: String,
    /// How the bot handled it.
    pub outcome: Outcome,
    /// The matched entry id; for emergencies the red-flag rule id.
    pub entry_id: Option<String>,
    /// Match confidence, 0..=1.
    pub confidence: f32,
}

impl QuestionRow {
    fn as_record(&self) -> QuestionRecord<'_> {
        QuestionRecord {
            at: self.at,
            guild_id: self.guild_id,
            channel_id: self.channel_id,
            question: &self.question,
            outcome: self.outcome,
            entry_id: self.entry_id.as_deref(),
            confidence: self.confidence,
        }
    }
}

/// Work for the writer.
#[derive(Debug, Clone, PartialEq)]
pub enum WriterJob {
    /// Store a question under its reserved id, with the vote cast on it before it was queued.
    Question {
        /// The id from [`Writer::reserve_id`].
        id: i64,
        /// The question.
        row: QuestionRow,
        /// A vote already cast: helpful or not, and when (unix seconds).
        vote: Option<(bool, i64)>,
    },
    /// Store a vote (only the first per answer counts).
    Vote {
        /// The question's id, as its vote button carries it.
        question_id: i64,
        /// Helpful or not.
        helpful: bool,
        /// Unix seconds.
        at: i64,
    },
    /// Delete questions asked more than `days` days before `now`.
    Prune {
        /// Unix seconds.
        now: i64,
        /// The retention period.
        days: u32,
    },
}

/// A job [`Writer::submit`] could not queue: the queue was full (or the writer stopped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the insights database's write queue is full; the write was dropped")]
pub struct Overflow;

/// What goes through the queue: jobs, and the markers [`Writer::flush`] waits for.
enum Work {
    Job(WriterJob),
    Flush(SyncSender<()>),
}

/// The writer thread's handle: reserve ids, queue jobs. Shareable between threads.
pub struct Writer {
    /// `None` only while dropping, which closes the queue.
    queue: Option<SyncSender<Work>>,
    next_id: Arc<AtomicI64>,
    /// Jobs queued and not yet written.
    waiting: Arc<AtomicUsize>,
    dropped: AtomicU64,
    overflow_log: Mutex<RepeatLog>,
    /// Disconnected once the thread has ended.
    finished: Mutex<Receiver<()>>,
    path: Option<PathBuf>,
}

/// A repeated problem logged at most once per [`REPEAT_LOG_EVERY`]: when it was last told, and
/// how many occurrences were not told yet.
#[derive(Default)]
struct RepeatLog {
    last: Option<Instant>,
    untold: u64,
}

impl RepeatLog {
    /// Counts `n` more; returns how many to tell now, if it is time to tell.
    fn note(&mut self, n: u64) -> Option<u64> {
        self.untold += n;
        if self
            .last
            .is_some_and(|last| last.elapsed() < REPEAT_LOG_EVERY)
        {
            return None;
        }
        self.last = Some(Instant::now());
        Some(std::mem::take(&mut self.untold))
    }
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("path", &self.path)
            .field("waiting", &self.waiting.load(Ordering::Relaxed))
            .field("dropped", &self.dropped.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Writer {
    /// Starts the writer thread on `store`, which it owns from now on.
    pub fn start(store: Store) -> Result<Self, StoreError> {
        let next_id = Arc::new(AtomicI64::new(store.next_question_id()?));
        let waiting = Arc::new(AtomicUsize::new(0));
        let path = store.path();
        let (queue, jobs) = mpsc::sync_channel(QUEUE_CAPACITY);
        let (finished_tx, finished) = mpsc::channel();
        let worker = Worker {
            identity: path.as_deref().and_then(file_identity),
            store: Some(store),
            path: path.clone(),
            next_id: Arc::clone(&next_id),
            waiting: Arc::clone(&waiting),
            redirects: VecDeque::new(),
            file_trouble_told: false,
            locked_since: None,
            lost: 0,
            failures: RepeatLog::default(),
        };
        std::thread::Builder::new()
            .name("prolobot-db-writer".to_owned())
            .spawn(move || {
                worker.run(&jobs);
                drop(finished_tx);
            })
            .map_err(StoreError::WriterThread)?;
        Ok(Self {
            queue: Some(queue),
            next_id,
            waiting,
            dropped: AtomicU64::new(0),
            overflow_log: Mutex::new(RepeatLog::default()),
            finished: Mutex::new(finished),
            path,
        })
    }

    /// The database file, `None` for an in-memory database.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// A question id no row has, for a question queued later with [`WriterJob::Question`].
    pub fn reserve_id(&self) -> i64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Queues `job` without ever blocking. A full queue drops it: counted, and logged at most
    /// once a minute with the count.
    pub fn submit(&self, job: WriterJob) -> Result<(), Overflow> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let sent = match &self.queue {
            Some(queue) => queue.try_send(Work::Job(job)).map_err(|_| Overflow),
            None => Err(Overflow),
        };
        if sent.is_err() {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
            self.overflowed();
        }
        sent
    }

    /// How many jobs a full queue dropped since start.
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Jobs queued and not yet written.
    #[must_use]
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Blocks until everything queued before this call was written (or given up), at most
    /// `timeout`; false when the time ran out. For tests and tools: never call it from a
    /// handler.
    pub fn flush(&self, timeout: Duration) -> bool {
        let (done_tx, done) = mpsc::sync_channel(1);
        let deadline = Instant::now() + timeout;
        let Some(queue) = &self.queue else {
            return false;
        };
        let mut marker = Work::Flush(done_tx);
        loop {
            match queue.try_send(marker) {
                Ok(()) => break,
                Err(TrySendError::Full(back)) if Instant::now() < deadline => {
                    marker = back;
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(_) => return false,
            }
        }
        done.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .is_ok()
    }

    fn overflowed(&self) {
        let total = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
        let mut log = self
            .overflow_log
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(dropped) = log.note(1) {
            tracing::warn!(
                dropped,
                dropped_since_start = total,
                capacity = QUEUE_CAPACITY,
                "the insights database's write queue is full, so questions and votes are not recorded (replies still go out); is the database locked by another process, or the disk stalled?"
            );
        }
    }
}

impl Drop for Writer {
    /// Closes the queue and waits up to three seconds for what it holds to be written.
    fn drop(&mut self) {
        drop(self.queue.take());
        let untold = self.overflow_log.get_mut().map_or(0, |log| log.untold);
        if untold > 0 {
            tracing::warn!(
                dropped = untold,
                dropped_since_start = self.dropped(),
                "the insights database's write queue dropped more writes since the last warning"
            );
        }
        let finished = self
            .finished
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        if let Err(RecvTimeoutError::Timeout) = finished.recv_timeout(FLUSH_GRACE) {
            tracing::error!(
                lost = self.waiting(),
                grace = ?FLUSH_GRACE,
                "the insights database did not take the last queued writes in time; they are lost"
            );
        }
    }
}

/// The file a path names, to notice it was deleted or replaced: device and inode.
#[cfg(unix)]
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata(path)
        .ok()
        .map(|meta| (meta.dev(), meta.ino()))
}

/// The file a path names: without inodes, only whether it exists.
#[cfg(not(unix))]
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    path.exists().then_some((0, 0))
}

/// The thread's side: the write connection and what it needs to follow its file.
struct Worker {
    /// `None` after the file vanished and could not be created again.
    store: Option<Store>,
    path: Option<PathBuf>,
    identity: Option<(u64, u64)>,
    next_id: Arc<AtomicI64>,
    waiting: Arc<AtomicUsize>,
    /// (reserved id, id the row was stored under) after an id conflict, newest last.
    redirects: VecDeque<(i64, i64)>,
    /// The file's trouble (gone, replaced, cannot be created) was logged and not solved yet.
    file_trouble_told: bool,
    /// Since when another connection has held the write lock, while it does.
    locked_since: Option<Instant>,
    /// Rows lost to failed writes, since start and not yet logged.
    lost: u64,
    failures: RepeatLog,
}

impl Worker {
    fn run(mut self, queue: &Receiver<Work>) {
        loop {
            let first = match queue.recv_timeout(IDLE_CHECK_EVERY) {
                Ok(work) => work,
                Err(RecvTimeoutError::Timeout) => {
                    self.follow_the_file();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    if self.failures.untold > 0 {
                        tracing::error!(
                            lost = self.failures.untold,
                            lost_since_start = self.lost,
                            "rows lost to failed writes to the insights database since the last error"
                        );
                    }
                    return;
                }
            };
            let mut batch = Vec::new();
            let mut flushes = Vec::new();
            let mut next = Some(first);
            while let Some(work) = next {
                match work {
                    Work::Job(job) => batch.push(job),
                    Work::Flush(done) => flushes.push(done),
                }
                next = if batch.len() < MAX_BATCH {
                    queue.try_recv().ok()
                } else {
                    None
                };
            }
            if !batch.is_empty() {
                self.follow_the_file();
                self.write(&batch);
                self.waiting.fetch_sub(batch.len(), Ordering::Relaxed);
            }
            for done in flushes {
                let _ = done.try_send(());
            }
        }
    }

    /// Writes `batch` in one transaction, waiting as long as another connection holds the write
    /// lock; any other failure loses the batch (logged).
    fn write(&mut self, batch: &[WriterJob]) {
        loop {
            let Some(store) = &self.store else {
                self.lose(batch.len(), "the database file could not be created again");
                return;
            };
            match Self::try_write(&self.next_id, &self.redirects, store, batch) {
                Ok(redirects) => {
                    self.remember(redirects);
                    if let Some(since) = self.locked_since.take() {
                        tracing::info!(
                            waited = ?since.elapsed(),
                            "the insights database takes writes again; the rows that waited are written"
                        );
                    }
                    return;
                }
                Err(error) if is_locked(&error) => {
                    if self.locked_since.is_none() {
                        tracing::warn!(
                            waiting = self.waiting.load(Ordering::Relaxed),
                            "another process holds the insights database's write lock; rows wait in memory (replies are not held up) and are written when it is released"
                        );
                        self.locked_since = Some(Instant::now());
                    }
                    // The busy timeout has already waited; a file deleted meanwhile is followed.
                    self.follow_the_file();
                }
                Err(error) => {
                    self.lose(batch.len(), &super::error::with_causes(&error));
                    return;
                }
            }
        }
    }

    /// Counts `rows` lost to a failed write; logs an ERROR at most once a minute (a full disk
    /// or a file-size limit fails every write), with the rows lost since the last one.
    fn lose(&mut self, rows: usize, why: &str) {
        let rows = rows as u64;
        self.lost += rows;
        if let Some(lost) = self.failures.note(rows) {
            tracing::error!(
                error = why,
                lost,
                lost_since_start = self.lost,
                "could not write to the insights database; these rows are lost (told once a minute at most)"
            );
        }
    }

    /// Writes `batch` in one transaction; returns the redirects its id conflicts made.
    fn try_write(
        next_id: &AtomicI64,
        known: &VecDeque<(i64, i64)>,
        store: &Store,
        batch: &[WriterJob],
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let transaction =
            rusqlite::Transaction::new_unchecked(&store.conn, TransactionBehavior::Immediate)
                .map_err(|source| StoreError::Sqlite {
                    action: "start writing",
                    source,
                })?;
        let mut redirects = Vec::new();
        for job in batch {
            if let Err(error) = Self::apply(next_id, known, store, job, &mut redirects) {
                if is_locked(&error) {
                    return Err(error);
                }
                tracing::warn!(error = %super::error::with_causes(&error), "could not write one row to the insights database");
            }
        }
        transaction.commit().map_err(|source| StoreError::Sqlite {
            action: "commit the writes",
            source,
        })?;
        // Only kept once committed: a retried batch must find its ids as reserved again.
        Ok(redirects)
    }

    fn apply(
        next_id: &AtomicI64,
        known: &VecDeque<(i64, i64)>,
        store: &Store,
        job: &WriterJob,
        redirects: &mut Vec<(i64, i64)>,
    ) -> Result<(), StoreError> {
        match job {
            WriterJob::Question { id, row, vote } => {
                let stored = match store.record_as(*id, &row.as_record()) {
                    Err(error) if is_id_taken(&error) => {
                        next_id.fetch_max(store.next_question_id()?, Ordering::Relaxed);
                        let fresh = next_id.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(
                            reserved = id,
                            stored_as = fresh,
                            "another process wrote to the insights database under a question id this bot had reserved (one bot per database); the row is stored under a fresh id"
                        );
                        redirects.push((*id, fresh));
                        store.record_as(fresh, &row.as_record())?
                    }
                    stored => stored?,
                };
                if let Some((helpful, at)) = vote {
                    store.vote(stored, *helpful, *at)?;
                }
            }
            WriterJob::Vote {
                question_id,
                helpful,
                at,
            } => {
                let id = redirected(*question_id, redirects, known);
                let outcome = store.vote(id, *helpful, *at)?;
                tracing::debug!(?outcome, question = id, "vote written");
            }
            WriterJob::Prune { now, days } => {
                let pruned = store.prune(*now, *days)?;
                tracing::info!(pruned, days, "pruned old questions");
            }
        }
        Ok(())
    }

    fn remember(&mut self, redirects: Vec<(i64, i64)>) {
        self.redirects.extend(redirects);
        while self.redirects.len() > REDIRECTS_KEPT {
            self.redirects.pop_front();
        }
    }

    /// Checks that the path still names the file the connection has open; if not, logs an
    /// ERROR once and opens (creating) the database at the path again.
    fn follow_the_file(&mut self) {
        let Some(path) = self.path.clone() else {
            return;
        };
        let now = file_identity(&path);
        if self.store.is_some() && now.is_some() && now == self.identity {
            return;
        }
        if !self.file_trouble_told {
            tracing::error!(
                path = %path.display(),
                "the insights database file was deleted or replaced while the bot runs; opening (or creating) the database at that path again so that later rows are kept"
            );
            self.file_trouble_told = true;
        }
        // Close the old connection first: SQLite then folds its WAL into the old file and
        // removes the old WAL and shared-memory files, which the new database must not read.
        drop(self.store.take());
        match Store::open(&path) {
            Ok(store) => {
                if let Ok(next) = store.next_question_id() {
                    self.next_id.fetch_max(next, Ordering::Relaxed);
                }
                self.identity = file_identity(&path);
                self.store = Some(store);
                self.file_trouble_told = false;
                tracing::info!(path = %path.display(), "the insights database was opened again; new rows go there");
            }
            Err(error) => {
                tracing::error!(
                    error = %super::error::with_causes(&error),
                    path = %path.display(),
                    "cannot create the insights database again; rows are lost until it can be"
                );
            }
        }
    }
}

/// The id a vote on `reserved` goes to: the fresh id its row moved to after a conflict, in
/// this batch (`pending`) or an earlier one (`known`).
fn redirected(reserved: i64, pending: &[(i64, i64)], known: &VecDeque<(i64, i64)>) -> i64 {
    known
        .iter()
        .chain(pending)
        .rev()
        .find(|(from, _)| *from == reserved)
        .map_or(reserved, |&(_, to)| to)
}

/// Whether `error` is another connection's lock (`SQLITE_BUSY` / `SQLITE_LOCKED`).
fn is_locked(error: &StoreError) -> bool {
    sqlite_code(error)
        .is_some_and(|code| matches!(code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

/// Whether `error` is a primary-key conflict: the reserved id is taken.
fn is_id_taken(error: &StoreError) -> bool {
    matches!(
        error,
        StoreError::Sqlite {
            source: rusqlite::Error::SqliteFailure(failure, _),
            ..
        } if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

fn sqlite_code(error: &StoreError) -> Option<ErrorCode> {
    match error {
        StoreError::Sqlite { source, .. } | StoreError::Open { source, .. } => {
            source.sqlite_error_code()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{count_rows, NOW};
    use super::*;

    /// Waits for the writer far longer than it needs; only a hang reaches it.
    const PATIENCE: Duration = Duration::from_secs(30);

    fn row(text: &str, outcome: Outcome) -> QuestionRow {
        QuestionRow {
            at: NOW,
            guild_id: Some(42),
            channel_id: 7,
            question: text.to_owned(),
            outcome,
            entry_id: (outcome == Outcome::Answer).then(|| "pain".to_owned()),
            confidence: 0.8,
        }
    }

    fn question(writer: &Writer, text: &str) -> (i64, WriterJob) {
        let id = writer.reserve_id();
        let job = WriterJob::Question {
            id,
            row: row(text, Outcome::Answer),
            vote: None,
        };
        (id, job)
    }

    fn started(dir: &Path) -> (PathBuf, Writer) {
        let path = dir.join("prolobot.db");
        let writer = Writer::start(Store::open(&path).expect("open")).expect("start");
        (path, writer)
    }

    fn count(path: &Path, sql: &str) -> i64 {
        count_rows(&Store::open_reader(path).expect("reader"), sql)
    }

    #[test]
    fn queued_questions_and_votes_land_under_their_reserved_ids() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, writer) = started(dir.path());
        let (first, job) = question(&writer, "does it hurt");
        writer.submit(job).expect("queue");
        let (second, job) = question(&writer, "how much");
        let WriterJob::Question { id, row, .. } = job else {
            unreachable!()
        };
        let voted = WriterJob::Question {
            id,
            row,
            vote: Some((false, NOW)),
        };
        writer.submit(voted).expect("queue");
        writer
            .submit(WriterJob::Vote {
                question_id: first,
                helpful: true,
                at: NOW,
            })
            .expect("queue");
        assert!(writer.flush(PATIENCE));
        assert_eq!((first, second), (1, 2));
        assert_eq!(
            count(&path, "SELECT COUNT(*) FROM questions WHERE id IN (1, 2)"),
            2
        );
        assert_eq!(
            count(&path, "SELECT SUM(helpful * 10 + question_id) FROM votes"),
            11 + 2
        );
        assert_eq!(writer.waiting(), 0);
    }

    #[test]
    fn a_held_write_lock_delays_the_rows_but_never_a_submit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, writer) = started(dir.path());
        let other = rusqlite::Connection::open(&path).expect("another connection");
        other
            .execute_batch("BEGIN IMMEDIATE")
            .expect("take the write lock");
        for n in 0..20 {
            let (_, job) = question(&writer, &format!("question {n}"));
            writer.submit(job).expect("queued while the lock is held");
        }
        assert!(
            !writer.flush(Duration::from_millis(200)),
            "nothing can be written while the lock is held"
        );
        assert_eq!(count(&path, "SELECT COUNT(*) FROM questions"), 0);
        other.execute_batch("COMMIT").expect("release the lock");
        assert!(writer.flush(PATIENCE));
        assert_eq!(count(&path, "SELECT COUNT(*) FROM questions"), 20);
    }

    #[test]
    fn a_full_queue_drops_and_counts_without_blocking() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, writer) = started(dir.path());
        let other = rusqlite::Connection::open(&path).expect("another connection");
        other
            .execute_batch("BEGIN IMMEDIATE")
            .expect("take the write lock");
        let offered = QUEUE_CAPACITY + MAX_BATCH + 100;
        let queued = (0..offered)
            .filter(|n| {
                let (_, job) = question(&writer, &format!("question {n}"));
                writer.submit(job).is_ok()
            })
            .count();
        let dropped = offered - queued;
        assert!(dropped >= 100, "{dropped} dropped of {offered}");
        assert_eq!(writer.dropped(), dropped as u64);
        other.execute_batch("COMMIT").expect("release the lock");
        assert!(writer.flush(PATIENCE));
        assert_eq!(
            count(&path, "SELECT COUNT(*) FROM questions"),
            super::super::sql_int(queued)
        );
    }

    #[test]
    fn a_deleted_database_is_created_again_and_later_rows_are_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, writer) = started(dir.path());
        let (_, job) = question(&writer, "before the deletion");
        writer.submit(job).expect("queue");
        assert!(writer.flush(PATIENCE));
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
        let (after, job) = question(&writer, "after the deletion");
        writer.submit(job).expect("queue");
        assert!(writer.flush(PATIENCE));
        let store = Store::open_reader(&path).expect("the database is there again");
        let kept: Vec<(i64, String)> = store
            .conn
            .prepare("SELECT id, question FROM questions")
            .and_then(|mut rows| {
                rows.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect()
            })
            .expect("read");
        assert_eq!(kept, [(after, "after the deletion".to_owned())]);
        assert!(after > 1, "ids go on from the old file's");
    }

    #[test]
    fn a_reserved_id_taken_by_another_process_moves_the_row_and_its_votes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, writer) = started(dir.path());
        let (reserved, job) = question(&writer, "ours");
        rusqlite::Connection::open(&path)
            .and_then(|other| {
                other.execute(
                    "INSERT INTO questions (id, at, channel_id, question, outcome, entry_id, confidence)
                     VALUES (?1, 1, 1, 'theirs', 'answer', 'cost', 0.5)",
                    [reserved],
                )
            })
            .expect("another process takes the id");
        writer.submit(job).expect("queue");
        writer
            .submit(WriterJob::Vote {
                question_id: reserved,
                helpful: true,
                at: NOW,
            })
            .expect("queue");
        assert!(writer.flush(PATIENCE));
        assert_eq!(
            count(
                &path,
                "SELECT COUNT(*) FROM questions q JOIN votes v ON v.question_id = q.id
                 WHERE q.question = 'ours' AND q.id > 1"
            ),
            1,
            "our row moved to a fresh id, and the vote followed it"
        );
        assert_eq!(
            count(&path, "SELECT COUNT(*) FROM votes WHERE question_id = 1"),
            0
        );
        assert!(writer.reserve_id() > 2);
    }
}
