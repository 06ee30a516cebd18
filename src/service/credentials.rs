//! Open Badges 3.0 credentials: the issuer's keys (generated and rotated by the binary's `keys` commands), the
//! public issuer profiles and key set, each certificate's signed credential, and the signed revocation status
//! lists.
//!
//! No trigger does part of these writes: `signing_keys`, `status_lists` and `certificate_credentials` have none
//! (migration 000021). A credential's status bit is not stored either: it is read from the certificate
//! (`revoked_at`) and its holder (`erased_at`), so the revocation's and the erasure's own transactions set it.
//!
//! Who gets what: the profiles, the key set and the status lists are public; a certificate's credential goes to
//! those who may read the certificate (its holder, the operator of the holder's unit, the event's managers:
//! organizers and admins), never to service accounts (`auth::scopes::REFUSED`).

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use rand::Rng;
use sha2::Digest;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::credentials::document::{
    self, CertificateCredential, Issuer, JwkSet, OpenBadgeCredential, Profile, PublicJwk,
    StatusListCredential, StatusListDocument,
};
use crate::credentials::keys::{self, KeyAlg, SigningKey};
use crate::credentials::status_list;
use crate::db;
use crate::error::ApiError;
use crate::repo::certificates as certificates_repo;
use crate::repo::credentials as repo;
use crate::service::DbPool;
use crate::service::letterhead;
use crate::webhooks::secrets::{Sealed, SecretKeys};

/// A new list is opened once half of a list's indexes are taken (keeps the random draw cheap and the herd large).
const LIST_FILL_DIVISOR: usize = 2;

/// What a `keys` command did.
#[derive(Debug, Default)]
pub struct KeyReport {
    /// The ids of the keys generated now, with their algorithm.
    pub created: Vec<(String, KeyAlg)>,
    /// Keys retired by a rotation (they stay published).
    pub retired: usize,
    /// Keys that were already current and stay so.
    pub kept: Vec<String>,
}

fn key_aad(kid: &str) -> Vec<u8> {
    format!("bimtek-api signing key v1:{kid}").into_bytes()
}

fn generate_missing(
    conn: &mut PgConnection,
    secrets: &SecretKeys,
    report: &mut KeyReport,
) -> Result<(), ApiError> {
    for alg in KeyAlg::ALL {
        if let Some(current) = repo::current_key(conn, alg.as_str())? {
            report.kept.push(current.kid);
            continue;
        }
        let generated = keys::generate(alg, Utc::now()).map_err(ApiError::internal)?;
        let sealed = secrets.seal_bytes(&key_aad(&generated.kid), &generated.private_der);
        repo::insert_key(
            conn,
            &repo::NewKey {
                kid: &generated.kid,
                alg: alg.as_str(),
                public_jwk: &generated.public_jwk,
                private_ciphertext: &sealed.ciphertext,
                private_nonce: &sealed.nonce,
                secret_key_id: &sealed.key_id,
            },
        )?;
        report.created.push((generated.kid, alg));
    }
    Ok(())
}

/// `keys generate`: a current key for every algorithm that has none; the existing ones are kept. Running it again
/// changes nothing.
pub fn generate_keys(conn: &mut PgConnection, secrets: &SecretKeys) -> Result<KeyReport, ApiError> {
    conn.transaction(|conn| {
        let mut report = KeyReport::default();
        generate_missing(conn, secrets, &mut report)?;
        Ok(report)
    })
}

/// `keys rotate`: retires every current key and generates new ones; new credentials and status lists are signed
/// with the new keys, the retired ones stay in the key set so that what they signed still verifies.
pub fn rotate_keys(conn: &mut PgConnection, secrets: &SecretKeys) -> Result<KeyReport, ApiError> {
    conn.transaction(|conn| {
        let mut report = KeyReport {
            retired: repo::retire_current(conn)?,
            ..KeyReport::default()
        };
        generate_missing(conn, secrets, &mut report)?;
        Ok(report)
    })
}

/// The URI a key is known by (its `kid` in the key set and in every JWT header): it dereferences to its JWK.
pub fn kid_uri(base: &str, kid: &str) -> String {
    format!("{base}/api/v1/signing-keys/{kid}")
}

fn published(base: &str, row: repo::KeyRow) -> Result<PublicJwk, ApiError> {
    let mut jwk: PublicJwk = serde_json::from_value(row.public_jwk).map_err(ApiError::internal)?;
    jwk.kid = kid_uri(base, &row.kid);
    Ok(jwk)
}

/// The public key set (`/.well-known/jwks.json`): every key, current and retired, oldest first.
pub async fn key_set(pool: &DbPool, base: &str) -> Result<JwkSet, ApiError> {
    let base = base.to_owned();
    db::read(pool, move |conn| {
        let keys = repo::keys(conn)?
            .into_iter()
            .map(|row| published(&base, row))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(JwkSet { keys })
    })
    .await
}

/// One public key as a JWK; `None` for an unknown id.
pub async fn public_key(
    pool: &DbPool,
    base: &str,
    kid: String,
) -> Result<Option<PublicJwk>, ApiError> {
    let base = base.to_owned();
    db::read(pool, move |conn| {
        repo::key(conn, &kid)?
            .map(|row| published(&base, row))
            .transpose()
    })
    .await
}

