// Pooling, depthwise convolution and activation layers, 16 channels at a time (see ppgscope_layers.h).
#include "ppgscope_layers.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#include <stdlib.h>

#define PPG_AVX512 __attribute__((target("avx512f")))

static int available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

// Lanes [c, c + 16) of a row of `channels`, the last block masked.
static inline __mmask16 lanes(long c, long channels) {
    long n = channels - c;
    return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1);
}

// max(m, v) that takes v when v is NaN (and keeps a NaN already in m, since v > NaN is false).
static inline PPG_AVX512 __m512 max_keeping_nan(__m512 m, __m512 v) {
    __mmask16 take = _mm512_cmp_ps_mask(v, m, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    return _mm512_mask_blend_ps(take, m, v);
}

// The input rows [start, end) that pool t reads, clipped to the window (`same` padding counts only
// the samples inside it).
static inline void pool_rows(long t, long stride, long left, long pool, long length, long *start, long *end) {
    *start = t * stride - left;
    *end = *start + pool;
    if (*start < 0) *start = 0;
    if (*end > length) *end = length;
}

// Max (NaN-keeping) or mean over each pool; `maximum` is constant in the loops, which the compiler
// takes out of them.
static PPG_AVX512 void pool_over_time(const float *x, float *y, long windows, long length, long channels,
                                      long outLength, long size, long stride, long left, int maximum) {
    for (long n = 0; n < windows; n++) {
        const float *xw = x + n * length * channels;
        for (long t = 0; t < outLength; t++) {
            long start, end;
            pool_rows(t, stride, left, size, length, &start, &end);
            if (maximum && end <= start) end = start + 1;
            float *out = y + (n * outLength + t) * channels;
            const __m512 scale = _mm512_set1_ps(maximum ? 1.0f : 1.0f / (float)(end - start));
            for (long c = 0; c < channels; c += 16) {
                __mmask16 k = lanes(c, channels);
                __m512 acc = maximum ? _mm512_maskz_loadu_ps(k, xw + start * channels + c) : _mm512_setzero_ps();
                for (long s = maximum ? start + 1 : start; s < end; s++) {
                    __m512 v = _mm512_maskz_loadu_ps(k, xw + s * channels + c);
                    acc = maximum ? max_keeping_nan(acc, v) : _mm512_add_ps(acc, v);
                }
                _mm512_mask_storeu_ps(out + c, k, maximum ? acc : _mm512_mul_ps(acc, scale));
            }
        }
    }
}

static PPG_AVX512 void global_max(const float *x, float *y, long windows, long length, long channels) {
    for (long n = 0; n < windows; n++) {
        const float *xw = x + n * length * channels;
        for (long c = 0; c < channels; c += 16) {
            __mmask16 k = lanes(c, channels);
            __m512 m = _mm512_maskz_loadu_ps(k, xw + c);
            for (long t = 1; t < length; t++) m = max_keeping_nan(m, _mm512_maskz_loadu_ps(k, xw + t * channels + c));
            _mm512_mask_storeu_ps(y + n * channels + c, k, m);
        }
    }
}

static PPG_AVX512 void global_average(const float *x, float *y, long windows, long length, long channels) {
    const __m512d count = _mm512_set1_pd((double)length);
    for (long n = 0; n < windows; n++) {
        const float *xw = x + n * length * channels;
        for (long c = 0; c < channels; c += 16) {
            __mmask16 k = lanes(c, channels);
            __m512d a = _mm512_setzero_pd(), b = _mm512_setzero_pd();
            for (long t = 0; t < length; t++) {
                __m512 v = _mm512_maskz_loadu_ps(k, xw + t * channels + c);
                a = _mm512_add_pd(a, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
                b = _mm512_add_pd(b, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
            }
            __m256 lo = _mm512_cvtpd_ps(_mm512_div_pd(a, count)), hi = _mm512_cvtpd_ps(_mm512_div_pd(b, count));
            __m512d both = _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(lo)), _mm256_castps_pd(hi), 1);
            _mm512_mask_storeu_ps(y + n * channels + c, k, _mm512_castpd_ps(both));
        }
    }
}

// Rows t .. t + R − 1 of one window and one block of 16 output lanes: R independent accumulators,
// so the additions of different rows overlap (one row alone waits on each add's latency).
static inline __attribute__((always_inline)) PPG_AVX512 void depthwise_rows(
    const float *xw, const float *w, float *yw, long t, const int R, __m512 b, __mmask16 in, __mmask16 k,
    __m512i permutation, long multiplier, long channels, long outChannels, long o, long length, long kernelSize,
    long stride, long dilation, long left) {
    __m512 acc[4];
    for (int r = 0; r < R; r++) acc[r] = b;
    for (long j = 0; j < kernelSize; j++) {
        __m512 wj = _mm512_maskz_loadu_ps(k, w + j * outChannels + o);
        for (int r = 0; r < R; r++) {
            long s = (t + r) * stride + j * dilation - left;
            if (s < 0 || s >= length) continue;
            __m512 v = _mm512_maskz_loadu_ps(in, xw + s * channels);
            if (multiplier > 1) v = _mm512_permutexvar_ps(permutation, v);
            acc[r] = _mm512_add_ps(acc[r], _mm512_mul_ps(v, wj));
        }
    }
    for (int r = 0; r < R; r++) _mm512_mask_storeu_ps(yw + (t + r) * outChannels, k, acc[r]);
}

// Stride 1, multiplier 1 and channels dividing 16: a vector holds 16 / channels whole rows, so a
// window's rows are run as one flat array (half the vectors of the row-wise loop at 8 channels).
// Lanes whose input row is outside the window keep their sum (a masked add), as the plain loop
// skips those taps.
static PPG_AVX512 int depthwise_flat(const float *x, const float *w, const float *bias, float *y, long windows,
                                     long length, long channels, long outLength, long kernelSize, long dilation,
                                     long left) {
    // Each tap's weights repeated over the 16 lanes.
    float *repeated = malloc(sizeof(float) * 16 * (size_t)kernelSize);
    if (!repeated) return 0;
    for (long j = 0; j < kernelSize; j++)
        for (int l = 0; l < 16; l++) repeated[j * 16 + l] = w[j * channels + l % channels];
    int pattern[16];
    float wrep[16];
    for (int l = 0; l < 16; l++) pattern[l] = (int)(l / channels);
    const __m512i rowOffset = _mm512_loadu_si512(pattern);
    for (int l = 0; l < 16; l++) wrep[l] = bias ? bias[l % channels] : 0;
    const __m512 b = _mm512_loadu_ps(wrep);
    const long perVector = 16 / channels, count = outLength * channels;
    for (long n = 0; n < windows; n++) {
        const char *xw = (const char *)(x + n * length * channels);
        float *yw = y + n * outLength * channels;
        for (long i = 0; i < count; i += 16) {
            const __mmask16 k = lanes(i, count);
            const long t0 = i / channels;
            __m512 acc = b;
            for (long j = 0; j < kernelSize; j++) {
                const long r0 = t0 + j * dilation - left;
                __mmask16 valid = k;
                if (r0 < 0 || r0 + perVector > length) {
                    __m512i rows = _mm512_add_epi32(rowOffset, _mm512_set1_epi32((int)r0));
                    valid &= _mm512_cmp_epi32_mask(rows, _mm512_setzero_si512(), _MM_CMPINT_NLT)
                           & _mm512_cmp_epi32_mask(rows, _mm512_set1_epi32((int)length), _MM_CMPINT_LT);
                    if (!valid) continue;
                }
                // Masked-off lanes are never read, so the address may lie outside the window.
                const float *source = (const float *)(xw + (i + (j * dilation - left) * channels) * (long)sizeof(float));
                __m512 v = _mm512_maskz_loadu_ps(valid, source);
                acc = _mm512_mask_add_ps(acc, valid, acc, _mm512_mul_ps(v, _mm512_loadu_ps(repeated + j * 16)));
            }
            _mm512_mask_storeu_ps(yw + i, k, acc);
        }
    }
    free(repeated);
    return 1;
}

static PPG_AVX512 void depthwise(const float *x, const float *w, const float *bias, float *y, long windows, long length,
                                 long channels, long multiplier, long outLength, long kernelSize, long stride,
                                 long dilation, long left) {
    if (multiplier == 1 && stride == 1 && channels <= 16 && 16 % channels == 0
        && depthwise_flat(x, w, bias, y, windows, length, channels, outLength, kernelSize, dilation, left))
        return;
    const long outChannels = channels * multiplier;
    for (long o = 0; o < outChannels; o += 16) {
        // Output lanes o + l read input channel (o + l) / multiplier: 16 input lanes from `first`
        // spread by a permutation.
        const __mmask16 k = lanes(o, outChannels);
        const long first = o / multiplier;
        const __mmask16 in = lanes(first, channels);
        int spread[16];
        for (int l = 0; l < 16; l++) spread[l] = (int)((o + l) / multiplier - first) & 15;
        const __m512i permutation = _mm512_loadu_si512(spread);
        const __m512 b = bias ? _mm512_maskz_loadu_ps(k, bias + o) : _mm512_setzero_ps();
        for (long n = 0; n < windows; n++) {
            const float *xw = x + n * length * channels + first;
            float *yw = y + n * outLength * outChannels + o;
            long t = 0;
            for (; t + 4 <= outLength; t += 4)
                depthwise_rows(xw, w, yw, t, 4, b, in, k, permutation, multiplier, channels, outChannels, o, length,
                               kernelSize, stride, dilation, left);
            for (; t < outLength; t++)
                depthwise_rows(xw, w, yw, t, 1, b, in, k, permutation, multiplier, channels, outChannels, o, length,
                               kernelSize, stride, dilation, left);
        }
    }
}

static PPG_AVX512 void scale_shift(float *x, long rows, long channels, const float *scale, const float *shift) {
    for (long c = 0; c < channels; c += 16) {
        __mmask16 k = lanes(c, channels);
        __m512 a = _mm512_maskz_loadu_ps(k, scale + c), b = _mm512_maskz_loadu_ps(k, shift + c);
        for (long r = 0; r < rows; r++) {
            float *p = x + r * channels + c;
            _mm512_mask_storeu_ps(p, k, _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(k, p), a), b));
        }
    }
}

