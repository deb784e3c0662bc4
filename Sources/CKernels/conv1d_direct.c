// Direct Conv1D for AVX-512F. Register tile: R output rows × V vectors of 16 output channels,
// accumulated in R·V zmm registers (at most 24 of 32) while the loop runs over taps and input
// channels: per step V weight loads, R broadcasts, R·V fused multiply-adds. R and V are constants
// in every instantiation, so the compiler keeps the tile in registers.
//
// The zero padding is virtual: tiles whose taps all fall inside the input read it directly; the
// few edge tiles (the first rows of a causal layer, the last of a `same` one) read a zero row in
// place of each missing input row, so nobody copies the input into a padded buffer.
#include "ppgscope_kernels.h"

#include <stddef.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define PPG_AVX512 __attribute__((target("avx512f,fma")))
#define PPG_INLINE static inline __attribute__((always_inline))
// The tile loops must unroll fully, or the accumulators live on the stack.
#define UNROLL _Pragma("unroll")

static const float zero_row[PPGSCOPE_CONV1D_MAX_VIRTUAL_PAD_CHANNELS];

int ppgscope_conv1d_direct_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

typedef ppgscope_conv1d_args conv_args;

// Vectors of 16 output channels in the first group of up to 64 channels.
static int vectors_for(int outChannels) { return outChannels >= 64 ? 4 : (outChannels + 15) / 16; }

// One tile: rows [row, row + R) and channels [o0, o0 + 16·V) (the last vector masked by `tail`).
// EDGE tiles look each input row up (zero_row outside the input); the others read it directly.
PPG_INLINE PPG_AVX512 void tile(const conv_args *a, int row, int o0, __mmask16 tail, const int R, const int V,
                                const int EDGE) {
    const int cin = a->inChannels, ldx = a->inputStride, ldw = a->weightStride;
    __m512 acc[12][4];
    UNROLL for (int v = 0; v < V; v++) {
        __mmask16 m = v == V - 1 ? tail : (__mmask16)0xFFFF;
        __m512 b = a->bias ? _mm512_maskz_loadu_ps(m, a->bias + o0 + 16 * v) : _mm512_setzero_ps();
        UNROLL for (int r = 0; r < R; r++) {
            acc[r][v] = a->accumulate ? _mm512_add_ps(b, _mm512_maskz_loadu_ps(m, a->y + (size_t)(row + r) * a->outputStride + o0 + 16 * v)) : b;
        }
    }
    for (int j = 0; j < a->kernelSize; j++) {
        const int first = row + j * a->dilation - a->leftPad; // input row of tile row 0 at tap j
        const float *xj = EDGE ? a->x : a->x + (size_t)first * ldx;
        const float *src[12];
        if (EDGE) {
            UNROLL for (int r = 0; r < R; r++) {
                int i = first + r;
                src[r] = i >= 0 && i < a->inputRows ? a->x + (size_t)i * ldx : zero_row;
            }
        }
        const float *wj = a->w + (size_t)j * cin * ldw + o0;
        for (int c = 0; c < cin; c++) {
            __m512 wv[4];
            UNROLL for (int v = 0; v < V; v++) {
                __mmask16 m = v == V - 1 ? tail : (__mmask16)0xFFFF;
                wv[v] = _mm512_maskz_loadu_ps(m, wj + (size_t)c * ldw + 16 * v);
            }
            UNROLL for (int r = 0; r < R; r++) {
                __m512 xb = _mm512_set1_ps(EDGE ? src[r][c] : xj[(size_t)r * ldx + c]);
                UNROLL for (int v = 0; v < V; v++) acc[r][v] = _mm512_fmadd_ps(xb, wv[v], acc[r][v]);
            }
        }
    }
    const __m512 zero = _mm512_setzero_ps();
    UNROLL for (int r = 0; r < R; r++) {
        float *yr = a->y + (size_t)(row + r) * a->outputStride + o0;
        UNROLL for (int v = 0; v < V; v++) {
            __mmask16 m = v == V - 1 ? tail : (__mmask16)0xFFFF;
            // max(0, acc) with the accumulator second: VMAXPS returns its second operand when either
            // is NaN, so a NaN stays NaN (as in Keras) instead of becoming 0.
            __m512 out = a->relu ? _mm512_max_ps(zero, acc[r][v]) : acc[r][v];
            _mm512_mask_storeu_ps(yr + 16 * v, m, out);
        }
    }
}

