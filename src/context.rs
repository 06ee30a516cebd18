//! The request context: the request id, the actor and the access-event buffer of the request being served.
//!
//! The `request_id` middleware puts a context into a tokio task-local around the request future; the `AuthUser`
//! extractor records the actor in it. `db::run` and `db::read` read it before they hop onto a blocking thread and
//! make it visible there too (a thread-local, for the closure's duration), so that `db::run` can hand the actor
//! and the request id to the database triggers that write the audit log, and `service::audit_log::access` works
//! from sync service code. Outside a request (CLI, seed, background tasks) there is no context: no actor.

use std::cell::RefCell;
use std::sync::Arc;

use uuid::Uuid;

use crate::domain::role::Role;
use crate::service::audit_log::AccessLog;

/// Who is acting: a user (with their role) or, once service accounts exist, a client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    /// The service account (machine-to-machine client) acting; `None` for users.
    pub client_id: Option<Uuid>,
    pub role: Option<Role>,
}

/// What the service knows of the request being served.
#[derive(Clone, Default)]
pub struct RequestContext {
    pub request_id: Option<String>,
    pub actor: Option<Actor>,
    /// Where access events of this request go (the application's buffer).
    pub access_log: Option<Arc<AccessLog>>,
}

impl std::fmt::Debug for RequestContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestContext")
            .field("request_id", &self.request_id)
            .field("actor", &self.actor)
            .finish_non_exhaustive()
    }
}

tokio::task_local! {
    static CONTEXT: RefCell<RequestContext>;
}

thread_local! {
    static BLOCKING: RefCell<Option<RequestContext>> = const { RefCell::new(None) };
}

/// Runs `future` with `context` as its request context.
pub async fn scope<F: Future>(context: RequestContext, future: F) -> F::Output {
    CONTEXT.scope(RefCell::new(context), future).await
}

/// Records the actor of the current request (no effect outside a request).
pub fn set_actor(actor: Actor) {
    // Outside a request scope there is nothing to record into: not an error.
    let _outside = CONTEXT.try_with(|c| c.borrow_mut().actor = Some(actor));
}

/// The context of the current request: from the task-local in async code, from the thread-local inside a
/// `db::run`/`db::read` closure; `None` outside a request.
pub fn current() -> Option<RequestContext> {
    CONTEXT
        .try_with(|c| c.borrow().clone())
        .ok()
        .or_else(|| BLOCKING.with(|b| b.borrow().clone()))
}

/// Makes `context` the current one of this (blocking) thread until the guard is dropped.
pub fn enter_blocking(context: Option<RequestContext>) -> BlockingGuard {
    let previous = BLOCKING.with(|b| b.replace(context));
    BlockingGuard { previous }
}

/// Restores the thread's previous context when dropped.
pub struct BlockingGuard {
    previous: Option<RequestContext>,
}

impl Drop for BlockingGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        BLOCKING.with(|b| *b.borrow_mut() = previous);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_a_request_there_is_no_context() {
        set_actor(Actor::default());
        assert!(current().is_none());
    }

    #[test]
    fn a_blocking_thread_sees_the_context_until_the_guard_drops() {
        let context = RequestContext {
            request_id: Some("req-1".into()),
            ..Default::default()
        };
        {
            let _guard = enter_blocking(Some(context));
            assert_eq!(
                current().and_then(|c| c.request_id).as_deref(),
                Some("req-1")
            );
        }
        assert!(current().is_none());
    }

    #[test]
    fn the_actor_is_recorded_inside_a_scope() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"));
        let seen = runtime.block_on(scope(RequestContext::default(), async {
            set_actor(Actor {
                user_id: Some(Uuid::nil()),
                client_id: None,
                role: Some(Role::Admin),
            });
            current().and_then(|c| c.actor)
        }));
        assert_eq!(seen.and_then(|a| a.role), Some(Role::Admin));
    }
}
