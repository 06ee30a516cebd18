//! Open Badges 3.0 verifiable credentials of the certificates: the issuer's signing keys (`keys`), the documents
//! (`document`) and the revocation status lists (`status_list`). Pure: the rules of who gets what and the storage
//! are `service::credentials` and `repo::credentials`.

pub mod document;
pub mod keys;
pub mod status_list;
