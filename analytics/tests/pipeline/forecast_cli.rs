//! `analytics forecast` on series whose text order is not their time order, and on a pipe
//! that closes early.

use std::process::Command;

use super::temp_dir;

/// A trend plus a yearly season, numbered 0..n and written in shuffled row order.
fn write_series(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let value = |i: usize| 100.0 + i as f64 + 10.0 * (i as f64 * std::f64::consts::TAU / 12.0).sin();
    let mut order: Vec<usize> = (0..n).collect();
    // A fixed shuffle: every 7th index in turn (7 and n are coprime for n = 120).
    order.sort_by_key(|i| (i * 7) % n);
    let rows: String = order.iter().map(|&i| format!("{i},{:.6}\n", value(i))).collect();
    let path = dir.join("series.csv");
    std::fs::write(&path, format!("t,y\n{rows}")).unwrap();
    path
}

#[test]
fn a_numbered_series_is_forecast_in_numeric_order() {
    let dir = temp_dir("forecast-numbers");
    let path = write_series(&dir, 120);
    let out = Command::new(env!("CARGO_BIN_EXE_analytics"))
        .args(["forecast", "--value", "y", "--period", "t", "--horizon", "12", "--backtest", "0", "--json", "--data"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = json["forecast"].as_array().unwrap();
    let periods: Vec<&str> = rows.iter().map(|r| r["period"].as_str().unwrap()).collect();
    assert_eq!(periods, (120..132).map(|i| i.to_string()).collect::<Vec<_>>().iter().map(String::as_str).collect::<Vec<_>>());
    // Read in text order (0, 1, 10, 100, …) the series has no trend or season to continue;
    // in numeric order the forecast follows both.
    for (h, row) in rows.iter().enumerate() {
        let i = 120 + h;
        let truth = 100.0 + i as f64 + 10.0 * (i as f64 * std::f64::consts::TAU / 12.0).sin();
        let point = row["point"].as_f64().unwrap();
        assert!((point - truth).abs() < 3.0, "period {i}: forecast {point:.2}, the series continues at {truth:.2}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_pipe_that_closes_early_ends_the_command_quietly() {
    let dir = temp_dir("forecast-pipe");
    let path = write_series(&dir, 120);
    // More output than a pipe holds (64 KiB), so the command writes after `head` has gone.
    let script = format!(
        "'{}' forecast --data '{}' --value y --period t --horizon 5000 --backtest 0 | head -n 2",
        env!("CARGO_BIN_EXE_analytics"),
        path.display()
    );
    let out = Command::new("sh").args(["-c", &script]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.trim().is_empty(), "status {:?}, stderr: {stderr}", out.status);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    std::fs::remove_dir_all(dir).unwrap();
}
