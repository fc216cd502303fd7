//! Sweeps end to end through the CLI: a run killed in the middle and
//! resumed equals an uninterrupted one; shards merged equal the unsharded
//! run; the job list; plots; errors in swept keys placed on their line.

mod common;

use common::{citebench, complete_jobs, results_without_seconds, spawn_citebench, text, write_scenario};
use std::path::Path;
use std::time::{Duration, Instant};

/// 5 time-point counts x 4 seeds x 3 models = 60 small jobs.
const SWEEP: &str = r#"
seeds = [1, 2, 3, 4]
metrics = ["mcc", "ood_mse"]

[simulator]
name = "latent-scm"
[simulator.config]
observed = 12
targets = 5
units_per_condition = 100
threads = 1

[split]
held_out_perturbations = ["P4"]

[[models]]
plugin = "control-mean"

[[models]]
plugin = "additive"

[[models]]
plugin = "pca"
[models.hyperparameters]
n_components = 6

[sweep]
simulator.config.time_points = [2, 4, 8, 16, 32]
"#;
const JOBS: usize = 60;

fn run_ok(args: &[&str]) -> String {
    let output = citebench(args);
    assert!(output.status.success(), "citebench {args:?}\nstderr: {}\nstdout: {}", text(&output.stderr), text(&output.stdout));
    text(&output.stdout) + &text(&output.stderr)
}

fn out(dir: &Path, name: &str) -> String {
    dir.join(name).to_string_lossy().into_owned()
}

#[test]
fn a_sweep_killed_mid_run_resumes_to_the_uninterrupted_results() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), "sweep.toml", SWEEP);
    run_ok(&["run", &scenario, "--out", &out(dir.path(), "whole"), "--jobs", "2"]);
    let whole = results_without_seconds(&dir.path().join("whole/results.csv"));
    assert_eq!(complete_jobs(&dir.path().join("whole/results.csv")), JOBS);

    let killed = dir.path().join("killed/results.csv");
    let mut child = spawn_citebench(&["run", &scenario, "--out", &out(dir.path(), "killed"), "--jobs", "2"]);
    let deadline = Instant::now() + Duration::from_secs(300);
    while complete_jobs(&killed) < 3 {
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it could be killed");
        assert!(Instant::now() < deadline, "no job finished in time");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL: no chance to tidy up
    child.wait().unwrap();
    let done = complete_jobs(&killed);
    assert!((3..JOBS).contains(&done), "killed after {done} of {JOBS} jobs");

    let resumed = run_ok(&["run", &scenario, "--out", &out(dir.path(), "killed"), "--jobs", "3", "--resume"]);
    assert!(resumed.contains(&format!("resumed: {done} of {JOBS} jobs were already complete")), "{resumed}");
    assert_eq!(results_without_seconds(&killed), whole, "same rows in the same order, apart from timings");
}

#[test]
fn shards_merged_equal_the_unsharded_run() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), "sweep.toml", SWEEP);
    run_ok(&["run", &scenario, "--out", &out(dir.path(), "whole")]);

    let listing = run_ok(&["jobs", &scenario]);
    assert_eq!(listing.lines().count(), 1 + JOBS, "{listing}");
    assert!(listing.starts_with("job\tpoint\tseed\tmodel\n"), "{listing}");
    assert!(listing.lines().nth(1).unwrap().ends_with("\ttime_points=2\t1\tcontrol-mean"), "{listing}");

    let mut shards = Vec::new();
    let mut listed = 0;
    for i in 1..=3 {
        let shard = format!("{i}/3");
        listed += run_ok(&["jobs", &scenario, "--shard", &shard]).lines().count() - 1;
        let stdout = run_ok(&["run", &scenario, "--shard", &shard, "--out", &out(dir.path(), &format!("shard-{i}"))]);
        assert!(stdout.contains(&format!("shard {shard}: 20 jobs")), "{stdout}");
        shards.push(out(dir.path(), &format!("shard-{i}/results.csv")));
    }
    assert_eq!(listed, JOBS);
    let merged = out(dir.path(), "merged/results.csv");
    let mut args = vec!["merge", merged.as_str()];
    args.extend(shards.iter().map(String::as_str));
    args.extend(["--scenario", scenario.as_str()]);
    let stdout = run_ok(&args);
    assert!(stdout.contains(&format!("merged {JOBS} jobs from 3 files")), "{stdout}");
    assert_eq!(results_without_seconds(Path::new(&merged)), results_without_seconds(&dir.path().join("whole/results.csv")));

    // A shard left out, or given twice, is named.
    let output = citebench(&["merge", &out(dir.path(), "partial.csv"), &shards[0], &shards[1], "--scenario", &scenario]);
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("20 of the 60 jobs of"), "{}", text(&output.stderr));
    let output = citebench(&["merge", &out(dir.path(), "twice.csv"), &shards[0], &shards[0], "--scenario", &scenario]);
    assert!(text(&output.stderr).contains("is also in"), "{}", text(&output.stderr));
}