static PPG_AVX512 void relu_options(float *x, long n, int hasMax, float maxValue, float slope, float threshold) {
    const __m512 zero = _mm512_setzero_ps(), top = _mm512_set1_ps(maxValue), a = _mm512_set1_ps(slope),
                 th = _mm512_set1_ps(threshold);
    for (long i = 0; i < n; i += 16) {
        __mmask16 k = lanes(i, n);
        __m512 v = _mm512_maskz_loadu_ps(k, x + i);
        __m512 r = threshold != 0 ? _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, th, _CMP_GT_OQ), v) : _mm512_max_ps(v, zero);
        if (hasMax) r = _mm512_min_ps(_mm512_max_ps(r, zero), top);
        if (slope != 0) r = _mm512_sub_ps(r, _mm512_mul_ps(a, _mm512_max_ps(_mm512_sub_ps(th, v), zero)));
        r = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), r, v);
        _mm512_mask_storeu_ps(x + i, k, r);
    }
}

static PPG_AVX512 void leaky_relu(float *x, long n, float slope) {
    const __m512 a = _mm512_set1_ps(slope), zero = _mm512_setzero_ps();
    for (long i = 0; i < n; i += 16) {
        __mmask16 k = lanes(i, n);
        __m512 v = _mm512_maskz_loadu_ps(k, x + i);
        __mmask16 negative = _mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ);
        _mm512_mask_storeu_ps(x + i, k, _mm512_mask_mul_ps(v, negative, v, a));
    }
}

