//! The JSON of the Open Badges 3.0 documents: the issuer's `Profile`, an `OpenBadgeCredential` for a certificate
//! and the `BitstringStatusListCredential` of a status list, and the JWT claims that sign them (VC-JWT: the
//! credential itself is the payload, with `iss`, `jti`, `nbf` and `sub` repeating its issuer, id, `validFrom` and
//! subject).
//!
//! Texts for people (names, descriptions, the criteria) are in Indonesian, with Indonesian dates. The subject is
//! never named: an opaque id and the salted SHA-256 of the NIP (`identityHash`, OB 3.0 section "IdentityObject"),
//! which a verifier holding the NIP can recompute and nobody else can read.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::certificate::tanggal;
use crate::domain::enums::CertificateKind;
use crate::domain::labels::Label;

pub const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
pub const OB_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// The Open Badges extensions context: defines `1EdTechJsonSchemaValidator2019`, the type of `credentialSchema`.
pub const OB_EXTENSIONS_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json";
pub const OB_SCHEMA: &str =
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";
/// The `identityType` of the NIP's hash: an extension value (OB 3.0 allows `ext:` names beside its enumeration).
pub const NIP_IDENTITY_TYPE: &str = "ext:NIP";
/// The `identityType` of the certificate number, given in plain text.
pub const NUMBER_IDENTITY_TYPE: &str = "ext:NomorSertifikat";

/// The issuing office, as its `Profile` shows it.
#[derive(Debug, Clone)]
pub struct Issuer {
    /// `{PUBLIC_BASE_URL}/api/v1/issuers/{unit_code}`.
    pub id: String,
    pub name: String,
    /// The first contact line of the letterhead that is neither an e-mail address nor a web address.
    pub address: Option<String>,
    pub url: Option<String>,
    pub email: Option<String>,
}

impl Issuer {
    /// The issuer from its letterhead's office line and contact lines: an e-mail address and a web address are
    /// picked out of the lines, the first other line is the address.
    pub fn from_letterhead(id: String, name: String, contact: &[String]) -> Self {
        let mut issuer = Self {
            id,
            name,
            address: None,
            url: None,
            email: None,
        };
        for line in contact {
            let tokens: Vec<&str> = line
                .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '|')
                .map(|t| t.trim_end_matches(['.', ')']).trim_start_matches('('))
                .filter(|t| !t.is_empty())
                .collect();
            let email = tokens
                .iter()
                .find(|t| t.contains('@') && t.split('@').nth(1).is_some_and(|d| d.contains('.')));
            let url = tokens.iter().find(|t| {
                t.starts_with("http://") || t.starts_with("https://") || t.starts_with("www.")
            });
            if issuer.email.is_none()
                && let Some(e) = email
            {
                issuer.email = Some(e.trim_start_matches("mailto:").to_owned());
            }
            if issuer.url.is_none()
                && let Some(u) = url
            {
                issuer.url = Some(if u.starts_with("www.") {
                    format!("https://{u}")
                } else {
                    (*u).to_owned()
                });
            }
            if email.is_none() && url.is_none() && issuer.address.is_none() {
                issuer.address = Some(line.clone());
            }
        }
        issuer
    }

    /// The OB 3.0 `Profile`.
    pub fn profile(&self) -> Profile {
        Profile {
            context: None,
            id: self.id.clone(),
            type_: vec!["Profile".to_owned()],
            name: self.name.clone(),
            url: self.url.clone(),
            email: self.email.clone(),
            address: Address {
                type_: vec!["Address".to_owned()],
                street_address: self.address.clone(),
                address_country: "Indonesia".to_owned(),
                address_country_code: "ID".to_owned(),
            },
        }
    }
}

/// An Open Badges `Address`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// `["Address"]`.
    #[serde(rename = "type")]
    pub type_: Vec<String>,
    /// The first contact line of the letterhead.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub street_address: Option<String>,
    pub address_country: String,
    pub address_country_code: String,
}