// Whether every tap of rows [row, row + R) reads inside the input.
PPG_INLINE int interior(const conv_args *a, int row, int R) {
    return row - a->leftPad >= 0 && row + R - 1 + (a->kernelSize - 1) * a->dilation - a->leftPad < a->inputRows;
}

PPG_INLINE PPG_AVX512 void any_tile(const conv_args *a, int row, int o0, __mmask16 tail, const int R, const int V) {
    if (interior(a, row, R)) tile(a, row, o0, tail, R, V, 0);
    else tile(a, row, o0, tail, R, V, 1);
}

// All rows for one group of V vectors: full tiles of RMAX rows, then one smaller tile.
#define ROWS_FOR_V(V, RMAX)                                                                         \
    PPG_AVX512 static void rows_v##V(const conv_args *a, int first, int count, int o0, __mmask16 tail) { \
        int r = first, end = first + count;                                                         \
        for (; r + RMAX <= end; r += RMAX) any_tile(a, r, o0, tail, RMAX, V);                       \
        switch (end - r) {                                                                          \
        case 0: break;                                                                              \
        ROW_CASES_##RMAX(V)                                                                         \
        }                                                                                           \
    }

#define RC(n, V) case n: any_tile(a, r, o0, tail, n, V); break;
#define ROW_CASES_6(V) RC(1, V) RC(2, V) RC(3, V) RC(4, V) RC(5, V)
#define ROW_CASES_8(V) ROW_CASES_6(V) RC(6, V) RC(7, V)
#define ROW_CASES_12(V) ROW_CASES_8(V) RC(8, V) RC(9, V) RC(10, V) RC(11, V)

ROWS_FOR_V(1, 12)
ROWS_FOR_V(2, 12)
ROWS_FOR_V(3, 8)
ROWS_FOR_V(4, 6)

void ppgscope_conv1d_direct(const ppgscope_conv1d_args *a, int firstRow, int rowCount) {
    const int outChannels = a->outChannels;
    // Output channels in groups of up to 64 (4 vectors); the last vector of the last group masked.
    int o0 = 0;
    while (o0 < outChannels) {
        int remaining = outChannels - o0;
        int vectors = vectors_for(remaining);
        int width = remaining >= 64 ? 64 : remaining;
        int lastLanes = width - 16 * (vectors - 1);
        __mmask16 tail = (__mmask16)(lastLanes == 16 ? 0xFFFF : ((1u << lastLanes) - 1));
        switch (vectors) {
        case 1: rows_v1(a, firstRow, rowCount, o0, tail); break;
        case 2: rows_v2(a, firstRow, rowCount, o0, tail); break;
        case 3: rows_v3(a, firstRow, rowCount, o0, tail); break;
        default: rows_v4(a, firstRow, rowCount, o0, tail); break;
        }
        o0 += width;
    }
}

int ppgscope_conv1d_direct_tile_rows(int outChannels) {
    int vectors = vectors_for(outChannels);
    return vectors >= 4 ? 6 : vectors == 3 ? 8 : 12;
}

#else

int ppgscope_conv1d_direct_available(void) { return 0; }

int ppgscope_conv1d_direct_tile_rows(int outChannels) { (void)outChannels; return 1; }

void ppgscope_conv1d_direct(const ppgscope_conv1d_args *a, int firstRow, int rowCount) {
    (void)a; (void)firstRow; (void)rowCount;
}

#endif