static PPG_AVX512 void prelu(float *x, long windows, long perWindow, const float *alpha) {
    const __m512 zero = _mm512_setzero_ps();
    for (long n = 0; n < windows; n++) {
        float *xw = x + n * perWindow;
        for (long i = 0; i < perWindow; i += 16) {
            __mmask16 k = lanes(i, perWindow);
            __m512 v = _mm512_maskz_loadu_ps(k, xw + i);
            __mmask16 negative = _mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ);
            _mm512_mask_storeu_ps(xw + i, k, _mm512_mask_mul_ps(v, negative, v, _mm512_maskz_loadu_ps(k, alpha + i)));
        }
    }
}

static PPG_AVX512 void merge(int kind, const float *const *inputs, long count, long n, float *y) {
    const __m512 divisor = _mm512_set1_ps((float)count);
    for (long e = 0; e < n; e += 16) {
        __mmask16 k = lanes(e, n);
        __m512 acc = _mm512_maskz_loadu_ps(k, inputs[0] + e);
        for (long i = 1; i < count; i++) {
            __m512 v = _mm512_maskz_loadu_ps(k, inputs[i] + e);
            switch (kind) {
            case PPGSCOPE_MERGE_ADD: case PPGSCOPE_MERGE_AVERAGE: acc = _mm512_add_ps(acc, v); break;
            case PPGSCOPE_MERGE_SUBTRACT: acc = _mm512_sub_ps(acc, v); break;
            case PPGSCOPE_MERGE_MULTIPLY: acc = _mm512_mul_ps(acc, v); break;
            case PPGSCOPE_MERGE_MAXIMUM: acc = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, acc, _CMP_GE_OQ), acc, v); break;
            case PPGSCOPE_MERGE_MINIMUM: acc = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, acc, _CMP_LT_OQ), acc, v); break;
            }
        }
        if (kind == PPGSCOPE_MERGE_AVERAGE) acc = _mm512_div_ps(acc, divisor);
        _mm512_mask_storeu_ps(y + e, k, acc);
    }
}