/// The issuing office as an Open Badges 3.0 `Profile`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "@context": [VC_CONTEXT, OB_CONTEXT],
    "id": "https://bimtek.example.go.id/api/v1/issuers/LPN-KSG",
    "type": ["Profile"],
    "name": "LEMBAGA PEMASYARAKATAN NARKOTIKA KELAS IIA KASONGAN",
    "url": "https://www.lpnkasongan.go.id",
    "email": "lpnkasongan@kemenimipas.go.id",
    "address": {"type": ["Address"], "streetAddress": "Jl. Tjilik Riwut Km. 2, Kasongan",
        "addressCountry": "Indonesia", "addressCountryCode": "ID"}
}))]
pub struct Profile {
    /// The JSON-LD contexts, on the issuer's own document only (inside a credential the credential's apply).
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub context: Option<Vec<String>>,
    /// `{PUBLIC_BASE_URL}/api/v1/issuers/{unit_code}`: this document.
    pub id: String,
    /// `["Profile"]`.
    #[serde(rename = "type")]
    pub type_: Vec<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub email: Option<String>,
    #[schema(inline)]
    pub address: Address,
}

/// An Open Badges `IdentityObject`: the NIP as its salted hash (`hashed: true`), or the certificate number in plain.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdentityObject {
    /// `IdentityObject`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `ext:NIP` or `ext:NomorSertifikat`.
    pub identity_type: String,
    pub hashed: bool,
    /// `sha256$` and the hex SHA-256 of the NIP followed by `salt`; or the certificate number.
    pub identity_hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub salt: Option<String>,
}

/// What earns the achievement.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Criteria {
    pub narrative: String,
}

/// The training as an Open Badges `Achievement`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Achievement {
    /// The event's address with the kind as fragment (`#sertifikat`, `#surat-keterangan`).
    pub id: String,
    /// `["Achievement"]`.
    #[serde(rename = "type")]
    pub type_: Vec<String>,
    /// `Certificate` (sertifikat) or `ext:SuratKeterangan`.
    pub achievement_type: String,
    pub name: String,
    pub description: String,
    #[schema(inline)]
    pub criteria: Criteria,
    /// The JP of the training.
    pub credits_available: f64,
    pub field_of_study: String,
    /// `id`.
    pub in_language: String,
}

/// The holder as an Open Badges `AchievementSubject`: never named, identified by an opaque id and the NIP's hash.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AchievementSubject {
    /// `urn:uuid:...`, random per credential (not the officer's id).
    pub id: String,
    /// `["AchievementSubject"]`.
    #[serde(rename = "type")]
    pub type_: Vec<String>,
    #[schema(inline)]
    pub identifier: Vec<IdentityObject>,
    pub activity_start_date: String,
    pub activity_end_date: String,
    /// The JP the officer earned.
    pub credits_earned: f64,
    #[schema(inline)]
    pub achievement: Achievement,
}

/// A `BitstringStatusListEntry`: where the credential's revocation bit is.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusEntry {
    pub id: String,
    /// `BitstringStatusListEntry`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `revocation`.
    pub status_purpose: String,
    /// The index, as a string (the spec's form).
    pub status_list_index: String,
    pub status_list_credential: String,
}

/// A schema the credential conforms to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CredentialSchema {
    pub id: String,
    #[serde(rename = "type")]
    pub type_: String,
}

