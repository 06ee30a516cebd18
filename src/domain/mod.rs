//! Domain values: parsed once at the edge, valid by construction afterwards ("parse, don't validate").

pub mod activation;
pub mod calendar;
pub mod certificate;
pub mod csv;
pub mod csv_import;
pub mod enums;
pub mod grade;
pub mod jp;
pub mod labels;
pub mod lifecycle;
pub mod nip;
pub mod page;
pub mod questions;
pub mod result;
pub mod role;
pub mod sheet;
pub mod siasn;
pub mod sort;
pub mod text;
pub mod user;