static PPG_AVX512 void concatenate_rows(const float *const *inputs, const long *widths, long count, long rows, float *y) {
    long total = 0;
    for (long i = 0; i < count; i++) total += widths[i];
    for (long r = 0; r < rows; r++) {
        float *out = y + r * total;
        for (long i = 0; i < count; i++) {
            const float *in = inputs[i] + r * widths[i];
            for (long c = 0; c < widths[i]; c += 16) {
                __mmask16 k = lanes(c, widths[i]);
                _mm512_mask_storeu_ps(out + c, k, _mm512_maskz_loadu_ps(k, in + c));
            }
            out += widths[i];
        }
    }
}

int ppgscope_merge(int kind, const float *const *inputs, long count, long n, float *y) {
    if (!available()) return 0;
    merge(kind, inputs, count, n, y);
    return 1;
}

int ppgscope_concatenate_rows(const float *const *inputs, const long *widths, long count, long rows, float *y) {
    if (!available()) return 0;
    concatenate_rows(inputs, widths, count, rows, y);
    return 1;
}

int ppgscope_pool_max(const float *x, float *y, long windows, long length, long channels, long outLength, long pool,
                      long stride, long left) {
    if (!available()) return 0;
    pool_over_time(x, y, windows, length, channels, outLength, pool, stride, left, 1);
    return 1;
}

int ppgscope_pool_average(const float *x, float *y, long windows, long length, long channels, long outLength, long pool,
                          long stride, long left) {
    if (!available()) return 0;
    pool_over_time(x, y, windows, length, channels, outLength, pool, stride, left, 0);
    return 1;
}

int ppgscope_global_pool_max(const float *x, float *y, long windows, long length, long channels) {
    if (!available()) return 0;
    global_max(x, y, windows, length, channels);
    return 1;
}

int ppgscope_global_pool_average(const float *x, float *y, long windows, long length, long channels) {
    if (!available()) return 0;
    global_average(x, y, windows, length, channels);
    return 1;
}

