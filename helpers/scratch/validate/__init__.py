"""Input checks for the from-scratch conv, deconv and attention code: fail early, with a message that says what
was expected. Two halves, one file each: ``conv.py`` (05, 07) and ``attention.py`` (11-13); the float-array check
both use is ``arrays.py``.

They live apart from the code they guard so that notebooks 05, 07 and 11 can show the computation itself, short,
and import the checks (read them here): ``from helpers.scratch.validate import check_conv`` finds each in its half.
"""

from helpers.scratch.validate.arrays import check_float_array
from helpers.scratch.validate.attention import (
    check_activation,
    check_attention,
    check_layer_input,
    check_mask,
    check_mha,
    check_params,
    check_positive_int,
    check_same_dtype,
)
from helpers.scratch.validate.conv import (
    check_backward,
    check_cols,
    check_conv,
    check_dout,
    check_forward,
    check_images,
    check_layer,
    check_pool,
    check_window,
    pair,
    sizes,
)

__all__ = ["pair", "check_images", "sizes", "check_dout", "check_window", "check_cols", "check_conv",
           "check_pool", "check_layer", "check_forward", "check_backward", "check_float_array", "check_same_dtype",
           "check_mask", "check_positive_int", "check_attention", "check_mha", "check_layer_input", "check_params",
           "check_activation"]
