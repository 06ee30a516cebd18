//! Reading the body of an import: its own size limit (larger than the default), JSON arrays and CSV files turned
//! into rows, and the answers that refuse a whole file.

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use utoipa::PartialSchema;

use crate::api::extract::{parse_value_with, schema_properties};
use crate::domain::csv_import::{self, CsvError};
use crate::error::{ApiError, FieldError, PROBLEM_JSON};
use crate::service::imports::ImportRow;
use crate::state::AppState;

/// What the body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Json,
    Csv,
}

/// The body of an import: read up to the import limit (`IMPORT_MAX_BODY_BYTES`), parsed by the handler after
/// authorization.
pub struct ImportBody {
    pub(super) result: Result<(Format, web::Bytes), ApiError>,
}

const EXPECTED: &str = "application/json (an array of rows) or text/csv";

fn format_of(req: &HttpRequest) -> Result<Format, ApiError> {
    let unsupported = || ApiError::UnsupportedMediaType { expected: EXPECTED };
    let value = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(unsupported)?
        .to_ascii_lowercase();
    let mut parts = value.split(';').map(str::trim);
    let essence = parts.next().unwrap_or_default();
    let format = match essence {
        "application/json" => Format::Json,
        "text/csv" => Format::Csv,
        _ => return Err(unsupported()),
    };
    let charset = parts
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim() == "charset")
        .map(|(_, v)| v.trim().trim_matches('"').to_owned());
    if charset.is_some_and(|c| c != "utf-8" && c != "utf8" && c != "us-ascii") {
        return Err(invalid_encoding(
            "The body must be UTF-8 (charset=utf-8); save the file as CSV UTF-8.".to_owned(),
        ));
    }
    Ok(format)
}

fn invalid_encoding(detail: String) -> ApiError {
    ApiError::BadRequest {
        code: "invalid_encoding",
        detail,
        errors: Vec::new(),
    }
}

impl FromRequest for ImportBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let format = format_of(req);
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(5 * 1024 * 1024, |s| s.settings.import_max_body_bytes);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            let result = async {
                let format = format?;
                if declared.is_some_and(|n| n > limit) {
                    return Err(ApiError::PayloadTooLarge { limit });
                }
                let mut body = web::BytesMut::new();
                while let Some(chunk) = payload.next().await {
                    let chunk = chunk.map_err(|_| ApiError::BadRequest {
                        code: "unreadable_body",
                        detail: "The request body could not be read.".to_owned(),
                        errors: Vec::new(),
                    })?;
                    if body.len() + chunk.len() > limit {
                        return Err(ApiError::PayloadTooLarge { limit });
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok((format, body.freeze()))
            }
            .await;
            Ok(ImportBody { result })
        })
    }
}

/// A problem document with a code of its own (the 413 of too many rows).
fn problem(status: StatusCode, code: &str, detail: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
        .json(crate::error::Problem {
            type_: format!("urn:bimtek-api:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            errors: Vec::new(),
        })
}

fn too_many_rows(limit: usize) -> HttpResponse {
    problem(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_many_rows",
        format!("The file has more than {limit} rows; split it into several imports."),
    )
}

fn row_errors(error: ApiError) -> Vec<FieldError> {
    match error {
        ApiError::Validation(errors) => errors,
        other => vec![FieldError::new(
            "",
            other.code().to_owned(),
            "the row cannot be read",
        )],
    }
}

/// The answer that refuses a whole file (boxed: a response is large).
pub(super) type Refusal = Box<HttpResponse>;

/// The rows of a body, or the answer that refuses the whole file.
pub(super) fn read_rows<T: DeserializeOwned + PartialSchema>(
    format: Format,
    bytes: &[u8],
    max_rows: usize,
) -> Result<Vec<ImportRow<T>>, Refusal> {
    match format {
        Format::Json => json_rows(bytes, max_rows),
        Format::Csv => csv_rows(bytes, max_rows),
    }
}

fn json_rows<T: DeserializeOwned + PartialSchema>(
    bytes: &[u8],
    max_rows: usize,
) -> Result<Vec<ImportRow<T>>, Refusal> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        let refusal = invalid_encoding(format!("The body is not valid UTF-8 (line {line})."));
        return Err(Box::new(refusal.error_response()));
    }
    let value: Value = crate::api::extract::read_json(bytes)
        .map_err(|e| -> Refusal { Box::new(e.error_response()) })?;
    let Value::Array(items) = value else {
        return Err(ApiError::field(
            "",
            "invalid_type",
            "the body must be a JSON array of rows (or a text/csv file)",
        )
        .error_response()
        .into());
    };
    if items.len() > max_rows {
        return Err(Box::new(too_many_rows(max_rows)));
    }
    let schema = T::schema();
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(row, item)| ImportRow {
            row,
            line: None,
            input: parse_value_with::<T>(&schema, item).map_err(row_errors),
        })
        .collect())
}

fn csv_rows<T: DeserializeOwned + PartialSchema>(
    bytes: &[u8],
    max_rows: usize,
) -> Result<Vec<ImportRow<T>>, Refusal> {
    let table = csv_import::parse(bytes, max_rows).map_err(|e| -> Refusal {
        Box::new(match e {
            CsvError::TooManyRows { limit } => too_many_rows(limit),
            CsvError::InvalidEncoding { .. } => {
                invalid_encoding(format!("The CSV file cannot be read: {e}.")).error_response()
            }
            other => ApiError::BadRequest {
                code: "malformed_csv",
                detail: format!("The CSV file cannot be read: {other}."),
                errors: Vec::new(),
            }
            .error_response(),
        })
    })?;
    let (properties, required) = schema_properties::<T>();
    let schema = T::schema();
    let mut errors = Vec::new();
    for (i, name) in table.header.iter().enumerate() {
        if !properties.contains(name) {
            errors.push(FieldError::new(
                name.clone(),
                "unknown_column",
                "the header names a column that is not a field of this import",
            ));
        } else if table.header[..i].contains(name) {
            errors.push(FieldError::new(
                name.clone(),
                "duplicate_column",
                "the header names this column twice",
            ));
        }
    }
    for name in &required {
        if !table.header.contains(name) {
            errors.push(FieldError::new(
                name.clone(),
                "missing_column",
                "the header must name this required column",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(Box::new(ApiError::validation(errors).error_response()));
    }
    Ok(table
        .records
        .into_iter()
        .enumerate()
        .map(|(row, record)| {
            let input = if record.values.len() == table.header.len() {
                let mut object = Map::new();
                for (name, value) in table.header.iter().zip(record.values) {
                    if value.is_empty() {
                        // An empty required cell is a missing field; an empty optional one clears the field.
                        if !required.contains(name) {
                            object.insert(name.clone(), Value::Null);
                        }
                    } else {
                        object.insert(name.clone(), Value::String(value));
                    }
                }
                parse_value_with::<T>(&schema, Value::Object(object)).map_err(row_errors)
            } else {
                Err(vec![FieldError::new(
                    "",
                    "invalid_field_count",
                    format!(
                        "the row has {} values and the header names {} columns",
                        record.values.len(),
                        table.header.len()
                    ),
                )])
            };
            ImportRow {
                row,
                line: Some(record.line),
                input,
            }
        })
        .collect())
}