#[test]
fn a_sweep_run_plots_each_metric_against_the_swept_key() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), "sweep.toml", &SWEEP.replace("seeds = [1, 2, 3, 4]", "seeds = [1, 2]"));
    let stdout = run_ok(&["run", &scenario, "--out", &out(dir.path(), "run")]);
    assert!(stdout.contains("plots: ood_mse-vs-time_points, mcc-vs-time_points"), "{stdout}");
    for file in ["mcc-vs-time_points.svg", "mcc-vs-time_points.png", "ood_mse-vs-time_points.png"] {
        assert!(std::fs::metadata(dir.path().join("run").join(file)).unwrap().len() > 1000, "{file}");
    }
    let svg = std::fs::read_to_string(dir.path().join("run/mcc-vs-time_points.svg")).unwrap();
    for text in ["mcc against time_points", "\n32\n", "\npca\n"] {
        assert!(svg.contains(text), "the title, the last x label and the legend: {text:?} missing");
    }

    let results = out(dir.path(), "run/results.csv");
    let stdout = run_ok(&["plot", &results, "--out", &out(dir.path(), "again")]);
    assert!(stdout.contains("mcc-vs-time_points"), "{stdout}");
    assert!(dir.path().join("again/ood_mse-vs-time_points.svg").exists());
}

fn validate(text_: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(dir.path(), "bad.toml", text_);
    let output = citebench(&["validate", &path]);
    assert!(!output.status.success(), "{}", text(&output.stdout));
    text(&output.stderr)
}

#[test]
fn errors_at_a_sweep_point_name_the_swept_line_and_the_nearest_key() {
    let line = SWEEP.lines().position(|l| l.starts_with("simulator.config.time_points")).unwrap() + 1;
    let err = validate(&SWEEP.replace("simulator.config.time_points", "simulator.config.time_point"));
    assert!(err.contains(&format!("bad.toml:{line}:1: in [sweep] at time_point=2: unknown field `time_point`")), "{err}");
    assert!(err.contains("did you mean `time_points`?"), "{err}");
    let err = validate(&SWEEP.replace("[2, 4, 8, 16, 32]", "[2, 0]"));
    assert!(err.contains(&format!("bad.toml:{line}:1: in [sweep] at time_points=0: ")), "{err}");
    let err = validate(&format!("{SWEEP}models.pca.hyperparameters.n_component = [2, 4]\n"));
    assert!(err.contains(&format!("bad.toml:{}:1: in hyperparameters of model `pca` at ", line + 1)), "{err}");
    assert!(err.contains("unknown field `n_component`") && err.contains("did you mean `n_components`?"), "{err}");
    let err = validate(&format!("{SWEEP}split.held_out_perturbations = [[\"P4\"], [\"P9\"]]\n"));
    assert!(err.contains("at sweep point") && err.contains("held_out_perturbations=[\"P9\"]") && err.contains("`P9`"), "{err}");
    let ok = citebench(&["validate", &write_scenario(tempfile::tempdir().unwrap().path(), "s.toml", SWEEP)]);
    assert!(text(&ok.stdout).contains("valid (5 sweep points x 4 seeds x 3 models = 60 jobs)"), "{}", text(&ok.stdout));
}
