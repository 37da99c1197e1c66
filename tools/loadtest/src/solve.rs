//! `sbor-load solve`: times the schedule solver on a made-up conference (by default 300
//! talks, 6 rooms, 3 days, 8 tracks; see `sbor_domain::schedule::sample`), several seeds, and
//! checks every result for hard conflicts. No server or database: the solver is pure, so this
//! measures exactly the work behind "Fill the schedule".

use std::time::Instant;

use sbor_domain::schedule::conflicts::hard_conflicts;
use sbor_domain::schedule::plan::Plan;
use sbor_domain::schedule::sample::{self, Shape};
use sbor_domain::schedule::solver::solve;

pub struct Options {
    pub shape: Shape,
    pub seeds: u64,
}

pub fn run(o: Options) -> anyhow::Result<()> {
    let mut times = Vec::new();
    let mut notes = 0;
    for seed in 1..=o.seeds {
        let plan = sample::conference(&o.shape, seed);
        let started = Instant::now();
        let solution = solve(&plan);
        let took = started.elapsed();
        let solution = solution.map_err(|e| anyhow::anyhow!("seed {seed}: no schedule: {e:?}"))?;
        let placed = Plan {
            placements: solution.placements.clone(),
            ..plan
        };
        let hard = hard_conflicts(&placed);
        anyhow::ensure!(hard.is_empty(), "seed {seed}: hard conflicts {hard:?}");
        anyhow::ensure!(
            solution.placements.len() == o.shape.talks,
            "seed {seed}: talks missing"
        );
        eprintln!(
            "seed {seed}: {:.1} ms, {} notes",
            took.as_secs_f64() * 1e3,
            solution.notes.len()
        );
        notes += solution.notes.len();
        times.push(took.as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let max = times.last().copied().unwrap_or(0.0);
    let median = times.get(times.len() / 2).copied().unwrap_or(0.0);
    let s = &o.shape;
    println!("| talks | rooms | days | seeds | median | max | hard conflicts |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {} | {} | {} | {} | {median:.1} ms | {max:.1} ms | 0 |",
        s.talks, s.rooms, s.days, o.seeds
    );
    println!(
        "{{\"mode\":\"solve\",\"talks\":{},\"rooms\":{},\"days\":{},\"seeds\":{},\"median_ms\":{median:.2},\"max_ms\":{max:.2},\"notes\":{notes}}}",
        s.talks, s.rooms, s.days, o.seeds
    );
    Ok(())
}
