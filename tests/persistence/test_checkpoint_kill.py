"""Checkpoints killed with SIGKILL at random moments while saving, new steps
and the latest step again: after each kill, restoring gives the state saved
last or the one being saved, whole (tfgraph.checkpoint).

A process (tests/persistence/checkpoint_writer.py) imports tfgraph once and forks one
writer per round, which saves in a loop until this test kills it after a
random delay; this test then restores the directory itself and checks what
it got against what the writer said it was saving."""
import concurrent.futures
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np

from tfgraph.checkpoint import Checkpoints

sys.path.insert(0, os.path.dirname(__file__))
import checkpoint_writer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROUNDS = int(os.environ.get("TFGRAPH_KILL_ROUNDS", "200"))


class Writers:
    """The forking process of tests/persistence/checkpoint_writer.py."""

    def __init__(self):
        env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="3")
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "tests", "persistence", "checkpoint_writer.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=ROOT, env=env, text=True, bufsize=1)

    def line(self):
        text = self.process.stdout.readline()
        assert text, "the writers' process died"
        return text.split()

    def start(self, directory, seed):
        self.process.stdin.write(f"{directory} {seed}\n")
        self.process.stdin.flush()
        kind, pid = self.line()
        assert kind == "pid"
        return int(pid)

    def close(self):
        self.process.stdin.close()
        self.process.kill()
        self.process.wait(timeout=60)


def _restored(checkpoints, shared):
    """(step, tag) that restoring the directory gives, checking that every
    variable holds the one tag (a whole checkpoint), or None."""
    step = checkpoints.restore()
    if step is None:
        return None
    tags = {float(value) for var in shared for value in np.unique(var.get_value())}
    assert len(tags) == 1, f"checkpoint of step {step} mixes saves: tags {sorted(tags)}"
    return step, int(tags.pop())


def kill_rounds(directory, first_seed, rounds):
    """``rounds`` writers killed while saving in ``directory``, each restored
    after; returns (kills that landed inside a save, those of a re-save of the
    latest step)."""
    writers = Writers()
    try:
        shared = checkpoint_writer.variables()
        rng = random.Random(first_seed)
        last = None           # (step, tag) the directory holds
        window = 0.05         # seconds after "ready" within which the kill lands
        in_saves = resaves = 0
        for seed in range(first_seed, first_seed + rounds):
            pid = writers.start(directory, seed)
            saving, done = None, []
            while True:
                kind, *rest = writers.line()
                if kind == "restored":
                    assert (int(rest[0]) or None) == (last[0] if last else None), seed
                elif kind == "begin":
                    saving = (int(rest[0]), int(rest[1]))
                elif kind == "done":
                    assert saving == (int(rest[0]), int(rest[1]))
                    last, saving = saving, None
                    done.append(time.monotonic())
                elif kind == "ready":
                    time.sleep(rng.uniform(0, window))
                    os.kill(pid, signal.SIGKILL)
                else:
                    assert kind == "exit" and int(rest[0]) == pid, (kind, rest)
                    break
            restored = _restored(Checkpoints(shared, directory, max_to_keep=3), shared)
            assert restored in {last, saving}, (
                f"writer {seed}: restored {restored}, but the last save done was {last} and "
                f"the one under way {saving}")
            if saving is not None:
                in_saves += 1
                resaves += saving[0] == last[0]
            last = restored
            # Aim the kills at saves: the window spans about three of them.
            if len(done) >= 3:
                window = max(0.01, 3 * (done[-1] - done[1]) / (len(done) - 2))
        # What interrupted saves left is gone after a save that completes.
        Checkpoints(shared, directory, max_to_keep=3).save(last[0] + 1)
        assert len([f for f in os.listdir(directory) if f.endswith(".index")]) <= 3
        assert not [f for f in os.listdir(directory) if ".tmp-" in f]
        return in_saves, resaves
    finally:
        writers.close()


def test_checkpoints_killed_at_random_moments_restore_the_previous_or_the_new_save(tmp_path):
    # Two directories, each with its writers, side by side: one per core.
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        halves = [pool.submit(kill_rounds, str(tmp_path / f"ckpt{k}"), 1 + k * ROUNDS, n)
                  for k, n in enumerate((ROUNDS - ROUNDS // 2, ROUNDS // 2))]
        counts = [half.result() for half in halves]
    in_saves, resaves = map(sum, zip(*counts))
    print(f"{ROUNDS} kills: {in_saves} inside a save, {resaves} of them re-saving the latest step")
    # Most kills landed inside a save, re-saves of the latest step among them.
    assert in_saves >= ROUNDS * 3 // 4 and resaves >= ROUNDS // 4, (in_saves, resaves)
