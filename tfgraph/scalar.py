"""``theano.scalar`` basics: dtype ``upcast`` and the scalar types."""
from tfgraph import dtypes
from tfgraph.graph import TensorType


def upcast(dtype, *dtypes_):
    """The dtype that values of all the given dtypes combine to (NumPy's rule)."""
    return dtypes.upcast(dtype, *dtypes_)


def Scalar(dtype):
    """The type of a 0-d tensor of ``dtype`` (call it for a variable)."""
    return TensorType(dtype, ())


bool = Scalar("bool")  # noqa: A001
int8, int16, int32, int64 = (Scalar(d) for d in ("int8", "int16", "int32", "int64"))
uint8, uint16, uint32, uint64 = (Scalar(d) for d in ("uint8", "uint16", "uint32", "uint64"))
float16, float32, float64 = (Scalar(d) for d in ("float16", "float32", "float64"))
complex64, complex128 = Scalar("complex64"), Scalar("complex128")
int_types = (int8, int16, int32, int64)
uint_types = (uint8, uint16, uint32, uint64)
float_types = (float16, float32, float64)
complex_types = (complex64, complex128)
discrete_types = int_types + uint_types
continuous_types = float_types + complex_types
all_types = discrete_types + continuous_types
