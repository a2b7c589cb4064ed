//! Resources whose static HTML is not sent twice.
//!
//! A resource's value is serialised into the page so that the browser can
//! hydrate without asking the server again. For a lesson (and its practice
//! questions) most of that value is HTML the server has just rendered into the
//! page: sending it again as data doubled the page. [`OutlineCodec`] serialises
//! only the value's outline ([`Outline`]): the same structure with the static
//! HTML left empty. The browser hydrates that outline around the server's
//! nodes — an `inner_html` hydrated from the server keeps what is there — and
//! the server still renders from the whole value. When the browser itself
//! fetches (navigating to another lesson), the server function's answer is the
//! whole value: only hydration data is outlined.

use leptos::server::codee::{Decoder, Encoder};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A value that can drop its static HTML, keeping the shape the page renders.
pub trait Outline {
    /// A copy with the static HTML (rendered by the server into the page) empty.
    fn outline(&self) -> Self;
}

impl<T: Outline> Outline for Vec<T> {
    fn outline(&self) -> Self {
        self.iter().map(Outline::outline).collect()
    }
}

impl<T: Outline> Outline for Option<T> {
    fn outline(&self) -> Self {
        self.as_ref().map(Outline::outline)
    }
}

impl<T: Outline, E: Clone> Outline for Result<T, E> {
    fn outline(&self) -> Self {
        match self {
            Ok(v) => Ok(v.outline()),
            Err(e) => Err(e.clone()),
        }
    }
}

/// JSON, of the outline when encoding (on the server) and of whatever was sent
/// when decoding (in the browser). Use with `Resource::new_with_options`.
pub struct OutlineCodec;

impl<T: Outline + Serialize> Encoder<T> for OutlineCodec {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, Self::Error> {
        serde_json::to_string(&val.outline())
    }
}

impl<T: DeserializeOwned> Decoder<T> for OutlineCodec {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, Self::Error> {
        serde_json::from_str(val)
    }
}
