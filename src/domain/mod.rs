//! Domain values: parsed once at the edge, valid by construction afterwards ("parse, don't validate").

pub mod page;
pub mod role;
pub mod user;
