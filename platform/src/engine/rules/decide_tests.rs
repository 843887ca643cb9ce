use chrono::{Duration, Utc};
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::*;
use crate::publish::{Checkpoint, Phase};

fn facts(state: PostState, attempts: u32) -> Facts {
    Facts {
        state,
        attempts,
        now: Utc::now(),
    }
}

fn rng() -> StdRng {
    StdRng::seed_from_u64(42)
}

fn err(verdict: Verdict) -> PublishError {
    PublishError::new(verdict, "Meta said no")
}

#[test]
fn every_decision_is_a_move_the_state_machine_allows() {
    let states = [
        PostState::Queued,
        PostState::Preparing,
        PostState::Processing,
        PostState::Publishing,
    ];
    let verdicts = [
        Verdict::RetryLater,
        Verdict::RecreateContainer,
        Verdict::DeferUntil {
            until: Utc::now(),
            reason: "quota".into(),
        },
        Verdict::NeedsReauth,
        Verdict::PermissionDenied { permission: None },
        Verdict::InvalidInput {
            field: None,
            rule: "bad".into(),
        },
        Verdict::OutcomeUnknown,
    ];
    for state in states {
        for attempts in [0, MAX_ATTEMPTS - 1, MAX_ATTEMPTS + 3] {
            for verdict in &verdicts {
                let decision =
                    after_error(&facts(state, attempts), &err(verdict.clone()), &mut rng());
                let ok =
                    decision.to == state && state.is_in_flight() || state.can_move_to(decision.to);
                assert!(ok, "{state} -> {} on {verdict:?}", decision.to);
            }
        }
    }
    for state in [
        PostState::Preparing,
        PostState::Processing,
        PostState::Publishing,
    ] {
        for verdict in &verdicts {
            let decision =
                after_reconcile_error(&facts(state, 0), &err(verdict.clone()), &mut rng());
            assert!(
                state.can_move_to(decision.to),
                "{state} -> {} on {verdict:?}",
                decision.to
            );
        }
    }
}

#[test]
fn a_step_moves_to_its_phase_and_keeps_going() {
    let outcome = StepOutcome::Continue {
        phase: Phase::Processing,
        detail: "Uploaded.".into(),
    };
    let decision = after_step(&facts(PostState::Preparing, 0), &outcome);
    assert_eq!(decision.to, PostState::Processing);
    assert_eq!(decision.then, Then::Step);
    assert_eq!(decision.detail, "Uploaded.");
}

#[test]
fn waiting_for_meta_releases_the_post_until_the_given_time() {
    let at = Utc::now() + Duration::seconds(20);
    let outcome = StepOutcome::WaitUntil {
        phase: Phase::Processing,
        at,
        detail: "Meta is processing the video.".into(),
    };
    let decision = after_step(&facts(PostState::Preparing, 0), &outcome);
    assert_eq!(
        (decision.to, decision.then.clone(), decision.next_attempt_at),
        (PostState::Processing, Then::Release, Some(at))
    );
    assert!(
        decision.detail.contains("Checking again at"),
        "{}",
        decision.detail
    );
}

#[test]
fn published_is_final_and_tells_the_client() {
    let outcome = StepOutcome::Published {
        external_id: "1789".into(),
        permalink: None,
    };
    let decision = after_step(&facts(PostState::Publishing, 2), &outcome);
    assert_eq!(decision.to, PostState::Published);
    assert_eq!(decision.notify, Some(Notify::Published));
    assert_eq!(decision.external_id.as_deref(), Some("1789"));
    assert_eq!(decision.next_attempt_at, None);
}

#[test]
fn temporary_faults_back_off_then_fail_with_the_reason() {
    let decision = after_error(
        &facts(PostState::Publishing, 0),
        &err(Verdict::RetryLater),
        &mut rng(),
    );
    assert_eq!(decision.to, PostState::Queued);
    assert_eq!(decision.attempts, 1);
    assert!(decision.next_attempt_at.is_some_and(|at| at > Utc::now()));
    assert!(
        decision.detail.contains("attempt 1 of"),
        "{}",
        decision.detail
    );
    assert_eq!(decision.notify, None);

    let last = after_error(
        &facts(PostState::Publishing, MAX_ATTEMPTS - 1),
        &err(Verdict::RetryLater),
        &mut rng(),
    );
    assert_eq!(last.to, PostState::Failed);
    assert_eq!(last.notify, Some(Notify::Failed));
    assert!(last
        .last_error
        .as_deref()
        .is_some_and(|e| e.contains("Meta said no")));
}

#[test]
fn a_broken_container_starts_over_from_an_empty_checkpoint() {
    let decision = after_error(
        &facts(PostState::Processing, 0),
        &err(Verdict::RecreateContainer),
        &mut rng(),
    );
    assert_eq!(
        (decision.to, decision.then.clone()),
        (PostState::Preparing, Then::Step)
    );
    assert_eq!(decision.checkpoint, CheckpointChange::Reset);
}

