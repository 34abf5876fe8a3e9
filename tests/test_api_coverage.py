"""tools/api_coverage.py runs and its summary adds up."""
import re

from tools import api_coverage


def test_the_script_runs_and_its_summary_parses(capsys):
    api_coverage.main(["--summary"])  # in this process: TensorFlow is imported already
    line = capsys.readouterr().out.strip().splitlines()[-1]
    match = re.fullmatch(r"Theano 1\.0 API coverage: (\d+) names, (\d+) left out on purpose; "
                         r"of the other (\d+): (\d+) present \((\d+)%\), (\d+) of them tested, "
                         r"(\d+) missing", line)
    assert match, line
    total, left_out, wanted, present, percent, tested, missing = map(int, match.groups())
    assert total == left_out + wanted and wanted == present + missing and tested <= present
    assert percent == present * 100 // wanted
    assert total > 900 and present > 400  # the data file is whole, and tfgraph imports


def test_classification_reads_the_modules_and_the_tests():
    entries = [("theano.tensor", "sort", ""), ("theano.tensor", "no_such_name", ""),
               ("theano.tensor", "gpu_contiguous", "GPU-only"),
               ("theano.no_such_module", "f", "")]
    rows = api_coverage.classify(entries, {"sort"})
    assert [r[2] for r in rows] == ["tested", "missing", "left out", "missing"]
    assert rows[3][3] == "no module theano.no_such_module"
    names = {(m, n) for m, n, _ in api_coverage.read_api()}
    assert ("theano.tensor.nlinalg", "matrix_inverse") in names
    assert ("theano.tensor.signal.pool", "pool_2d") in names


def test_reasons_may_name_the_module():
    from tools import theano_api_extract as extract
    assert extract.reason("theano.scan_module", "clone").startswith("a helper imported there")
    assert extract.reason("theano", "clone") == ""            # theano.clone is provided
    assert "optimizer" in extract.reason("theano.compile", "OPT_FAST_RUN")
    assert extract.reason("theano.tensor", "gpu_contiguous").startswith("GPU-only")
