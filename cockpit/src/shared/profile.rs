//! The cockpit's own CPU time per system, for the benchmark (`crate::bench` reads it with
//! [`take_own_costs`]). Each of the cockpit's systems holds a guard
//! (`let _cost = profile::own_cost("system");`) that adds the time until it is dropped to
//! the system's cost: two clock reads and an uncontended lock. The browser build runs no
//! benchmark, and there the guard compiles to nothing.

use std::collections::BTreeMap;

pub use imp::{own_cost, OwnCost};

/// The costs since the last call, ms per system, and clears them.
pub fn take_own_costs() -> BTreeMap<&'static str, f32> {
    imp::take().into_iter().map(|(system, nanos)| (system, nanos as f32 / 1e6)).collect()
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use bevy::platform::time::Instant;

    /// Nanoseconds each of the cockpit's own systems spent since the bench last read them.
    static OWN_NANOS: Mutex<BTreeMap<&'static str, u64>> = Mutex::new(BTreeMap::new());

    pub struct OwnCost(&'static str, Instant);

    pub fn own_cost(system: &'static str) -> OwnCost {
        OwnCost(system, Instant::now())
    }

    impl Drop for OwnCost {
        fn drop(&mut self) {
            let nanos = self.1.elapsed().as_nanos() as u64;
            if let Ok(mut costs) = OWN_NANOS.lock() {
                *costs.entry(self.0).or_default() += nanos;
            }
        }
    }

    pub fn take() -> BTreeMap<&'static str, u64> {
        OWN_NANOS.lock().map(|mut c| std::mem::take(&mut *c)).unwrap_or_default()
    }
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use std::collections::BTreeMap;

    pub struct OwnCost;

    pub fn own_cost(_system: &'static str) -> OwnCost {
        OwnCost
    }

    pub fn take() -> BTreeMap<&'static str, u64> {
        BTreeMap::new()
    }
}