/// A certificate as an Open Badges 3.0 `OpenBadgeCredential` (W3C Verifiable Credentials 2.0).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "@context": [VC_CONTEXT, OB_CONTEXT, OB_EXTENSIONS_CONTEXT],
    "id": "urn:uuid:0b6f1a52-8f3e-4c1d-9a7b-2c3d4e5f6a7b",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": "https://bimtek.example.go.id/api/v1/issuers/LPN-KSG", "type": ["Profile"],
        "name": "LEMBAGA PEMASYARAKATAN NARKOTIKA KELAS IIA KASONGAN",
        "address": {"type": ["Address"], "addressCountry": "Indonesia", "addressCountryCode": "ID"}},
    "validFrom": "2025-08-04T02:00:00Z",
    "name": "Sertifikat Bimtek Penguatan Layanan Rehabilitasi",
    "credentialSubject": {
        "id": "urn:uuid:4f1c2b3a-5d6e-4f70-8a9b-0c1d2e3f4a5b",
        "type": ["AchievementSubject"],
        "identifier": [
            {"type": "IdentityObject", "identityType": "ext:NIP", "hashed": true,
             "identityHash": "sha256$e0b0ead18391990c9b7e8c29245b44f8f2b247d97b59d365ecb9f67eb84ccd39",
             "salt": "garam"},
            {"type": "IdentityObject", "identityType": "ext:NomorSertifikat", "hashed": false,
             "identityHash": "12/BIMTEK/LPN-KSG/2025"}
        ],
        "activityStartDate": "2025-08-02T00:00:00+07:00",
        "activityEndDate": "2025-08-02T23:59:59+07:00",
        "creditsEarned": 9.0,
        "achievement": {
            "id": "https://bimtek.example.go.id/api/v1/events/8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d#sertifikat",
            "type": ["Achievement"], "achievementType": "Certificate",
            "name": "Sertifikat Bimtek Penguatan Layanan Rehabilitasi",
            "description": "Bimtek Penguatan Layanan Rehabilitasi, diselenggarakan di Lapas Narkotika Kasongan pada 2 Agustus 2025.",
            "criteria": {"narrative": "Hadir sekurang-kurangnya 80% dari seluruh sesi dan memperoleh nilai akhir (post-test) sekurang-kurangnya 70 dari 100."},
            "creditsAvailable": 9.0, "fieldOfStudy": "Pemasyarakatan", "inLanguage": "id"
        }
    },
    "credentialStatus": {"id": "https://bimtek.example.go.id/api/v1/status-lists/1#94567",
        "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "94567",
        "statusListCredential": "https://bimtek.example.go.id/api/v1/status-lists/1"},
    "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}]
}))]
pub struct OpenBadgeCredential {
    #[serde(rename = "@context")]
    pub context: Vec<String>,
    /// `urn:uuid:` and the certificate's id.
    pub id: String,
    #[serde(rename = "type")]
    pub type_: Vec<String>,
    pub issuer: Profile,
    /// The time of issue.
    pub valid_from: String,
    pub name: String,
    #[schema(inline)]
    pub credential_subject: AchievementSubject,
    #[schema(inline)]
    pub credential_status: StatusEntry,
    #[schema(inline)]
    pub credential_schema: Vec<CredentialSchema>,
}

/// The subject of a status list credential: the encoded bits.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BitstringStatusList {
    pub id: String,
    /// `BitstringStatusList`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `revocation`.
    pub status_purpose: String,
    /// `u` and the base64url (no padding) of the GZIP-compressed bits; bit 0 is the first byte's high bit.
    pub encoded_list: String,
}

/// A `BitstringStatusListCredential` (W3C Bitstring Status List v1.0).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "@context": [VC_CONTEXT],
    "id": "https://bimtek.example.go.id/api/v1/status-lists/1",
    "type": ["VerifiableCredential", "BitstringStatusListCredential"],
    "issuer": "https://bimtek.example.go.id/api/v1/issuers/LPN-KSG",
    "validFrom": "2025-08-04T02:00:00Z",
    "credentialSubject": {"id": "https://bimtek.example.go.id/api/v1/status-lists/1#list",
        "type": "BitstringStatusList", "statusPurpose": "revocation",
        "encodedList": "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"}
}))]
pub struct StatusListDocument {
    #[serde(rename = "@context")]
    pub context: Vec<String>,
    pub id: String,
    #[serde(rename = "type")]
    pub type_: Vec<String>,
    /// The issuer's profile address.
    pub issuer: String,
    /// The time of the list's latest change.
    pub valid_from: String,
    #[schema(inline)]
    pub credential_subject: BitstringStatusList,
}

/// A public signing key as a JWK (RFC 7517): RSA (`n`, `e`) or Ed25519 (`crv`, `x`). Never a private member.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
    "alg": "EdDSA", "use": "sig",
    "kid": "https://bimtek.example.go.id/api/v1/signing-keys/eddsa-20261202-3f9a1c2b"
}))]
pub struct PublicJwk {
    /// `RSA` or `OKP`.
    pub kty: String,
    /// The key's URI: `{PUBLIC_BASE_URL}/api/v1/signing-keys/{id}`, as the `kid` of every JWT it signed.
    pub kid: String,
    /// `RS256` or `EdDSA`.
    pub alg: String,
    /// `sig`.
    #[serde(rename = "use")]
    pub use_: String,
    /// RSA: the modulus (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub n: Option<String>,
    /// RSA: the public exponent (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub e: Option<String>,
    /// OKP: `Ed25519`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub crv: Option<String>,
    /// OKP: the public key (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub x: Option<String>,
}

