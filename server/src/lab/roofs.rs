//! What the lab says about its roofs between measurements: the engine keeps
//! the measured roofs for the life of the process; this keeps whether a
//! measurement is under way or the last one failed, so a page can say so.

use std::sync::Mutex;

use lab_types::{DeviceRoofs, RoofsState, RoofsView};

#[derive(Default)]
pub(crate) struct RoofsProgress {
    state: Mutex<RoofsState>,
}

impl RoofsProgress {
    /// The view a page shows: measured roofs when the engine has them, else
    /// where the lab stands.
    pub(crate) fn view(&self, measured: Option<Vec<DeviceRoofs>>) -> RoofsView {
        match measured {
            Some(roofs) => RoofsView {
                state: RoofsState::Measured,
                roofs,
            },
            None => RoofsView {
                state: self.lock().clone(),
                roofs: Vec::new(),
            },
        }
    }

    pub(crate) fn set(&self, state: RoofsState) {
        *self.lock() = state;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RoofsState> {
        // The state is one enum value: a panic elsewhere cannot leave it half-written.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
