//! Request plumbing every feature's server functions share: the error a form
//! shows, and (on the server) how a plain form post without JavaScript is told
//! apart, answered with a status, or sent back to its page.

#[cfg(feature = "ssr")]
pub mod client;
pub mod csp;
mod form_error;
#[cfg(feature = "ssr")]
mod plain_form;
#[cfg(feature = "ssr")]
mod refuse;
#[cfg(feature = "ssr")]
pub mod signed_error;

pub use form_error::{FormError, Pace};
#[cfg(feature = "ssr")]
pub use plain_form::{
    is_plain_form_post, redirect, redirect_back, redirect_back_to, redirect_to_page,
    set_retry_after, set_status,
};
#[cfg(feature = "ssr")]
pub use refuse::refuse;
