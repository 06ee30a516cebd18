//! Open Badges 3.0: `/api/v1/certificates/{id}/credential` (a certificate's signed credential), and the public
//! documents a verifier needs without an account: `/api/v1/issuers/{unit_code}` (the issuing office's profile),
//! `/api/v1/signing-keys/{kid}` and `/.well-known/jwks.json` (the public keys), `/api/v1/status-lists/{n}` (the
//! signed revocation lists).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use sha2::Digest;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::negotiate;
use crate::auth::AuthUser;
use crate::credentials::document::{
    JwkSet, OpenBadgeCredential, Profile, PublicJwk, StatusListDocument,
};
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::service::credentials::{Document, Format};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(certificate_credential)
        .service(issuer_profile)
        .service(signing_key)
        .service(status_list);
}

/// The media type of a VC-JWT (VC-JOSE-COSE; Open Badges 3.0, 8.2).
pub const VC_JWT: &str = "application/vc+jwt";

/// How long a verifier or a cache may keep a public document: a revocation reaches every verifier within this.
pub const PUBLIC_CACHE: &str = "public, max-age=300";

/// A compact JWS: `header.payload.signature`, each base64url.
#[derive(ToSchema)]
#[schema(value_type = String, example = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Imh0dHBzOi8vYmltdGVrLmV4YW1wbGUuZ28uaWQvYXBpL3YxL3NpZ25pbmcta2V5cy9yczI1Ni0yMDI2MTIwMi0zZjlhMWMyYiJ9.eyJpc3MiOiJodHRwczovL2JpbXRlay5leGFtcGxlLmdvLmlkL2FwaS92MS9pc3N1ZXJzL0xQTi1LU0cifQ.c2lnbmF0dXJl",
    pattern = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")]
#[allow(dead_code)]
pub struct VcJwt(String);

/// The strong entity tag of a public document's bytes.
fn content_tag(bytes: &[u8]) -> String {
    let digest = format!("{:x}", sha2::Sha256::digest(bytes));
    format!("\"{}\"", &digest[..32])
}

/// A public JSON document: cacheable by anyone for [`PUBLIC_CACHE`], with an `ETag` of its bytes.
pub fn public_json(content_type: &str, body: &impl Serialize) -> Result<HttpResponse, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::ETAG, content_tag(&bytes)))
        .insert_header((header::CACHE_CONTROL, PUBLIC_CACHE))
        .body(bytes))
}

