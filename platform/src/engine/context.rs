//! The [`StepContext`] the engine hands an adapter for one post: `save` persists the
//! checkpoint (fenced by the tenant's lease) before it returns, `before_call` asks the
//! tenant's RateLimiter, `usage` feeds it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::limiter::RateLimiter;
use super::shared::Shared;
use crate::domain::PostState;
use crate::ids::{PostId, TenantId};
use crate::publish::{BudgetReport, Checkpoint, PublishError, StepContext, Verdict};
use crate::store::leases::Fence;
use crate::store::posts_transition::{save_progress, PostChanges};

/// The step context of one post being published.
pub(crate) struct PostContext {
    shared: Arc<Shared>,
    tenant: TenantId,
    post: PostId,
    state: Mutex<PostState>,
    fence: Fence,
    limiter: Arc<RateLimiter>,
    save_failed: AtomicBool,
}

impl PostContext {
    pub fn new(
        shared: Arc<Shared>,
        tenant: TenantId,
        post: PostId,
        state: PostState,
        fence: Fence,
        limiter: Arc<RateLimiter>,
    ) -> Self {
        Self {
            shared,
            tenant,
            post,
            state: Mutex::new(state),
            fence,
            limiter,
            save_failed: AtomicBool::new(false),
        }
    }

    pub fn state(&self) -> PostState {
        *self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_state(&self, state: PostState) {
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = state;
    }

    pub fn fence(&self) -> Fence {
        self.fence
    }

    /// A `save` failed: the engine must stop working on the post (it may no longer own it).
    pub fn save_failed(&self) -> bool {
        self.save_failed.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl StepContext for PostContext {
    async fn save(&self, checkpoint: &Checkpoint) -> Result<(), PublishError> {
        let (tenant, post, state, fence) = (self.tenant, self.post, self.state(), self.fence);
        let checkpoint = checkpoint.clone();
        let saved = self
            .shared
            .db_retry(move |conn, shared| {
                let changes = PostChanges {
                    checkpoint: Some(checkpoint.clone()),
                    fence: Some(fence),
                    ..PostChanges::default()
                };
                save_progress(conn, tenant, post, state, changes, shared.clock.now())
            })
            .await;
        match saved {
            Ok(_) => {
                super::failpoint::after_persist("a checkpoint save");
                Ok(())
            }
            Err(err) => {
                tracing::warn!(tenant.id = %tenant, post.id = %post, error = %err, "could not save a publish checkpoint");
                self.save_failed.store(true, Ordering::SeqCst);
                Err(PublishError::new(
                    Verdict::RetryLater,
                    "Herald could not save its progress, so it sent nothing more",
                ))
            }
        }
    }

    async fn before_call(&self, object_id: &str, endpoint: &str) -> Result<(), PublishError> {
        self.limiter.before_call(object_id, endpoint).await
    }

    fn usage(&self, object_id: &str, report: BudgetReport) {
        self.limiter.usage(object_id, &report);
    }

    fn now(&self) -> DateTime<Utc> {
        self.shared.clock.now()
    }

    fn publishing_limit(&self, object_id: &str, used: u32, total: u32) {
        self.limiter.publishing_limit(object_id, used, total);
    }
}
