//! Connected data planes: who they are, which version they applied, how far behind they are.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct DataplaneInfo {
    pub node_id: String,
    pub release: String,
    pub peer: Option<String>,
    pub connected: bool,
    pub connected_at_ms: u64,
    pub last_seen_ms: u64,
    /// Last version the data plane ACKed.
    pub applied_version: u64,
    /// Last version sent to it.
    pub sent_version: u64,
    pub last_error: Option<String>,
}

#[derive(Default)]
pub struct Registry {
    nodes: Mutex<HashMap<String, DataplaneInfo>>,
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Registry {
    pub fn connected(&self, node_id: &str, release: &str, peer: Option<String>, applied: u64) {
        let now = now_ms();
        if let Ok(mut m) = self.nodes.lock() {
            m.insert(
                node_id.to_owned(),
                DataplaneInfo {
                    node_id: node_id.to_owned(),
                    release: release.to_owned(),
                    peer,
                    connected: true,
                    connected_at_ms: now,
                    last_seen_ms: now,
                    applied_version: applied,
                    sent_version: 0,
                    last_error: None,
                },
            );
        }
    }

    pub fn update(&self, node_id: &str, f: impl FnOnce(&mut DataplaneInfo)) {
        if let Ok(mut m) = self.nodes.lock() {
            if let Some(info) = m.get_mut(node_id) {
                info.last_seen_ms = now_ms();
                f(info);
            }
        }
    }

    pub fn disconnected(&self, node_id: &str) {
        self.update(node_id, |i| i.connected = false);
    }

    pub fn list(&self) -> Vec<DataplaneInfo> {
        let mut v: Vec<_> = self
            .nodes
            .lock()
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default();
        v.sort_by(|a, b| a.node_id.cmp(&b.node_id));
        v
    }
}
