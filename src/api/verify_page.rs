//! `/verify/{code}`: the public page a certificate's QR code points to. Server-rendered HTML in Indonesian, no
//! JavaScript, one inline style sheet allowed by its hash in a strict Content-Security-Policy; readable on a phone.

use std::sync::LazyLock;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, web};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::domain::certificate::format_jp;
use crate::domain::certificate::{rentang_tanggal, tanggal, wib_date};
use crate::domain::enums::CertificateKind;
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::service::certificates::Verification;
use crate::state::AppState;

const STYLE: &str = "body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;\
background:#eef1f6;color:#1a1d24;line-height:1.45}\
main{max-width:34rem;margin:0 auto;padding:1.25rem 1rem 2rem}\
h1{font-size:1.25rem;margin:0 0 1rem;color:#0d2f73}\
.card{background:#fff;border-radius:.75rem;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}\
.status{display:inline-block;font-weight:700;font-size:1.5rem;letter-spacing:.08em;padding:.25rem .9rem;\
border-radius:.5rem;margin:0 0 .5rem}\
.valid{background:#dff5e3;color:#0f6b2a}.revoked{background:#fde2e1;color:#a11a12}\
.unknown{background:#eceff3;color:#4a5160}\
dl{margin:1rem 0 0}dt{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:#5b6272;margin-top:.8rem}\
dd{margin:.1rem 0 0;font-size:1.05rem;overflow-wrap:anywhere}\
.note{font-size:.85rem;color:#5b6272;margin-top:1.25rem}";

/// The policy of the page: nothing may load or run but the one style sheet, named by its hash.
static CSP: LazyLock<String> = LazyLock::new(|| {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE.as_bytes()));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'"
    )
});

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n\
         <body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        title = escape(title),
    )
}

fn row(label: &str, id: &str, value: &str) -> String {
    format!(
        "<dt>{}</dt><dd id=\"{id}\">{}</dd>\n",
        escape(label),
        escape(value)
    )
}

/// The page of a known certificate.
pub fn certificate_page(c: &Verification, base_url: &str) -> String {
    let kind = match c.kind {
        CertificateKind::SuratKeterangan => "Surat Keterangan",
        CertificateKind::Sertifikat => "Sertifikat",
    };
    let (badge, class, explanation) = match c.revoked_at {
        None => ("SAH", "valid", format!("{kind} ini tercatat dan sah.")),
        Some(at) => (
            "DICABUT",
            "revoked",
            format!(
                "{kind} ini telah dicabut pada {} dan tidak berlaku lagi.",
                tanggal(wib_date(at))
            ),
        ),
    };
    let holder = c
        .holder_name
        .clone()
        .unwrap_or_else(|| "Data pribadi pemegang telah dihapus".to_owned());
    let mut body = format!(
        "<h1>Verifikasi {kind}</h1>\n<div class=\"card\">\n<p class=\"status {class}\" id=\"status\">{badge}</p>\n\
         <p id=\"explanation\">{}</p>\n<dl>\n",
        escape(&explanation)
    );
    body.push_str(&row("Nama pemegang", "holder", &holder));
    if let Some(nip) = &c.holder_nip_masked {
        body.push_str(&row("NIP", "nip", nip));
    }
    body.push_str(&row("Jenis", "kind", kind));
    body.push_str(&row("Nomor", "number", &c.number));
    body.push_str(&row("Diterbitkan oleh", "issuer", &c.issuer));
    body.push_str(&row("Kegiatan", "event", &c.event_title));
    body.push_str(&row("Tempat", "venue", &c.host_unit_name));
    body.push_str(&row(
        "Tanggal kegiatan",
        "dates",
        &rentang_tanggal(c.starts_on, c.ends_on),
    ));
    body.push_str(&row(
        "Jumlah jam pelajaran",
        "jp",
        &format!("{} JP", format_jp(c.jp)),
    ));
    body.push_str(&row("Tanggal terbit", "issued", &tanggal(c.issued_on)));
    body.push_str("</dl>\n");
    // Offered to the holder while the certificate stands: revoked or erased, the credential is no longer given out.
    if c.revoked_at.is_none() && c.holder_name.is_some() {
        body.push_str(&format!(
            "<p class=\"note\" id=\"credential\">{kind} ini juga tersedia sebagai kredensial digital terverifikasi \
             (Open Badges 3.0) yang ditandatangani penerbitnya. Pemegang dapat mengunduhnya melalui akunnya di \
             layanan ini dan menyimpannya di dompet digital atau menyerahkannya kepada pihak lain; siapa pun dapat \
             memeriksanya dengan kunci publik penerbit di {}.</p>\n",
            escape(&format!("{base_url}/.well-known/jwks.json"))
        ));
    }
    body.push_str(
        "<p class=\"note\">Halaman ini menampilkan data sebagaimana tercatat pada sistem Bimtek. \
         Bandingkan dengan dokumen yang Anda pegang.</p>\n</div>\n",
    );
    page(&format!("Verifikasi {kind} {}", c.number), &body)
}

