//! With the `serde` feature: verdicts and certificates serialize as the JSON documents
//! `relucheck check --format json` and `--certificate` write.

use crate::analysis::certificate::Certificate;
use crate::analysis::properties::Verdict;
use crate::output::PlainJson;
use serde::{Serialize, Serializer};

/// The JSON of [`Verdict::to_json`] (one entry of `relucheck check --format json`).
impl Serialize for Verdict {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        PlainJson(&self.to_json()).serialize(s)
    }
}

/// The certificate file of [`Certificate::to_json`], which `relucheck verify` re-checks.
impl Serialize for Certificate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        PlainJson(&self.to_json()).serialize(s)
    }
}
