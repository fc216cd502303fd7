#!/usr/bin/env bash
# Submits a sweep as a Slurm job array of SHARDS tasks, then its merge,
# which runs once every task has succeeded:
#
#   scripts/slurm/submit.sh scenarios/temporal-density.toml 16
#
# A task that failed can be rerun alone (it resumes where it was killed):
#   sbatch --array=7 --export=ALL,SCENARIO=scenarios/temporal-density.toml,SHARDS=16 scripts/slurm/sweep.sbatch
# then the merge submitted again:
#   sbatch --export=ALL,SCENARIO=scenarios/temporal-density.toml,SHARDS=16 scripts/slurm/merge.sbatch
set -euo pipefail
SCENARIO=${1:?usage: submit.sh SCENARIO SHARDS}
SHARDS=${2:?usage: submit.sh SCENARIO SHARDS}
cd "$(dirname "$0")/../.."

# Fail here, not in 16 tasks: the scenario must be valid and its plugins built.
"${CITEBENCH:-target/release/citebench}" validate "$SCENARIO"
array=$(sbatch --parsable --array="1-$SHARDS" --export="ALL,SCENARIO=$SCENARIO" scripts/slurm/sweep.sbatch)
sbatch --dependency="afterok:$array" --export="ALL,SCENARIO=$SCENARIO,SHARDS=$SHARDS" scripts/slurm/merge.sbatch
echo "submitted array job $array ($SHARDS shards) and its merge"