/// A certificate's verifiable credential
///
/// The certificate as an Open Badges 3.0 `OpenBadgeCredential` (a W3C Verifiable Credential 2.0), signed by the
/// issuing office, which any conforming verifier or wallet checks offline against the office's published key
/// (`/.well-known/jwks.json`) and, for revocation, the status list its `credentialStatus` names. With
/// `Accept: application/vc+jwt` the signed VC-JWT (header `kid` = the key's URI; claims `iss`, `jti`, `nbf`, `sub`
/// beside the credential's members); otherwise the credential as JSON, for reading (it is not signed: keep the
/// JWT).
///
/// The credential never holds the officer's name or plain NIP: its subject is an opaque id, identified by the
/// salted SHA-256 of the NIP (`identityHash`, `hashed: true`) and the certificate number; a verifier who is given
/// the NIP checks `sha256(NIP + salt)`. `achievement` names the training, its criteria (attendance threshold and
/// pass score of the event) and its JP (`creditsAvailable`; `creditsEarned` on the subject).
///
/// Who: the holder, the operator of the holder's unit, the event's organizers and administrators (others: 404);
/// not service accounts. A revoked certificate: 409 `certificate_revoked`; after an erasure of the holder's data:
/// 410 `holder_erased` (copies saved earlier show as revoked in the status list). Before an administrator has run
/// `bimtek-api keys generate`, the signed form is 409 `signing_key_missing`.
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path, description = "The certificate id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The credential: signed (`Accept: application/vc+jwt`) or as JSON.", content(
                (OpenBadgeCredential = "application/json"),
                (VcJwt = "application/vc+jwt")
            ),
            headers(("Vary" = String, description = "`Accept`"))),
        (status = 404, response = responses::NotFound),
        (status = 409, description = "The certificate is revoked (`certificate_revoked`), or no signing key was \
            generated yet (`signing_key_missing`).", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:bimtek-api:problem:certificate_revoked", "title": "Conflict", "status": 409,
                "detail": "This certificate was revoked: its credential is no longer given out, and the status list marks copies already saved as revoked.",
                "code": "certificate_revoked"})),
        (status = 410, description = "The holder's personal data was erased.", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:bimtek-api:problem:holder_erased", "title": "Gone", "status": 410,
                "detail": "The holder's personal data was erased (UU 27/2022 PDP): the credential is no longer given out, and the status list marks copies already saved as revoked.",
                "code": "holder_erased"}))
    )
)]
#[get("/certificates/{id}/credential")]
pub async fn certificate_credential(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let format = match negotiate(&req, &["application/json", VC_JWT]) {
        VC_JWT => Format::Jwt,
        _ => Format::Json,
    };
    let settings = &state.settings;
    let document = service::credentials::credential(
        &state.pool,
        &user,
        id.into_inner(),
        &settings.public_base_url,
        settings.webhook_secret_keys.clone(),
        settings.credential_signing_alg,
        format,
    )
    .await?;
    let mut response = HttpResponse::Ok();
    response.insert_header((header::VARY, "Accept"));
    Ok(match document {
        Document::Json(credential) => response.json(credential),
        Document::Jwt(token) => response.content_type(VC_JWT).body(token),
    })
}

/// An issuing office's profile
///
/// Public: the Open Badges 3.0 `Profile` of the office that issues a unit's certificates, as its credentials name it
/// (`issuer.id` is this address): its name, address, web site and e-mail, from the letterhead its certificates
/// print (the unit's own, else the Kanwil's). Cacheable for 5 minutes. An unknown or inactive unit code: 404.
#[utoipa::path(
    tag = "credentials",
    params(("unit_code" = String, Path, description = "The unit's code", example = "LPN-KSG")),
    responses(
        (status = 200, description = "The issuer profile.", body = Profile,
            headers(("ETag" = String), ("Cache-Control" = String, description = "`public, max-age=300`"))),
        (status = 304, description = "Not modified (`If-None-Match`)."),
        (status = 404, response = responses::NotFound),
        (status = 500, response = responses::InternalError),
        (status = 503, response = responses::ServiceUnavailable)
    )
)]
#[get("/issuers/{unit_code}")]
pub async fn issuer_profile(
    state: web::Data<AppState>,
    unit_code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let profile = service::credentials::issuer_profile(
        &state.pool,
        &state.settings.public_base_url,
        unit_code.into_inner(),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("Issuer"))?;
    public_json("application/json", &profile)
}

/// One signing key
///
/// Public: one of the issuer's public keys as a JWK (`application/jwk+json`): what the `kid` of a credential's
/// header dereferences to. Retired keys stay here, so that what they signed still verifies. No private member is
/// ever served. An unknown key: 404.
#[utoipa::path(
    tag = "credentials",
    params(("kid" = String, Path, description = "The key's id", example = "rs256-20261202-3f9a1c2b")),
    responses(
        (status = 200, description = "The public key.", body = PublicJwk, content_type = "application/jwk+json",
            headers(("ETag" = String), ("Cache-Control" = String, description = "`public, max-age=300`"))),
        (status = 304, description = "Not modified (`If-None-Match`)."),
        (status = 404, response = responses::NotFound),
        (status = 500, response = responses::InternalError),
        (status = 503, response = responses::ServiceUnavailable)
    )
)]
#[get("/signing-keys/{kid}")]
pub async fn signing_key(
    state: web::Data<AppState>,
    kid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = service::credentials::public_key(
        &state.pool,
        &state.settings.public_base_url,
        kid.into_inner(),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("Signing key"))?;
    public_json("application/jwk+json", &key)
}