/// A JWK Set (RFC 7517, 5): every signing key, current and retired.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"keys": [{
    "kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
    "alg": "EdDSA", "use": "sig",
    "kid": "https://bimtek.example.go.id/api/v1/signing-keys/eddsa-20261202-3f9a1c2b"
}]}))]
pub struct JwkSet {
    pub keys: Vec<PublicJwk>,
}

/// `sha256$<hex>` of the identifier followed by the salt (OB 3.0 `IdentityHash`).
pub fn identity_hash(identifier: &str, salt: &str) -> String {
    let digest = Sha256::digest(format!("{identifier}{salt}").as_bytes());
    format!("sha256${digest:x}")
}

/// A timestamp as the credentials write it: RFC 3339 in UTC, whole seconds.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// What a certificate's credential says.
#[derive(Debug, Clone)]
pub struct CertificateCredential<'a> {
    pub certificate_id: Uuid,
    pub kind: CertificateKind,
    pub number: &'a str,
    pub issuer: &'a Issuer,
    pub issued_at: DateTime<Utc>,
    /// `{PUBLIC_BASE_URL}/api/v1/events/{id}`.
    pub event_url: String,
    pub event_title: &'a str,
    pub event_description: Option<&'a str>,
    pub host_unit_name: &'a str,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Percent of the sessions.
    pub attendance_threshold: i16,
    /// 0: no test to pass.
    pub pass_score: i16,
    pub jp: f64,
    pub subject_id: Uuid,
    /// The NIP and the salt of its hash; `None` for an officer without a NIP.
    pub nip: Option<(&'a str, &'a str)>,
    /// `{PUBLIC_BASE_URL}/api/v1/status-lists/{n}`.
    pub status_list_url: String,
    pub status_index: usize,
}

fn period(starts_on: NaiveDate, ends_on: NaiveDate) -> String {
    if starts_on == ends_on {
        tanggal(starts_on)
    } else {
        format!("{} s.d. {}", tanggal(starts_on), tanggal(ends_on))
    }
}

/// What earns the certificate, as a sentence of the kind's rule.
pub fn criteria_narrative(
    kind: CertificateKind,
    attendance_threshold: i16,
    pass_score: i16,
) -> String {
    let attendance = format!("Hadir sekurang-kurangnya {attendance_threshold}% dari seluruh sesi");
    match kind {
        CertificateKind::Sertifikat if pass_score > 0 => format!(
            "{attendance} dan memperoleh nilai akhir (post-test) sekurang-kurangnya {pass_score} dari 100."
        ),
        CertificateKind::Sertifikat => format!("{attendance} dan dinyatakan lulus."),
        CertificateKind::SuratKeterangan => format!("{attendance}."),
    }
}

