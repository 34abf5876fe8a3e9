"""Which step of which scan a failed call was at, for its error message."""
from tfgraph.graph import toposort
from tfgraph.scan_module.scan_op import Scan


def failed_steps_text(targets):
    """' (scan 'name', step k counting from 0; ...)' for each scan of the graph computing
    ``targets`` that a failed call left inside its loop (outermost first), or
    ''. Resets what it reads, so that the next failure is read afresh."""
    found = []

    def visit(outputs):
        for node in toposort(outputs):
            if isinstance(node.op, Scan):
                variable = node.op.step_variable
                if variable is not None:
                    step = int(variable.numpy())
                    if step >= 0:
                        found.append(f"scan {node.op.scan_name!r}, step {step} counting from 0")
                        variable.assign(-1)
                visit(node.op.inner_outputs)
    visit(targets)
    return f" ({'; '.join(found)})" if found else ""
