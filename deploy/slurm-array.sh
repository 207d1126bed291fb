#!/usr/bin/env bash
# A Slurm job array that runs a sweep as four shards; each task picks its
# shard from SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT. Submit from the
# repository root, with the merge to follow:
#
#   jobid=$(sbatch --parsable deploy/slurm-array.sh)
#   sbatch --dependency=afterok:$jobid deploy/slurm-merge.sh
#
#SBATCH --job-name=sweep
#SBATCH --array=1-4
#SBATCH --cpus-per-task=2
#SBATCH --mem=256M
#SBATCH --output=results/slurm-%A_%a.out
set -euo pipefail
SWEEP=${SWEEP:-./sweep}
SWEEP_FILE=${SWEEP_FILE:-experiments/alpha.yaml}
mkdir -p results
exec "$SWEEP" run --db "results/shard-$SLURM_ARRAY_TASK_ID.db" "$SWEEP_FILE"