fn issuer_id(base: &str, unit_code: &str) -> String {
    format!("{base}/api/v1/issuers/{unit_code}")
}

/// The issuing office of a unit's certificates, from the letterhead they print (the unit's own, else the
/// Kanwil's): the office line, the address, the e-mail and web addresses of its contact lines.
fn issuer_of(
    conn: &mut PgConnection,
    base: &str,
    unit_id: Uuid,
    unit_code: &str,
    unit_name: &str,
) -> Result<Issuer, ApiError> {
    let letterhead = letterhead::for_unit(conn, unit_id)?;
    let name = letterhead
        .heading
        .last()
        .cloned()
        .unwrap_or_else(|| unit_name.to_owned());
    Ok(Issuer::from_letterhead(
        issuer_id(base, unit_code),
        name,
        &letterhead.contact,
    ))
}

/// The Open Badges `Profile` of the unit with this code; `None` when there is no such (active) unit.
pub async fn issuer_profile(
    pool: &DbPool,
    base: &str,
    unit_code: String,
) -> Result<Option<Profile>, ApiError> {
    let base = base.to_owned();
    db::read(pool, move |conn| {
        let Some((unit_id, unit_name)) = repo::unit_by_code(conn, &unit_code)? else {
            return Ok(None);
        };
        let mut profile = issuer_of(conn, &base, unit_id, &unit_code, &unit_name)?.profile();
        profile.context = Some(vec![
            document::VC_CONTEXT.to_owned(),
            document::OB_CONTEXT.to_owned(),
        ]);
        Ok(Some(profile))
    })
    .await
}

fn signing_key(
    conn: &mut PgConnection,
    secrets: &SecretKeys,
    alg: KeyAlg,
) -> Result<SigningKey, ApiError> {
    let row = repo::current_key(conn, alg.as_str())?.ok_or_else(|| {
        ApiError::conflict(
            "signing_key_missing",
            "The service has no credential signing key yet: an administrator runs `bimtek-api keys generate`.",
        )
    })?;
    let sealed = Sealed {
        ciphertext: row.private_ciphertext,
        nonce: row.private_nonce,
        key_id: row.secret_key_id,
    };
    let der = secrets
        .open_bytes(&key_aad(&row.kid), &sealed)
        .map_err(ApiError::internal)?;
    Ok(SigningKey::new(row.kid, alg, der))
}

fn sign(
    conn: &mut PgConnection,
    secrets: &SecretKeys,
    alg: KeyAlg,
    base: &str,
    credential: &impl serde::Serialize,
) -> Result<String, ApiError> {
    let key = signing_key(conn, secrets, alg)?;
    key.sign(&kid_uri(base, &key.kid), &document::jwt_claims(credential))
        .map_err(ApiError::internal)
}