/// The issuer's public keys
///
/// Public: every signing key of the service as a JWK Set, current and retired (a rotation keeps old keys here so
/// that old credentials still verify). A credential's JWT header names its key by `kid`, which is also the key's
/// own address (`/api/v1/signing-keys/{kid}`). Cacheable for 5 minutes.
#[utoipa::path(
    tag = "credentials",
    responses(
        (status = 200, description = "The key set.", body = JwkSet,
            headers(("ETag" = String), ("Cache-Control" = String, description = "`public, max-age=300`"))),
        (status = 304, description = "Not modified (`If-None-Match`)."),
        (status = 500, response = responses::InternalError),
        (status = 503, response = responses::ServiceUnavailable)
    )
)]
#[get("/jwks.json")]
pub async fn key_set(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = service::credentials::key_set(&state.pool, &state.settings.public_base_url).await?;
    public_json("application/json", &keys)
}

/// A revocation status list
///
/// Public: a signed `BitstringStatusListCredential` (W3C Bitstring Status List v1.0) of 131,072 bits, one per
/// credential place, assigned at random; bit 1 = revoked (the certificate was revoked, or its holder's data
/// erased). A verifier reads the bit at the `statusListIndex` of a credential's `credentialStatus`. By default the
/// signed VC-JWT (`application/vc+jwt`); with `Accept: application/json` the same document as JSON, for reading.
/// Its `validFrom` is the list's latest change, so it only changes when a bit does (or the signing key): cacheable
/// for 5 minutes, with an `ETag` and `304` to `If-None-Match`. An unknown list: 404.
#[utoipa::path(
    tag = "credentials",
    params(("n" = i32, Path, description = "The list's number", example = 1, minimum = 1)),
    responses(
        (status = 200, description = "The status list credential.", content(
                (VcJwt = "application/vc+jwt"),
                (StatusListDocument = "application/json")
            ),
            headers(("ETag" = String), ("Cache-Control" = String, description = "`public, max-age=300`"),
                ("Vary" = String, description = "`Accept`"))),
        (status = 304, description = "Not modified (`If-None-Match`)."),
        (status = 404, response = responses::NotFound),
        (status = 409, description = "No signing key was generated yet (`signing_key_missing`).",
            body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:bimtek-api:problem:signing_key_missing", "title": "Conflict", "status": 409,
                "detail": "The service has no credential signing key yet: an administrator runs `bimtek-api keys generate`.",
                "code": "signing_key_missing"})),
        (status = 500, response = responses::InternalError),
        (status = 503, response = responses::ServiceUnavailable)
    )
)]
#[get("/status-lists/{n}")]
pub async fn status_list(
    req: HttpRequest,
    state: web::Data<AppState>,
    n: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    // Read as text so that a number out of range is a 404 like any unknown list, not a 400 about its type.
    let Some(n) = n.parse::<i32>().ok().filter(|n| *n > 0) else {
        return Err(ApiError::not_found("Status list"));
    };
    let settings = &state.settings;
    let list = service::credentials::status_list(
        &state.pool,
        n,
        &settings.public_base_url,
        settings.webhook_secret_keys.clone(),
        settings.credential_signing_alg,
    )
    .await?
    .ok_or_else(|| ApiError::not_found("Status list"))?;
    // Each representation has its own tag: the token's (which changes exactly when a bit or the key does), or the
    // JSON bytes'.
    let mut response = match negotiate(&req, &[VC_JWT, "application/json"]) {
        VC_JWT => HttpResponse::Ok()
            .content_type(VC_JWT)
            .insert_header((header::ETAG, list.etag))
            .insert_header((header::CACHE_CONTROL, PUBLIC_CACHE))
            .body(list.jwt),
        _ => public_json("application/json", &list.json)?,
    };
    response
        .headers_mut()
        .insert(header::VARY, header::HeaderValue::from_static("Accept"));
    Ok(response)
}
