#!/usr/bin/env bash
# A Slurm job array that runs a sweep as four shards; each task picks its
# shard from SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT. Submit from the
# repository root, with the merge to follow:
#
#   jobid=$(sbatch --parsable deploy/slurm-array.sh)
#   sbatch --dependency=afterok:$jobid deploy/slurm-merge.sh
#
# results/ must exist when you submit (the repository has it): Slurm opens
# --output before the script runs. A task that was cancelled or failed is
# resubmitted alone, and resumes its shard: sbatch --array=2 deploy/slurm-array.sh
#
#SBATCH --job-name=sweep
#SBATCH --array=1-4
#SBATCH --cpus-per-task=2
#SBATCH --mem=256M
#SBATCH --output=results/slurm-%A_%a.out
set -euo pipefail
SWEEP=${SWEEP:-./sweep}
SWEEP_FILE=${SWEEP_FILE:-experiments/alpha.yaml}
# The shard is the task's id of SHARDS, not Slurm's SLURM_ARRAY_TASK_COUNT:
# a task resubmitted alone (--array=2) is an array of one, and would run the
# whole sweep. Keep SHARDS equal to the size of --array above.
SHARDS=${SHARDS:-4}
exec "$SWEEP" run --db "results/shard-$SLURM_ARRAY_TASK_ID.db" --shard "$SLURM_ARRAY_TASK_ID/$SHARDS" "$SWEEP_FILE"
