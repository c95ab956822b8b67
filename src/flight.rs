//! A per-run memo with single flight: the first caller for a key computes the value; callers
//! that ask for the same key meanwhile wait for that answer instead of computing it again.
//! Different keys never wait for each other. The memo holds at most `capacity` keys; past that
//! the oldest are forgotten (a later caller for them computes again), so memory stays bounded
//! however many distinct keys a run meets.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

/// A bounded memo of `K -> V`, shared by clones.
#[derive(Debug)]
pub struct SingleFlight<K, V> {
    inner: Arc<Mutex<Entries<K, V>>>,
    capacity: usize,
}

#[derive(Debug)]
struct Entries<K, V> {
    cells: HashMap<K, Arc<OnceCell<V>>>,
    order: VecDeque<K>,
}

impl<K, V> Clone for SingleFlight<K, V> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            capacity: self.capacity,
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> SingleFlight<K, V> {
    /// A memo keeping at most `capacity` keys (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Entries {
                cells: HashMap::new(),
                order: VecDeque::new(),
            })),
            capacity: capacity.max(1),
        }
    }

    /// The value for `key`: computed by `compute` for the first caller, shared with the others.
    pub(crate) async fn get_or_compute<F>(&self, key: K, compute: F) -> V
    where
        F: Future<Output = V>,
    {
        let cell = {
            let mut entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            match entries.cells.get(&key) {
                Some(cell) => Arc::clone(cell),
                None => {
                    let cell = Arc::new(OnceCell::new());
                    entries.cells.insert(key.clone(), Arc::clone(&cell));
                    entries.order.push_back(key);
                    while entries.order.len() > self.capacity {
                        if let Some(oldest) = entries.order.pop_front() {
                            entries.cells.remove(&oldest);
                        }
                    }
                    cell
                }
            }
        };
        cell.get_or_init(|| compute).await.clone()
    }

    /// How many keys are remembered.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .cells
            .len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn concurrent_callers_share_one_computation() {
        let memo = SingleFlight::<&str, usize>::new(8);
        let computed = Arc::new(AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..50 {
            let memo = memo.clone();
            let computed = Arc::clone(&computed);
            tasks.spawn(async move {
                memo.get_or_compute("key", async {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    computed.fetch_add(1, Ordering::SeqCst) + 7
                })
                .await
            });
        }
        while let Some(value) = tasks.join_next().await {
            assert_eq!(value.unwrap(), 7);
        }
        assert_eq!(computed.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn capacity_bounds_what_is_remembered() {
        let memo = SingleFlight::<usize, usize>::new(3);
        for key in 0..10 {
            assert_eq!(
                memo.get_or_compute(key, async move { key * 2 }).await,
                key * 2
            );
        }
        assert_eq!(memo.len(), 3);
        // A forgotten key is computed again; a remembered one is not.
        assert_eq!(memo.get_or_compute(0, async { 99 }).await, 99);
        assert_eq!(memo.get_or_compute(9, async { 99 }).await, 18);
    }
}
