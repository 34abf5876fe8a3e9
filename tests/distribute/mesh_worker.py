"""Run programs of tests/distribute/mesh_cases.py on meshes, in a process of its own
(devices must be split before TensorFlow initializes them), and save what
they computed:

    python tests/distribute/mesh_worker.py OUT.npz CASE@MESH[@RULES] ...

MESH is like batch=2,model=2; RULES like W=-:model (as --mesh_layouts).
Arrays are saved as CASE@MESH/name. In a multi-process run the DTENSOR_*
variables say which process this is.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from tfgraph import distribute  # noqa: E402
from tests.distribute.mesh_cases import CASES, LAYOUTS  # noqa: E402


def run(run_spec):
    case, mesh_text, rules = (run_spec.split("@") + [""])[:3]
    layouts = dict(LAYOUTS.get(case, {}), **distribute.parse_layouts(rules))
    with distribute.mesh(layouts=layouts, **distribute.parse_mesh(mesh_text)) as mesh:
        result = CASES[case]()
        result["n_devices"] = np.array(mesh.tf_mesh.size)
    return {f"{case}@{mesh_text}/{k}": v for k, v in result.items()}


def main(out, *run_specs):
    results = {}
    for run_spec in run_specs:
        results.update(run(run_spec))
    np.savez(out, **results)


if __name__ == "__main__":
    main(*sys.argv[1:])
