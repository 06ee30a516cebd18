//! Pagination: `limit` (default 20, at most 100) and `offset`, and the list envelope.

use serde::Serialize;
use utoipa::ToSchema;

use crate::error::FieldError;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;
pub const MAX_OFFSET: i64 = 1_000_000;

/// A checked page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i64,
    pub offset: i64,
}

impl PageRequest {
    /// Every item: for the repositories whose callers merge or compute over a whole list before paging it.
    pub const ALL: Self = Self {
        limit: i32::MAX as i64,
        offset: 0,
    };

    /// Checks `limit` and `offset`, appending one error per offending parameter.
    pub fn parse(limit: Option<i64>, offset: Option<i64>, errors: &mut Vec<FieldError>) -> Self {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        let offset = offset.unwrap_or(0);
        if !(1..=MAX_LIMIT).contains(&limit) {
            errors.push(FieldError::new(
                "limit",
                "out_of_range",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        if !(0..=MAX_OFFSET).contains(&offset) {
            errors.push(FieldError::new(
                "offset",
                "out_of_range",
                format!("must be between 0 and {MAX_OFFSET}"),
            ));
        }
        Self {
            limit: limit.clamp(1, MAX_LIMIT),
            offset: offset.clamp(0, MAX_OFFSET),
        }
    }
}

/// A list request as one value: which items (`filter`), in which order (`sort`, a vocabulary of
/// `crate::domain::sort`) and which page. Handlers parse it from the query string; repositories turn it into SQL.
#[derive(Debug, Clone)]
pub struct ListRequest<F, S> {
    pub filter: F,
    pub sort: S,
    pub page: PageRequest,
}

/// One page of a collection.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page, in the requested order.
    pub items: Vec<T>,
    /// How many items match the filters, over all pages.
    pub total: i64,
    /// The page size used.
    pub limit: i64,
    /// How many matching items were skipped.
    pub offset: i64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, total: i64, page: PageRequest) -> Self {
        Self {
            items,
            total,
            limit: page.limit,
            offset: page.offset,
        }
    }

    /// The requested page of a whole list (`items` in its order, `total` its length).
    pub fn of_all(items: Vec<T>, page: PageRequest) -> Self {
        let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let skip = usize::try_from(page.offset).unwrap_or(usize::MAX);
        let take = usize::try_from(page.limit).unwrap_or(usize::MAX);
        Self::new(
            items.into_iter().skip(skip).take(take).collect(),
            total,
            page,
        )
    }

    /// Converts every item with a conversion that can fail; the first failure is the answer.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, E>>()?,
            total: self.total,
            limit: self.limit,
            offset: self.offset,
        })
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            limit: self.limit,
            offset: self.offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn of_all_pages_a_whole_list() {
        let page = Page::of_all(
            (1..=7).collect(),
            PageRequest {
                limit: 3,
                offset: 3,
            },
        );
        assert_eq!(page.items, vec![4, 5, 6]);
        assert_eq!((page.total, page.limit, page.offset), (7, 3, 3));
        let past = Page::of_all(
            vec![1, 2],
            PageRequest {
                limit: 3,
                offset: 5,
            },
        );
        assert!(past.items.is_empty());
        assert_eq!(past.total, 2);
    }

    #[test]
    fn defaults_apply_and_bounds_are_reported() {
        let mut errors = Vec::new();
        assert_eq!(
            PageRequest::parse(None, None, &mut errors),
            PageRequest {
                limit: 20,
                offset: 0
            }
        );
        assert!(errors.is_empty());
        PageRequest::parse(Some(101), Some(-1), &mut errors);
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["limit", "offset"]);
    }
}
