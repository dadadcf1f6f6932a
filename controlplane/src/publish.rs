//! The published configuration: one `watch` channel holding the latest snapshot. Every data-plane
//! stream watches it; a slow stream simply skips to the newest version (latest value wins).

use std::sync::Arc;

use gproxy_config::Snapshot;
use tokio::sync::watch;

/// A snapshot as published, with its version.
#[derive(Debug)]
pub struct Published {
    pub version: u64,
    pub snapshot: Arc<Snapshot>,
}

#[derive(Clone)]
pub struct Publisher {
    tx: Arc<watch::Sender<Arc<Published>>>,
}

impl Publisher {
    pub fn new(initial: Snapshot) -> Self {
        let version = initial.version;
        let (tx, _rx) = watch::channel(Arc::new(Published {
            version,
            snapshot: Arc::new(initial),
        }));
        Publisher { tx: Arc::new(tx) }
    }

    /// Publish a snapshot; older versions than the current one are ignored.
    pub fn publish(&self, snapshot: Snapshot) {
        let version = snapshot.version;
        self.tx.send_if_modified(|cur| {
            if version <= cur.version && cur.version != 0 {
                return false;
            }
            *cur = Arc::new(Published {
                version,
                snapshot: Arc::new(snapshot),
            });
            true
        });
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
    }
}
