"""``theano.sparse.utils``: a hash of a sparse matrix's value."""
import hashlib


def hash_from_sparse(data):
    """A hex digest of SciPy matrix ``data``: its arrays, shape, dtype and format."""
    digest = hashlib.sha256()
    for part in (data.data, data.indices, data.indptr):
        digest.update(hashlib.sha256(part.tobytes()).digest())
    for part in (str(data.shape), str(data.dtype), data.format):
        digest.update(hashlib.sha256(part.encode()).digest())
    return digest.hexdigest()
