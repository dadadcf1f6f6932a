//! The usage outbox: records wait here until a drainer (the control-plane stream, or the local
//! JSONL writer in standalone mode) takes them. Bounded: when full, the oldest records are kept
//! and new ones go to the overflow (control-plane mode: the disk spool) or are counted as dropped.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use gproxy_config::usage::UsageRecord;
use tokio::sync::Notify;

/// Takes a record the full outbox cannot hold (the control-plane disk spool); false when it
/// could not.
pub type Overflow = Box<dyn Fn(UsageRecord) -> bool + Send + Sync>;

pub struct Outbox {
    queue: Mutex<VecDeque<UsageRecord>>,
    capacity: usize,
    dropped: AtomicU64,
    pub notify: Notify,
    overflow: std::sync::OnceLock<Overflow>,
}

impl Outbox {
    pub fn new(capacity: usize) -> Self {
        Outbox {
            queue: Mutex::new(VecDeque::with_capacity(capacity.min(1024))),
            capacity,
            dropped: AtomicU64::new(0),
            notify: Notify::new(),
            overflow: std::sync::OnceLock::new(),
        }
    }

    /// Install where records go when the outbox is full (once; false when already set).
    pub fn set_overflow(&self, f: Overflow) -> bool {
        self.overflow.set(f).is_ok()
    }

    pub fn push(&self, rec: UsageRecord) {
        let Ok(mut q) = self.queue.lock() else { return };
        if q.len() >= self.capacity {
            drop(q);
            if !self.overflow.get().is_some_and(|spill| spill(rec)) {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
            return;
        }
        q.push_back(rec);
        drop(q);
        self.notify.notify_one();
    }

    /// Take up to `max` records from the front.
    pub fn take(&self, max: usize) -> Vec<UsageRecord> {
        let Ok(mut q) = self.queue.lock() else {
            return Vec::new();
        };
        let n = q.len().min(max);
        q.drain(..n).collect()
    }

    /// Put records back at the front (their delivery failed), keeping their order.
    pub fn requeue(&self, recs: Vec<UsageRecord>) {
        let Ok(mut q) = self.queue.lock() else { return };
        for r in recs.into_iter().rev() {
            q.push_front(r);
        }
    }

    pub fn len(&self) -> usize {
        self.queue.lock().map(|q| q.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Append usage records to a JSONL file (standalone mode) from a plain thread: every
/// [`JSONL_EVERY`] whatever the outbox holds is written in one `write(2)`, so a busy data plane
/// costs one syscall per interval rather than one per request. [`JsonlLog::finish`] writes what is
/// left at shutdown.
pub fn write_jsonl(
    outbox: std::sync::Arc<Outbox>,
    path: std::path::PathBuf,
) -> std::io::Result<JsonlLog> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)?;
    let log = JsonlLog {
        outbox,
        file: std::sync::Arc::new(std::sync::Mutex::new(file)),
    };
    let worker = log.clone();
    std::thread::Builder::new()
        .name("gproxy-usage-log".into())
        .spawn(move || loop {
            if worker.write_pending() < JSONL_BATCH {
                std::thread::sleep(JSONL_EVERY);
            }
        })?;
    Ok(log)
}

/// How often the JSONL usage log is written.
pub const JSONL_EVERY: std::time::Duration = std::time::Duration::from_millis(50);
const JSONL_BATCH: usize = 4096;

/// The JSONL usage log of a standalone data plane.
#[derive(Clone)]
pub struct JsonlLog {
    outbox: std::sync::Arc<Outbox>,
    file: std::sync::Arc<std::sync::Mutex<std::fs::File>>,
}

impl JsonlLog {
    /// Write what the outbox holds (up to one batch); how many records were taken.
    fn write_pending(&self) -> usize {
        use std::io::Write;
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let batch = self.outbox.take(JSONL_BATCH);
        if batch.is_empty() {
            return 0;
        }
        let mut buf = Vec::with_capacity(batch.len() * 320);
        for r in &batch {
            if serde_json::to_writer(&mut buf, r).is_ok() {
                buf.push(b'\n');
            }
        }
        let n = batch.len();
        if let Err(e) = file.write_all(&buf) {
            tracing::error!(error = %e, "usage log write failed; records kept in the outbox");
            self.outbox.requeue(batch);
            drop(file);
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
        n
    }

    /// Write everything still in the outbox (at shutdown).
    pub fn finish(&self) {
        while self.write_pending() > 0 {}
    }
}
