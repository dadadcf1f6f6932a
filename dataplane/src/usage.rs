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

/// Standalone mode: append records to a JSONL file as they come.
pub async fn write_jsonl(outbox: std::sync::Arc<Outbox>, path: std::path::PathBuf) {
    use tokio::io::AsyncWriteExt;
    let file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .await;
    let mut file = match file {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(path = %path.display(), error = %e, "cannot open usage log");
            return;
        }
    };
    loop {
        let batch = outbox.take(512);
        if batch.is_empty() {
            outbox.notify.notified().await;
            continue;
        }
        let mut buf = Vec::with_capacity(batch.len() * 256);
        for r in &batch {
            if serde_json::to_writer(&mut buf, r).is_ok() {
                buf.push(b'\n');
            }
        }
        if let Err(e) = file.write_all(&buf).await {
            tracing::error!(error = %e, "usage log write failed");
            outbox.requeue(batch);
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }
}
