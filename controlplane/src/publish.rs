//! The published configuration: one `watch` channel holding the latest snapshot. Every data-plane
//! stream watches it; a slow stream simply skips to the newest version (latest value wins). The
//! last [`HISTORY`] versions are kept so a reconnecting data plane can resume with a delta from
//! the version it applied.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use gproxy_config::Snapshot;
use tokio::sync::watch;

/// A snapshot as published, with its version.
#[derive(Debug)]
pub struct Published {
    pub version: u64,
    pub snapshot: Arc<Snapshot>,
}

/// Versions kept for resuming data planes.
pub const HISTORY: usize = 16;

#[derive(Clone)]
pub struct Publisher {
    tx: Arc<watch::Sender<Arc<Published>>>,
    history: Arc<Mutex<VecDeque<Arc<Published>>>>,
}

impl Publisher {
    pub fn new(initial: Snapshot) -> Self {
        let version = initial.version;
        let first = Arc::new(Published {
            version,
            snapshot: Arc::new(initial),
        });
        let (tx, _rx) = watch::channel(first.clone());
        Publisher {
            tx: Arc::new(tx),
            history: Arc::new(Mutex::new(VecDeque::from([first]))),
        }
    }

    /// A version published recently (among the last [`HISTORY`]), to diff a resume against.
    pub fn recent(&self, version: u64) -> Option<Arc<Published>> {
        let h = self.history.lock().unwrap_or_else(|p| p.into_inner());
        h.iter().find(|p| p.version == version).cloned()
    }

    /// Publish a snapshot; older versions than the current one are ignored.
    pub fn publish(&self, snapshot: Snapshot) {
        let version = snapshot.version;
        let mut published = None;
        self.tx.send_if_modified(|cur| {
            if version <= cur.version && cur.version != 0 {
                return false;
            }
            let p = Arc::new(Published {
                version,
                snapshot: Arc::new(snapshot),
            });
            *cur = p.clone();
            published = Some(p);
            true
        });
        if let Some(p) = published {
            let mut h = self.history.lock().unwrap_or_else(|p| p.into_inner());
            h.push_back(p);
            while h.len() > HISTORY {
                h.pop_front();
            }
        }
    }

    pub fn current(&self) -> Arc<Published> {
        self.tx.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<Arc<Published>> {
        self.tx.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_see_the_latest_version_only_forward() {
        let p = Publisher::new(Snapshot {
            version: 1,
            ..Snapshot::default()
        });
        let mut rx = p.subscribe();
        p.publish(Snapshot {
            version: 3,
            ..Snapshot::default()
        });
        p.publish(Snapshot {
            version: 2,
            ..Snapshot::default()
        }); // stale: ignored
        rx.changed().await.unwrap();
        assert_eq!(rx.borrow_and_update().version, 3);
        assert_eq!(p.current().version, 3);
        assert!(p.recent(1).is_some() && p.recent(3).is_some());
        assert!(p.recent(2).is_none(), "a stale version is never published");
    }

    #[test]
    fn history_keeps_the_last_versions() {
        let p = Publisher::new(Snapshot::default());
        for v in 1..=(HISTORY as u64 + 5) {
            p.publish(Snapshot {
                version: v,
                ..Snapshot::default()
            });
        }
        assert!(p.recent(5).is_none());
        assert!(p.recent(6).is_some());
        assert!(p.recent(HISTORY as u64 + 5).is_some());
    }
}
