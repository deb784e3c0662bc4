#ifndef PPGSCOPE_LAYERS_H
#define PPGSCOPE_LAYERS_H

// The small layers around the convolutions, 16 channels at a time with AVX-512F masked loads and
// stores: max and average pooling over time, global pooling, depthwise convolution,
// BatchNormalization, the merges, Concatenate, and the element-wise activation layers (ReLU with
// options, LeakyReLU, PReLU). Every buffer is row-major
// float32 `[windows, time, channels]`. Each function does, lane by lane, the same arithmetic in the
// same order as the plain loop it replaces (no fused multiply-add), so its results are the same to
// the bit. Each returns 0, touching nothing, when the CPU lacks AVX-512F: the caller then runs its
// plain loop.

#ifdef __cplusplus
extern "C" {
#endif

/// Pooling over time: y[n, t, c] = max (or mean) of x[n, s, c] for s in
/// [max(t·stride − left, 0), min(t·stride − left + pool, length)). The max of a pool holding a NaN
/// is NaN; the mean is the sum in order times 1/count (float).
int ppgscope_pool_max(const float *x, float *y, long windows, long length, long channels, long outLength,
                      long pool, long stride, long left);
int ppgscope_pool_average(const float *x, float *y, long windows, long length, long channels, long outLength,
                          long pool, long stride, long left);

/// Global pooling: y[n, c] = max over t of x[n, t, c] (NaN if any is NaN), or the mean summed in
/// double in time order and rounded once.
int ppgscope_global_pool_max(const float *x, float *y, long windows, long length, long channels);
int ppgscope_global_pool_average(const float *x, float *y, long windows, long length, long channels);

/// Depthwise convolution: y[n, t, c·multiplier + k] = bias[c·multiplier + k] (or 0)
/// + Σ_j w[j·channels·multiplier + c·multiplier + k] · x[n, t·stride + j·dilation − left, c], the
/// terms in j order, taps outside [0, length) skipped (`channels` counts the input's).
int ppgscope_depthwise(const float *x, const float *w, const float *bias, float *y, long windows, long length,
                       long channels, long multiplier, long outLength, long kernelSize, long stride, long dilation,
                       long left);

enum {
    PPGSCOPE_MERGE_ADD = 0, PPGSCOPE_MERGE_SUBTRACT = 1, PPGSCOPE_MERGE_MULTIPLY = 2, PPGSCOPE_MERGE_AVERAGE = 3,
    PPGSCOPE_MERGE_MAXIMUM = 4, PPGSCOPE_MERGE_MINIMUM = 5,
};

/// y[e] = inputs[0][e] ∘ inputs[1][e] ∘ … left to right for e < n (all `count` inputs of n floats);
/// Average divides the sum by count; Maximum takes v where v >= acc, Minimum where v < acc (so
/// a NaN in a later input is passed over, as Swift's max and min do).
int ppgscope_merge(int kind, const float *const *inputs, long count, long n, float *y);

/// Joins rows: output row r is input 0's row r (widths[0] floats), then input 1's, … .
int ppgscope_concatenate_rows(const float *const *inputs, const long *widths, long count, long rows, float *y);

/// BatchNormalization at inference in place on `[rows, channels]`: x·scale[c] + shift[c].
int ppgscope_scale_shift(float *x, long rows, long channels, const float *scale, const float *shift);

/// Keras `ReLU(max_value, negative_slope, threshold)` in place: (x > threshold ? x : 0) (max(x, 0)
/// when threshold is 0), clipped to [0, maxValue] when hasMax, minus slope·max(threshold − x, 0).
/// NaN stays NaN.
int ppgscope_relu_options(float *x, long n, int hasMax, float maxValue, float slope, float threshold);

/// LeakyReLU in place: x < 0 ? slope·x : x.
int ppgscope_leaky_relu(float *x, long n, float slope);

/// PReLU in place on `[windows, rows, channels]`: x < 0 ? alpha·x : x, alpha read from
/// `[alphaRows, alphaChannels]` (alphaRows 1 or rows, alphaChannels 1 or channels: a shared axis).
int ppgscope_prelu(float *x, long windows, long rows, long channels, const float *alpha, long alphaRows,
                   long alphaChannels);

#ifdef __cplusplus
}
#endif

#endif
