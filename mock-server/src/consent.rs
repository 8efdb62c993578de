//! Consent records: which (facility, patient) pairs may be stored (`PROTO-UP-008`).

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard, PoisonError};

use idlink_protocol::{FacilityCode, PatientId};

use crate::config::ConsentConfig;

/// The consent registry; tests and the admin API change it at run time.
#[derive(Debug)]
pub struct Consents {
    /// A set behind a blocking mutex: operations are single set lookups and never await.
    records: Mutex<BTreeSet<ConsentConfig>>,
    initial: Vec<ConsentConfig>,
}

impl Consents {
    /// A registry holding the configured consents.
    pub fn new(initial: &[ConsentConfig]) -> Self {
        Self {
            records: Mutex::new(initial.iter().cloned().collect()),
            initial: initial.to_vec(),
        }
    }

    fn records(&self) -> MutexGuard<'_, BTreeSet<ConsentConfig>> {
        // Set operations are atomic; a poisoned lock still guards a consistent set.
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a consent; `true` if it was new.
    pub fn add(&self, facility: FacilityCode, patient_id: PatientId) -> bool {
        self.records().insert(ConsentConfig {
            facility,
            patient_id,
        })
    }

    /// Withdraws a consent; `true` if there was one.
    pub fn remove(&self, facility: &FacilityCode, patient_id: &PatientId) -> bool {
        self.records().remove(&ConsentConfig {
            facility: facility.clone(),
            patient_id: patient_id.clone(),
        })
    }

    /// Whether the facility may store this patient's documents.
    pub fn contains(&self, facility: &FacilityCode, patient_id: &PatientId) -> bool {
        self.records().contains(&ConsentConfig {
            facility: facility.clone(),
            patient_id: patient_id.clone(),
        })
    }

    /// Every consent, sorted.
    pub fn list(&self) -> Vec<ConsentConfig> {
        self.records().iter().cloned().collect()
    }

    /// Back to the configured consents.
    pub fn reset(&self) {
        *self.records() = self.initial.iter().cloned().collect();
    }
}
