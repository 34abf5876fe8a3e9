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
- **Interrupts.** Python raises ``KeyboardInterrupt`` wherever the main
  thread's interpreter checks for signals: on entering a Python function,
  after a call into C, after a backward jump. Locks are therefore taken and
  released by ``with`` statements on the locks themselves (``holding``), and
  eager calls and loops, whose assignments and roll-backs are many Python
  steps, hold Ctrl-C back (``interrupts_deferred``) and raise it when they are
  done, or, in a loop, between chunks, where it rolls the loop back.
  ``tests/compile/test_interrupt_points.py`` delivers an interrupt at each such
  point of a call in turn.
"""
import signal
import threading
import weakref

from tfgraph._tf import tf

_MAIN_THREAD = threading.main_thread().ident


def lock_order(shared_variables, containers=()):
    """The locks of ``shared_variables`` (and of input defaults' ``containers``,
    tfgraph.compile.container, numbered from the same count), in the one order
    every call takes them. Asking for them also records that the variables
    change together (``group_of``)."""
    ordered = sorted({id(v): v for v in shared_variables}.values(), key=lambda v: v.serial)
    _join(ordered)
    if containers:
        ordered = sorted({id(v): v for v in [*ordered, *containers]}.values(),
                         key=lambda v: v.serial)
    return tuple(v.lock for v in ordered)


# --- groups: the shared variables calls change together ------------------------------
#
# Every call takes the locks of its variables from lock_order, so no call
# changes variables of two groups: groups read one after the other, each at
# once, give a state between two calls (calls on different groups commute).
# tfgraph.persist reads whole groups when it pickles.

class _Group:
    __slots__ = ("members", "__weakref__")

    def __init__(self):
        self.members = weakref.WeakSet()


_groups = weakref.WeakKeyDictionary()  # shared variable -> its _Group
_groups_lock = threading.Lock()


def _join(shared_variables):
    """Merge the groups of ``shared_variables`` (the smaller into the larger)."""
    if len(shared_variables) < 2:
        return
    with _groups_lock:
        found = {id(g): g for g in map(_groups.get, shared_variables) if g is not None}
        group = max(found.values(), key=lambda g: len(g.members), default=None) or _Group()
        for other in found.values():
            if other is not group:
                for var in list(other.members):
                    _groups[var] = group
                    group.members.add(var)
        for var in shared_variables:
            if _groups.get(var) is not group:
                _groups[var] = group
                group.members.add(var)


def group_of(shared_variable):
    """The live shared variables that calls compiled so far connect with
    ``shared_variable`` (itself included): those some call changes together
    with it, and so on."""
    with _groups_lock:
        group = _groups.get(shared_variable)
        return [shared_variable] if group is None else list(group.members)


# Up to this many locks are held by nested ``with`` statements (three a
# frame, so at most 16 frames); more by ``_holding_many``.
NESTED_LOCKS = 48


def holding(locks, action, *args):
    """``action(*args)``, called with every lock of ``locks`` (from
    ``lock_order``) held.

    Each lock is held by a ``with`` statement on the lock itself, whose
    acquire and release are single calls into C: an interrupt is raised only
    between bytecodes, so it can land before a lock is taken or after it is
    released, never between the two halves of either. (A Python ``__exit__``
    could be interrupted on its first line and leave its locks held.) Three
    locks a frame, up to ``NESTED_LOCKS``; more are taken by a loop that
    holds interrupts back meanwhile (``_holding_many``), so that any number
    of shared variables costs no recursion.
    """
    n = len(locks)
    if n == 0:
        return action(*args)
    if n == 1:
        with locks[0]:
            return action(*args)
    if n == 2:
        with locks[0], locks[1]:
            return action(*args)
    if n > NESTED_LOCKS:
        return _holding_many(locks, action, args)
    with locks[0], locks[1], locks[2]:
        return holding(locks[3:], action, *args)


def _holding_many(locks, action, args):
    """``holding`` for many locks, without recursion: a loop takes them and
    another releases them, inside ``interrupts_deferred``, so that Ctrl-C
    cannot land between taking a lock and counting it, or before the
    releases (it is raised once all are released). Its 13 us are nothing
    beside taking more than ``NESTED_LOCKS`` locks."""
    with interrupts_deferred():
        taken = 0
        try:
            for lock in locks:
                lock.acquire()
                taken += 1
            return action(*args)
        finally:
            for lock in reversed(locks[:taken]):
                lock.release()


class _Deferral:
    """The state of ``interrupts_deferred`` (main thread only)."""
    depth = 0
    previous = None    # the SIGINT handler to put back
    pending = None     # (signum, frame) of an interrupt that arrived meanwhile


def _note_interrupt(signum, frame):
    if _Deferral.pending is None:
        _Deferral.pending = (signum, frame)


class interrupts_deferred:  # noqa: N801  (used as a statement: with interrupts_deferred():)
    """``with interrupts_deferred():`` holds back Ctrl-C (SIGINT) in the main
    thread until the block ends, and then raises it, after the block's own
    clean-up ran in full; elsewhere it does nothing (Python delivers signals
    to the main thread only). ``interrupt_pending()`` tells a long block
    (a loop between chunks) to stop early, by raising ``KeyboardInterrupt``
    itself. Costs about 13 us, so only eager calls and loops use it; a traced
    call is one graph that an interrupt cannot split anyway.
    """

    __slots__ = ("active",)

    def __enter__(self):
        self.active = threading.get_ident() == _MAIN_THREAD
        if self.active:
            if _Deferral.depth == 0:
                _Deferral.pending = None
                _Deferral.previous = signal.signal(signal.SIGINT, _note_interrupt)
            _Deferral.depth += 1
        return self

    def __exit__(self, kind, error, traceback):
        if not self.active:
            return False
        _Deferral.depth -= 1
        if _Deferral.depth:
            return False
        # Put the handler back first: an interrupt from now on is raised as
        # usual (the block is done), and none recorded before is missed.
        signal.signal(signal.SIGINT, _Deferral.previous if _Deferral.previous is not None
                      else signal.SIG_DFL)  # None: a handler installed outside Python
        previous, pending = _Deferral.previous, _Deferral.pending
        _Deferral.previous = _Deferral.pending = None
        if pending is None or (kind is not None and issubclass(kind, KeyboardInterrupt)):
            return False
        if callable(previous):
            previous(*pending)  # Python's default handler raises KeyboardInterrupt here
        elif previous in (signal.SIG_DFL, None):
            signal.raise_signal(signal.SIGINT)
        return False


def interrupt_pending():
    """Whether Ctrl-C arrived inside the current ``interrupts_deferred`` block."""
    return _Deferral.pending is not None and threading.get_ident() == _MAIN_THREAD


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
    """Assign ``old_values`` back (inside ``interrupts_deferred``, so in full)."""
    for variable, value in zip(variables, old_values):
        variable.assign(value)


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
