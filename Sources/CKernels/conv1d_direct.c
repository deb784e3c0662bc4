// Direct Conv1D for AVX-512F. Register tile: R output rows × V vectors of 16 output channels,
// accumulated in R·V zmm registers (at most 24 of 32) while the loop runs over taps and input
// channels: per step V weight loads, R broadcasts, R·V fused multiply-adds. R and V are constants
// in every instantiation, so the compiler keeps the tile in registers.
#include "ppgscope_kernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define PPG_AVX512 __attribute__((target("avx512f,fma")))
#define PPG_INLINE static inline __attribute__((always_inline))
// The tile loops must unroll fully, or the accumulators live on the stack.
#define UNROLL _Pragma("unroll")

int ppgscope_conv1d_direct_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

// One tile: rows [row, row + R) and channels [o0, o0 + 16·V) (the last vector masked by `tail`).
PPG_INLINE PPG_AVX512 void tile(const float *x, int cin, const float *w, int ldw, int k, int d, const float *bias,
                                int ldy, int relu, float *y, int row, int o0, __mmask16 tail,
                                const int R, const int V) {
    __m512 acc[12][4];
    UNROLL for (int v = 0; v < V; v++) {
        __mmask16 m = v == V - 1 ? tail : (__mmask16)0xFFFF;
        __m512 b = bias ? _mm512_maskz_loadu_ps(m, bias + o0 + 16 * v) : _mm512_setzero_ps();
        UNROLL for (int r = 0; r < R; r++) acc[r][v] = b;
    }
    for (int j = 0; j < k; j++) {
        const float *xj = x + (size_t)(row + j * d) * cin;
        const float *wj = w + (size_t)j * cin * ldw + o0;
        for (int c = 0; c < cin; c++) {
            __m512 wv[4];
            UNROLL for (int v = 0; v < V; v++) {
                __mmask16 m = v == V - 1 ? tail : (__mmask16)0xFFFF;
                wv[v] = _mm512_maskz_loadu_ps(m, wj + (size_t)c * ldw + 16 * v);
            }
            UNROLL for (int r = 0; r < R; r++) {
                __m512 xb = _mm512_set1_ps(xj[(size_t)r * cin + c]);
                UNROLL for (int v = 0; v < V; v++) acc[r][v] = _mm512_fmadd_ps(xb, wv[v], acc[r][v]);
            }
        }
    }
    const __m512 zero = _mm512_setzero_ps();
    UNROLL for (int r = 0; r < R; r++) {
        float *yr = y + (size_t)(row + r) * ldy + o0;
        UNROLL for (int v = 0; v < V; v++) {
            __mmask16 m = v == V - 1 ? tail : (__mmask16)0xFFFF;
            __m512 out = relu ? _mm512_max_ps(acc[r][v], zero) : acc[r][v];
            _mm512_mask_storeu_ps(yr + 16 * v, m, out);
        }
    }
}

// All rows for one group of V vectors: full tiles of RMAX rows, then one smaller tile.
#define ROWS_FOR_V(V, RMAX)                                                                         \
    PPG_AVX512 static void rows_v##V(const float *x, int cin, const float *w, int ldw, int k, int d, \
                                     const float *bias, int ldy, int relu, float *y, int first,      \
                                     int count, int o0, __mmask16 tail) {                           \
        int r = first, end = first + count;                                                         \
        for (; r + RMAX <= end; r += RMAX) tile(x, cin, w, ldw, k, d, bias, ldy, relu, y, r, o0, tail, RMAX, V); \
        switch (end - r) {                                                                          \
        case 0: break;                                                                              \
        ROW_CASES_##RMAX(V)                                                                         \
        }                                                                                           \
    }

#define RC(n, V) case n: tile(x, cin, w, ldw, k, d, bias, ldy, relu, y, r, o0, tail, n, V); break;
#define ROW_CASES_6(V) RC(1, V) RC(2, V) RC(3, V) RC(4, V) RC(5, V)
#define ROW_CASES_8(V) ROW_CASES_6(V) RC(6, V) RC(7, V)
#define ROW_CASES_12(V) ROW_CASES_8(V) RC(8, V) RC(9, V) RC(10, V) RC(11, V)

ROWS_FOR_V(1, 12)
ROWS_FOR_V(2, 12)
ROWS_FOR_V(3, 8)
ROWS_FOR_V(4, 6)

void ppgscope_conv1d_direct(const float *x, int inChannels, const float *w, int weightStride, int kernelSize,
                            int dilation, const float *bias, int outChannels, int relu, float *y, int outputStride,
                            int firstRow, int rowCount) {
    // Output channels in groups of up to 64 (4 vectors); the last vector of the last group masked.
    int o0 = 0;
    while (o0 < outChannels) {
        int remaining = outChannels - o0;
        int vectors = remaining >= 64 ? 4 : (remaining + 15) / 16;
        int width = remaining >= 64 ? 64 : remaining;
        int lastLanes = width - 16 * (vectors - 1);
        __mmask16 tail = (__mmask16)(lastLanes == 16 ? 0xFFFF : ((1u << lastLanes) - 1));
        switch (vectors) {
        case 1: rows_v1(x, inChannels, w, weightStride, kernelSize, dilation, bias, outputStride, relu, y, firstRow, rowCount, o0, tail); break;
        case 2: rows_v2(x, inChannels, w, weightStride, kernelSize, dilation, bias, outputStride, relu, y, firstRow, rowCount, o0, tail); break;
        case 3: rows_v3(x, inChannels, w, weightStride, kernelSize, dilation, bias, outputStride, relu, y, firstRow, rowCount, o0, tail); break;
        default: rows_v4(x, inChannels, w, weightStride, kernelSize, dilation, bias, outputStride, relu, y, firstRow, rowCount, o0, tail); break;
        }
        o0 += width;
    }
}

int ppgscope_conv1d_direct_tile_rows(int outChannels) {
    int vectors = outChannels >= 64 ? 4 : (outChannels + 15) / 16;
    return vectors >= 4 ? 6 : vectors == 3 ? 8 : 12;
}

#else

int ppgscope_conv1d_direct_available(void) { return 0; }

int ppgscope_conv1d_direct_tile_rows(int outChannels) { (void)outChannels; return 1; }

void ppgscope_conv1d_direct(const float *x, int inChannels, const float *w, int weightStride, int kernelSize,
                            int dilation, const float *bias, int outChannels, int relu, float *y, int outputStride,
                            int firstRow, int rowCount) {
    (void)x; (void)inChannels; (void)w; (void)kernelSize; (void)dilation;
    (void)bias; (void)outChannels; (void)relu; (void)y; (void)firstRow; (void)rowCount;
}

#endif