/// The page of an unknown code.
pub fn not_found_page() -> String {
    page(
        "Sertifikat tidak ditemukan",
        "<h1>Verifikasi Sertifikat</h1>\n<div class=\"card\">\n\
         <p class=\"status unknown\" id=\"status\">TIDAK DITEMUKAN</p>\n\
         <p id=\"explanation\">Kode verifikasi ini tidak dikenal. Periksa kembali tautan atau pindai ulang kode QR \
         pada sertifikat.</p>\n</div>\n",
    )
}

fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP.as_str()))
        .body(body)
}

/// Verify a certificate (HTML page)
///
/// The page a certificate's QR code points to, for a person with a phone: server-rendered HTML in Indonesian, no
/// JavaScript. Its heading names the kind (Verifikasi Sertifikat, Verifikasi Surat Keterangan). It shows the
/// status (SAH, or DICABUT with the date), the holder's name and masked NIP (or that their data was erased), the
/// kind, the number, the issuing office, the event, its host unit, its dates, the JP and the issue date, and while
/// it stands, that its holder can download it as a signed Open Badges 3.0 credential (with the key set's address). An
/// unknown code gets a 404 page in Indonesian. Sent with a strict `Content-Security-Policy` and `Cache-Control: no-store`. The same data
/// as JSON: `GET /api/v1/certificates/verify/{code}`.
#[utoipa::path(
    tag = "certificates",
    params(("code" = String, Path, description = "The verification code (32 characters a-z, 2-7)")),
    responses(
        (status = 200, description = "The certificate's page.", content_type = "text/html", body = String,
            example = json!("<!DOCTYPE html>\n<html lang=\"id\">...<p class=\"status valid\" id=\"status\">SAH</p>...</html>")),
        (status = 404, description = "No certificate has this code: a page saying so.", content_type = "text/html", body = String,
            example = json!("<!DOCTYPE html>\n<html lang=\"id\">...<p class=\"status unknown\" id=\"status\">TIDAK DITEMUKAN</p>...</html>")),
        (status = 500, response = responses::InternalError),
        (status = 503, response = responses::ServiceUnavailable)
    )
)]
#[get("/verify/{code}")]
pub async fn verify_page(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let verification = service::certificates::verify(&state.pool, code.into_inner()).await?;
    Ok(match verification {
        Some(detail) => html(
            StatusCode::OK,
            certificate_page(&detail, &state.settings.public_base_url),
        ),
        None => html(StatusCode::NOT_FOUND, not_found_page()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }

    fn verification(kind: CertificateKind, erased: bool) -> Verification {
        let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        Verification {
            kind,
            number: "3/BIMTEK/LPN-KSG/2025".to_owned(),
            holder_name: (!erased).then(|| "Dewi Lestari".to_owned()),
            event_title: "Bimtek Orientasi Lapangan".to_owned(),
            starts_on: d("2025-08-02"),
            ends_on: d("2025-08-02"),
            jp: 12.0,
            issued_on: d("2025-08-04"),
            revoked_at: None,
            issuer: "KANTOR WILAYAH DIREKTORAT JENDERAL PEMASYARAKATAN KALIMANTAN TENGAH"
                .to_owned(),
            host_unit_name: "Lapas Narkotika Kelas IIA Kasongan".to_owned(),
            holder_nip_masked: (!erased).then(|| "1987**********2001".to_owned()),
        }
    }

    #[test]
    fn the_page_names_the_kind_the_issuer_and_the_masked_nip() {
        let page = certificate_page(
            &verification(CertificateKind::SuratKeterangan, false),
            "https://bimtek.example.go.id",
        );
        assert!(
            page.contains("<h1>Verifikasi Surat Keterangan</h1>"),
            "{page}"
        );
        assert!(
            page.contains("<dd id=\"nip\">1987**********2001</dd>"),
            "{page}"
        );
        assert!(page.contains(
            "<dd id=\"issuer\">KANTOR WILAYAH DIREKTORAT JENDERAL PEMASYARAKATAN KALIMANTAN TENGAH</dd>"
        ));
        assert!(page.contains("<dd id=\"venue\">Lapas Narkotika Kelas IIA Kasongan</dd>"));
        assert!(
            page.contains("(Open Badges 3.0)")
                && page.contains("https://bimtek.example.go.id/.well-known/jwks.json"),
            "the holder is told of the credential: {page}"
        );
        let page = certificate_page(
            &verification(CertificateKind::Sertifikat, true),
            "https://bimtek.example.go.id",
        );
        assert!(page.contains("<h1>Verifikasi Sertifikat</h1>"));
        assert!(
            !page.contains("id=\"credential\""),
            "no credential after an erasure: {page}"
        );
        assert!(
            !page.contains("id=\"nip\""),
            "no NIP after an erasure: {page}"
        );
    }

    #[test]
    fn the_policy_allows_exactly_the_inline_style() {
        assert!(CSP.starts_with("default-src 'none'; style-src 'sha256-"));
        assert!(!CSP.contains("unsafe"));
        assert!(not_found_page().contains("TIDAK DITEMUKAN"));
    }
}
