//! Authentication: password hashing, access tokens (JWT), opaque refresh tokens, and the `AuthUser` extractor.

pub mod extractor;
pub mod jwt;
pub mod password;
pub mod scopes;
pub mod tokens;

pub use extractor::{AuthCache, AuthUser};
