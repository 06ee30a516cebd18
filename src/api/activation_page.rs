//! `/aktivasi`: the page an activation slip points to, for an officer with a phone and no frontend. Server-rendered
//! HTML in Indonesian, no JavaScript, a form posted to itself (`application/x-www-form-urlencoded`), one inline
//! style sheet allowed by its hash in a strict Content-Security-Policy. Behind it is `POST /api/v1/auth/activate`
//! (`service::participant_accounts::activate`); the tokens of that login are not shown: the officer then logs in
//! with NIP and password wherever they use the service.

use std::sync::LazyLock;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::api::v1::auth::issuer;
use crate::api::v1::participant_accounts::ActivateRequest;
use crate::api::v1::token::FormBody;
use crate::api::verify_page::escape;
use crate::domain::user::NewPassword;
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::state::AppState;

const STYLE: &str = "body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;\
background:#eef1f6;color:#1a1d24;line-height:1.45}\
main{max-width:30rem;margin:0 auto;padding:1.25rem 1rem 2rem}\
h1{font-size:1.25rem;margin:0 0 1rem;color:#0d2f73}\
.card{background:#fff;border-radius:.75rem;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}\
label{display:block;font-weight:600;margin-top:.9rem}\
input{box-sizing:border-box;width:100%;font-size:1.05rem;padding:.55rem .6rem;margin-top:.3rem;\
border:1px solid #b8bfcc;border-radius:.4rem}\
button{margin-top:1.25rem;width:100%;font-size:1.05rem;font-weight:700;padding:.7rem;border:0;border-radius:.4rem;\
background:#0d2f73;color:#fff}\
.hint{font-size:.85rem;color:#5b6272;margin:.25rem 0 0}\
.error{background:#fde2e1;color:#a11a12;border-radius:.5rem;padding:.6rem .8rem;margin:0 0 .5rem}\
.done{background:#dff5e3;color:#0f6b2a;border-radius:.5rem;padding:.8rem;font-weight:600}";

static CSP: LazyLock<String> = LazyLock::new(|| {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE.as_bytes()));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
});

fn html(status: StatusCode, title: &str, body: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP.as_str()))
        .body(format!(
            "<!DOCTYPE html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"robots\" content=\"noindex\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n\
             <body>\n<main>\n{body}</main>\n</body>\n</html>\n",
            escape(title)
        ))
}

/// The form, with the messages of a refused attempt and the NIP typed before (never the code or a password).
fn form_page(status: StatusCode, errors: &[String], nip: &str) -> HttpResponse {
    let mut body = String::from("<h1>Aktivasi Akun Peserta Bimtek</h1>\n<div class=\"card\">\n");
    for error in errors {
        body.push_str(&format!(
            "<p class=\"error\" role=\"alert\">{}</p>\n",
            escape(error)
        ));
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"/aktivasi\" autocomplete=\"off\">\n\
         <label for=\"nip\">NIP</label>\n\
         <input id=\"nip\" name=\"nip\" inputmode=\"numeric\" maxlength=\"18\" required value=\"{}\">\n\
         <label for=\"kode\">Kode aktivasi</label>\n\
         <input id=\"kode\" name=\"activation_code\" maxlength=\"32\" required autocapitalize=\"characters\">\n\
         <p class=\"hint\">12 huruf dan angka seperti tertulis pada slip, misalnya 7KQ4-M2XD-9RTB.</p>\n\
         <label for=\"sandi\">Kata sandi baru</label>\n\
         <input id=\"sandi\" name=\"password\" type=\"password\" minlength=\"{min}\" maxlength=\"{max}\" required \
         autocomplete=\"new-password\">\n\
         <p class=\"hint\">Minimal {min} karakter.</p>\n\
         <label for=\"ulang\">Ulangi kata sandi baru</label>\n\
         <input id=\"ulang\" name=\"password_again\" type=\"password\" minlength=\"{min}\" maxlength=\"{max}\" \
         required autocomplete=\"new-password\">\n\
         <button type=\"submit\">Aktifkan akun</button>\n</form>\n</div>\n",
        escape(nip),
        min = NewPassword::MIN,
        max = NewPassword::MAX,
    ));
    html(status, "Aktivasi Akun Peserta Bimtek", &body)
}

fn done_page() -> HttpResponse {
    html(
        StatusCode::OK,
        "Akun aktif",
        "<h1>Aktivasi Akun Peserta Bimtek</h1>\n<div class=\"card\">\n\
         <p class=\"done\" id=\"status\">Akun Anda sudah aktif.</p>\n\
         <p>Mulai sekarang, masuklah dengan NIP dan kata sandi yang baru saja Anda buat. Kode aktivasi pada slip \
         tidak berlaku lagi; slip boleh dimusnahkan.</p>\n</div>\n",
    )
}

/// Activate an account (HTML page)
///
/// The page an activation slip points to: a form in Indonesian (NIP, activation code, the new password twice),
/// server-rendered, no JavaScript. Its `POST` activates the account as `POST /api/v1/auth/activate` does.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "The form.", content_type = "text/html", body = String,
            example = json!("<!DOCTYPE html>\n<html lang=\"id\">...<form method=\"post\" action=\"/aktivasi\"...</html>"))
    )
)]
#[get("/aktivasi")]
pub async fn activation_form() -> HttpResponse {
    form_page(StatusCode::OK, &[], "")
}