/// Gives every certificate of `ids` that has none its credential: an opaque subject id, a salt for the NIP's hash
/// and a free index, drawn at random, in the newest status list of its host unit (a new list when that one is half
/// full). Runs inside the caller's transaction (the issuance's, or the first fetch of a certificate issued before
/// credentials existed); the unit's lists are locked until it ends.
pub fn assign_in(conn: &mut PgConnection, ids: &[Uuid]) -> Result<(), ApiError> {
    let missing = repo::without_credential(conn, ids)?;
    let mut by_unit: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for (certificate, unit) in missing {
        by_unit.entry(unit).or_default().push(certificate);
    }
    let mut rng = rand::thread_rng();
    for (unit, certificates) in by_unit {
        repo::lock_unit_lists(conn, unit)?;
        let mut pending = certificates.as_slice();
        while !pending.is_empty() {
            let (list, used) = match repo::newest_list(conn, unit)? {
                Some((list, used)) if room(&list, used) > 0 => (list, used),
                _ => (repo::create_list(conn, unit)?, 0),
            };
            let take = room(&list, used).min(pending.len());
            let taken: HashSet<usize> = repo::used_indexes(conn, list.n)?
                .into_iter()
                .filter_map(|i| usize::try_from(i).ok())
                .collect();
            let size = usize::try_from(list.size).map_err(ApiError::internal)?;
            let picked = status_list::pick_free(size, &taken, take, &mut rng);
            let rows = pending[..take]
                .iter()
                .zip(picked)
                .map(|(certificate, index)| {
                    Ok(repo::NewCredential {
                        certificate_id: *certificate,
                        subject_id: Uuid::new_v4(),
                        identity_salt: new_salt(&mut rng),
                        status_list: list.n,
                        status_index: i32::try_from(index).map_err(ApiError::internal)?,
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            repo::insert_credentials(conn, &rows)?;
            pending = &pending[take..];
        }
    }
    Ok(())
}

/// The free places of a list before it counts as full.
fn room(list: &repo::ListRow, used: i64) -> usize {
    let limit = usize::try_from(list.size).unwrap_or(0) / LIST_FILL_DIVISOR;
    limit.saturating_sub(usize::try_from(used).unwrap_or(usize::MAX))
}

/// 16 random bytes as 32 hex digits.
fn new_salt(rng: &mut impl Rng) -> String {
    let bytes: [u8; 16] = rng.r#gen();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The representation asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The credential JSON (unsigned: for reading).
    Json,
    /// The signed VC-JWT.
    Jwt,
}

/// A credential as asked for.
#[derive(Debug, Clone)]
pub enum Document {
    Json(Box<OpenBadgeCredential>),
    Jwt(String),
}

/// The Open Badges credential of a certificate, for those who may read the certificate (404 for the others); 409
/// `certificate_revoked` for a revoked one, 410 `holder_erased` after an erasure, 409 `signing_key_missing` before
/// `keys generate` when the signed form is asked for.
pub async fn credential(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    base: &str,
    secrets: SecretKeys,
    alg: KeyAlg,
    format: Format,
) -> Result<Document, ApiError> {
    let user = user.clone();
    let base = base.to_owned();
    db::run(pool, move |conn| {
        super::certificates::readable(conn, &user, id)?;
        let p = certificates_repo::printable(conn, id)?
            .ok_or_else(|| ApiError::not_found("Certificate"))?;
        if p.certificate.revoked_at.is_some() {
            return Err(ApiError::conflict(
                "certificate_revoked",
                "This certificate was revoked: its credential is no longer given out, and the status list marks \
                 copies already saved as revoked.",
            ));
        }
        if p.holder_erased_at.is_some() {
            return Err(ApiError::Gone {
                code: "holder_erased",
                detail: "The holder's personal data was erased (UU 27/2022 PDP): the credential is no longer given \
                         out, and the status list marks copies already saved as revoked."
                    .into(),
            });
        }
        let stored = match repo::credential(conn, id)? {
            Some(row) => row,
            None => conn.transaction(|conn| {
                assign_in(conn, &[id])?;
                repo::credential(conn, id)?.ok_or_else(|| ApiError::internal_msg("credential not assigned"))
            })?,
        };
        let rule = repo::event_rule(conn, p.certificate.event_id)?;
        let issuer = issuer_of(conn, &base, p.host_unit_id, &rule.host_unit_code, &p.host_unit_name)?;
        let c = &p.certificate;
        let credential = CertificateCredential {
            certificate_id: c.id,
            kind: c.kind,
            number: &c.number,
            issuer: &issuer,
            issued_at: c.issued_at,
            event_url: format!("{base}/api/v1/events/{}", c.event_id),
            event_title: &p.event_title,
            event_description: rule.description.as_deref(),
            host_unit_name: &p.host_unit_name,
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            attendance_threshold: rule.attendance_threshold,
            pass_score: rule.pass_score,
            jp: c.jp,
            subject_id: stored.subject_id,
            nip: p.holder_nip.as_deref().map(|nip| (nip, stored.identity_salt.as_str())),
            status_list_url: status_list_url(&base, stored.status_list),
            status_index: usize::try_from(stored.status_index).map_err(ApiError::internal)?,
        }
        .document();
        Ok(match format {
            Format::Json => Document::Json(Box::new(credential)),
            Format::Jwt => Document::Jwt(sign(conn, &secrets, alg, &base, &credential)?),
        })
    })
    .await
}

fn status_list_url(base: &str, n: i32) -> String {
    format!("{base}/api/v1/status-lists/{n}")
}

/// A status list credential: signed, as JSON for reading, and its entity tag.
#[derive(Debug, Clone)]
pub struct StatusList {
    pub jwt: String,
    pub json: StatusListDocument,
    /// Changes exactly when the signed token does (a bit, the signing key, the list's issuer).
    pub etag: String,
}

/// The signed status list `n`; `None` for an unknown list. Its `validFrom` is the time of its latest change, so an
/// unchanged list signs to the same token and keeps its `ETag`.
pub async fn status_list(
    pool: &DbPool,
    n: i32,
    base: &str,
    secrets: SecretKeys,
    alg: KeyAlg,
) -> Result<Option<StatusList>, ApiError> {
    let base = base.to_owned();
    db::read(pool, move |conn| {
        let Some((list, unit_code)) = repo::list(conn, n)? else {
            return Ok(None);
        };
        let (set, changed) = repo::set_bits(conn, n)?;
        let size = usize::try_from(list.size).map_err(ApiError::internal)?;
        let valid_from: DateTime<Utc> = changed.map_or(list.created_at, |c| c.max(list.created_at));
        let issuer = issuer_id(&base, &unit_code);
        let json = StatusListCredential {
            url: status_list_url(&base, n),
            issuer_id: &issuer,
            valid_from,
            encoded_list: status_list::encode(
                size,
                set.into_iter().filter_map(|i| usize::try_from(i).ok()),
            ),
        }
        .document();
        let jwt = sign(conn, &secrets, alg, &base, &json)?;
        let digest = format!("{:x}", sha2::Sha256::digest(jwt.as_bytes()));
        let etag = format!("\"{}\"", &digest[..32]);
        Ok(Some(StatusList { jwt, json, etag }))
    })
    .await
}
