"""Calls as transactions: serializable across threads, all-or-nothing under
any exception, ``KeyboardInterrupt`` included.

- **Isolation.** Every shared variable has a lock (``SharedVariable.lock``).
  A call holds the locks of every shared variable its graph reads or writes,
  from before its first read to after its last assignment, so concurrent
  calls give the result of some one-at-a-time order. Locks are taken in the
  order of the variables' creation numbers, so two calls can never wait for
  each other. ``set_value`` and ``get_value`` take the variable's lock too.
- **Atomicity.** A traced call runs as one TensorFlow graph whose assignments
  wait for every output, new value and check: if anything fails, nothing is
  assigned. An interrupt (Ctrl-C) cannot stop that graph midway; it is raised
  once the graph is done, before or after the whole call took effect.
  Eager calls (FAST_COMPILE) compute everything first and then assign with
  ``assign_all``, which on any exception puts back the values it read; a loop
  keeps the values from before its first step and restores them the same way.
  Since the locks are held throughout, restoring never overwrites another
  thread's committed update: no other call ran in between.
"""
from tfgraph._tf import tf


def lock_order(shared_variables):
    """The locks of ``shared_variables``, in the one order every call takes them."""
    ordered = sorted({id(v): v for v in shared_variables}.values(), key=lambda v: v.serial)
    return tuple(v.lock for v in ordered)


class Holding:
    """``with Holding(locks):`` holds every lock of ``locks`` (from
    ``lock_order``). One instance per use: it remembers which locks it took.

    The locks are reentrant, and a lock this thread already holds is not taken
    again, so a thread holding them can call ``get_value``/``set_value``. An
    exception (an interrupt) while taking them releases what was taken: each
    lock is marked as ours before it is acquired, and ownership tells whether
    the acquire completed.
    """

    __slots__ = ("locks", "ours")

    def __init__(self, locks):
        self.locks = locks
        self.ours = [False] * len(locks)

    def __enter__(self):
        ours = self.ours
        try:
            for i, lock in enumerate(self.locks):
                ours[i] = not lock._is_owned()  # noqa: SLF001
                if ours[i]:
                    lock.acquire()
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(self, *exc):
        self._release()
        return False

    def _release(self):
        # A lock taken here is held once: ownership says which are left.
        def release_owned():
            for i in range(len(self.locks) - 1, -1, -1):
                if self.ours[i] and self.locks[i]._is_owned():  # noqa: SLF001
                    self.locks[i].release()
        despite_interrupts(release_owned)


def despite_interrupts(action):
    """Run ``action`` (which can run again harmlessly) to its end even if
    interrupts arrive meanwhile; the first is raised after."""
    pending = None
    while True:
        try:
            action()
            break
        except KeyboardInterrupt as interrupt:
            pending = pending or interrupt
    if pending is not None:
        raise pending


def interrupted(error):
    """Whether ``error`` is how TensorFlow's C++ layer reports an interrupt
    that arrived while it raised an error of its own: the call failed (and
    so assigned nothing) and Ctrl-C was pressed."""
    return isinstance(error, RuntimeError) and "REPLACED BY KeyboardInterrupt" in str(error)


def assign_all(variables, new_values, old_values):
    """Assign ``new_values`` to the ``tf.Variable``s ``variables``; if anything
    interrupts that, put ``old_values`` back in all of them and re-raise."""
    try:
        for variable, value in zip(variables, new_values):
            variable.assign(value)
    except BaseException:
        restore(variables, old_values)
        raise


def restore(variables, old_values):
    """Assign ``old_values`` back, even if interrupts keep arriving meanwhile;
    the first interrupt is raised once they are back."""
    def assign():
        for variable, value in zip(variables, old_values):
            variable.assign(value)
    despite_interrupts(assign)


def snapshot(variables):
    """Values of ``variables`` to ``restore`` later. An eager read aliases the
    buffer, and an assignment to a variable whose buffer is still referenced
    writes a new one, so this copies nothing."""
    return [v.read_value() for v in variables]


def ensure_fits(value, shared_variable):
    """``value`` checked (at run time) to have length 1 in every broadcastable
    dimension of ``shared_variable``, so no call stores a value its type
    forbids."""
    pattern = shared_variable.broadcastable
    if not any(pattern):
        return value
    return tf.ensure_shape(value, [1 if b else None for b in pattern])