impl CertificateCredential<'_> {
    pub fn id(&self) -> String {
        format!("urn:uuid:{}", self.certificate_id)
    }

    pub fn subject(&self) -> String {
        format!("urn:uuid:{}", self.subject_id)
    }

    /// The `OpenBadgeCredential`.
    pub fn document(&self) -> OpenBadgeCredential {
        let kind = self.kind.label();
        let (achievement_type, fragment) = match self.kind {
            CertificateKind::Sertifikat => ("Certificate", "sertifikat"),
            CertificateKind::SuratKeterangan => ("ext:SuratKeterangan", "surat-keterangan"),
        };
        let description = match self.event_description.map(str::trim) {
            Some(d) if !d.is_empty() => d.to_owned(),
            _ => format!(
                "{}, diselenggarakan di {} pada {}.",
                self.event_title,
                self.host_unit_name,
                period(self.starts_on, self.ends_on)
            ),
        };
        let mut identifier = Vec::new();
        if let Some((nip, salt)) = self.nip {
            identifier.push(IdentityObject {
                type_: "IdentityObject".to_owned(),
                identity_type: NIP_IDENTITY_TYPE.to_owned(),
                hashed: true,
                identity_hash: identity_hash(nip, salt),
                salt: Some(salt.to_owned()),
            });
        }
        identifier.push(IdentityObject {
            type_: "IdentityObject".to_owned(),
            identity_type: NUMBER_IDENTITY_TYPE.to_owned(),
            hashed: false,
            identity_hash: self.number.to_owned(),
            salt: None,
        });
        let name = format!("{kind} {}", self.event_title);
        OpenBadgeCredential {
            context: vec![
                VC_CONTEXT.to_owned(),
                OB_CONTEXT.to_owned(),
                OB_EXTENSIONS_CONTEXT.to_owned(),
            ],
            id: self.id(),
            type_: vec![
                "VerifiableCredential".to_owned(),
                "OpenBadgeCredential".to_owned(),
            ],
            issuer: self.issuer.profile(),
            valid_from: timestamp(self.issued_at),
            name: name.clone(),
            credential_subject: AchievementSubject {
                id: self.subject(),
                type_: vec!["AchievementSubject".to_owned()],
                identifier,
                activity_start_date: format!("{}T00:00:00+07:00", self.starts_on),
                activity_end_date: format!("{}T23:59:59+07:00", self.ends_on),
                credits_earned: self.jp,
                achievement: Achievement {
                    id: format!("{}#{fragment}", self.event_url),
                    type_: vec!["Achievement".to_owned()],
                    achievement_type: achievement_type.to_owned(),
                    name,
                    description,
                    criteria: Criteria {
                        narrative: criteria_narrative(
                            self.kind,
                            self.attendance_threshold,
                            self.pass_score,
                        ),
                    },
                    credits_available: self.jp,
                    field_of_study: "Pemasyarakatan".to_owned(),
                    in_language: "id".to_owned(),
                },
            },
            credential_status: StatusEntry {
                id: format!("{}#{}", self.status_list_url, self.status_index),
                type_: "BitstringStatusListEntry".to_owned(),
                status_purpose: "revocation".to_owned(),
                status_list_index: self.status_index.to_string(),
                status_list_credential: self.status_list_url.clone(),
            },
            credential_schema: vec![CredentialSchema {
                id: OB_SCHEMA.to_owned(),
                type_: "1EdTechJsonSchemaValidator2019".to_owned(),
            }],
        }
    }
}

/// What a status list credential says.
#[derive(Debug, Clone)]
pub struct StatusListCredential<'a> {
    /// `{PUBLIC_BASE_URL}/api/v1/status-lists/{n}`.
    pub url: String,
    pub issuer_id: &'a str,
    /// The time of the list's last change (so that an unchanged list signs to the same token).
    pub valid_from: DateTime<Utc>,
    pub encoded_list: String,
}

impl StatusListCredential<'_> {
    pub fn document(&self) -> StatusListDocument {
        StatusListDocument {
            context: vec![VC_CONTEXT.to_owned()],
            id: self.url.clone(),
            type_: vec![
                "VerifiableCredential".to_owned(),
                "BitstringStatusListCredential".to_owned(),
            ],
            issuer: self.issuer_id.to_owned(),
            valid_from: timestamp(self.valid_from),
            credential_subject: BitstringStatusList {
                id: format!("{}#list", self.url),
                type_: "BitstringStatusList".to_owned(),
                status_purpose: "revocation".to_owned(),
                encoded_list: self.encoded_list.clone(),
            },
        }
    }
}

