#!/usr/bin/env bash
# Merges the shards of deploy/slurm-array.sh and checks the sweep file's
# expectations; submit it with --dependency=afterok on the array job.
#
#SBATCH --job-name=sweep-merge
#SBATCH --cpus-per-task=1
#SBATCH --output=results/slurm-merge-%j.out
set -euo pipefail
SWEEP=${SWEEP:-./sweep}
SWEEP_FILE=${SWEEP_FILE:-experiments/alpha.yaml}
"$SWEEP" merge --db results/sweep.db results/shard-*.db
exec "$SWEEP" run --db results/sweep.db --junit results/junit.xml "$SWEEP_FILE"