#[test]
fn a_deferral_says_when_and_why_and_costs_no_attempt() {
    let until = Utc::now() + Duration::hours(2);
    let verdict = Verdict::DeferUntil {
        until,
        reason: "the Instagram publishing quota is used up".into(),
    };
    let decision = after_error(&facts(PostState::Publishing, 1), &err(verdict), &mut rng());
    assert_eq!(decision.to, PostState::Queued);
    assert_eq!(decision.attempts, 1);
    assert_eq!(decision.notify, Some(Notify::Deferred));
    assert!(decision.next_attempt_at.is_some_and(|at| at >= until));
    assert!(
        decision.detail.contains("quota is used up"),
        "{}",
        decision.detail
    );
    assert!(
        decision.detail.contains(&words::when(until)[..13]),
        "{}",
        decision.detail
    );
}

#[test]
fn an_invalid_token_defers_and_asks_for_a_reconnect_instead_of_failing() {
    let decision = after_error(
        &facts(PostState::Preparing, 0),
        &err(Verdict::NeedsReauth),
        &mut rng(),
    );
    assert_ne!(decision.to, PostState::Failed);
    assert!(decision.needs_reauth);
    assert_eq!(decision.notify, Some(Notify::Deferred));
    assert!(decision.detail.contains("reconnect"), "{}", decision.detail);
}

#[test]
fn wrong_input_and_missing_permissions_fail_with_plain_words() {
    let invalid = Verdict::InvalidInput {
        field: Some("caption".into()),
        rule: "is longer than 2,200 characters".into(),
    };
    let decision = after_error(&facts(PostState::Preparing, 0), &err(invalid), &mut rng());
    assert_eq!(decision.to, PostState::Failed);
    assert!(
        decision.detail.contains("caption is longer than 2,200"),
        "{}",
        decision.detail
    );

    let denied = Verdict::PermissionDenied {
        permission: Some("pages_manage_posts".into()),
    };
    let decision = after_error(&facts(PostState::Publishing, 0), &err(denied), &mut rng());
    assert_eq!(decision.to, PostState::Failed);
    assert!(
        decision.detail.contains("pages_manage_posts"),
        "{}",
        decision.detail
    );
}

#[test]
fn an_unknown_outcome_stays_in_flight_and_reconciles_first() {
    let decision = after_error(
        &facts(PostState::Publishing, 0),
        &err(Verdict::OutcomeUnknown),
        &mut rng(),
    );
    assert_eq!(
        (decision.to, decision.then.clone()),
        (PostState::Publishing, Then::Reconcile)
    );
}

#[test]
fn reconciling_never_lets_an_in_flight_post_fall_back_to_queued() {
    for verdict in [
        Verdict::RetryLater,
        Verdict::OutcomeUnknown,
        Verdict::PermissionDenied { permission: None },
    ] {
        let decision = after_reconcile_error(
            &facts(PostState::Publishing, 0),
            &err(verdict.clone()),
            &mut rng(),
        );
        assert_eq!(decision.to, PostState::Publishing, "{verdict:?}");
        assert_eq!(decision.then, Then::Release);
    }
}

#[test]
fn a_post_that_cannot_be_confirmed_goes_to_a_person() {
    let unknown = Reconciled::Unknown {
        detail: "the Page's recent posts could not be read".into(),
    };
    let early = after_reconcile(&facts(PostState::Publishing, 0), &unknown, &mut rng());
    assert_eq!(early.to, PostState::Publishing);
    assert!(early.next_attempt_at.is_some());

    let late = after_reconcile(
        &facts(PostState::Publishing, MAX_RECONCILE_ATTEMPTS - 1),
        &unknown,
        &mut rng(),
    );
    assert_eq!(late.to, PostState::Unconfirmed);
    assert_eq!(late.notify, Some(Notify::Unconfirmed));
    assert!(late.detail.contains("Please look"), "{}", late.detail);
}

#[test]
fn reconciling_that_finds_the_post_live_publishes_without_sending() {
    let found = Reconciled::Published {
        external_id: "42".into(),
        permalink: Some("https://x/p/42".into()),
    };
    let decision = after_reconcile(&facts(PostState::Publishing, 0), &found, &mut rng());
    assert_eq!(decision.to, PostState::Published);
    assert!(
        decision.detail.contains("nothing was sent again"),
        "{}",
        decision.detail
    );

    let checkpoint = Checkpoint(serde_json::json!({"container_id": "c1"}));
    let not_yet = Reconciled::NotPublished {
        checkpoint: checkpoint.clone(),
    };
    let decision = after_reconcile(&facts(PostState::Processing, 0), &not_yet, &mut rng());
    assert_eq!(decision.then, Then::Step);
    assert_eq!(decision.checkpoint, CheckpointChange::Set(checkpoint));
}
