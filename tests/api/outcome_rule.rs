//! The outcome rule is written once in Rust (`domain::result::ResultInputs::outcome`) and once in SQL
//! (`repo::results::OUTCOME_SQL`, which the result queries use to filter and count). This test evaluates the SQL
//! expression in PostgreSQL over every combination of a grid of attendance rates, thresholds, post scores and pass
//! scores (the edges of each comparison included) and requires the same outcome as the Rust rule everywhere.

use bimtek_api::domain::enums::Outcome;
use bimtek_api::domain::result::ResultInputs;
use bimtek_api::repo::results::OUTCOME_SQL;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

use crate::helpers::spawn_app;

#[derive(QueryableByName)]
struct Evaluated {
    #[diesel(sql_type = Integer)]
    i: i32,
    #[diesel(sql_type = Text)]
    outcome: String,
}

#[tokio::test]
async fn the_sql_outcome_rule_agrees_with_the_rust_rule_over_a_grid() {
    let app = spawn_app().await;
    let rates = [0.0, 0.1, 49.9, 50.0, 50.1, 79.9, 80.0, 80.1, 99.9, 100.0];
    let thresholds = [0.0, 50.0, 80.0, 100.0];
    let posts = [
        None,
        Some(0.0),
        Some(0.01),
        Some(59.99),
        Some(60.0),
        Some(69.99),
        Some(70.0),
        Some(70.01),
        Some(99.99),
        Some(100.0),
    ];
    let passes = [0.0, 1.0, 60.0, 70.0, 100.0];
    let mut grid = Vec::new();
    for &attendance_rate in &rates {
        for &attendance_threshold in &thresholds {
            for &post_score in &posts {
                for &pass_score in &passes {
                    grid.push(ResultInputs {
                        attendance_rate,
                        attendance_threshold,
                        post_score,
                        pass_score,
                    });
                }
            }
        }
    }
    let values: Vec<String> = grid
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let post = g
                .post_score
                .map_or_else(|| "NULL".to_owned(), |p| p.to_string());
            format!(
                "({i}, {}::float8, {}::float8, {post}::float8, {}::float8)",
                g.attendance_rate, g.attendance_threshold, g.pass_score
            )
        })
        .collect();
    let sql = format!(
        "SELECT i, {OUTCOME_SQL} AS outcome
         FROM (VALUES {}) AS r(i, attendance_rate, attendance_threshold, post_score, pass_score)
         ORDER BY i",
        values.join(", ")
    );
    let mut conn = app.db();
    let rows: Vec<Evaluated> = diesel::sql_query(sql).load(&mut conn).unwrap();
    assert_eq!(rows.len(), grid.len());
    let mut seen = std::collections::HashSet::new();
    for row in rows {
        let inputs = grid[row.i as usize];
        let expected = inputs.outcome();
        assert_eq!(
            Outcome::parse(&row.outcome),
            Some(expected),
            "SQL and Rust disagree for {inputs:?}"
        );
        seen.insert(expected);
    }
    assert_eq!(
        seen.len(),
        Outcome::ALL.len(),
        "the grid reaches every outcome"
    );
}
