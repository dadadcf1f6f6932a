//! Usage drainer: takes records from the outbox and sends them over `StreamUsage` in batches
//! (up to `batch_max` records, or whatever is there every `interval`), each with a new increasing
//! batch id. Batches stay in memory until acknowledged and are re-sent after a reconnect
//! (at least once; the control plane de-duplicates by request id). Records the full outbox cannot
//! hold go to the disk spool, which is sent first once the stream is healthy again; on shutdown
//! everything unacknowledged is spooled too.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gproxy_config::usage::UsageRecord;
use gproxy_proto::v1::{UsageAck, UsageBatch};
use tokio::sync::{mpsc, watch};

use super::link::{outbound, Link};
use super::spool::{read_segment, Spool};
use super::{sleep_or_stop, stopped, Backoff, Status};
use crate::app::{App, AppState};

#[derive(Debug, Clone)]
pub struct UsageOptions {
    pub spool_dir: PathBuf,
    /// Records per batch at most.
    pub batch_max: usize,
    /// A partial batch is sent after this long.
    pub interval: Duration,
    /// Batches sent and not yet acknowledged at once.
    pub window: usize,
}

impl Default for UsageOptions {
    fn default() -> Self {
        UsageOptions {
            spool_dir: PathBuf::from("./data/spool"),
            batch_max: 500,
            interval: Duration::from_millis(200),
            window: 16,
        }
    }
}

pub type SharedSpool = Arc<Mutex<Spool>>;

/// Open the spool and make it the outbox's overflow. `None` (logged) when the directory is
/// unusable: records beyond the outbox are then dropped and counted.
pub fn install(app: &App, opts: &UsageOptions, status: &Arc<Status>) -> Option<SharedSpool> {
    let spool = match Spool::open(&opts.spool_dir) {
        Ok(s) => Arc::new(Mutex::new(s)),
        Err(e) => {
            tracing::error!(dir = %opts.spool_dir.display(), error = %e, "usage spool unavailable; records beyond the outbox are dropped");
            return None;
        }
    };
    let sink = spool.clone();
    let status = status.clone();
    app.outbox.set_overflow(Box::new(move |rec: UsageRecord| {
        let written = sink
            .lock()
            .map_err(|_| std::io::Error::other("spool lock poisoned"))
            .and_then(|mut s| s.append(std::slice::from_ref(&rec)));
        match written {
            Ok(()) => {
                status.spooled.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot spool a usage record; dropped");
                false
            }
        }
    }));
    Some(spool)
}

struct Batch {
    id: u64,
    records: Vec<UsageRecord>,
    /// The spool segment the records were read from (deleted once all its batches are acked).
    segment: Option<u64>,
}

struct Drainer {
    app: AppState,
    link: Link,
    opts: UsageOptions,
    status: Arc<Status>,
    next_id: u64,
    /// To send, in order: re-sends first, then spooled, then fresh records.
    queued: VecDeque<Batch>,
    /// Sent, waiting for their acknowledgement.
    unacked: BTreeMap<u64, Batch>,
    /// Spool segments read back → their batches not yet acknowledged.
    loaded: HashMap<u64, usize>,
    spool: Option<SharedSpool>,
}

