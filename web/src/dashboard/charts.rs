//! Pictures drawn on the server as inline SVG: a tenant's posts per day, published versus
//! failed, and gauges for quota use. No script, no external library; each picture has a
//! text equivalent for screen readers.

use std::collections::BTreeMap;

use actix_web::{get, web, HttpResponse};
use askama::Template;
use chrono::{Duration, NaiveDate};
use herald_platform::clock::{from_millis, to_millis};
use herald_platform::store::timeline_ui;

use super::page::{render, PageError};
use super::tenants::tenant_id;
use super::{services, time, Chrome};
use crate::auth::CurrentUser;
use crate::server::AppState;

/// Days the posts-per-day chart covers.
const DAYS: i64 = 14;

/// A horizontal gauge of `used` out of `total`, with its words.
pub fn gauge_svg(used: i64, total: i64, unit: &str) -> String {
    let total = total.max(1);
    let share = (used.clamp(0, total) as f64) / (total as f64);
    let width = (share * 200.0).round();
    let colour = match share {
        s if s >= 0.9 => "#b42318",
        s if s >= 0.7 => "#8a5a00",
        _ => "#1f7a45",
    };
    format!(
        "<svg role=\"img\" width=\"200\" height=\"12\" viewBox=\"0 0 200 12\" aria-label=\"{used} of \
         {total} {unit} used\"><rect width=\"200\" height=\"12\" rx=\"6\" fill=\"#e6e9ef\"/><rect \
         width=\"{width}\" height=\"12\" rx=\"6\" fill=\"{colour}\"/></svg>"
    )
}

/// Bars per day: published (green) over failed (red).
pub fn per_day_svg(days: &[(String, i64, i64)]) -> String {
    let max = days
        .iter()
        .map(|(_, ok, bad)| ok + bad)
        .max()
        .unwrap_or(0)
        .max(1);
    let (bar, gap, height) = (22.0, 8.0, 120.0);
    let width = days.len() as f64 * (bar + gap) + gap;
    let mut svg = format!(
        "<svg role=\"img\" width=\"{width}\" height=\"{}\" viewBox=\"0 0 {width} {}\" \
         aria-labelledby=\"per-day-title\"><title id=\"per-day-title\">Posts per day, published \
         and failed</title>",
        height + 30.0,
        height + 30.0
    );
    for (i, (label, ok, bad)) in days.iter().enumerate() {
        let x = gap + i as f64 * (bar + gap);
        let ok_h = (*ok as f64) / (max as f64) * height;
        let bad_h = (*bad as f64) / (max as f64) * height;
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"{bar}\" height=\"{ok_h}\" fill=\"#1f7a45\"><title>{label}: \
             {ok} published</title></rect><rect x=\"{x}\" y=\"{}\" width=\"{bar}\" height=\"{bad_h}\" \
             fill=\"#b42318\"><title>{label}: {bad} failed</title></rect><text x=\"{}\" y=\"{}\" \
             text-anchor=\"middle\">{}</text>",
            height - ok_h,
            height - ok_h - bad_h,
            x + bar / 2.0,
            height + 16.0,
            label.get(8..).unwrap_or(label),
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[derive(Template)]
#[template(path = "dashboard/charts.html")]
struct ChartsPage {
    chrome: Chrome,
    id: String,
    name: String,
    per_day: String,
    days: Vec<(String, i64, i64)>,
    published: i64,
    failed: i64,
}

#[get("/tenants/{tenant}/charts")]
async fn charts(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let tenant = tenant_id(&path)?;
    let s = services(&state)?;
    let caller = user.caller();
    let tz = user.time_zone.clone();
    let (record, outcomes, today) = web::block(move || -> Result<_, PageError> {
        let mut conn = s.conn()?;
        let record = caller.tenant(&mut conn, tenant)?;
        let now = s.clock.now();
        let since = to_millis(now - Duration::days(DAYS));
        Ok((
            record,
            timeline_ui::outcomes_since(&mut conn, tenant, since)?,
            now,
        ))
    })
    .await??;

    let zone = time::zone(&tz);
    let today: NaiveDate = today.with_timezone(&zone).date_naive();
    let mut buckets: BTreeMap<NaiveDate, (i64, i64)> = (0..DAYS)
        .map(|back| (today - Duration::days(DAYS - 1 - back), (0, 0)))
        .collect();
    for (at, state) in outcomes {
        let day = from_millis(at).with_timezone(&zone).date_naive();
        if let Some(bucket) = buckets.get_mut(&day) {
            if state == "published" {
                bucket.0 += 1;
            } else {
                bucket.1 += 1;
            }
        }
    }
    let days: Vec<(String, i64, i64)> = buckets
        .into_iter()
        .map(|(day, (ok, bad))| (day.to_string(), ok, bad))
        .collect();
    Ok(render(&ChartsPage {
        chrome: Chrome::new(&user, "tenants"),
        id: record.id.to_string(),
        name: record.name,
        per_day: per_day_svg(&days),
        published: days.iter().map(|d| d.1).sum(),
        failed: days.iter().map(|d| d.2).sum(),
        days,
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(charts);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauges_say_their_numbers_and_turn_red_when_nearly_full() {
        let svg = gauge_svg(46, 50, "posts");
        assert!(svg.contains("46 of 50 posts used"));
        assert!(svg.contains("#b42318"));
        assert!(gauge_svg(1, 50, "posts").contains("#1f7a45"));
    }

    #[test]
    fn bars_are_drawn_for_every_day() {
        let days = vec![
            ("2026-12-01".to_owned(), 3, 1),
            ("2026-12-02".to_owned(), 0, 0),
        ];
        let svg = per_day_svg(&days);
        assert_eq!(svg.matches("<rect").count(), 4);
        assert!(svg.contains("2026-12-01: 3 published"));
    }
}
