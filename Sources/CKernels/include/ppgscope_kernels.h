#ifndef PPGSCOPE_KERNELS_H
#define PPGSCOPE_KERNELS_H

// Direct Conv1D kernels for the small shapes of heart-rate CNNs (tens of channels, a few hundred
// samples), where a BLAS call spends much of its time packing. Compiled for AVX-512F with a
// function target attribute and chosen at run time: callers ask
// `ppgscope_conv1d_direct_available()` first and use the BLAS path otherwise.

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this CPU runs the AVX-512F direct kernels, else 0.
int ppgscope_conv1d_direct_available(void);

/// Input channels up to which the zero padding can be virtual (see below).
#define PPGSCOPE_CONV1D_MAX_VIRTUAL_PAD_CHANNELS 1024

/// One stride-1 Conv1D (or, with kernelSize 1, a matrix product), all row-major float32:
///
///     y[r·outputStride + o] (+)= act(bias[o] + Σ_j Σ_c xpad[r + j·dilation, c] · w[(j·inChannels + c)·weightStride + o])
///
/// for o < outChannels, where `xpad[p, c]` is `x[(p − leftPad)·inputStride + c]` for
/// 0 ≤ p − leftPad < inputRows and 0 otherwise: the padding is never stored (leftPad > 0, or rows
/// that reach past the input, need inChannels ≤ PPGSCOPE_CONV1D_MAX_VIRTUAL_PAD_CHANNELS).
typedef struct {
    const float *x;     ///< unpadded input rows
    int inChannels;     ///< c < inChannels
    int inputStride;    ///< floats from one input row to the next (≥ inChannels)
    int leftPad;        ///< zero rows before the input (causal: (kernelSize − 1)·dilation)
    int inputRows;      ///< rows of x; rows past them read as zero
    const float *w;     ///< Keras kernel [kernelSize, inChannels, weightStride]
    int weightStride;   ///< outChannels, or more to compute a block of columns
    int kernelSize, dilation;
    const float *bias;  ///< [outChannels] or NULL
    int outChannels;
    int relu;           ///< 1: max(·, 0) on the value stored
    int accumulate;     ///< 1: add to y instead of overwriting it
    float *y;
    int outputStride;   ///< floats from one output row to the next
} ppgscope_conv1d_args;

/// Rows `[firstRow, firstRow + rowCount)` of `args`' output. Only call when
/// `ppgscope_conv1d_direct_available()` returned 1.
void ppgscope_conv1d_direct(const ppgscope_conv1d_args *args, int firstRow, int rowCount);

/// Output rows per register tile for `outChannels` (12, 12, 8 or 6 for 16, 32, 48 or 64+
/// channels): row blocks that are a multiple of this run without partial tiles.
int ppgscope_conv1d_direct_tile_rows(int outChannels);

#ifdef __cplusplus
}
#endif

#endif
