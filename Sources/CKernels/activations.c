// Element-wise activations with glibc's libmvec (see ppgscope_activations.h).
#include "ppgscope_activations.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define PPG_AVX512 __attribute__((target("avx512f")))

// libmvec's AVX-512 variants (x86_64 vector ABI, 16 floats in a zmm register).
PPG_AVX512 __m512 _ZGVeN16v_expf(__m512);
PPG_AVX512 __m512 _ZGVeN16v_expm1f(__m512);
PPG_AVX512 __m512 _ZGVeN16v_erfcf(__m512);
PPG_AVX512 __m512 _ZGVeN16v_tanhf(__m512);
PPG_AVX512 __m512 _ZGVeN16v_log1pf(__m512);

int ppgscope_activation_vector_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

// libmvec's functions leave their fast path, for a scalar call per lane (15–400 times slower),
// where the result underflows or overflows: exp beyond ±87.3, expm1 below −88, erfc above 9.2. The
// wrappers below keep the arguments inside the fast range with the same results. The clamps take
// the constant first: MINPS/MAXPS return their second operand when one is NaN, so NaN passes.

// exp(u) over the whole range: exp(head)·exp(rest), head = u clamped to ±87 and rest = u − head
// clamped to [−18, 3], where exp(rest) = 1 exactly for |u| ≤ 87 (the result of exp(u) to the bit);
// beyond, the product rounds once to the subnormal or infinite result.
static inline PPG_AVX512 __m512 exp_wide(__m512 u) {
    __m512 head = _mm512_max_ps(_mm512_set1_ps(-87), _mm512_min_ps(_mm512_set1_ps(87), u));
    __m512 rest = _mm512_max_ps(_mm512_set1_ps(-18), _mm512_min_ps(_mm512_set1_ps(3), _mm512_sub_ps(u, head)));
    return _mm512_mul_ps(_ZGVeN16v_expf(head), _ZGVeN16v_expf(rest));
}

// expm1(x) for x ≤ 0 (the lanes ELU and SELU use): expm1f is −1 exactly below −17.4, so x is
// clamped to [−20, 0] with the same results.
static inline PPG_AVX512 __m512 expm1_nonpositive(__m512 x) {
    return _ZGVeN16v_expm1f(_mm512_max_ps(_mm512_set1_ps(-20), _mm512_min_ps(_mm512_setzero_ps(), x)));
}

// erfc(z), 0 above z = 9 (erfc(9) = 4.1e-37; where GELU uses it, x < −12.7, the exact product
// is below 3e-36 in magnitude, and Keras' 0.5·x·(1 + erf(x/√2)) is −0 there too).
static inline PPG_AVX512 __m512 erfc_to_zero(__m512 z) {
    __mmask16 beyond = _mm512_cmp_ps_mask(z, _mm512_set1_ps(9), _CMP_GT_OQ);
    return _mm512_maskz_mov_ps((__mmask16)~beyond, _ZGVeN16v_erfcf(_mm512_min_ps(_mm512_set1_ps(9), z)));
}

