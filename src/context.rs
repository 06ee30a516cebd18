//! The request context: the request id, the actor and the access events of the request being served.
//!
//! The `request_id` middleware puts a context into a tokio task-local around the request future; the `AuthUser`
//! extractor records the actor in it. `db::run` and `db::read` read it before they hop onto a blocking thread and
//! make it visible there too (a thread-local, for the closure's duration), so that `db::run` can hand the actor
//! and the request id to the database triggers that write the audit log, and service code can record access
//! events ([`record_access`]). The context only holds them: after the handler, the `request_id` middleware hands
//! them to the application's access log (`service::audit_log::AccessLog`). Outside a request (CLI, seed,
//! background tasks) there is no context: no actor, and access events are not recorded.
//!
//! A leaf: it imports only `domain`.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use crate::domain::role::Role;

/// Who is acting: a user (with their role) or, once service accounts exist, a client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    /// The service account (machine-to-machine client) acting; `None` for users.
    pub client_id: Option<Uuid>,
    pub role: Option<Role>,
}

/// A read of personal data, to be recorded as an `audit_log` row. The actor and the request id are taken from
/// the request context.
#[derive(Debug, Clone)]
pub struct AccessEvent {
    /// E.g. `participant.nip_read`, `export.attendance`.
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<Uuid>,
    /// The officer whose data was read, when it is one officer.
    pub participant_id: Option<Uuid>,
    /// Every officer whose data the answer showed (also the one of `participant_id`); empty when none.
    pub participant_ids: Vec<Uuid>,
    /// Extra detail without personal values, e.g. `{"rows": 120}`; `{}` when none.
    pub detail: serde_json::Value,
}

impl AccessEvent {
    /// A full NIP (and contacts) of one officer was read.
    pub fn nip_read(participant_id: Uuid) -> Self {
        Self {
            action: "participant.nip_read".into(),
            resource_type: "participant".into(),
            resource_id: Some(participant_id),
            participant_id: Some(participant_id),
            participant_ids: vec![participant_id],
            detail: serde_json::json!({}),
        }
    }

    /// The full NIPs (and contacts) of these officers were shown in one answer (a list page, an import's row
    /// report): one entry naming all of them. A single officer is recorded as [`AccessEvent::nip_read`].
    pub fn nips_read(participant_ids: Vec<Uuid>) -> Self {
        match participant_ids.as_slice() {
            [one] => Self::nip_read(*one),
            _ => Self {
                action: "participant.nip_read".into(),
                resource_type: "participant".into(),
                resource_id: None,
                participant_id: None,
                detail: serde_json::json!({"count": participant_ids.len()}),
                participant_ids,
            },
        }
    }
}

/// An access event of the request, with the actor it was recorded for.
#[derive(Debug, Clone)]
pub struct PendingAccess {
    pub event: AccessEvent,
    pub actor: Option<Actor>,
}

/// The access events of one request, shared by the request's copies of its context (the blocking thread's too).
pub type PendingAccessEvents = Arc<Mutex<Vec<PendingAccess>>>;

/// The `Idempotency-Key` a request holds while its handler runs (set by the idempotency middleware after it
/// claimed the key): `db::run` marks it inside the effect's transaction, so effect and key commit together.
#[derive(Clone, PartialEq, Eq)]
pub struct IdempotencyClaim {
    pub caller: String,
    pub key: String,
    pub lock_token: Uuid,
}

/// What the service knows of the request being served.
#[derive(Clone, Default)]
pub struct RequestContext {
    pub request_id: Option<String>,
    pub actor: Option<Actor>,
    /// The access events recorded while serving the request; the middleware takes them after the handler.
    pub access_events: PendingAccessEvents,
    /// The idempotency key the request holds while its handler runs.
    pub idempotency: Option<IdempotencyClaim>,
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

/// Sets (or, with `None`, clears) the idempotency key the current request holds (no effect outside a request).
pub fn set_idempotency(claim: Option<IdempotencyClaim>) {
    let _outside = CONTEXT.try_with(|c| c.borrow_mut().idempotency = claim);
}

/// The context of the current request: from the task-local in async code, from the thread-local inside a
/// `db::run`/`db::read` closure; `None` outside a request.
pub fn current() -> Option<RequestContext> {
    CONTEXT
        .try_with(|c| c.borrow().clone())
        .ok()
        .or_else(|| BLOCKING.with(|b| b.borrow().clone()))
}

/// Records an access event of the current request (see the module comment); `false` outside a request.
pub fn record_access(event: AccessEvent) -> bool {
    let Some(context) = current() else {
        return false;
    };
    let Ok(mut pending) = context.access_events.lock() else {
        return false;
    };
    pending.push(PendingAccess {
        event,
        actor: context.actor.clone(),
    });
    true
}

/// Takes the access events recorded so far in `events`.
pub fn take_access_events(events: &PendingAccessEvents) -> Vec<PendingAccess> {
    events
        .lock()
        .map(|mut p| std::mem::take(&mut *p))
        .unwrap_or_default()
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

    #[test]
    fn one_answer_showing_several_officers_is_one_event_naming_them_all() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let many = AccessEvent::nips_read(vec![a, b]);
        assert_eq!(many.action, "participant.nip_read");
        assert_eq!(many.participant_ids, [a, b]);
        assert_eq!((many.participant_id, many.resource_id), (None, None));
        assert_eq!(many.detail, serde_json::json!({"count": 2}));
        // one officer reads as the single read always did
        let one = AccessEvent::nips_read(vec![a]);
        assert_eq!((one.participant_id, one.resource_id), (Some(a), Some(a)));
        assert_eq!(one.participant_ids, [a]);
    }

    #[test]
    fn access_events_recorded_on_a_blocking_thread_reach_the_request() {
        let context = RequestContext::default();
        let events = Arc::clone(&context.access_events);
        assert!(
            !record_access(AccessEvent::nip_read(Uuid::nil())),
            "no request"
        );
        {
            let _guard = enter_blocking(Some(context));
            assert!(record_access(AccessEvent::nip_read(Uuid::nil())));
        }
        let taken = take_access_events(&events);
        assert_eq!(taken.len(), 1);
        assert_eq!(taken[0].event.action, "participant.nip_read");
        assert!(take_access_events(&events).is_empty());
    }
}