/// Drain until stopped, then spool what is left.
pub async fn run(
    app: AppState,
    link: Link,
    mut opts: UsageOptions,
    status: Arc<Status>,
    spool: Option<SharedSpool>,
    mut stop: watch::Receiver<bool>,
) {
    opts.batch_max = opts.batch_max.max(1);
    opts.window = opts.window.max(1);
    let mut backoff = link.backoff();
    let mut d = Drainer {
        app,
        link,
        opts,
        status,
        next_id: 1,
        queued: VecDeque::new(),
        unacked: BTreeMap::new(),
        loaded: HashMap::new(),
        spool,
    };
    let mut failures = 0u32;
    loop {
        let result = d.session(&mut backoff, &mut stop).await;
        let was_up = d.status.usage_connected.swap(false, Ordering::Relaxed);
        let e = match result {
            Ok(()) => break,
            Err(e) => e,
        };
        failures = if was_up {
            1
        } else {
            failures.saturating_add(1)
        };
        let in_flight = d.unacked.len();
        if super::loud(failures) {
            tracing::warn!(error = %e, failures, in_flight, "usage stream down; will re-send");
        } else {
            tracing::debug!(error = %e, failures, in_flight, "usage stream down; will re-send");
        }
        if sleep_or_stop(backoff.next_delay(), &mut stop).await {
            break;
        }
    }
    d.flush_to_spool();
}
impl Drainer {
    /// One stream: Ok when stopped, Err when the stream broke.
    async fn session(
        &mut self,
        backoff: &mut Backoff,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<(), String> {
        let (tx, rx) = mpsc::channel::<UsageBatch>(self.opts.window + 1);
        let mut client = self.link.client();
        let mut inbound = tokio::select! {
            r = client.stream_usage(outbound(rx)) => r.map_err(|s| super::status_line(&s))?.into_inner(),
            _ = stopped(stop) => return Ok(()),
        };
        backoff.reset();
        self.status.usage_connected.store(true, Ordering::Relaxed);
        // what was in flight when the last stream broke goes first
        let in_flight = std::mem::take(&mut self.unacked);
        for b in in_flight.into_values().rev() {
            self.queued.push_front(b);
        }
        let mut tick = tokio::time::interval(self.opts.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut force = false;
        loop {
            self.pump(&tx, force).await?;
            force = false;
            let notified = self.app.outbox.notify.notified();
            tokio::select! {
                m = inbound.message() => match m {
                    Ok(Some(ack)) => self.acked(ack),
                    Ok(None) => return Err("the control plane ended the usage stream".to_owned()),
                    Err(s) => return Err(super::status_line(&s)),
                },
                _ = tick.tick() => force = true,
                _ = notified => {}
                _ = stopped(stop) => return Ok(()),
            }
        }
    }

    /// Send while the window has room: queued batches, then the spool, then the outbox (a
    /// partial batch only when `force`). Spill when the window is full and the outbox is high.
    async fn pump(&mut self, tx: &mpsc::Sender<UsageBatch>, force: bool) -> Result<(), String> {
        while self.unacked.len() < self.opts.window {
            let batch = match self.queued.pop_front() {
                Some(b) => b,
                None if self.load_segment().await => continue,
                None => {
                    let n = self.app.outbox.len();
                    if n == 0 || (n < self.opts.batch_max && !force) {
                        break;
                    }
                    let records = self.app.outbox.take(self.opts.batch_max);
                    if records.is_empty() {
                        break;
                    }
                    self.batch(records, None)
                }
            };
            let wire = UsageBatch {
                node_id: self.link.node_id.to_string(),
                batch_id: batch.id,
                records: batch.records.iter().map(Into::into).collect(),
            };
            self.unacked.insert(batch.id, batch);
            tx.send(wire)
                .await
                .map_err(|_| "the usage request stream closed".to_owned())?;
        }
        Ok(())
    }

    fn batch(&mut self, records: Vec<UsageRecord>, segment: Option<u64>) -> Batch {
        let id = self.next_id;
        self.next_id += 1;
        Batch {
            id,
            records,
            segment,
        }
    }

    /// Read the oldest spool segment not yet in flight into queued batches; false when none.
    async fn load_segment(&mut self) -> bool {
        let Some(spool) = self.spool.clone() else {
            return false;
        };
        let next = match spool.lock() {
            Ok(mut s) if !s.is_empty() => s.next_segment(|seq| self.loaded.contains_key(&seq)),
            _ => return false,
        };
        let (seq, path) = match next {
            Ok(Some(n)) => n,
            Ok(None) => return false,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the usage spool");
                return false;
            }
        };
        let read = tokio::task::spawn_blocking(move || read_segment(&path)).await;
        let records = match read {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                tracing::error!(segment = seq, error = %e, "cannot read a usage spool segment");
                return false;
            }
            Err(_) => return false,
        };
        if records.is_empty() {
            self.remove_segment(seq);
            return true;
        }
        tracing::info!(
            segment = seq,
            records = records.len(),
            "sending spooled usage"
        );
        let mut batches = 0;
        let mut rest = records;
        while !rest.is_empty() {
            let tail = rest.split_off(rest.len().min(self.opts.batch_max));
            let b = self.batch(rest, Some(seq));
            self.queued.push_back(b);
            batches += 1;
            rest = tail;
        }
        self.loaded.insert(seq, batches);
        true
    }

    fn remove_segment(&mut self, seq: u64) {
        self.loaded.remove(&seq);
        let removed = match self.spool.as_ref().map(|s| s.lock()) {
            Some(Ok(mut s)) => s.remove(seq),
            _ => Ok(()),
        };
        if let Err(e) = removed {
            tracing::warn!(segment = seq, error = %e, "cannot delete a delivered spool segment");
        }
    }

    fn acked(&mut self, ack: UsageAck) {
        let Some(b) = self.unacked.remove(&ack.batch_id) else {
            tracing::debug!(batch_id = ack.batch_id, "ack of an unknown batch");
            return;
        };
        self.status.acked_batches.fetch_add(1, Ordering::Relaxed);
        let Some(seq) = b.segment else { return };
        let done = self.loaded.get_mut(&seq).is_some_and(|n| {
            *n = n.saturating_sub(1);
            *n == 0
        });
        if done {
            self.remove_segment(seq);
        }
    }

    /// Shutdown: everything not acknowledged and not already on disk goes to the spool.
    fn flush_to_spool(&mut self) {
        let mut records = Vec::new();
        let pending = self.unacked.values().chain(self.queued.iter());
        for b in pending.filter(|b| b.segment.is_none()) {
            records.extend(b.records.iter().cloned());
        }
        records.extend(self.app.outbox.take(usize::MAX));
        if records.is_empty() {
            return;
        }
        let written = match self.spool.as_ref().map(|s| s.lock()) {
            Some(Ok(mut s)) => s.append(&records),
            _ => Err(std::io::Error::other("spool unavailable")),
        };
        match written {
            Ok(()) => {
                self.status
                    .spooled
                    .fetch_add(records.len() as u64, Ordering::Relaxed);
                tracing::info!(
                    records = records.len(),
                    "usage not yet delivered left in the spool"
                );
            }
            Err(e) => {
                tracing::error!(records = records.len(), error = %e, "usage not yet delivered is lost")
            }
        }
    }
}
