"""A process that saves checkpoints in a loop, for tests/persistence/test_checkpoint_kill.py
to kill with SIGKILL at random moments.

Run as ``python tests/persistence/checkpoint_writer.py``, it imports tfgraph once and then
serves: each line ``DIRECTORY SEED`` read from stdin forks a writer (TensorFlow
has run no op in this process yet, so the child starts its own runtime) and
answers ``pid PID``; when that writer dies it answers ``exit PID STATUS``.

A writer restores the latest checkpoint of DIRECTORY, says ``restored STEP``,
and then saves forever: each save either the next step or, at random, the
latest step again, with every variable holding a number used once (its tag),
saying ``begin STEP TAG`` before and ``done STEP TAG`` after, and ``ready``
after its first save. Its lines go to stdout,
one ``os.write`` each (atomic on a pipe).
"""
import os
import random
import sys

import numpy as np

import tfgraph as theano
from tfgraph.checkpoint import Checkpoints

N_VARIABLES, SIZE = 4, 50_000  # 1.6 MB a checkpoint: a save takes a while
MAX_TO_KEEP = 3


def variables():
    return [theano.shared(np.zeros(SIZE), name=f"v{k}") for k in range(N_VARIABLES)]


def say(text):
    os.write(1, (text + "\n").encode())


def write_forever(directory, seed):
    shared = variables()
    checkpoints = Checkpoints(shared, directory, max_to_keep=MAX_TO_KEEP)
    step = checkpoints.restore() or 0
    say(f"restored {step}")
    rng = random.Random(seed)
    tag = seed * 1_000_000
    while True:
        tag += 1
        if step == 0 or rng.random() < 0.5:
            step += 1  # else the latest step, saved again
        for var in shared:
            var.set_value(np.full(SIZE, float(tag)))
        say(f"begin {step} {tag}")
        checkpoints.save(step)
        say(f"done {step} {tag}")
        if tag == seed * 1_000_000 + 1:
            say("ready")  # one save done: TensorFlow's first-call costs are paid


def serve():
    for line in sys.stdin:
        directory, seed = line.split()
        pid = os.fork()
        if pid == 0:
            try:
                write_forever(directory, int(seed))
            finally:
                os._exit(1)
        say(f"pid {pid}")
        _, status = os.waitpid(pid, 0)
        say(f"exit {pid} {status}")


if __name__ == "__main__":
    serve()
