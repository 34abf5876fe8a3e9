"""tools/api_coverage.py: every module of Theano 1.0.5 and each public name it
defines is present, left out with a reason, or being written; nothing is
missing, and a package's names are the objects its modules define."""
import re

from tools import api_coverage

SUMMARY = re.compile(
    r"Theano 1\.0 API coverage: (\d+) modules \((\d+) left out whole, (\d+) missing\); "
    r"(\d+) names in the "
    r"others, (\d+) left out on purpose; of the other (\d+): (\d+) present \((\d+)%\), (\d+) of "
    r"them tested, (\d+) missing, (\d+) differing from their package's, (\d+) in modules "
    r"being written")


def test_the_script_runs_and_nothing_is_missing(capsys):
    api_coverage.main(["--summary"])  # in this process: TensorFlow is imported already
    line = capsys.readouterr().out.strip().splitlines()[-1]
    match = SUMMARY.fullmatch(line)
    assert match, line
    (modules, whole, missing_modules, names, left_out, wanted, present, percent, tested, missing,
     differing, in_progress) = map(int, match.groups())
    assert names == left_out + wanted and wanted == present + missing + differing + in_progress
    assert tested <= present and percent == present * 100 // wanted
    assert modules > 140 and whole < modules and present > 1400  # the data is whole
    assert missing_modules == 0 and missing == 0 and differing == 0, line


def test_every_left_out_module_and_name_says_why():
    entries = api_coverage.read_api()
    assert {module for module, _, _, _ in entries} >= {
        "theano.tensor.basic", "theano.tensor.var", "theano.tensor.type",
        "theano.tensor.sharedvar", "theano.tensor.nnet.nnet", "theano.tensor.nnet.sigm",
        "theano.compile.io", "theano.compile.function_module", "theano.compile.sharedvalue",
        "theano.compile.mode", "theano.compile.pfunc", "theano.gof", "theano.gof.fg",
        "theano.compat", "theano.misc.may_share_memory", "theano.misc.safe_asarray",
        "theano.updates", "theano.printing", "theano.raise_op", "theano.configparser"}
    rows = api_coverage.classify(entries, set())
    for module, name, status, reason in rows:
        if status == "left out":
            assert len(reason) > 15, (module, name, reason)
    whole = {module: reason for module, name, status, reason in rows if status == "left out"
             and not name}
    assert "GPU" in whole["theano.gpuarray"] and "C code" in whole["theano.gof.cc"]


def test_classification_reads_modules_names_and_origins():
    entries = [("theano.tensor", "sort", "", ""), ("theano.tensor", "no_such_name", "", ""),
               ("theano.tensor", "gpu_contiguous", "GPU-only", ""),
               ("theano.no_such_module", "f", "", ""),
               ("theano.tensor.basic", "Mean", "", ""),
               ("theano.tensor", "dot", "", "theano.tensor.basic"),
               ("theano.tensor", "sum", "", "theano.tensor.nlinalg"),  # a wrong origin
               ("theano.sparse", "csr_matrix", "", ""),
               ("theano.tensor.inplace", "no_such_inplace_op", "", ""),
               ("theano.gof.cc", "", "C code", ""), ("theano.tensor.basic", "", "", ""),
               ("theano.no_such_module", "", "", "")]
    rows = api_coverage.classify(entries, {"sort"})
    assert [r[2] for r in rows] == ["tested", "missing", "left out", "missing", "in progress",
                                    "present", "present", "present", "in progress", "left out",
                                    "present", "missing"]
    assert rows[3][3] == "no module theano.no_such_module"
    # A name the package holds that is another object than its module's differs.
    rows = api_coverage.classify([("theano.tensor", "sort", "", "theano.tensor.sort"),
                                  ("theano", "grad", "", "theano.tensor")], set())
    assert rows[0][2] in ("present", "tested") and rows[1][2] == "present"


def test_reasons_may_name_the_module():
    from tools import theano_api_extract as extract
    assert "theano.clone" in extract.reason("theano.scan_module", "clone")
    assert extract.reason("theano", "clone") == ""            # theano.clone is provided
    assert "optimizer" in extract.reason("theano.compile", "OPT_FAST_RUN")
    assert extract.reason("theano.tensor", "gpu_contiguous").startswith("GPU-only")
    # A package's name imported from a module left out whole takes its reason.
    assert "C code" in extract.reason("theano.gof", "CLinker", "theano.gof.cc")
    assert extract.module_reason("theano.gpuarray.dnn").startswith("GPU-only")
