//! A small in-process cache of values that may be a few seconds stale.
//!
//! Why: some public documents (a published schedule) are read on every view and change
//! rarely; building them takes several queries. Each instance keeps its
//! own copy for a short time, so on several instances behind a load balancer a change shows
//! everywhere within that time, with nothing to invalidate across processes.
//!
//! Entries are keyed by the site (tests run several servers with their own databases in one
//! process) and an id.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Entries beyond this make an insert first drop the expired ones.
const PRUNE_ABOVE: usize = 256;

pub struct TtlCache<K, V> {
    ttl: Duration,
    entries: Mutex<HashMap<K, (Instant, Arc<V>)>>,
}

impl<K: Hash + Eq, V> TtlCache<K, V> {
    pub fn new(ttl: Duration) -> Self {
        TtlCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The value stored under `key` less than the cache's time ago, if `fresh` accepts it
    /// (e.g. it was built from the version that is still the latest).
    pub fn get(&self, key: &K, fresh: impl FnOnce(&V) -> bool) -> Option<Arc<V>> {
        let entries = self.entries.lock().ok()?;
        let (at, value) = entries.get(key)?;
        (at.elapsed() < self.ttl && fresh(value)).then(|| value.clone())
    }

    pub fn insert(&self, key: K, value: V) -> Arc<V> {
        let value = Arc::new(value);
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() > PRUNE_ABOVE {
                let ttl = self.ttl;
                entries.retain(|_, (at, _)| at.elapsed() < ttl);
            }
            entries.insert(key, (Instant::now(), value.clone()));
        }
        value
    }

    /// Forgets `key`: this instance's own writes show at once.
    pub fn forget(&self, key: &K) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_entries_are_returned_and_stale_ones_are_not() {
        let cache = TtlCache::new(Duration::from_millis(50));
        cache.insert(1, "a");
        assert_eq!(cache.get(&1, |_| true).as_deref(), Some(&"a"));
        assert_eq!(cache.get(&1, |v| *v == "b"), None, "refused by the check");
        assert_eq!(cache.get(&2, |_| true), None);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get(&1, |_| true), None, "expired");
        cache.insert(1, "c");
        cache.forget(&1);
        assert_eq!(cache.get(&1, |_| true), None, "forgotten");
    }
}