/// The claims of a VC-JWT: the credential with `iss`, `jti`, `nbf` and, when it has one, `sub`.
pub fn jwt_claims(credential: &impl Serialize) -> Value {
    let credential = serde_json::to_value(credential).unwrap_or_default();
    let mut claims = credential.clone();
    let issuer = credential["issuer"]
        .as_str()
        .or_else(|| credential["issuer"]["id"].as_str())
        .map(str::to_owned);
    let nbf = credential["validFrom"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp());
    let id = credential["id"].as_str().map(str::to_owned);
    let sub = credential["credentialSubject"]["id"]
        .as_str()
        .map(str::to_owned);
    if let Some(object) = claims.as_object_mut() {
        for (name, value) in [
            ("iss", issuer.map(Value::from)),
            ("jti", id.map(Value::from)),
            ("nbf", nbf.map(Value::from)),
            ("sub", sub.map(Value::from)),
        ] {
            if let Some(value) = value {
                object.insert(name.to_owned(), value);
            }
        }
    }
    claims
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn issuer() -> Issuer {
        Issuer::from_letterhead(
            "https://bimtek.example/api/v1/issuers/LPN-KSG".into(),
            "LEMBAGA PEMASYARAKATAN NARKOTIKA KELAS IIA KASONGAN".into(),
            &[
                "Jl. Tjilik Riwut Km. 2, Kasongan, Katingan".into(),
                "Telp. (0536) 123456, Email: lpnkasongan@kemenimipas.go.id".into(),
                "Laman: www.lpnkasongan.go.id".into(),
            ],
        )
    }

    #[test]
    fn the_profile_picks_address_email_and_web_address_out_of_the_letterhead() {
        let p = serde_json::to_value(issuer().profile()).unwrap_or_default();
        assert_eq!(p["type"], json!(["Profile"]));
        assert_eq!(p["email"], "lpnkasongan@kemenimipas.go.id");
        assert_eq!(p["url"], "https://www.lpnkasongan.go.id");
        assert_eq!(
            p["address"]["streetAddress"],
            "Jl. Tjilik Riwut Km. 2, Kasongan, Katingan"
        );
        assert_eq!(p["address"]["addressCountryCode"], "ID");
        let bare = serde_json::to_value(
            Issuer::from_letterhead("https://x/i".into(), "KANWIL".into(), &[]).profile(),
        )
        .unwrap_or_default();
        assert!(bare.get("email").is_none() && bare.get("url").is_none());
    }

    #[test]
    fn the_identity_hash_is_the_salted_sha256_of_the_nip() {
        // sha256("198001012005011001" + "garam") computed with coreutils' sha256sum.
        assert_eq!(
            identity_hash("198001012005011001", "garam"),
            "sha256$e0b0ead18391990c9b7e8c29245b44f8f2b247d97b59d365ecb9f67eb84ccd39"
        );
        assert_ne!(
            identity_hash("198001012005011001", "a"),
            identity_hash("198001012005011001", "b")
        );
    }

    #[test]
    fn the_criteria_follow_the_kind_and_the_events_rule() {
        assert_eq!(
            criteria_narrative(CertificateKind::Sertifikat, 80, 70),
            "Hadir sekurang-kurangnya 80% dari seluruh sesi dan memperoleh nilai akhir (post-test) \
             sekurang-kurangnya 70 dari 100."
        );
        assert_eq!(
            criteria_narrative(CertificateKind::SuratKeterangan, 75, 70),
            "Hadir sekurang-kurangnya 75% dari seluruh sesi."
        );
    }

    #[test]
    fn jwt_claims_repeat_issuer_id_validity_and_subject() {
        let i = issuer();
        let c = CertificateCredential {
            certificate_id: Uuid::nil(),
            kind: CertificateKind::Sertifikat,
            number: "1/BIMTEK/2025",
            issuer: &i,
            issued_at: DateTime::parse_from_rfc3339("2025-08-02T09:00:00Z")
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default(),
            event_url: "https://x/api/v1/events/e".into(),
            event_title: "Bimtek",
            event_description: None,
            host_unit_name: "Lapas",
            starts_on: NaiveDate::from_ymd_opt(2025, 8, 2).unwrap_or_default(),
            ends_on: NaiveDate::from_ymd_opt(2025, 8, 2).unwrap_or_default(),
            attendance_threshold: 80,
            pass_score: 0,
            jp: 9.0,
            subject_id: Uuid::max(),
            nip: Some(("198001012005011001", "s")),
            status_list_url: "https://x/api/v1/status-lists/1".into(),
            status_index: 42,
        };
        let json = serde_json::to_value(c.document()).unwrap_or_default();
        let claims = jwt_claims(&json);
        assert_eq!(claims["iss"], i.id.as_str());
        assert_eq!(claims["jti"], json["id"]);
        assert_eq!(claims["nbf"], 1_754_125_200);
        assert_eq!(claims["sub"], json["credentialSubject"]["id"]);
        assert_eq!(json["credentialStatus"]["statusListIndex"], "42");
        assert_eq!(
            json["credentialSubject"]["achievement"]["description"],
            "Bimtek, diselenggarakan di Lapas pada 2 Agustus 2025."
        );
        assert!(!json.to_string().contains("198001012005011001"));
    }
}
