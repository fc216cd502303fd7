//! Runs jobs on a bounded pool of worker threads.
//!
//! Workers take jobs in job order from a shared counter and, when a job
//! ends, write its rows to results.csv while holding the writer's lock, so
//! job blocks never interleave and at most one is being written when the
//! process dies. The thread that called [`super::Engine::run`] only relays
//! jobs starting and finishing to the observer, and not even that for one
//! that does not follow jobs: on a machine whose cores are all busy, waking
//! it for every job would take a core from the workers.
//!
//! Jobs that share a data point and a seed share one simulation: the first
//! worker to need it simulates it while the others of that group wait, and
//! the last job of the group drops it. As workers take jobs in order, only
//! about as many simulations as workers are alive at once.

use super::job::{self, SeedData};
use super::results::{JobRows, ResultRow, ResultsError, ResultsWriter};
use super::{RunError, RunObserver, RunPlan, split_spec};
use crate::model::ModelEnv;
use crate::scenario::Job;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// What a worker tells an observer that follows jobs.
enum Event {
    Started(usize),
    Progress(usize, f32),
    Finished(usize),
}

/// A simulation shared by the jobs of one (data point, seed), or why it failed.
type Shared = Arc<Result<SeedData, String>>;

/// One (data point, seed) group: its simulation while some job needs it.
struct Group {
    remaining: usize,
    data: Option<Shared>,
}

/// The results file and what has gone into it, behind the writer's lock.
struct Output<'w> {
    writer: &'w mut ResultsWriter,
    written: Vec<JobRows>,
    busy: Duration,
    failure: Option<ResultsError>,
}

struct Pool<'p, 'a> {
    plan: &'p RunPlan<'a>,
    jobs: &'p [&'p Job],
    /// Whether workers report jobs starting and fit progress.
    follow: bool,
    next: AtomicUsize,
    stop: AtomicBool,
    groups: HashMap<(usize, u64), Mutex<Group>>,
    output: Mutex<Output<'p>>,
}

/// What the pool did: the workers it started, the time they spent inside
/// jobs (summed), and each job's rows in the order they were written.
pub(super) struct Worked {
    pub(super) workers: usize,
    pub(super) busy: Duration,
    pub(super) written: Vec<JobRows>,
}

pub(super) fn run(
    plan: &RunPlan<'_>,
    jobs: &[&Job],
    writer: &mut ResultsWriter,
    observer: &mut dyn RunObserver,
) -> Result<Worked, RunError> {
    let mut groups: HashMap<(usize, u64), Mutex<Group>> = HashMap::new();
    for job in jobs {
        let group = groups.entry((job.data, job.seed)).or_insert_with(|| Mutex::new(Group { remaining: 0, data: None }));
        group.get_mut().unwrap_or_else(PoisonError::into_inner).remaining += 1;
    }
    let output = Mutex::new(Output { writer, written: Vec::with_capacity(jobs.len()), busy: Duration::ZERO, failure: None });
    let follow = observer.follows_jobs();
    let pool = Pool { plan, jobs, follow, next: AtomicUsize::new(0), stop: AtomicBool::new(false), groups, output };
    let workers = plan.workers.min(jobs.len()).max(1);
    observer.started(jobs.len());
    std::thread::scope(|scope| {
        let (events, received) = channel();
        let pool = &pool;
        for _ in 0..workers {
            let events = events.clone();
            scope.spawn(move || pool.work(&events));
        }
        drop(events);
        // Ends when every worker has ended (and dropped its sender).
        for event in received {
            match event {
                Event::Started(k) => observer.job_started(jobs[k].index, &plan.scenario.job_label(jobs[k])),
                Event::Progress(k, fraction) => observer.fit_progress(jobs[k].index, fraction),
                Event::Finished(k) => observer.job_finished(jobs[k].index),
            }
        }
    });
    let output = pool.output.into_inner().unwrap_or_else(PoisonError::into_inner);
    if let Some(e) = output.failure {
        return Err(e.into());
    }
    Ok(Worked { workers, busy: output.busy, written: output.written })
}

impl Pool<'_, '_> {
    fn work(&self, events: &Sender<Event>) {
        // A send fails only once the receiving loop is gone, which it
        // never is while workers run: it ends when they have all ended.
        let report = |event| {
            if self.follow {
                let _ = events.send(event);
            }
        };
        while !self.stop.load(Ordering::Relaxed) {
            let k = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(job) = self.jobs.get(k) else { break };
            report(Event::Started(k));
            let started = Instant::now();
            let rows = self.run_job(job, &mut |fraction| report(Event::Progress(k, fraction)));
            let took = started.elapsed();
            let mut output = self.output.lock().unwrap_or_else(PoisonError::into_inner);
            output.busy += took;
            if output.failure.is_some() {
                continue;
            }
            match output.writer.write_job(&rows) {
                Ok(()) => output.written.push(JobRows { id: job.id, rows }),
                Err(e) => {
                    // Every worker finishes the job it holds and takes no more.
                    self.stop.store(true, Ordering::Relaxed);
                    output.failure = Some(e);
                    continue;
                }
            }
            drop(output);
            report(Event::Finished(k));
        }
    }

    fn run_job(&self, job: &Job, progress: &mut dyn FnMut(f32)) -> Vec<ResultRow> {
        let plan = self.plan;
        let scenario = plan.scenario;
        let data = self.seed_data(job);
        let mut rows = match data.as_ref() {
            Ok(data) => {
                let env = ModelEnv { threads: plan.threads, seed: job.seed, device: scenario.device.clone() };
                job::run_model(scenario, data, &job.spec, plan.libraries[job.model], env, &plan.metrics, progress)
            }
            Err(message) => vec![job::failure_row(scenario, job.seed, &job.spec.label, message.clone())],
        };
        let point = scenario.point_columns(job);
        for row in &mut rows {
            row.job = Some(job.id);
            row.point.clone_from(&point);
        }
        rows
    }

    /// The job's simulation, made by the first job of its group to ask.
    fn seed_data(&self, job: &Job) -> Shared {
        let slot = &self.groups[&(job.data, job.seed)];
        let mut group = slot.lock().unwrap_or_else(PoisonError::into_inner);
        let data = match &group.data {
            Some(data) => Arc::clone(data),
            None => {
                let data = Arc::new(self.simulate(job));
                group.data = Some(Arc::clone(&data));
                data
            }
        };
        group.remaining -= 1;
        if group.remaining == 0 {
            group.data = None;
        }
        data
    }

    fn simulate(&self, job: &Job) -> Result<SeedData, String> {
        let scenario = self.plan.scenario;
        let point = &scenario.data_points()[job.data];
        let simulation = self.plan.simulator.simulate(&point.config, job.seed).map_err(|e| format!("simulation failed: {e}"))?;
        let split = split_spec(scenario, &point.split, &simulation).map_err(|e| e.to_string())?;
        Ok(SeedData::new(job.seed, simulation, &split))
    }
}
