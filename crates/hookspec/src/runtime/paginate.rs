//! Paginated endpoints as a lazy stream of items: one request per page, sent only when the
//! items of the previous page have been consumed.

use std::future::Future;

use futures::stream::{self, BoxStream, StreamExt};

/// The items of a paginated endpoint, page after page: `Ok(item)`s, and at most one `Err`,
/// after which the stream ends. Consuming it drives the requests.
pub type ItemStream<'a, T, E> = BoxStream<'a, Result<T, E>>;

/// One fetched page: its items and what asks for the next page (`None`: it was the last).
#[derive(Debug)]
pub struct Page<T, S> {
    /// The page's items.
    pub items: Vec<T>,
    /// The page number or cursor of the next page; `None` on the last page.
    pub next: Option<S>,
}

/// The stream of the items of every page, starting with the page `first` selects.
///
/// `fetch` sends the request for one page (retries, timeouts and the rate limit apply to each
/// request as to any call) and says what selects the next one. A page is fetched only when
/// the stream is polled after every item of the page before it was taken, so a consumer that
/// stops early sends no further request. An error is yielded as an item and ends the stream.
pub fn paginate<'a, S, T, E, F, Fut>(first: S, fetch: F) -> ItemStream<'a, T, E>
where
    S: Send + 'a,
    T: Send + 'a,
    E: Send + 'a,
    F: FnMut(S) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Page<T, S>, E>> + Send + 'a,
{
    stream::unfold((Some(first), fetch), |(state, mut fetch)| async move {
        let selector = state?;
        match fetch(selector).await {
            Ok(page) => {
                let items = stream::iter(page.items.into_iter().map(Ok));
                Some((items.left_stream(), (page.next, fetch)))
            }
            Err(e) => Some((stream::once(async { Err(e) }).right_stream(), (None, fetch))),
        }
    })
    .flatten()
    .boxed()
}

/// The page after `current` of a numbered list. It is `None` — `current` was the last page —
/// when the page was empty, when the response's `next` field is declared and null, or when
/// `current` has reached the declared `total_pages`. Otherwise it is the response's `next`
/// (when declared) or `current + 1`; a `next` that does not move forward ends the stream
/// rather than asking for the same page again.
pub fn next_page(
    current: i64,
    empty: bool,
    next: Option<Option<i64>>,
    total_pages: Option<Option<i64>>,
) -> Option<i64> {
    if empty {
        return None;
    }
    if let Some(Some(total)) = total_pages
        && current >= total
    {
        return None;
    }
    let next = match next {
        Some(declared) => declared?,
        None => current.checked_add(1)?,
    };
    (next > current).then_some(next)
}

/// The cursor of the page after the one fetched with `current` (`None` for the first page).
/// It is `None` — the page was the last — when the page was empty or its cursor is null,
/// absent or empty; a cursor equal to the one just sent also ends the stream instead of
/// asking for the same page forever.
pub fn next_cursor(current: Option<&str>, empty: bool, next: Option<String>) -> Option<String> {
    let next = next.filter(|c| !c.is_empty())?;
    (!empty && current != Some(next.as_str())).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_page_rules() {
        assert_eq!(next_page(1, false, None, None), Some(2));
        assert_eq!(next_page(1, true, None, None), None);
        assert_eq!(next_page(1, false, Some(Some(2)), Some(Some(3))), Some(2));
        assert_eq!(next_page(3, false, Some(Some(4)), Some(Some(3))), None);
        assert_eq!(next_page(2, false, Some(None), None), None);
        assert_eq!(next_page(2, false, Some(Some(2)), None), None);
        assert_eq!(next_page(2, false, None, Some(None)), Some(3));
        assert_eq!(next_page(i64::MAX, false, None, None), None);
    }

    #[test]
    fn next_cursor_rules() {
        assert_eq!(next_cursor(None, false, Some("a".into())), Some("a".into()));
        assert_eq!(next_cursor(Some("a"), false, Some("a".into())), None);
        assert_eq!(next_cursor(None, false, Some(String::new())), None);
        assert_eq!(next_cursor(None, false, None), None);
        assert_eq!(next_cursor(None, true, Some("b".into())), None);
    }

    #[tokio::test]
    async fn pages_are_fetched_lazily_and_an_error_ends_the_stream() {
        use std::sync::{Arc, Mutex};
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        let mut s = paginate(1_i64, move |page| {
            log.lock().unwrap().push(page);
            async move {
                match page {
                    1 => Ok(Page {
                        items: vec![1, 2],
                        next: Some(2),
                    }),
                    2 => Err("boom"),
                    _ => Ok(Page {
                        items: vec![9],
                        next: None,
                    }),
                }
            }
        });
        assert_eq!(s.next().await, Some(Ok(1)));
        assert_eq!(*asked.lock().unwrap(), [1]);
        assert_eq!(s.next().await, Some(Ok(2)));
        assert_eq!(*asked.lock().unwrap(), [1], "page 2 is not asked for yet");
        assert_eq!(s.next().await, Some(Err("boom")));
        assert_eq!(s.next().await, None);
        assert_eq!(*asked.lock().unwrap(), [1, 2]);
    }
}