static inline __attribute__((always_inline)) PPG_AVX512 __m512 activate(ppgscope_activation kind, __m512 x, float a, float b) {
    const __m512 one = _mm512_set1_ps(1), zero = _mm512_setzero_ps();
    const __mmask16 positive = _mm512_cmp_ps_mask(x, zero, _CMP_GT_OQ);
    const __mmask16 minusInfinity = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-__builtin_inff()), _CMP_EQ_OQ);
    switch (kind) {
    case PPGSCOPE_ACT_ELU:
        return _mm512_mask_blend_ps(positive, _mm512_mul_ps(_mm512_set1_ps(a), expm1_nonpositive(x)), x);
    case PPGSCOPE_ACT_SELU:
        return _mm512_mask_blend_ps(positive, _mm512_mul_ps(_mm512_set1_ps(a), expm1_nonpositive(x)),
                                    _mm512_mul_ps(_mm512_set1_ps(b), x));
    case PPGSCOPE_ACT_GELU_ERF: {
        // Where every lane is saturated, GELU is x (x ≥ 5.5: erfc(−x/√2) rounds to 2) or 0
        // (x < −12.7, as erfc_to_zero gives): no erfc call. NaN lanes take the full path.
        const __mmask16 high = _mm512_cmp_ps_mask(x, _mm512_set1_ps(5.5f), _CMP_GE_OQ);
        const __mmask16 low = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-12.75f), _CMP_LE_OQ);
        if ((__mmask16)(high | low) == (__mmask16)0xFFFF) return _mm512_maskz_mov_ps(high, x);
        __m512 c = erfc_to_zero(_mm512_mul_ps(x, _mm512_set1_ps(-0.70710678118654752440f)));
        __m512 y = _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), x), c);
        return _mm512_mask_blend_ps(minusInfinity, y, zero);
    }
    case PPGSCOPE_ACT_GELU_TANH: {
        __m512 cube = _mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.044715f), x), x), x);
        __m512 u = _mm512_mul_ps(_mm512_set1_ps(-1.5957691216057307118f), _mm512_add_ps(x, cube));
        __m512 y = _mm512_div_ps(x, _mm512_add_ps(one, exp_wide(u)));
        return _mm512_mask_blend_ps(minusInfinity, y, zero);
    }
    case PPGSCOPE_ACT_TANH:
        return _ZGVeN16v_tanhf(x);
    case PPGSCOPE_ACT_SIGMOID:
        return _mm512_div_ps(one, _mm512_add_ps(one, exp_wide(_mm512_sub_ps(zero, x))));
    case PPGSCOPE_ACT_SWISH: {
        __m512 y = _mm512_div_ps(x, _mm512_add_ps(one, exp_wide(_mm512_sub_ps(zero, x))));
        return _mm512_mask_blend_ps(minusInfinity, y, zero);
    }
    case PPGSCOPE_ACT_SOFTPLUS: {
        // max(x, 0) as a blend so that NaN is not turned into 0 (the log1p term carries it anyway).
        __m512 magnitude = _mm512_abs_ps(x);
        __m512 tail = _ZGVeN16v_log1pf(exp_wide(_mm512_sub_ps(zero, magnitude)));
        return _mm512_add_ps(_mm512_mask_blend_ps(positive, zero, x), tail);
    }
    }
    return x;
}

// One loop per kind: `activate` is inlined with a constant kind, so its switch folds away.
static inline __attribute__((always_inline)) PPG_AVX512 void apply_kind(ppgscope_activation kind, float *x, long n,
                                                                       float a, float b) {
    long i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, activate(kind, _mm512_loadu_ps(x + i), a, b));
    if (i < n) {
        __mmask16 tail = (__mmask16)((1u << (n - i)) - 1);
        __m512 v = _mm512_mask_loadu_ps(_mm512_setzero_ps(), tail, x + i);
        _mm512_mask_storeu_ps(x + i, tail, activate(kind, v, a, b));
    }
}

static PPG_AVX512 void apply_avx512(ppgscope_activation kind, float *x, long n, float a, float b) {
    switch (kind) {
    case PPGSCOPE_ACT_ELU: apply_kind(PPGSCOPE_ACT_ELU, x, n, a, b); break;
    case PPGSCOPE_ACT_SELU: apply_kind(PPGSCOPE_ACT_SELU, x, n, a, b); break;
    case PPGSCOPE_ACT_GELU_ERF: apply_kind(PPGSCOPE_ACT_GELU_ERF, x, n, a, b); break;
    case PPGSCOPE_ACT_GELU_TANH: apply_kind(PPGSCOPE_ACT_GELU_TANH, x, n, a, b); break;
    case PPGSCOPE_ACT_TANH: apply_kind(PPGSCOPE_ACT_TANH, x, n, a, b); break;
    case PPGSCOPE_ACT_SIGMOID: apply_kind(PPGSCOPE_ACT_SIGMOID, x, n, a, b); break;
    case PPGSCOPE_ACT_SWISH: apply_kind(PPGSCOPE_ACT_SWISH, x, n, a, b); break;
    case PPGSCOPE_ACT_SOFTPLUS: apply_kind(PPGSCOPE_ACT_SOFTPLUS, x, n, a, b); break;
    }
}

int ppgscope_activation_apply(ppgscope_activation kind, float *x, long n, float a, float b) {
    if (!ppgscope_activation_vector_available()) return 0;
    apply_avx512(kind, x, n, a, b);
    return 1;
}

#else
int ppgscope_activation_vector_available(void) { return 0; }
int ppgscope_activation_apply(ppgscope_activation kind, float *x, long n, float a, float b) {
    (void)kind; (void)x; (void)n; (void)a; (void)b;
    return 0;
}
#endif