int ppgscope_depthwise(const float *x, const float *w, const float *bias, float *y, long windows, long length,
                       long channels, long multiplier, long outLength, long kernelSize, long stride, long dilation,
                       long left) {
    if (!available()) return 0;
    depthwise(x, w, bias, y, windows, length, channels, multiplier, outLength, kernelSize, stride, dilation, left);
    return 1;
}

int ppgscope_scale_shift(float *x, long rows, long channels, const float *scale, const float *shift) {
    if (!available()) return 0;
    scale_shift(x, rows, channels, scale, shift);
    return 1;
}

int ppgscope_relu_options(float *x, long n, int hasMax, float maxValue, float slope, float threshold) {
    if (!available()) return 0;
    relu_options(x, n, hasMax, maxValue, slope, threshold);
    return 1;
}

int ppgscope_leaky_relu(float *x, long n, float slope) {
    if (!available()) return 0;
    leaky_relu(x, n, slope);
    return 1;
}

int ppgscope_prelu(float *x, long windows, long rows, long channels, const float *alpha, long alphaRows,
                   long alphaChannels) {
    if (!available()) return 0;
    // alpha repeated over its shared axes to one window's [rows, channels].
    float *full = malloc(sizeof(float) * (size_t)(rows * channels));
    if (!full) return 0;
    for (long r = 0; r < rows; r++)
        for (long c = 0; c < channels; c++)
            full[r * channels + c] = alpha[(alphaRows == 1 ? 0 : r) * alphaChannels + (alphaChannels == 1 ? 0 : c)];
    prelu(x, windows, rows * channels, full);
    free(full);
    return 1;
}

#else
int ppgscope_pool_max(const float *x, float *y, long windows, long length, long channels, long outLength, long pool,
                      long stride, long left) { (void)x; (void)y; (void)windows; (void)length; (void)channels; (void)outLength; (void)pool; (void)stride; (void)left; return 0; }
int ppgscope_pool_average(const float *x, float *y, long windows, long length, long channels, long outLength, long pool,
                          long stride, long left) { (void)x; (void)y; (void)windows; (void)length; (void)channels; (void)outLength; (void)pool; (void)stride; (void)left; return 0; }
int ppgscope_global_pool_max(const float *x, float *y, long windows, long length, long channels) { (void)x; (void)y; (void)windows; (void)length; (void)channels; return 0; }
int ppgscope_global_pool_average(const float *x, float *y, long windows, long length, long channels) { (void)x; (void)y; (void)windows; (void)length; (void)channels; return 0; }
int ppgscope_depthwise(const float *x, const float *w, const float *bias, float *y, long windows, long length,
                       long channels, long multiplier, long outLength, long kernelSize, long stride, long dilation,
                       long left) {
    (void)x; (void)w; (void)bias; (void)y; (void)windows; (void)length; (void)channels; (void)multiplier; (void)outLength; (void)kernelSize; (void)stride; (void)dilation; (void)left; return 0;
}
int ppgscope_merge(int kind, const float *const *inputs, long count, long n, float *y) { (void)kind; (void)inputs; (void)count; (void)n; (void)y; return 0; }
int ppgscope_concatenate_rows(const float *const *inputs, const long *widths, long count, long rows, float *y) { (void)inputs; (void)widths; (void)count; (void)rows; (void)y; return 0; }
int ppgscope_scale_shift(float *x, long rows, long channels, const float *scale, const float *shift) { (void)x; (void)rows; (void)channels; (void)scale; (void)shift; return 0; }
int ppgscope_relu_options(float *x, long n, int hasMax, float maxValue, float slope, float threshold) { (void)x; (void)n; (void)hasMax; (void)maxValue; (void)slope; (void)threshold; return 0; }
int ppgscope_leaky_relu(float *x, long n, float slope) { (void)x; (void)n; (void)slope; return 0; }
int ppgscope_prelu(float *x, long windows, long rows, long channels, const float *alpha, long alphaRows,
                   long alphaChannels) { (void)x; (void)windows; (void)rows; (void)channels; (void)alpha; (void)alphaRows; (void)alphaChannels; return 0; }
#endif