/// The form's fields.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"nip": "198503142010121002", "activation_code": "7KQ4-M2XD-9RTB",
    "password": "kata-sandi-baru-2025", "password_again": "kata-sandi-baru-2025"}))]
pub struct ActivationForm {
    /// The officer's NIP.
    #[serde(default)]
    pub nip: String,
    /// The code of the slip.
    #[serde(default)]
    pub activation_code: String,
    /// The new password.
    #[serde(default)]
    pub password: String,
    /// The new password again.
    #[serde(default)]
    pub password_again: String,
}

/// What a refused activation says to the officer.
fn message(error: &ApiError) -> Option<Vec<String>> {
    Some(match error {
        ApiError::Validation(errors) => errors
            .iter()
            .map(|e| match (e.field.as_str(), e.code.as_ref()) {
                ("nip", _) => "NIP harus terdiri atas 18 angka.".to_owned(),
                ("activation_code", _) => {
                    "Kode aktivasi terdiri atas 12 huruf dan angka, seperti tertulis pada slip."
                        .to_owned()
                }
                ("password", "too_short") => {
                    format!("Kata sandi minimal {} karakter.", NewPassword::MIN)
                }
                ("password", "too_long") => {
                    format!("Kata sandi paling banyak {} karakter.", NewPassword::MAX)
                }
                _ => "Kata sandi tidak boleh hanya berisi spasi.".to_owned(),
            })
            .collect(),
        ApiError::Unauthorized { code, .. } if *code == "activation_code_expired" => vec![
            "Kode aktivasi ini sudah kedaluwarsa. Mintalah kode baru kepada operator unit Anda."
                .to_owned(),
        ],
        ApiError::Unauthorized { .. } => {
            vec!["NIP atau kode aktivasi salah, atau kode itu sudah pernah dipakai.".to_owned()]
        }
        ApiError::TooManyRequests { retry_after } => vec![format!(
            "Terlalu banyak percobaan. Silakan coba lagi dalam {retry_after} detik."
        )],
        _ => return None,
    })
}

/// Activate an account (form post)
///
/// The form of `GET /aktivasi`, posted as `application/x-www-form-urlencoded` (`nip`, `activation_code`,
/// `password`, `password_again`): a page saying the account is active, or the form again with what to correct, in
/// Indonesian (422 for a malformed field, 401 for a wrong or expired code, 429 when throttled).
#[utoipa::path(
    tag = "auth",
    request_body(content = ActivationForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The account is active: a page saying so.", content_type = "text/html", body = String,
            example = json!("<!DOCTYPE html>\n<html lang=\"id\">...<p class=\"done\" id=\"status\">Akun Anda sudah aktif.</p>...</html>")),
        (status = 401, description = "A wrong, spent or expired code: the form again, saying so.", content_type = "text/html", body = String,
            example = json!("<!DOCTYPE html>\n<html lang=\"id\">...<p class=\"error\" role=\"alert\">NIP atau kode aktivasi salah, atau kode itu sudah pernah dipakai.</p>...</html>")),
        (status = 422, description = "A malformed field: the form again, saying what to correct.", content_type = "text/html", body = String,
            example = json!("<!DOCTYPE html>\n<html lang=\"id\">...<p class=\"error\" role=\"alert\">NIP harus terdiri atas 18 angka.</p>...</html>")),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 429, description = "Too many attempts: the form again, saying when to retry.", content_type = "text/html", body = String,
            example = json!("<!DOCTYPE html>\n<html lang=\"id\">...<p class=\"error\" role=\"alert\">Terlalu banyak percobaan. Silakan coba lagi dalam 42 detik.</p>...</html>")),
        (status = 500, response = responses::InternalError),
        (status = 503, response = responses::ServiceUnavailable)
    )
)]
#[post("/aktivasi")]
pub async fn activation_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: FormBody,
) -> Result<HttpResponse, ApiError> {
    // A form that cannot be read (unknown fields, bad encoding) is judged as an empty one: every field named.
    let form: ActivationForm = serde_urlencoded::from_bytes(body.bytes()).unwrap_or_default();
    let nip = form.nip.trim().to_owned();
    let again_differs = form.password != form.password_again;
    let parsed = ActivateRequest {
        nip: form.nip,
        activation_code: form.activation_code,
        password: form.password,
    }
    .parse();
    let result = match parsed {
        Err(error) => Err(error),
        Ok(_) if again_differs => {
            return Ok(form_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &["Kedua kata sandi tidak sama.".to_owned()],
                &nip,
            ));
        }
        Ok(activation) => match state.login_limiter.check_address(&req) {
            Err(error) => Err(error),
            Ok(()) => {
                let address = state.login_limiter.client_address(&req);
                service::participant_accounts::activate(issuer(&state), address, activation)
                    .await
                    .map(|_| ())
            }
        },
    };
    match result {
        Ok(()) => Ok(done_page()),
        Err(error) => match message(&error) {
            Some(messages) => {
                let status = match error {
                    ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
                    ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
                    _ => StatusCode::UNAUTHORIZED,
                };
                let mut page = form_page(status, &messages, &nip);
                if let ApiError::TooManyRequests { retry_after } = error
                    && let Ok(value) = header::HeaderValue::from_str(&retry_after.to_string())
                {
                    page.headers_mut().insert(header::RETRY_AFTER, value);
                }
                Ok(page)
            }
            None => Err(error),
        },
    }
}
