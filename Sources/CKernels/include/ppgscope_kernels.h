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

/// Stride-1 Conv1D rows `[firstRow, firstRow + rowCount)` of one window, bias and ReLU fused:
///
///     y[r·outputStride + o] = act(bias[o] + Σ_j Σ_c xpad[r + j·dilation, c] · w[(j·inChannels + c)·weightStride + o])
///
/// for o < outChannels, where `xpad[p, c]` is `x[(p − leftPad)·inChannels + c]` for
/// 0 ≤ p − leftPad < inputRows and 0 otherwise: `x` is the unpadded input `[inputRows, inChannels]`
/// and the padding is never stored (leftPad > 0 needs inChannels ≤
/// PPGSCOPE_CONV1D_MAX_VIRTUAL_PAD_CHANNELS, as do rows that reach past the input). `w` is the Keras
/// kernel `[kernelSize, inChannels, weightStride]` (weightStride = outChannels, or more to compute
/// a block of columns), `y` the output rows (all row-major, float32); `bias` may be NULL; `relu` is
/// 0 or 1. With kernelSize = 1 this is a dense layer. Only call when
/// `ppgscope_conv1d_direct_available()` returned 1.
void ppgscope_conv1d_direct(const float *x, int inChannels, int leftPad, int inputRows,
                            const float *w, int weightStride, int kernelSize, int dilation,
                            const float *bias, int outChannels, int relu, float *y, int outputStride,
                            int firstRow, int rowCount);

/// Output rows per register tile for `outChannels` (12, 12, 8 or 6 for 16, 32, 48 or 64+
/// channels): row blocks that are a multiple of this run without partial tiles.
int ppgscope_conv1d_direct_tile_rows(int outChannels);

#ifdef __cplusplus
}
#endif

#endif
